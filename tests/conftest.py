"""Fixtures shared by the test modules: real photos, real audio, one pipeline per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Quiet MediaPipe/TFLite native logging in test output.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "assets" / "examples"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def examples() -> Path:
    """Folder of the real example photos (see assets/examples/SOURCES.md)."""
    return EXAMPLES


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Folder of the real test audio (see tests/data/SOURCES.md)."""
    return DATA


@pytest.fixture(scope="session")
def faces_backend():
    """One real MediaPipe face backend for the scene tests (pipelines.faces.MediaPipeFaces)."""
    from pipelines.faces.mediapipe_faces import MediaPipeFaces

    return MediaPipeFaces()


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory: pytest.TempPathFactory):
    """One offline pipeline for the whole session, so each model loads once."""
    from pipelines import Settings, TalkingPhotoPipeline

    out = tmp_path_factory.mktemp("outputs")
    return TalkingPhotoPipeline(Settings(output_dir=out))


@pytest.fixture(scope="session")
def english_reference() -> str:
    """What is said in tests/data/english_speech_16k.wav (its reference transcript)."""
    lines = (DATA / "english_speech_16k.txt").read_text(encoding="utf-8").splitlines()
    return " ".join(line for line in lines if line.strip() and not line.startswith("#"))


@pytest.fixture(scope="module")
def app_url(pipeline) -> Iterator[str]:
    """The web app launched on a free localhost port around the session's pipeline (one per
    test module; a module may override it to launch another app)."""
    from tests.launched_app import launched_app

    with launched_app(pipeline) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright, one per test module (skipped without it)."""
    from tests.launched_app import CHROMIUM, launched_chromium

    if not CHROMIUM.exists():
        pytest.skip("Chromium not installed: apt-get install chromium")
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture(scope="session")
def ray_cluster():
    """A local Ray cluster of 2 CPUs for the session (the ray extra); shut down at the end."""
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install -e '.[ray]')")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()
