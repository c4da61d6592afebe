"""Mandarin speech from Kokoro-82M, timed per pinyin initial and final.

Voices: the catalogue's Mandarin rows (``pipelines.speech.catalogue``): ``zh-male`` (Kokoro
style ``jm_kumo``), ``zh-female`` (``jf_gongitsune``), ``zh-neutral`` (``jm_kumo`` and
``jf_alpha`` averaged, ``STYLE_MIXES``) and ``zh-child`` (``jf_tebukuro``, the highest-pitched
style). Only Japanese style vectors ship offline, yet the multilingual model
reads Mandarin phonemes clearly (see README, 中文).

The line is cut into sentences (``。！？``) and each sentence into clauses (after ``，、；：``);
each clause is read into labelled units (``pipelines.speech.zh_phonemes``), a sentence's units
are spoken in one model call (several when it is longer than the model reads at once) and
each unit is timed from the model's own per-token durations. The phonemes of the result are
those units: pinyin initials ("zh"), finals with their tone ("ang3"), IPA phones of English
words, " " and punctuation for pauses; ``Speech.lang`` is "zh" so the motion stage reads them
with Mandarin mouth shapes. Subtitle cues follow the clauses, at most ``MAX_CUE_CHARS``
characters each unless one clause is longer.

Rate is Kokoro's own speed input; pitch is shifted after synthesis as for the English voice
(``pipelines.audio.shift_pitch`` keeps every time where it was).
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from pipelines.audio import shift_pitch
from pipelines.config import Limits
from pipelines.errors import BackendUnavailable, BadInputError
from pipelines.protocols import Voice
from pipelines.speech.catalogue import AUTO, DEFAULT, ROLES, VOICES, VoiceEntry, voice_names
from pipelines.speech.kokoro_onnx import (
    KOKORO_INSTALL_HINT,
    MAX_TOKENS,
    SAMPLE_RATE,
    read_vocabulary,
)
from pipelines.speech.piper_voice import (
    SENTENCE_PEAK,
    check_rate_and_pitch,
    checked_text,
    join_sentences,
)
from pipelines.speech.timing import SILENCE, timed_phonemes
from pipelines.speech.zh_phonemes import GAP, PAUSE_MARKS, Unit
from pipelines.speech.zh_text import split_clauses
from pipelines.text import split_sentences
from pipelines.types import Speech

if TYPE_CHECKING:
    from pipelines.speech.kokoro_onnx import KokoroModel
    from pipelines.speech.zh_phonemes import MandarinPhonemizer

logger = logging.getLogger(__name__)

#: How much earlier than Kokoro's own durations the phoneme labels are put, in seconds.
#: Measured on a 32 s paragraph (best lag between speech/pause labels and the audio's log
#: energy, 5 ms steps), with the quiet ends of finals relabelled as silence (below): Kokoro's
#: own labels run 25-35 ms behind its sound, both halves alike; moved 20 ms earlier, 5-15 ms,
#: as hibari's English labels do by the same measure (10 ms), so the mouth leads Chinese speech
#: as it leads English (``DEFAULT_LEAD_S``, ``PHONEME_LABEL_DELAY_S``).
LABEL_SHIFT_S = 0.02
#: Unit labels that are not sounds: the word gap and punctuation.
_PAUSES = frozenset({GAP, *PAUSE_MARKS})
#: Kokoro gives the silence that ends a clause or a sentence to the tone mark of the last
#: final (measured: up to 0.7 s of a sentence's last final is silent, so the mouth stayed
#: open through the pause). The quiet end of a final (10 ms frames QUIET_DB below the
#: chunk's loudest, at least MIN_QUIET_TAIL_S long) is labelled as silence instead.
QUIET_DB = 35.0
MIN_QUIET_TAIL_S = 0.06
_QUIET_FRAME = SAMPLE_RATE // 100
#: Most characters in one subtitle cue of a Chinese line (a longer clause keeps its own cue).
MAX_CUE_CHARS = 16
#: Sentences of one line spoken at once (``KokoroModel.PARALLEL_RUNS`` model calls run at once).
PARALLEL_SENTENCES = 2


#: Kokoro's style mix of each Mandarin engine of the voice catalogue
#: (``pipelines.speech.voices.ENGINES``): (style name, weight) pairs, the weights summing to 1.
STYLE_MIXES: dict[str, tuple[tuple[str, float], ...]] = {
    "kokoro-zh-male": (("jm_kumo", 1.0),),
    # jf_gongitsune: CER median 0.00, mean 0.08 on the 20 sentences; jf_alpha, the female
    # voice before, 0.12 and 0.22 (``benchmarks.zh_child``, benchmarks/results/mandarin.md).
    "kokoro-zh-female": (("jf_gongitsune", 1.0),),
    "kokoro-zh-neutral": (("jm_kumo", 0.5), ("jf_alpha", 0.5)),
    # The child: the highest-pitched female style, unshifted (``benchmarks.zh_child``: jf_alpha
    # shifted up four semitones was the least intelligible, with or without its formants moved).
    "kokoro-zh-child": (("jf_tebukuro", 1.0),),
}
#: Spoken once to measure the input ranges of Kokoro's statically quantized convolutions
#: (``kokoro_onnx.quantized_model_path``): statements, questions and exclamations, short and
#: long, numbers, English words, and the tones in every order.
CALIBRATION_LINES = (
    "你好，我在这里站了很久，今天终于可以跟你说话了。",
    "你最喜欢吃什么？我最喜欢吃饺子。",
    "太好了！谢谢你来看我！",
    "这张照片是二零二四年三月十五号在海边拍的，风很大，浪也很高。",
    "Hello，我叫小明，很高兴认识你，我们一起去Starbucks喝咖啡吧。",
    "嗯。",
    "我想告诉你，我过得很好，不用担心，你要照顾好自己。",
    "春天来了，花开了，小鸟在树上唱歌，孩子们在草地上跑来跑去。",
    "你为什么不说话呢？是不是有什么心事？",
    "一百二十三块五毛，比昨天便宜了百分之二十。",
)
#: Kokoro's own style names, accepted as the names of the voices that use them alone.
STYLE_ALIASES: dict[str, str] = {
    "jm_kumo": "zh-male",
    "jf_gongitsune": "zh-female",
    "jf_tebukuro": "zh-child",
}


@dataclass(frozen=True)
class _Clause:
    """One clause of a sentence: its text as typed and its units."""

    text: str
    units: tuple[Unit, ...]


class KokoroMandarinSpeech:
    """Mandarin speech with per-initial/final timings (Kokoro-82M int8 + misaki's pinyin).

    The model run is Kokoro with its costliest vocoder convolutions quantized statically
    (``kokoro_onnx.quantized_model_path``), made and calibrated on ``CALIBRATION_LINES`` the
    first time the voices load (~40 s, once per model cache).

    Loads the model and the Mandarin reader once; ``synthesize`` is thread-safe.

    Args:
        limits: max_text_chars and max_audio_seconds are enforced.
        sentence_pause_seconds: Silence between sentences at rate 1 (divided by the rate).
        threads: onnxruntime threads per model call (None: its default, one per core),
            sleeping when idle. Two by default: on two idle cores a chat answer's first clause
            took 0.32 s per second of audio against 0.51 s on one thread, beside one busy core
            0.55 s against 0.53 s, beside two 0.56 s against 0.74 s (medians of 12; two
            spinning threads: 0.67 s beside one busy core); a line's sentences, spoken two at
            a time, took as long as on one thread each (3.12 s vs 3.05 s for 9.7 s of
            speech), and the audio is bit-identical.

    Raises:
        BackendUnavailable: A model package or misaki[zh] is not installed.
    """

    name: ClassVar[str] = "kokoro-zh"
    #: The languages this backend speaks.
    languages: ClassVar[tuple[str, ...]] = ("zh",)
    language: ClassVar[str] = "zh"

    #: The voice "default" (and "auto") means.
    default_voice: ClassVar[str] = "zh-male"

    def __init__(
        self,
        limits: Limits | None = None,
        sentence_pause_seconds: float = 0.15,
        threads: int | None = 2,
    ) -> None:
        self._model, self._reader, self._lock = _shared_model(threads)
        if sentence_pause_seconds < 0:
            raise ValueError(f"sentence_pause_seconds must be >= 0, got {sentence_pause_seconds}")
        self.limits = limits or Limits()
        self.sentence_pause_seconds = float(sentence_pause_seconds)
        self.sample_rate = SAMPLE_RATE
        self.voice_names: tuple[str, ...] = (
            DEFAULT,
            AUTO,
            *voice_names("zh"),
            *ROLES,
            *STYLE_ALIASES,
        )
        self._styles = {engine: self._mix(mix) for engine, mix in STYLE_MIXES.items()}

    def _mix(self, mix: tuple[tuple[str, float], ...]) -> np.ndarray:
        missing = [name for name, _ in mix if name not in self._model.styles]
        if missing:
            raise BackendUnavailable(f"Kokoro style {missing[0]} is missing: {KOKORO_INSTALL_HINT}")
        return sum(weight * self._model.styles[name] for name, weight in mix)

    def synthesize_with_style(
        self, text: str, mix: tuple[tuple[str, float], ...], voice: Voice
    ) -> Speech:
        """Speaks as ``synthesize`` does, in a Kokoro style mix instead of a catalogue voice.

        For trying voices out (``benchmarks.zh_child``): the voice's rate and pitch shift are
        used, its name is not.

        Args:
            text: One or more sentences.
            mix: (style name, weight) pairs, weights summing to 1 (see ``STYLE_MIXES``).
            voice: Rate and pitch shift (semitones).

        Raises:
            BackendUnavailable: A style is not in the model's voices.
            BadInputError: As ``synthesize``.
        """
        check_rate_and_pitch(voice)
        return self._speak(text, self._mix(mix), voice.rate, voice.pitch_semitones, "")

    def synthesize(self, text: str, voice: Voice) -> Speech:
        """Speaks Mandarin text (English words inside it included).

        Args:
            text: One or more sentences.
            voice: Name (see ``voice_names``), rate and pitch.

        Returns:
            Speech at 24 kHz: tiling phonemes (pinyin initials and finals), cues per clause
            group, ``lang`` "zh".

        Raises:
            BadInputError: Empty text, nothing sayable, or a bad voice, rate or pitch.
            LimitExceeded: Text over max_text_chars or speech over max_audio_seconds.
        """
        entry = self._check_voice(voice)
        return self._speak(
            text,
            self._styles[entry.engine],
            voice.rate,
            voice.pitch_semitones + entry.pitch_semitones,
            entry.name,
        )

    def _speak(
        self, text: str, style: np.ndarray, rate: float, semitones: float, name: str
    ) -> Speech:
        """The speech of ``text`` in a (256,)-per-length style table, pitch shifted."""
        stripped = checked_text(text, self.limits)
        with self._lock:
            sentences = [self._clauses(sentence) for sentence in split_sentences(stripped)]
            sentences = [clauses for clauses in sentences if clauses]
            if not sentences:
                raise BadInputError("voice.nothing_to_say_mandarin")
            audio, tokens, cues = join_sentences(
                self._spoken(sentences, style, rate),
                pause_seconds=self.sentence_pause_seconds / rate,
                sample_rate=SAMPLE_RATE,
                max_audio_seconds=self.limits.max_audio_seconds,
            )
        peak = float(np.max(np.abs(audio)))
        if peak > 0:
            audio = audio * (SENTENCE_PEAK / peak)
        return Speech(
            audio=shift_pitch(audio, semitones),
            sample_rate=SAMPLE_RATE,
            phonemes=timed_phonemes(tokens, SAMPLE_RATE),
            cues=cues,
            text=stripped,
            lang="zh",
            voice=name,
        )

    def _spoken(
        self, sentences: Sequence[Sequence[_Clause]], style: np.ndarray, rate: float
    ) -> Iterator[tuple[list[tuple[str, int, int]], np.ndarray, list[tuple[str, int]]]]:
        """Each sentence's ``_sentence``, in order; up to PARALLEL_SENTENCES spoken at once.

        A sentence's audio is the same as when it is spoken alone; a line of two sentences
        takes the time of its longer one on two free cores. Closing the iterator early (a line
        over the length limit) drops the sentences not started.
        """
        if len(sentences) == 1:
            yield self._sentence(sentences[0], style, rate)
            return
        with ThreadPoolExecutor(PARALLEL_SENTENCES, thread_name_prefix="kokoro") as pool:
            futures = [pool.submit(self._sentence, clauses, style, rate) for clauses in sentences]
            try:
                for future in futures:
                    yield future.result()
            finally:
                for future in futures:
                    future.cancel()

    def _clauses(self, sentence: str) -> list[_Clause]:
        """The sentence's clauses with their units; [] when it has nothing to say."""
        read = [_Clause(c, tuple(self._reader.units(c))) for c in split_clauses(sentence)]
        clauses = [clause for clause in read if clause.units]
        if not any(unit.label not in _PAUSES for c in clauses for unit in c.units):
            return []
        return clauses

    def _sentence(
        self, clauses: Sequence[_Clause], style: np.ndarray, rate: float
    ) -> tuple[list[tuple[str, int, int]], np.ndarray, list[tuple[str, int]]]:
        """(cues, audio, (label, samples) tokens) of a sentence.

        The cues are its clauses grouped by ``group_cues``: (text, start, end) in samples.
        """
        pieces: list[np.ndarray] = []
        tokens: list[tuple[str, int]] = []
        spans: dict[int, list[int]] = {}  # clause index -> [start, end] in samples
        cursor = 0
        for chunk in _chunks(clauses):
            phonemes = "".join(unit.phonemes for _, unit in chunk)
            audio, samples = self._model.infer(phonemes, style, speed=rate)
            # Every label moves LABEL_SHIFT_S earlier: the leading silence gives the time
            # up, the trailing silence takes it.
            shift = min(round(LABEL_SHIFT_S * SAMPLE_RATE), int(samples[0]))
            tokens.append((SILENCE, int(samples[0]) - shift))
            cursor += int(samples[0]) - shift
            position, local = 1, int(samples[0])  # token index, sample in this chunk's audio
            floor = quiet_floor(audio)
            for index, unit in chunk:
                count = int(samples[position : position + len(unit.phonemes)].sum())
                position += len(unit.phonemes)
                # A final whose sound stops before its time is up: the rest is silence.
                tail = quiet_tail(audio[local : local + count], floor) if _is_final(unit) else 0
                tokens.append((SILENCE if unit.label == GAP else unit.label, count - tail))
                if tail:
                    tokens.append((SILENCE, tail))
                spans.setdefault(index, [cursor, cursor])[1] = cursor + count
                cursor += count
                local += count
            tokens.append((SILENCE, int(samples[-1]) + shift))
            cursor += int(samples[-1]) + shift
            pieces.append(audio)
        timed = [[clauses[i].text, start, end] for i, (start, end) in sorted(spans.items())]
        timed[0][1], timed[-1][2] = 0, cursor  # the cues span the whole sentence
        for earlier, later in itertools.pairwise(timed):
            later[1] = earlier[2]
        return group_cues([(t, a, b) for t, a, b in timed]), np.concatenate(pieces), tokens

    def _check_voice(self, voice: Voice) -> VoiceEntry:
        """The catalogue's Mandarin voice asked for by name, role, style name or "default".

        Raises:
            BadInputError: Not a Mandarin voice, or a rate or pitch out of range.
        """
        name = voice.name
        if name in (DEFAULT, AUTO):
            name = self.default_voice
        name = STYLE_ALIASES.get(name, name)
        mandarin = (v for v in VOICES if v.language == "zh" and v.engine in STYLE_MIXES)
        entry = next((v for v in mandarin if name in (v.name, v.role)), None)
        if entry is None:
            raise BadInputError(
                "voice.unknown_mandarin", name=voice.name, choices=", ".join(voice_names("zh"))
            )
        check_rate_and_pitch(voice)
        return entry


class KokoroMandarinFemale(KokoroMandarinSpeech):
    """The Mandarin voices with zh-female as "default" (an engine of the voice catalogue)."""

    default_voice: ClassVar[str] = "zh-female"


class KokoroMandarinChild(KokoroMandarinSpeech):
    """The Mandarin voices with zh-child as "default" (an engine of the voice catalogue)."""

    default_voice: ClassVar[str] = "zh-child"


class KokoroMandarinNeutral(KokoroMandarinSpeech):
    """The Mandarin voices with zh-neutral as "default" (an engine of the voice catalogue)."""

    default_voice: ClassVar[str] = "zh-neutral"


_shared: dict[int | None, tuple[KokoroModel, MandarinPhonemizer, threading.Lock]] = {}
_shared_lock = threading.Lock()


def _shared_model(
    threads: int | None,
) -> tuple[KokoroModel, MandarinPhonemizer, threading.Lock]:
    """The Kokoro model, the Mandarin reader and the lock they are used under, made once.

    Every Mandarin voice (male, female, neutral engines) shares them: one model in memory.

    Raises:
        BackendUnavailable: A model package or misaki[zh] is not installed.
    """
    with _shared_lock:
        if threads not in _shared:
            from pipelines.speech.kokoro_onnx import KokoroModel

            try:
                from pipelines.speech.zh_phonemes import MandarinPhonemizer

                # The model's session is made (mostly without the GIL) while the reader's
                # dictionaries load on this thread.
                vocabulary = read_vocabulary()
                # The model's first load calibrates it with the reader (``_calibration``).
                reading: Future[MandarinPhonemizer] = Future()
                with ThreadPoolExecutor(1, thread_name_prefix="load-kokoro") as pool:
                    loading = pool.submit(
                        KokoroModel,
                        threads=threads,
                        vocabulary=vocabulary,
                        calibration=lambda: _calibration(reading.result()),
                    )
                    try:
                        reader = MandarinPhonemizer(frozenset(vocabulary))
                        reading.set_result(reader)
                    except BaseException as error:
                        reading.set_exception(error)
                        raise
                    finally:
                        model = loading.result()
            except ImportError as error:
                raise BackendUnavailable(
                    f"The Mandarin voice needs {error.name}: {KOKORO_INSTALL_HINT}"
                ) from error
            _shared[threads] = (model, reader, threading.Lock())
            logger.info("Loaded the Kokoro Mandarin voices")
        return _shared[threads]


def _calibration(reader: MandarinPhonemizer) -> list[str]:
    """The phoneme strings of ``CALIBRATION_LINES``, one per sentence."""
    return [
        "".join(unit.phonemes for unit in reader.units(sentence))
        for line in CALIBRATION_LINES
        for sentence in split_sentences(line)
    ]


def _chunks(clauses: Sequence[_Clause]) -> list[list[tuple[int, Unit]]]:
    """The sentence's units, tagged with their clause, in pieces of at most MAX_TOKENS tokens.

    Pieces break between clauses where possible, else at a word gap, else anywhere.
    """
    chunks: list[list[tuple[int, Unit]]] = [[]]
    size = 0
    for index, clause in enumerate(clauses):
        clause_size = sum(len(unit.phonemes) for unit in clause.units)
        if chunks[-1] and size + clause_size > MAX_TOKENS:
            chunks.append([])
            size = 0
        for unit in clause.units:
            if size + len(unit.phonemes) > MAX_TOKENS:
                cut = max((i for i, (_, u) in enumerate(chunks[-1]) if u.label == GAP), default=0)
                carried = chunks[-1][cut + 1 :] if cut else []
                chunks[-1] = chunks[-1][: cut + 1] if cut else chunks[-1]
                chunks.append(carried)
                size = sum(len(u.phonemes) for _, u in carried)
            chunks[-1].append((index, unit))
            size += len(unit.phonemes)
    return [chunk for chunk in chunks if chunk]


def _is_final(unit: Unit) -> bool:
    """Whether the unit is a pinyin final (its label ends with a tone digit: "ang3")."""
    return unit.label[-1:].isdigit()


def quiet_floor(audio: np.ndarray) -> float:
    """RMS level QUIET_DB below the loudest 10 ms frame of the audio."""
    frames = len(audio) // _QUIET_FRAME
    if frames == 0:
        return 0.0
    power = np.mean(np.square(audio[: frames * _QUIET_FRAME].reshape(frames, -1)), axis=1)
    return float(np.sqrt(power.max())) * 10 ** (-QUIET_DB / 20)


def quiet_tail(audio: np.ndarray, floor: float) -> int:
    """Samples at the end of ``audio`` below ``floor``; 0 when under MIN_QUIET_TAIL_S.

    Args:
        audio: (N,) the audio of one unit.
        floor: RMS level (``quiet_floor``) under which a 10 ms frame is silent.

    Returns:
        The length of the silent end, in samples (whole frames, counted back from the end;
        never the whole unit).
    """
    frames = len(audio) // _QUIET_FRAME
    quiet = 0
    for k in range(frames - 1, 0, -1):  # the first frame stays: a unit keeps some sound
        frame = audio[len(audio) - (frames - k) * _QUIET_FRAME :][:_QUIET_FRAME]
        if np.sqrt(np.mean(np.square(frame))) >= floor:
            break
        quiet += 1
    tail = quiet * _QUIET_FRAME
    return tail if tail >= MIN_QUIET_TAIL_S * SAMPLE_RATE else 0


def group_cues(spans: Sequence[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Consecutive clauses joined into cues of at most MAX_CUE_CHARS characters.

    Args:
        spans: (clause text, start, end) in order; times in any unit.

    Returns:
        (text, start, end) per cue: clauses are added to a cue while it stays within
        MAX_CUE_CHARS; a longer clause is a cue of its own.
    """
    cues: list[tuple[str, int, int]] = []
    for text, start, end in spans:
        text = text.strip()
        if cues and len(cues[-1][0]) + len(text) <= MAX_CUE_CHARS:
            cues[-1] = (cues[-1][0] + text, cues[-1][1], end)
        else:
            cues.append((text, start, end))
    return cues
