"""The Space's settings, the README and the two dependency lists agree."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _front_matter(text: str) -> dict:
    match = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    assert match, "README.md must start with YAML front matter for Hugging Face Spaces"
    return yaml.safe_load(match.group(1))


def test_readme_front_matter_equals_spaces_config() -> None:
    config = yaml.safe_load((ROOT / "spaces_config.yaml").read_text(encoding="utf-8"))
    readme = _front_matter((ROOT / "README.md").read_text(encoding="utf-8"))
    assert readme == config


def test_requirements_agree_with_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    requirements = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert sorted(requirements) == sorted(project["dependencies"])


def test_gradio_is_pinned_to_the_spaces_sdk_version_and_installed() -> None:
    config = yaml.safe_load((ROOT / "spaces_config.yaml").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    gradio_pins = [
        d for d in project["dependencies"] if re.split(r"[\s=<>~!\[;]", d)[0] == "gradio"
    ]
    assert gradio_pins == [f"gradio=={config['sdk_version']}"]
    assert importlib.metadata.version("gradio") == config["sdk_version"]


def test_import_pipelines_stays_light() -> None:
    code = (
        "import sys, pipelines; heavy = {'torch', 'gradio', 'mediapipe', 'cv2', 'piper', "
        "'xllamacpp', 'transformers', 'ray'}; "
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make test" in ci
    assert "make test" in readme
