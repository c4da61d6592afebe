"""Phonemes to mouth shapes: the viseme table, coarticulation and the mouth dynamics.

Each phoneme of the speech is a *target* mouth shape with a *dominance* per channel, held over
the phoneme's time span and fading outside it (Cohen & Massaro's coarticulation model). At
every instant a channel's value is the dominance-weighted mean of all targets, so a weak
phoneme (k, h) takes its shape from its neighbours while a strong one (p, b, m) wins. The
blended curves are then smoothed by a zero-phase critically damped filter (the jaw's inertia).

Everything here runs on the internal grid of ``pipelines.motion.signal`` (``INTERNAL_RATE``
samples per second); the caller resamples to the video frame rate.

The channels, in order (see ``pipelines.types.FaceMotion``): jaw_open 0..1, lip_round 0..1,
lip_wide -1..1, lip_press 0..1, lip_bite 0..1.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from pipelines.motion.signal import INTERNAL_RATE, smooth, utterance_grid
from pipelines.types import Phoneme

logger = logging.getLogger(__name__)

CHANNELS: tuple[str, ...] = ("jaw_open", "lip_round", "lip_wide", "lip_press", "lip_bite")
#: The closed, relaxed mouth of a pause or a listener: jaw shut, lips lightly together.
REST_SHAPE = np.array([0.0, 0.0, 0.0, 0.15, 0.0])
#: Piper times each phoneme as its own samples plus the pad that follows it, and that pad
#: already sounds like the next phoneme, so its labels run late by about one pad (measured on
#: the joe voice: 20-30 ms). Phoneme timelines are moved this much earlier before the lead.
PHONEME_LABEL_DELAY_S = 0.025
#: Pause runs at least this long close the mouth; shorter word gaps only relax it.
PAUSE_CLOSE_S = 0.15
#: Bilabial closures shorter than this are widened to it so they show on at least one frame.
MIN_CLOSURE_S = 0.06

STRESS_MARKS = {"ˈ": 1.0, "ˌ": 0.5}
BOUNDARY_SYMBOLS = frozenset("^$_")


@dataclass(frozen=True)
class Viseme:
    """A mouth target and how strongly it holds against its neighbours.

    Attributes:
        category: Articulation class, e.g. "bilabial", "rounded".
        target: (5,) channel values in CHANNELS order.
        dominance: (5,) per-channel weight; larger wins over the neighbours.
        spread_s: Seconds over which the dominance fades outside the phoneme (Gaussian scale).
        vowel: Whether it is a vowel (vowels carry stress and head nods).
    """

    category: str
    target: tuple[float, float, float, float, float]
    dominance: tuple[float, float, float, float, float]
    spread_s: float
    vowel: bool = False


# category -> (press, bite, dominance per channel, spread in seconds, is a vowel)
_CATEGORIES: dict[str, tuple[float, float, tuple[float, ...], float, bool]] = {
    "bilabial": (1.0, 0.0, (30.0, 0.3, 0.3, 30.0, 2.0), 0.010, False),
    "labiodental": (0.0, 1.0, (4.0, 0.3, 0.5, 2.0, 8.0), 0.015, False),
    "rounded": (0.0, 0.0, (1.5, 3.0, 1.5, 1.0, 1.0), 0.060, True),
    "wide": (0.0, 0.0, (1.5, 1.0, 2.0, 1.0, 1.0), 0.050, True),
    "open": (0.0, 0.0, (2.0, 1.0, 1.0, 1.0, 1.0), 0.050, True),
    "schwa": (0.0, 0.0, (0.7, 0.5, 0.5, 1.0, 1.0), 0.040, True),
    "dental": (0.0, 0.0, (1.2, 0.4, 0.4, 1.0, 1.0), 0.025, False),
    "alveolar": (0.0, 0.0, (1.0, 0.3, 0.3, 1.0, 1.0), 0.025, False),
    "rhotic": (0.0, 0.0, (0.8, 1.5, 0.8, 1.0, 1.0), 0.035, False),
    "postalveolar": (0.0, 0.0, (1.2, 2.5, 1.2, 1.0, 1.0), 0.035, False),
    "velar": (0.0, 0.0, (0.4, 0.3, 0.3, 1.0, 1.0), 0.025, False),
    "glottal": (0.0, 0.0, (0.2, 0.2, 0.2, 1.0, 1.0), 0.025, False),
    "palatal": (0.0, 0.0, (1.0, 0.5, 1.5, 1.0, 1.0), 0.030, False),
    "labiovelar": (0.0, 0.0, (1.0, 4.0, 2.0, 1.0, 1.0), 0.040, False),
    "neutral": (0.0, 0.0, (0.5, 0.3, 0.3, 1.0, 1.0), 0.030, False),
    "pause": (REST_SHAPE[3], 0.0, (3.0, 2.0, 2.0, 2.0, 2.0), 0.040, False),
    "gap": (0.0, 0.0, (0.08, 0.08, 0.08, 0.08, 0.08), 0.020, False),
}

# symbol -> (category, jaw_open, lip_round, lip_wide)
_SYMBOLS: dict[str, tuple[str, float, float, float]] = {
    **{s: ("bilabial", 0.0, 0.0, 0.0) for s in "pbm"},
    **{s: ("labiodental", 0.08, 0.0, 0.0) for s in "fv"},
    "o": ("rounded", 0.35, 0.8, -0.3),
    "ʊ": ("rounded", 0.25, 0.7, -0.25),
    "u": ("rounded", 0.22, 1.0, -0.4),
    "ɔ": ("rounded", 0.45, 0.65, -0.2),
    "ɒ": ("rounded", 0.5, 0.5, -0.15),
    "ɵ": ("rounded", 0.3, 0.6, -0.2),
    "y": ("rounded", 0.2, 0.9, -0.3),
    "i": ("wide", 0.15, 0.0, 0.8),
    "ɪ": ("wide", 0.25, 0.0, 0.5),
    "ᵻ": ("wide", 0.22, 0.0, 0.4),
    "e": ("wide", 0.3, 0.0, 0.55),
    "ɛ": ("wide", 0.4, 0.0, 0.4),
    "a": ("open", 0.65, 0.0, 0.2),
    "ɑ": ("open", 0.65, 0.1, 0.0),
    "æ": ("open", 0.6, 0.0, 0.35),
    "ʌ": ("open", 0.5, 0.0, 0.1),
    "ɐ": ("open", 0.45, 0.0, 0.05),
    "ə": ("schwa", 0.3, 0.0, 0.0),
    "ɚ": ("schwa", 0.28, 0.25, -0.05),
    "ɜ": ("schwa", 0.35, 0.2, 0.0),
    "θ": ("dental", 0.12, 0.0, 0.1),
    "ð": ("dental", 0.12, 0.0, 0.1),
    **{s: ("alveolar", 0.1, 0.0, 0.05) for s in "tdnɬ"},
    "l": ("alveolar", 0.18, 0.0, 0.05),
    "ɫ": ("alveolar", 0.18, 0.0, 0.0),
    **{s: ("alveolar", 0.06, 0.0, 0.15) for s in "sz"},
    "ɹ": ("rhotic", 0.15, 0.4, -0.1),
    "r": ("rhotic", 0.15, 0.3, 0.0),
    "ɾ": ("alveolar", 0.15, 0.0, 0.0),
    **{s: ("postalveolar", 0.08, 0.55, -0.2) for s in "ʃʒ"},
    **{s: ("velar", 0.18, 0.0, 0.0) for s in "kɡgŋx"},
    "h": ("glottal", 0.25, 0.0, 0.0),
    "ʔ": ("glottal", 0.1, 0.0, 0.0),
    "j": ("palatal", 0.12, 0.0, 0.5),
    "w": ("labiovelar", 0.12, 0.95, -0.4),
    "ʍ": ("labiovelar", 0.12, 0.95, -0.4),
}


def make_viseme(category: str, jaw: float, round_: float, wide: float) -> Viseme:
    """A mouth target of an articulation category (see ``_CATEGORIES``) with its own shape.

    Args:
        category: e.g. "bilabial", "rounded", "open"; sets lip press, bite, dominance, spread.
        jaw: Jaw opening 0..1.
        round_: Lip rounding 0..1.
        wide: Lip spreading -1..1.
    """
    press, bite, dominance, spread, vowel = _CATEGORIES[category]
    d = tuple(float(v) for v in dominance)
    return Viseme(category, (jaw, round_, wide, float(press), bite), d, spread, vowel)  # type: ignore[arg-type]


VISEMES: dict[str, Viseme] = {s: make_viseme(*spec) for s, spec in _SYMBOLS.items()}
NEUTRAL = make_viseme("neutral", 0.2, 0.0, 0.0)
PAUSE = make_viseme("pause", 0.0, 0.0, 0.0)
GAP = make_viseme("gap", 0.12, 0.0, 0.0)

#: A language's reading of one phone symbol (modifiers removed): the mouth targets it passes
#: through, each with its share of the symbol's time (shares sum to 1), or None when the
#: language has no entry for the whole symbol (it is then read letter by letter).
VisemeLookup = Callable[[str], tuple[tuple[Viseme, float], ...] | None]


def english_visemes(base: str) -> tuple[tuple[Viseme, float], ...] | None:
    """The English (espeak-ng IPA) reading of a phone symbol: one target, or None."""
    viseme = VISEMES.get(base)
    return None if viseme is None else ((viseme, 1.0),)


def visemes_for_language(lang: str) -> VisemeLookup:
    """How the phoneme symbols of speech in ``lang`` ("en", "zh"; "" = English) are read."""
    if lang == "zh":
        from pipelines.motion.visemes_zh import mandarin_visemes

        return mandarin_visemes
    return english_visemes


def is_pause_symbol(symbol: str) -> bool:
    """Whether a phoneme symbol is a word gap, punctuation or an utterance boundary."""
    return all(
        ch.isspace() or ch in BOUNDARY_SYMBOLS or unicodedata.category(ch)[0] in "PSZ"
        for ch in symbol
    )


def _is_modifier(ch: str) -> bool:
    return unicodedata.category(ch) in ("Lm", "Mn", "Sk") and ch not in BOUNDARY_SYMBOLS


def viseme_for(symbol: str) -> Viseme:
    """The mouth target of one phone symbol (diacritics ignored; unknown -> neutral-small).

    Args:
        symbol: One IPA letter, optionally with modifiers ("uː", "n̩"); pauses give PAUSE.
    """
    if is_pause_symbol(symbol):
        return PAUSE
    base = "".join(ch for ch in symbol if not _is_modifier(ch))
    if base in VISEMES:
        return VISEMES[base]
    if base[:1] in VISEMES:
        return VISEMES[base[:1]]
    logger.debug("No viseme for phoneme %r; using a neutral mouth", symbol)
    return NEUTRAL


@dataclass(frozen=True)
class PhoneSegment:
    """One phone (or one merged pause) on the timeline.

    Attributes:
        symbol: The phone's letters, or the pause symbols merged into it.
        viseme: Its mouth target.
        start: Start in seconds.
        end: End in seconds.
        stress: 1.0 primary stress, 0.5 secondary, 0 none.
    """

    symbol: str
    viseme: Viseme
    start: float
    end: float
    stress: float = 0.0


def phone_segments(phonemes: Sequence[Phoneme], lang: str = "en") -> list[PhoneSegment]:
    """Turns timed phoneme symbols into phone segments with their visemes.

    Stress marks lend their time and stress to the phone after them; length and other
    modifier symbols ("ː", "ʲ") lengthen the phone before them; consecutive gaps, punctuation
    and boundaries merge into one pause that closes the mouth when it lasts PAUSE_CLOSE_S or
    more, or starts/ends the utterance, and only relaxes it otherwise. A symbol the language
    reads as several targets (a Mandarin final such as "iao") is split in time by their
    shares; one of several letters ("aɪ", "tʃ") not in the table is split evenly into letters.

    Args:
        phonemes: Timed symbols, in order.
        lang: Their language, which chooses the viseme table (``visemes_for_language``).

    Returns:
        Segments in time order, non-overlapping.
    """
    lookup = visemes_for_language(lang)
    segments: list[PhoneSegment] = []
    pending_start: float | None = None
    pending_stress = 0.0
    for ph in phonemes:
        symbol, start, end = ph.symbol, float(ph.start), float(max(ph.end, ph.start))
        if symbol in STRESS_MARKS:
            pending_start = start if pending_start is None else pending_start
            pending_stress = max(pending_stress, STRESS_MARKS[symbol])
            continue
        if symbol and is_pause_symbol(symbol):
            if segments and segments[-1].viseme is PAUSE:
                last = segments[-1]
                segments[-1] = PhoneSegment(last.symbol + symbol, PAUSE, last.start, end)
            else:
                segments.append(PhoneSegment(symbol, PAUSE, start, end))
            pending_start, pending_stress = None, 0.0
            continue
        if not symbol or all(_is_modifier(ch) for ch in symbol):
            if segments and segments[-1].viseme is not PAUSE:
                last = segments[-1]
                segments[-1] = PhoneSegment(
                    last.symbol + symbol, last.viseme, last.start, end, last.stress
                )
            continue
        start = start if pending_start is None else pending_start
        stress = max([pending_stress, *(STRESS_MARKS.get(ch, 0.0) for ch in symbol)])
        segments.extend(_split_letters(symbol, start, end, stress, lookup))
        pending_start, pending_stress = None, 0.0
    return [_classify_pause(seg, i, len(segments)) for i, seg in enumerate(segments)]


def _split_letters(
    symbol: str, start: float, end: float, stress: float, lookup: VisemeLookup = english_visemes
) -> list[PhoneSegment]:
    base = "".join(ch for ch in symbol if not _is_modifier(ch))
    targets = lookup(base)
    if targets is not None:
        pieces, done = [], 0.0
        for k, (viseme, share) in enumerate(targets):
            piece_start = start + (end - start) * done
            done += share
            piece_end = start + (end - start) * done
            pieces.append(PhoneSegment(symbol, viseme, piece_start, piece_end, stress * (k == 0)))
        return pieces
    if len(base) <= 1:
        return [PhoneSegment(symbol, viseme_for(symbol), start, end, stress)]
    step = (end - start) / len(base)
    return [
        PhoneSegment(
            ch, viseme_for(ch), start + k * step, start + (k + 1) * step, stress * (k == 0)
        )
        for k, ch in enumerate(base)
    ]


def _classify_pause(segment: PhoneSegment, index: int, count: int) -> PhoneSegment:
    if segment.viseme is not PAUSE:
        return segment
    at_edge = index in (0, count - 1)
    if at_edge or segment.end - segment.start >= PAUSE_CLOSE_S:
        return segment
    return PhoneSegment(segment.symbol, GAP, segment.start, segment.end)


def closing_pauses(segments: Sequence[PhoneSegment]) -> list[tuple[float, float]]:
    """(start, end) in seconds of the pauses that close the mouth."""
    return [(s.start, s.end) for s in segments if s.viseme is PAUSE]


def coarticulate(segments: Sequence[PhoneSegment], times: np.ndarray) -> np.ndarray:
    """Blends the segments' targets by their dominance functions.

    A segment's dominance is flat over its own span (widened to MIN_CLOSURE_S for bilabials)
    and falls off as a Gaussian of the distance outside it, with the viseme's spread.
    A faint rest term pulls the mouth closed far from any segment.

    Args:
        segments: Phone segments (times in seconds, on the same clock as ``times``).
        times: (N,) sample times in seconds, increasing and evenly spaced.

    Returns:
        (N, 5) channel values in CHANNELS order.
    """
    numerator = np.tile(REST_SHAPE * 1e-4, (len(times), 1))
    denominator = np.full((len(times), 5), 1e-4)
    if len(times) == 0:
        return numerator
    t0, step = float(times[0]), float(times[1] - times[0]) if len(times) > 1 else 1.0
    for seg in segments:
        centre = 0.5 * (seg.start + seg.end)
        half = 0.5 * (seg.end - seg.start)
        if seg.viseme.category == "bilabial":
            half = max(half, 0.5 * MIN_CLOSURE_S)
        reach = half + 4.0 * seg.viseme.spread_s
        lo = max(0, int(np.floor((centre - reach - t0) / step)))
        hi = min(len(times), int(np.ceil((centre + reach - t0) / step)) + 1)
        if hi <= lo:
            continue
        outside = np.maximum(np.abs(times[lo:hi] - centre) - half, 0.0) / seg.viseme.spread_s
        weight = np.exp(-(outside**2))[:, None] * np.asarray(seg.viseme.dominance)[None, :]
        numerator[lo:hi] += weight * np.asarray(seg.viseme.target)[None, :]
        denominator[lo:hi] += weight
    return numerator / denominator


def phoneme_mouth(
    phonemes: Sequence[Phoneme], duration_s: float, *, lead_s: float, lang: str = "en"
) -> tuple[np.ndarray, list[PhoneSegment]]:
    """Mouth curves of one utterance from its timed phonemes.

    Args:
        phonemes: Timed symbols, seconds from the start of the utterance's audio.
        duration_s: Length of the utterance's audio in seconds.
        lead_s: How much earlier than the sound the mouth moves, in seconds.
        lang: The language of the phoneme symbols ("en", "zh"; "" = English).

    Returns:
        (curves, segments): curves is (N, 5) in CHANNELS order on ``utterance_grid(duration_s)``;
        segments are the phone segments in audio time (not shifted).
    """
    segments = phone_segments(phonemes, lang)
    shift = lead_s + PHONEME_LABEL_DELAY_S
    shifted = [
        PhoneSegment(s.symbol, s.viseme, s.start - shift, s.end - shift, s.stress) for s in segments
    ]
    times = utterance_grid(duration_s)
    curves = smooth(coarticulate(shifted, times), INTERNAL_RATE)
    return curves, segments
