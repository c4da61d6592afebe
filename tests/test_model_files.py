"""Weights joined from parts into the model cache: the digest is checked, and checked once."""

import hashlib
import os
from pathlib import Path

import pytest

from pipelines import model_files
from pipelines.errors import BackendUnavailable


@pytest.fixture
def cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty model cache, and a process that has checked nothing yet."""
    monkeypatch.setenv(model_files.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(model_files, "_verified", set())
    return tmp_path / "cache"


@pytest.fixture
def parts(tmp_path: Path) -> list[Path]:
    """Three part files whose concatenation is b"abc" * 1000 + b"def" * 1000 + b"ghi"."""
    paths = []
    for number, content in enumerate((b"abc" * 1000, b"def" * 1000, b"ghi")):
        path = tmp_path / f"part{number:02d}.bin"
        path.write_bytes(content)
        paths.append(path)
    return paths


def digest(*chunks: bytes) -> str:
    return hashlib.sha256(b"".join(chunks)).hexdigest()


def test_parts_are_joined_once_and_the_digest_is_not_read_again_by_a_new_process(
    cache: Path, parts: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = digest(*(p.read_bytes() for p in parts))
    path = model_files.joined_file(parts, "model.bin", expected, "pip install parts")
    assert path == cache / "model.bin"
    assert path.read_bytes() == b"".join(p.read_bytes() for p in parts)

    hashed: list[Path] = []
    real_sha256_of = model_files.sha256_of

    def counting(target: Path) -> str:
        hashed.append(target)
        return real_sha256_of(target)

    monkeypatch.setattr(model_files, "sha256_of", counting)
    monkeypatch.setattr(model_files, "_verified", set())  # as a fresh process
    assert model_files.joined_file(parts, "model.bin", expected, "pip install parts") == path
    assert hashed == []  # the stamp beside the file vouches for it


def test_a_cached_file_changed_after_its_check_is_hashed_again_and_made_again(
    cache: Path, parts: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = digest(*(p.read_bytes() for p in parts))
    path = model_files.joined_file(parts, "model.bin", expected, "pip install parts")
    path.write_bytes(b"tampered")
    status = path.stat()
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))
    monkeypatch.setattr(model_files, "_verified", set())
    model_files.joined_file(parts, "model.bin", expected, "pip install parts")
    assert path.read_bytes() == b"".join(p.read_bytes() for p in parts)


def test_parts_with_another_digest_are_refused_with_the_install_hint(
    cache: Path, parts: list[Path]
) -> None:
    with pytest.raises(BackendUnavailable, match="pip install parts"):
        model_files.joined_file(parts, "model.bin", digest(b"other"), "pip install parts")
    assert not (cache / "model.bin").exists()
    assert not list(cache.glob(".*partial"))


def test_a_recorded_file_is_ready_once_made_and_not_after_it_changes(cache: Path) -> None:
    made: list[Path] = []

    def make(target: Path) -> None:
        made.append(target)
        target.write_bytes(b"patched model")

    assert not model_files.recorded_file_ready("patched.onnx")
    path = model_files.recorded_file("patched.onnx", make)
    assert model_files.recorded_file_ready("patched.onnx")
    assert model_files.recorded_file("patched.onnx", make) == path
    assert len(made) == 1

    path.write_bytes(b"another model")  # changed behind the cache's back
    model_files._verified.clear()  # as a new process sees it
    assert not model_files.recorded_file_ready("patched.onnx")
    model_files.recorded_file("patched.onnx", make)
    assert len(made) == 2
    assert path.read_bytes() == b"patched model"
