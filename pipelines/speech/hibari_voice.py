"""Text to speech with hibari's "heart" voice (an American woman), timed per phoneme.

hibari-tts 0.2.1 ships one voice in its wheel: a small ONNX network that predicts, per 12.5 ms
frame, a vocoder's parameters (the harmonic envelope, its phase, a noise envelope, a free-phase
residual and the pitch F0); ``hibari.dsp.synth`` turns them into 24 kHz audio. The network also
computes how long each phoneme lasts; that tensor (``/Clip_output_0``, in units of 600
samples, one per phoneme id, padding included) is not an output of the shipped graph, so it is
added as one the first time the model is loaded (the file is checked against its sha256; the
patched copy is kept in the model cache).

Because the parameters come before the waveform, pitch and formants are shifted here without
touching time: the F0 curve is scaled (pitch), and the envelopes are stretched along the
frequency axis (formants). The harmonics sample the envelope at their new frequencies, so a
pitch shift alone keeps the voice's formants, as a higher-pitched speaker of the same size
would; the catalogue's child voice moves both. A lowered pitch also gets the envelope held
flat below the original pitch (``fill_below_pitch``). Every phoneme time stays exactly as
predicted.

Phoneme symbols follow ``pipelines.types.Phoneme`` (espeak-style IPA): hibari's own letters for
diphthongs and affricates (misaki's alphabet: "A", "I", "O", "W", "Y", "ʤ", "ʧ", "ᵊ") are
written out in IPA ("eɪ", "aɪ", "oʊ", ...), so the mouth shapes read them like Piper's.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from pipelines.config import Limits
from pipelines.errors import BackendUnavailable, BadInputError
from pipelines.model_files import recorded_file
from pipelines.protocols import Voice
from pipelines.speech.piper_voice import (
    SENTENCE_PEAK,
    check_rate_and_pitch,
    checked_text,
    join_sentences,
)
from pipelines.speech.timing import (
    MISAKI_TO_IPA,
    expose_durations,
    fit_counts,
    merge_modifiers,
    timed_phonemes,
)
from pipelines.text import split_sentences
from pipelines.types import Speech

logger = logging.getLogger(__name__)

#: sha256 of hibari-tts 0.2.1's bundled "heart" model (hibari/assets/hibari.onnx).
HEART_SHA256 = "5f70741d4e900f4e85d0037498736cc1b3e1b9a63a13546a5da1e63abf4fccd8"
#: The graph tensor holding each phoneme id's duration, rounded and clipped, in units.
DURATION_TENSOR = "/Clip_output_0"
#: Audio samples per duration unit (two 300-sample vocoder frames: 25 ms at 24 kHz).
SAMPLES_PER_UNIT = 600
#: How far the sound of a phoneme comes before its label, in samples (37.5 ms): the vocoder's
#: frames are centred on their labels (half its 1200-sample window is 25 ms) and the network
#: leads a little more. Every label is moved this much earlier (the leading pad gives the time,
#: the trailing pad takes it), so the labels meet the sound as Piper's do. Measured on four
#: sentences, the shift that best lines "a phone is sounding" up with the audio's energy: Piper
#: +2.5 ms (median), hibari -42 ms before, -7.5 ms after.
LABEL_LEAD_SAMPLES = 900
#: Longest phoneme string the model is given at once (hibari's own limit); longer sentences are
#: cut at clause punctuation.
MAX_PHONEMES = 400
#: Widest formant (spectral-envelope) factor accepted.
MIN_FORMANT, MAX_FORMANT = 0.7, 1.4
_CLAUSE = re.compile(r"(?<=[,;:—])\s+")


class HibariSpeech:
    """Speech from hibari's bundled "heart" voice, with per-phoneme timings.

    Loads the model once; ``synthesize`` is thread-safe (one call runs at a time).

    Args:
        limits: ``max_audio_seconds`` and ``max_text_chars`` are enforced.
        sentence_pause_seconds: Silence between sentences at rate 1, in seconds.
        threads: onnxruntime threads (one is plenty: the model runs ~100x real time).

    Raises:
        BackendUnavailable: hibari-tts or onnx is missing, or the model is not the one pinned.
    """

    name: ClassVar[str] = "hibari"
    sample_rate: ClassVar[int] = 24000
    voice_names: ClassVar[tuple[str, ...]] = ("default", "heart")
    language: ClassVar[str] = "en"

    def __init__(
        self,
        limits: Limits | None = None,
        sentence_pause_seconds: float = 0.2,
        threads: int = 1,
    ) -> None:
        try:
            import onnxruntime
            from hibari import dsp
            from hibari.g2p import G2P
            from hibari.voices import voice_path
        except ImportError as error:
            raise BackendUnavailable(
                "The hibari voice needs hibari-tts and onnx: pip install hibari-tts==0.2.1 onnx"
            ) from error
        self.limits = limits or Limits()
        self.sentence_pause_seconds = float(sentence_pause_seconds)
        model_path = Path(voice_path("heart", download_missing=False))
        self._synth = dsp.synth
        self._g2p = G2P()
        vocab_path = model_path.parent / "vocab.json"
        self._vocab: dict[str, int] = json.loads(vocab_path.read_text(encoding="utf-8"))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = threads
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            str(timed_model_path(model_path)), options, providers=["CPUExecutionProvider"]
        )
        self._lock = threading.Lock()
        logger.info("Loaded the hibari voice (24 kHz) with phoneme durations")

    def synthesize(self, text: str, voice: Voice) -> Speech:
        """Speaks the text.

        Args:
            text: One or more sentences.
            voice: Rate (hibari's speed), pitch shift in semitones and formant factor; its
                name must be one of ``voice_names``.

        Returns:
            24 kHz Speech with phonemes tiling the audio and one cue per sentence.

        Raises:
            BadInputError: Empty text, nothing sayable, or a voice setting out of range.
            LimitExceeded: Text over ``max_text_chars`` or speech over ``max_audio_seconds``.
        """
        check_voice(voice, self.voice_names)
        stripped = checked_text(text, self.limits)
        sentences = [(s, self._phonemes(s)) for s in split_sentences(stripped)]
        sentences = [(s, chunks) for s, chunks in sentences if chunks]
        if not sentences:
            raise BadInputError("voice.cannot_say_english")
        with self._lock:
            samples, tokens, cues = join_sentences(
                ((sentence, *self._sentence(chunks, voice)) for sentence, chunks in sentences),
                pause_seconds=self.sentence_pause_seconds / voice.rate,
                sample_rate=self.sample_rate,
                max_audio_seconds=self.limits.max_audio_seconds,
            )
        return Speech(
            audio=samples,
            sample_rate=self.sample_rate,
            phonemes=timed_phonemes(tokens, self.sample_rate),
            cues=cues,
            text=stripped,
            lang="en",
            voice=self.name,
        )

    def _phonemes(self, sentence: str) -> list[str]:
        """The sentence in the model's phoneme letters, cut into pieces the model takes."""
        phonemes = "".join(c for c in self._g2p(sentence) if c in self._vocab).strip()
        if not any(c.isalpha() for c in phonemes):
            logger.info("Skipped a sentence of %d characters the voice cannot say", len(sentence))
            return []
        if len(phonemes) <= MAX_PHONEMES:
            return [phonemes]
        chunks, current = [], ""
        for part in _CLAUSE.split(phonemes):
            if current and len(current) + len(part) + 1 > MAX_PHONEMES:
                chunks.append(current)
                current = part
            else:
                current = f"{current} {part}" if current else part
        chunks.append(current)
        return [chunk[:MAX_PHONEMES] for chunk in chunks]

    def _sentence(
        self, chunks: list[str], voice: Voice
    ) -> tuple[np.ndarray, list[tuple[str, int]]]:
        """(N,) float32 audio of one sentence and its (symbol, samples) tokens summing to N."""
        pieces: list[np.ndarray] = []
        tokens: list[tuple[str, int]] = []
        for chunk in chunks:
            audio, chunk_tokens = self._chunk(chunk, voice)
            pieces.append(audio)
            tokens.extend(chunk_tokens)
        audio = np.concatenate(pieces)
        peak = float(np.abs(audio).max()) if audio.size else 0.0
        if peak > 0:
            audio = audio * (SENTENCE_PEAK / peak)
        return audio.astype(np.float32), tokens

    def _chunk(self, phonemes: str, voice: Voice) -> tuple[np.ndarray, list[tuple[str, int]]]:
        """Audio of one phoneme string and its (symbol, samples) tokens, pads as "^" / "$"."""
        ids = [0, *(self._vocab[c] for c in phonemes), 0]
        outputs = self._session.run(
            None,
            {
                "ids": np.asarray([ids], np.int64),
                "speed": np.asarray([voice.rate], np.float32),
            },
        )
        named = dict(zip((o.name for o in self._session.get_outputs()), outputs, strict=True))
        durations = np.rint(named.pop(DURATION_TENSOR)).astype(np.int64).reshape(-1)
        envelope, phase, noise, residual, residual_phase, f0 = (o[0] for o in named.values())
        pitch_factor = 2.0 ** (voice.pitch_semitones / 12.0)
        if voice.formant_factor != 1.0:
            envelope, phase, noise, residual = (
                warp_frequency(part, voice.formant_factor)
                for part in (envelope, phase, noise, residual)
            )
        if pitch_factor < 1.0:
            envelope = fill_below_pitch(envelope, f0)
        f0 = f0 * np.float32(pitch_factor)
        audio = self._synth(
            envelope, phase, noise, residual, residual_phase, f0, np.random.default_rng(0)
        )
        audio = np.asarray(audio, np.float32)
        symbols = ["^", *(MISAKI_TO_IPA.get(c, c) for c in phonemes), "$"]
        counts = [int(units) * SAMPLES_PER_UNIT for units in durations]
        if len(counts) > 1:  # the sound leads its frames' labels: move the labels earlier
            lead = min(LABEL_LEAD_SAMPLES, counts[0])
            counts[0] -= lead
            counts[-1] += lead
        if len(counts) != len(symbols):
            raise BackendUnavailable(
                f"The hibari model gave {len(counts)} durations for {len(symbols)} phonemes; "
                "it is not the pinned hibari-tts 0.2.1 model."
            )
        return audio, merge_modifiers(
            fit_counts(list(zip(symbols, counts, strict=True)), len(audio))
        )


def check_voice(voice: Voice, names: tuple[str, ...]) -> None:
    """Refuses a voice name, rate, pitch or formant factor this engine cannot use.

    Raises:
        BadInputError: The message names the setting and its range.
    """
    if voice.name not in names:
        raise BadInputError("voice.unknown_in_engine", name=voice.name, choices=", ".join(names))
    check_rate_and_pitch(voice)
    if not MIN_FORMANT <= voice.formant_factor <= MAX_FORMANT:
        raise BadInputError(
            "voice.formant_range", factor=voice.formant_factor, least=MIN_FORMANT, most=MAX_FORMANT
        )


def warp_frequency(spectrum: np.ndarray, factor: float) -> np.ndarray:
    """Stretches a (bins, frames) spectrum along frequency: what was at f moves to f * factor.

    Values past the top bin repeat the top bin. Works on log magnitudes and phases alike
    (linear interpolation between neighbouring bins).
    """
    bins = spectrum.shape[0]
    source = np.arange(bins, dtype=np.float32) / np.float32(factor)
    low = np.clip(np.floor(source).astype(np.int64), 0, bins - 1)
    high = np.clip(low + 1, 0, bins - 1)
    weight = np.clip(source - low, 0.0, 1.0).astype(np.float32)[:, None]
    warped = spectrum[low] * (1.0 - weight) + spectrum[high] * weight
    return np.ascontiguousarray(warped, dtype=np.float32)


def fill_below_pitch(envelope: np.ndarray, f0: np.ndarray) -> np.ndarray:
    """The (bins, frames) log harmonic envelope, held flat below each voiced frame's F0.

    The network never puts energy below the voice's own pitch, so a lowered pitch would fall
    where the envelope is near silent: the fundamental turns weak, the voice thin, and the ear
    (and pitch trackers) hear the second harmonic instead. Extending the envelope at the
    pitch's own level down to 0 Hz keeps the lowered fundamental as strong as the original.

    Args:
        envelope: (bins, frames) log magnitudes; bin k is k * 20 Hz (n_fft 1200 at 24 kHz).
        f0: (frames,) the voice's own F0 in Hz (below 40 Hz: unvoiced, left alone).
    """
    bins, frames = envelope.shape
    hz_per_bin = 24000.0 / (2 * (bins - 1))
    top = np.clip(np.ceil(np.asarray(f0, np.float64) / hz_per_bin).astype(np.int64), 0, bins - 1)
    level = envelope[top, np.arange(frames)]
    below = (np.arange(bins)[:, None] < top[None, :]) & (np.asarray(f0)[None, :] > 40.0)
    return np.where(below, np.maximum(envelope, level[None, :]), envelope).astype(np.float32)


def timed_model_path(model_path: Path) -> Path:
    """The model, checked against its sha256, with the duration tensor as an output.

    The patched copy is made once and kept in the model cache beside a record of its own
    digest (``pipelines.model_files.recorded_file``), so a cold start neither imports onnx
    (~0.6 s) nor parses and re-serialises the graph.

    Raises:
        BackendUnavailable: The file is not the pinned model, or has no duration tensor.
    """
    data = model_path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != HEART_SHA256:
        raise BackendUnavailable(
            f"The hibari model {model_path} is not the one this project was tested with "
            f"(sha256 {digest[:12]}…); install hibari-tts==0.2.1."
        )

    def patch(target: Path) -> None:
        target.write_bytes(_with_duration_output(data))

    return recorded_file(f"hibari-heart-{HEART_SHA256[:12]}-durations.onnx", patch)


def _with_duration_output(data: bytes) -> bytes:
    """The model's bytes with the duration tensor added as an output.

    Raises:
        BackendUnavailable: The model has no duration tensor.
    """
    import onnx

    model: Any = onnx.load_from_string(data)
    expose_durations(model, DURATION_TENSOR, "hibari model", "install hibari-tts==0.2.1.")
    return model.SerializeToString()
