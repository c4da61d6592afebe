"""Any Piper voice by path: the offline Piper backend with a voice you downloaded.

Piper voices (an ``.onnx`` file and its ``.onnx.json``) exist for some 40 languages and many
speakers; this backend is ``pipelines.speech.piper_voice.PiperSpeech`` with the voice files named in
settings, e.g. ``backend_options: {"piper-path": {"model_path": "de_DE-thorsten-high.onnx"}}``
(the config defaults to the model path plus ".json"). Phoneme timings, sentence cues, rate and
pitch work exactly as with the bundled voice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pipelines.config import Limits
from pipelines.errors import BackendUnavailable
from pipelines.speech.piper_voice import PiperSpeech


class PiperVoiceFile(PiperSpeech):
    """A Piper ONNX voice loaded from the paths in its options.

    Attributes:
        name: Registry name.
    """

    name: ClassVar[str] = "piper-path"

    def __init__(
        self,
        model_path: str | Path | None = None,
        config_path: str | Path | None = None,
        limits: Limits | None = None,
        sentence_pause_seconds: float = 0.2,
    ) -> None:
        """Loads the voice.

        Args:
            model_path: The voice's .onnx file (required).
            config_path: Its .onnx.json; default model_path + ".json".
            limits: max_audio_seconds and max_text_chars are enforced.
            sentence_pause_seconds: Silence between sentences at rate 1, in seconds.

        Raises:
            BackendUnavailable: No model_path, or the files are missing.
        """
        reason = self.missing_weights({"model_path": model_path, "config_path": config_path})
        if reason:
            raise BackendUnavailable(f"The piper-path speech backend {reason}.")
        super().__init__(model_path, config_path, limits, sentence_pause_seconds)

    @classmethod
    def missing_weights(cls, options: dict[str, Any]) -> str | None:
        """Why the configured voice files cannot load (None when both exist)."""
        model_path = options.get("model_path")
        if not model_path:
            return (
                "needs a Piper voice: set backend_options['piper-path'] to "
                "{'model_path': '/path/voice.onnx'} (its .onnx.json beside it)"
            )
        model = Path(model_path).expanduser()
        config = Path(options.get("config_path") or f"{model}.json").expanduser()
        missing = [str(path) for path in (model, config) if not path.is_file()]
        if missing:
            return f"needs the Piper voice files {', '.join(missing)}"
        return None

    @classmethod
    def fetch_weights(cls, options: dict[str, Any]) -> list[str]:
        """Nothing to fetch: Piper voices are downloaded by hand and named by path."""
        del options
        return []
