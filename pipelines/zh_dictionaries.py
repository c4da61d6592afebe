"""jieba's and pypinyin's dictionaries, loaded from one cached file instead of being rebuilt.

Two stages use them: the Mandarin reader (``speech.zh_phonemes.MandarinPhonemizer``) and the
check for names a model invented in a Chinese line (``dialogue.names_zh``), so they live here,
in neither stage. The reader needs four tables that its libraries build in Python at every
start: jieba's word frequencies (a prefix dictionary built from its dict.txt), jieba's
part-of-speech tags (parsed from the same file), pypinyin's phrase readings with pypinyin-dict's
large phrase list added (pypinyin's own readings win), and the word-prefix set pypinyin's
segmenter trains from them. Built, they took ~2.5 CPU-s of a cold Chinese render.

``load_reader_dictionaries`` builds them once, keeps them in the model cache
(``model_files.model_cache_dir()``) as one marshal file named after the versions of the
libraries and of Python (so an upgrade builds it again), with its digest recorded beside it
(``model_files.recorded_file``), and in later processes puts the stored tables in place of the
libraries' own. The tables are equal to the built ones, so every reading is unchanged. jieba
writes no cache of its own (by default it keeps one in the shared temporary folder).

A file that cannot be read (truncated, another format) is built again. The tables are reached
through the libraries' internals, so their versions are pinned (pyproject.toml); should another
version lack them, the libraries load their tables their own way, as before the cache.

Python's cyclic garbage collector is paused while the tables load: it would otherwise walk the
growing heap of ~400 000 phrase lists many times over (about three times the load itself).
"""

from __future__ import annotations

import contextlib
import gc
import io
import logging
import marshal
import sys
import threading
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

from pipelines.model_files import forget_file, model_cache_dir, recorded_file

logger = logging.getLogger(__name__)

#: Bumped when the stored tables change shape or content (2: pypinyin's own readings win).
FORMAT = 2
#: The libraries whose versions name the cache file.
LIBRARIES = ("jieba", "pypinyin", "pypinyin-dict")
_lock = threading.Lock()
#: Where this process's tables came from: "" (not loaded yet), "cache" or "built".
loaded_from = ""
#: Stored in this order, one marshal record each.
_TABLES = ("phrases", "prefixes", "frequencies", "total", "tags")


def cache_name() -> str:
    """The cache file's name: the format, Python's version and each library's version."""
    versions = "-".join(f"{name}{metadata.version(name)}" for name in LIBRARIES)
    python = f"py{sys.version_info.major}{sys.version_info.minor}"
    return f"zh-reader-v{FORMAT}-{python}-{versions}.marshal"


def cache_path() -> Path:
    """Where the tables are kept (the file may not exist yet)."""
    return model_cache_dir() / cache_name()


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pauses the cyclic garbage collector (it is restored as it was)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_reader_dictionaries() -> None:
    """Puts jieba's and pypinyin's dictionaries in place, from the cache when it is there.

    Idempotent and thread-safe; the first call in a process does the work.

    Raises:
        ImportError: jieba, pypinyin or pypinyin-dict is not installed.
    """
    global loaded_from
    with _lock:
        if loaded_from:
            return
        import jieba

        jieba.setLogLevel(logging.WARNING)
        with _collector_paused():
            try:
                loaded_from = _load()
            except AttributeError as error:  # another jieba or pypinyin than the pinned one
                logger.warning("Mandarin dictionaries not cached (%s); loading them as is", error)
                loaded_from = _libraries_own_load()


def _libraries_own_load() -> str:
    """Loads the tables the libraries' own way (slower, independent of their internals)."""
    import jieba

    jieba.initialize()
    _load_large_phrases()
    return "built"


def _load_large_phrases() -> dict[str, list[list[str]]]:
    """Adds pypinyin-dict's large phrase list to pypinyin's; pypinyin's readings win.

    Where both have a phrase, pypinyin's reading is kept: of the 150 most frequent (by
    jieba's counts) of the 775 phrases they read differently, pypinyin-dict's is wrong in
    most (意思 yì sī, 骨头 gú tou, 舍得 shè de, 送还 sòng hái, 短发 duǎn fā), pypinyin's in a
    few (大夫 dà fū), which ``speech.zh_readings`` mends.

    Returns:
        The phrases added or kept, as pypinyin stores them (one list of readings per character).
    """
    from pypinyin import load_phrases_dict
    from pypinyin.constants import PHRASES_DICT
    from pypinyin_dict.phrase_pinyin_data import large_pinyin

    large = large_pinyin.phrases_dict
    own = {word: PHRASES_DICT[word] for word in large if word in PHRASES_DICT}
    load_phrases_dict(large)
    PHRASES_DICT.update(own)
    return {**large, **own}


def _load() -> str:
    """Loads the tables; says where they came from ("cache" or "built")."""
    built = False

    def build(target: Path) -> None:
        nonlocal built
        tables = _built_tables()
        built = True
        with target.open("wb") as handle:
            for name in _TABLES:
                record = marshal.dumps(tables[name])
                handle.write(len(record).to_bytes(8, "little"))
                handle.write(record)

    try:
        path = recorded_file(cache_name(), build)
    except OSError as error:  # a read-only or full cache: build in memory only
        logger.warning("Could not keep the Mandarin dictionaries in the cache: %s", error)
        if not built:
            _built_tables()
        return "built"
    if built:
        return "built"
    try:
        tables = _read(path)
    except (EOFError, ValueError, TypeError, OSError) as error:
        logger.warning("The cached Mandarin dictionaries are unreadable (%s); building them", error)
        forget_file(cache_name())
        recorded_file(cache_name(), build)
        return "built"
    _install(tables)
    return "cache"


def _read(path: Path) -> dict[str, Any]:
    """The stored tables, each checked for its type (ValueError if one is wrong).

    Each table is a marshal record after its length in bytes (8, little-endian); records are
    decoded from memory (``marshal.load`` on a file reads it in small calls, ~4 x slower) and
    one at a time, so other threads run between them.
    """
    kinds = {"phrases": dict, "prefixes": list, "frequencies": dict, "total": int, "tags": dict}
    data = memoryview(path.read_bytes())
    tables: dict[str, Any] = {}
    start = 0
    for name in _TABLES:
        end = start + 8 + int.from_bytes(data[start : start + 8], "little")
        if end > len(data):
            raise EOFError(f"the file ends inside {name}")
        tables[name] = marshal.loads(data[start + 8 : end])
        if not isinstance(tables[name], kinds[name]):
            raise ValueError(f"{name} is a {type(tables[name]).__name__}")
        start = end
    if start != len(data):
        raise ValueError("data after the last table")
    return tables


def _built_tables() -> dict[str, Any]:
    """Builds the tables as the libraries do and leaves them in place; returns them."""
    import jieba
    import jieba.posseg
    from pypinyin.seg import mmseg

    tokenizer = jieba.dt
    with tokenizer.lock:
        if not tokenizer.initialized:
            # jieba.initialize() without its cache file in the shared temporary folder.
            tokenizer.FREQ, tokenizer.total = tokenizer.gen_pfdict(tokenizer.get_dict_file())
            tokenizer.initialized = True
    phrases = _load_large_phrases()
    logger.info("Built the Mandarin reader's dictionaries")
    return {
        "phrases": phrases,
        "prefixes": list(mmseg.seg._prefix_set._set),
        "frequencies": tokenizer.FREQ,
        "total": tokenizer.total,
        "tags": jieba.posseg.dt.word_tag_tab,
    }


def _install(tables: dict[str, Any]) -> None:
    """Puts stored tables where the libraries look for the ones they build."""
    import jieba
    from pypinyin.constants import PHRASES_DICT
    from pypinyin.seg import mmseg

    # What _load_large_phrases leaves.
    PHRASES_DICT.update(tables["phrases"])
    mmseg.seg._prefix_set._set.update(tables["prefixes"])
    tokenizer = jieba.dt
    with tokenizer.lock:
        if not tokenizer.initialized:
            tokenizer.FREQ, tokenizer.total = tables["frequencies"], tables["total"]
            tokenizer.initialized = True
    if "jieba.posseg" not in sys.modules:
        # Importing jieba.posseg parses dict.txt for its tags; it is given an empty file to
        # parse and the stored tags instead.
        tokenizer.get_dict_file = lambda: io.BytesIO(b"")
        try:
            import jieba.posseg
        finally:
            del tokenizer.get_dict_file
        jieba.posseg.dt.word_tag_tab = tables["tags"]


__all__ = ["FORMAT", "LIBRARIES", "cache_name", "cache_path", "load_reader_dictionaries"]
