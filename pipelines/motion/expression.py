"""Everything of a face's motion besides the lips: blinks, head motion, smile and brows.

Speech is summarised as ``SpeechEvents`` (when the face speaks, where its phrases start and
pause, which syllables carry an accent); blinks lean towards pauses, nods and brow raises
land on accents, and the head moves a little more while speaking. Every random choice comes
from the generator passed in, so a seed gives the same motion each time.

Times are seconds from the start of the video; curves are sampled at the given times.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from pipelines.motion.signal import smooth

logger = logging.getLogger(__name__)

#: Shortest onset-to-onset time between two blinks, in seconds (the second blink of a double
#: blink excepted).
MIN_BLINK_GAP_S = 0.8
#: Share of blinks followed at once by a second one (a double blink), and the time the lids
#: stay open between the two, seconds.
DOUBLE_BLINK_CHANCE = 0.1
DOUBLE_BLINK_OPEN_S = (0.07, 0.16)
#: Shape of the gamma distribution of the gaps between blinks (above MIN_BLINK_GAP_S): with
#: the double blinks it gives intervals with a coefficient of variation of about 0.5.
BLINK_GAP_SHAPE = 3.0
#: Blinks per minute on average (people blink ~10-25 times a minute).
BLINK_RATE_PER_MIN = 17.0
#: Range of the interval cv (std / mean of onset-to-onset times) a clip's blinks keep, whether
#: a double blink is counted as two blinks or as one: a clip of ~35 s holds only about ten
#: blinks, and a single draw of them falls outside the range people show (~0.3-0.65) in
#: about one clip out of three (below 0.3 in one out of twelve, one out of five when a
#: double counts once). The schedule is drawn again, up to MAX_SCHEDULE_DRAWS times, until
#: both readings fall inside; the draw closest to the range is kept otherwise.
CLIP_CV_RANGE = (0.36, 0.62)
MAX_SCHEDULE_DRAWS = 40
#: Clips with fewer blinks than this have no meaningful interval cv and are not redrawn.
MIN_BLINKS_FOR_CV = 4
#: Shortest, typical and longest blink (lids start to close until open again), in seconds.
BLINK_DURATION_S = (0.2, 0.25, 0.36)
#: Fraction of a blink spent closing (the lids close fast and open slowly).
BLINK_CLOSE_FRACTION = 0.3
#: Seconds the lids stay shut at the bottom of a blink: with the closing and opening around
#: it, a blink shows nearly closed lids on at least two frames at 25 fps (one closed frame
#: alone reads as a flicker rather than a blink).
BLINK_HOLD_S = 0.04
#: Seconds over which the mood's smile, brows and the head motion fade in from the photo.
FADE_IN_S = 0.7
#: Typical peak of the idle head wander, degrees (yaw, pitch, roll), and its time constant.
IDLE_PEAK_DEG = (1.4, 1.0, 0.7)
IDLE_TIME_CONSTANT_S = 0.7
#: Gaussian width in seconds of a nod's pitch dip and of a brow raise.
NOD_WIDTH_S = 0.17
BROW_WIDTH_S = 0.2


@dataclass(frozen=True)
class MoodStyle:
    """How a mood shows.

    Attributes:
        smile: Smile added to the photo's own smile, 0..1.
        brow: Brow offset held through the video, -1..1.
        emphasis: Brow raise on an accent (negative deepens a frown).
        head_gain: Multiplier of the idle head motion's amplitude.
        head_speed: Multiplier of the idle head motion's frequencies.
        nod_gain: Multiplier of nod depth.
        blink_rate: Multiplier of the blink rate (excited and angry faces blink more, a
            surprised stare and a sad, slow face less).
    """

    smile: float
    brow: float
    emphasis: float
    head_gain: float
    head_speed: float
    nod_gain: float
    blink_rate: float = 1.0


MOOD_STYLES: dict[str, MoodStyle] = {
    "neutral": MoodStyle(0.1, 0.0, 0.15, 1.0, 1.0, 1.0, 1.0),
    "happy": MoodStyle(0.6, 0.1, 0.2, 1.15, 1.1, 1.1, 1.1),
    "excited": MoodStyle(0.7, 0.2, 0.35, 1.6, 1.35, 1.3, 1.35),
    "sad": MoodStyle(0.0, -0.4, 0.08, 0.6, 0.6, 0.6, 0.8),
    "surprised": MoodStyle(0.1, 0.6, 0.2, 1.1, 1.0, 1.0, 0.7),
    "angry": MoodStyle(0.0, -0.6, -0.15, 1.1, 1.0, 1.2, 1.2),
}


@dataclass(frozen=True)
class SpeechEvents:
    """When a face speaks, in seconds.

    Attributes:
        spans: (start, end) of each phrase spoken (speech between closing pauses).
        pauses: (start, end) of pauses that close the mouth.
        accents: (time, strength 0..1) of accented syllables (stress or energy peaks).
    """

    spans: tuple[tuple[float, float], ...] = ()
    pauses: tuple[tuple[float, float], ...] = ()
    accents: tuple[tuple[float, float], ...] = ()

    @property
    def phrase_starts(self) -> tuple[float, ...]:
        """Start time of each phrase."""
        return tuple(start for start, _ in self.spans)

    def shifted(self, offset: float, limit: float) -> SpeechEvents:
        """The events moved by ``offset`` seconds, dropping what starts after ``limit``."""

        def move(pairs: tuple[tuple[float, float], ...], both: bool) -> tuple:
            moved = [(a + offset, b + offset if both else b) for a, b in pairs]
            return tuple((a, b) for a, b in moved if a < limit)

        return SpeechEvents(
            move(self.spans, True), move(self.pauses, True), move(self.accents, False)
        )

    def merged(self, other: SpeechEvents) -> SpeechEvents:
        """Both sets of events, each kind sorted by time."""
        return SpeechEvents(
            tuple(sorted(self.spans + other.spans)),
            tuple(sorted(self.pauses + other.pauses)),
            tuple(sorted(self.accents + other.accents)),
        )

    def speaking_mask(self, times: np.ndarray, ramp_s: float = 0.2) -> np.ndarray:
        """(N,) 1 while speaking, 0 otherwise, with smooth ramps of ``ramp_s`` seconds."""
        mask = np.zeros(len(times))
        for start, end in self.spans:
            inside = np.minimum(times - (start - ramp_s / 2), (end + ramp_s / 2) - times)
            mask = np.maximum(mask, np.clip(inside / ramp_s, 0.0, 1.0))
        return mask * mask * (3.0 - 2.0 * mask)


@dataclass(frozen=True)
class Blink:
    """One blink: when the lids start to close and how long until they are open again.

    Attributes:
        start: Seconds from the start of the video.
        duration: Seconds until the lids are open again.
        double: True for the second blink of a double blink (it follows the first at once).
    """

    start: float
    duration: float
    double: bool = False

    @property
    def peak(self) -> float:
        """Time the lids are fully closed (the middle of the hold), in seconds."""
        return self.start + BLINK_CLOSE_FRACTION * self.duration + 0.5 * BLINK_HOLD_S


def plan_blinks(
    duration_s: float,
    rng: np.random.Generator,
    events: SpeechEvents = SpeechEvents(),
    rate_per_min: float = BLINK_RATE_PER_MIN,
) -> tuple[Blink, ...]:
    """Irregular blinks: gamma-distributed gaps above MIN_BLINK_GAP_S, drawn to pauses.

    Now and then (DOUBLE_BLINK_CHANCE) a blink is doubled: a second one follows as soon as
    the lids are open again; both blinks of a double count towards the rate. The clip's
    intervals keep a cv within CLIP_CV_RANGE however a double blink is counted (see
    ``interval_cv``): a draw outside it is replaced by another one.

    Args:
        duration_s: Length of the video in seconds.
        rng: Random generator (seeded by the caller).
        events: Speech events; a blink due near the start of a pause moves to it.
        rate_per_min: Mean blinks per minute.

    Returns:
        Blinks in time order, each inside the video, onsets at least MIN_BLINK_GAP_S apart
        except the second blink of a double (``double``), which starts DOUBLE_BLINK_OPEN_S
        after the first has ended.
    """
    best: tuple[Blink, ...] = ()
    best_miss = math.inf
    for _ in range(MAX_SCHEDULE_DRAWS):
        blinks = _draw_blinks(duration_s, rng, events, rate_per_min)
        miss = _cv_miss(blinks)
        if miss < best_miss:
            best, best_miss = blinks, miss
        if miss == 0.0:
            break
    return best


def interval_cv(blinks: tuple[Blink, ...], doubles_as_one: bool = False) -> float:
    """Coefficient of variation (std / mean) of the blinks' onset-to-onset intervals.

    Args:
        blinks: Blinks in time order.
        doubles_as_one: Leave out the second blink of each double blink (as a viewer or a
            landmark tracker may see the pair as one long blink).

    Returns:
        The cv; NaN with fewer than two intervals.
    """
    onsets = np.array([b.start for b in blinks if not (doubles_as_one and b.double)])
    if len(onsets) < 3:
        return math.nan
    intervals = np.diff(onsets)
    return float(intervals.std() / intervals.mean())


def _cv_miss(blinks: tuple[Blink, ...]) -> float:
    """How far the clip's interval cvs (doubles as two and as one) lie outside CLIP_CV_RANGE."""
    if sum(not b.double for b in blinks) < MIN_BLINKS_FOR_CV:
        return 0.0
    low, high = CLIP_CV_RANGE
    miss = 0.0
    for doubles_as_one in (False, True):
        cv = interval_cv(blinks, doubles_as_one)
        miss += max(low - cv, 0.0) + max(cv - high, 0.0)
    return miss


def _draw_blinks(
    duration_s: float, rng: np.random.Generator, events: SpeechEvents, rate_per_min: float
) -> tuple[Blink, ...]:
    """One draw of ``plan_blinks``'s schedule (its cv not yet checked)."""
    mean_gap = 60.0 / rate_per_min * (1.0 + DOUBLE_BLINK_CHANCE)
    shape = BLINK_GAP_SHAPE
    scale = max(mean_gap - MIN_BLINK_GAP_S, 0.1) / shape
    pause_starts = np.array([start + 0.05 for start, _ in events.pauses if start > 0.3])
    blinks: list[Blink] = []
    t = float(rng.uniform(0.4, mean_gap))
    while t < duration_s:
        if len(pause_starts):
            nearest = float(pause_starts[np.argmin(np.abs(pause_starts - t))])
            earliest = blinks[-1].start + MIN_BLINK_GAP_S if blinks else 0.3
            if abs(nearest - t) < 1.0 and nearest >= earliest and rng.random() < 0.7:
                t = nearest
        shortest, typical, longest = BLINK_DURATION_S
        length = float(np.clip(rng.lognormal(np.log(typical), 0.2), shortest, longest))
        if t + length > duration_s:
            break
        blinks.append(Blink(t, length))
        if rng.random() < DOUBLE_BLINK_CHANCE:
            second = t + length + float(rng.uniform(*DOUBLE_BLINK_OPEN_S))
            second_length = max(shortest, 0.9 * length)
            if second + second_length <= duration_s:
                blinks.append(Blink(second, second_length, double=True))
        t += MIN_BLINK_GAP_S + float(rng.gamma(shape, scale))
    return tuple(blinks)


def blink_curve(blinks: tuple[Blink, ...], times: np.ndarray) -> np.ndarray:
    """(T,) eyelid closure 0..1 at the given frame times.

    Each blink closes on a half cosine over its first BLINK_CLOSE_FRACTION, stays shut for
    BLINK_HOLD_S and opens on a slower half cosine; the frame nearest each blink's peak shows
    the lids fully closed, so no blink falls between frames.
    """
    curve = np.zeros(len(times))
    if len(times) == 0:
        return curve
    for blink in blinks:
        closing_s = BLINK_CLOSE_FRACTION * blink.duration
        opening_s = max(blink.duration - closing_s - BLINK_HOLD_S, 1e-3)
        since = times - blink.start
        closing = 0.5 - 0.5 * np.cos(np.pi * np.clip(since / closing_s, 0.0, 1.0))
        opened = np.clip((since - closing_s - BLINK_HOLD_S) / opening_s, 0.0, 1.0)
        opening = 0.5 + 0.5 * np.cos(np.pi * opened)
        shape = np.where(since < closing_s, closing, opening)
        shape[(since <= 0.0) | (since >= blink.duration)] = 0.0
        curve = np.maximum(curve, shape)
        nearest = int(np.argmin(np.abs(times - blink.peak)))
        curve[nearest] = 1.0
    return curve


def _fade_in(times: np.ndarray) -> np.ndarray:
    x = np.clip(times / FADE_IN_S, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _nod_times(
    events: SpeechEvents, duration_s: float, rng: np.random.Generator
) -> list[tuple[float, float]]:
    """(time, relative depth) of nods: on each phrase's first accent and on some others."""
    nods: list[tuple[float, float]] = []
    if not events.spans:
        t = float(rng.gamma(3.0, 2.5))
        while t < duration_s:
            nods.append((t, float(rng.uniform(0.3, 0.5))))
            t += 2.0 + float(rng.gamma(3.0, 2.0))
        return nods
    starts = events.phrase_starts
    last = -np.inf
    for time, strength in events.accents:
        opens_phrase = any(0.0 <= time - start < 0.8 for start in starts)
        if opens_phrase and time - last >= 0.6:
            nods.append((time, float(rng.uniform(0.8, 1.0))))
            last = time
        elif strength >= 0.9 and time - last >= 0.9 and rng.random() < 0.5:
            nods.append((time, float(rng.uniform(0.35, 0.6)) * strength))
            last = time
    return nods


def _smooth_noise(
    times: np.ndarray, time_constant_s: float, rng: np.random.Generator
) -> np.ndarray:
    """(T,) slow random wander with unit typical peak (standard deviation 1 / 2.5).

    White noise through the zero-phase critically damped smoother, scaled by the filter's own
    gain so the amplitude does not depend on the clip's length.
    """
    if len(times) < 2:
        return np.zeros(len(times))
    rate = 1.0 / float(times[1] - times[0])
    warm = int(4 * time_constant_s * rate) + 1
    noise = rng.standard_normal(len(times) + 2 * warm)
    impulse = np.zeros(2 * warm + 1)
    impulse[warm] = 1.0
    gain = float(np.sqrt(np.sum(smooth(impulse, rate, time_constant_s) ** 2)))
    wander = smooth(noise, rate, time_constant_s)[warm : warm + len(times)]
    return wander / (2.5 * max(gain, 1e-12))


def head_curve(
    times: np.ndarray, events: SpeechEvents, style: MoodStyle, rng: np.random.Generator
) -> np.ndarray:
    """(T, 3) yaw, pitch, roll offsets in degrees: idle sway, phrase turns and nods.

    The idle sway is smoothed random noise per axis (IDLE_TIME_CONSTANT_S divided by the
    mood's speed), typically peaking at 1.4 degrees yaw, 1.0 pitch and 0.7 roll (times the
    mood's gain), 35 % larger while speaking. Each phrase start turns the head to a new small
    yaw/roll rest, and nods (pitch dips of up to 3 degrees) land on accents. All motion fades
    in from zero.
    """
    duration = float(times[-1]) if len(times) else 0.0
    speaking = events.speaking_mask(times)
    head = np.zeros((len(times), 3))
    for axis, peak in enumerate(IDLE_PEAK_DEG):
        sway = _smooth_noise(times, IDLE_TIME_CONSTANT_S / style.head_speed, rng)
        head[:, axis] = peak * style.head_gain * sway * (1.0 + 0.35 * speaking)
    rest = np.zeros(2)
    for start in events.phrase_starts:
        target = np.clip(rng.normal(0.0, 0.6, 2), -1.2, 1.2) * style.head_gain
        step = np.clip((times - start) / 0.5 + 0.5, 0.0, 1.0)
        step = step * step * (3.0 - 2.0 * step)
        head[:, 0] += (target[0] - rest[0]) * step
        head[:, 2] += 0.5 * (target[1] - rest[1]) * step
        rest = target
    for time, depth in _nod_times(events, duration, rng):
        amplitude = min(3.0, 2.6 * depth * style.nod_gain)
        head[:, 1] -= amplitude * np.exp(-(((times - (time - 0.05)) / NOD_WIDTH_S) ** 2))
    return head * _fade_in(times)[:, None]


def smile_curve(times: np.ndarray, style: MoodStyle, base_smile: float) -> np.ndarray:
    """(T,) smile to add to the photo's own, 0..1 (like head and brow, an offset).

    The face should show the photo's smile plus the mood's (faded in, gently wavering),
    clamped to 1; the curve is that total minus the photo's smile, so a photo that already
    smiles is not given a second smile on top (the renderer applies the curve as a warp).
    """
    base = float(np.clip(base_smile, 0.0, 1.0))
    waver = 0.03 * np.sin(2.0 * np.pi * times / 6.0) if style.smile > 0 else 0.0
    shown = np.clip(base + (style.smile + waver) * _fade_in(times), 0.0, 1.0)
    return shown - base


def brow_curve(times: np.ndarray, events: SpeechEvents, style: MoodStyle) -> np.ndarray:
    """(T,) brow offset -1..1: the mood's brow, plus a short raise on strong accents."""
    brow = np.full(len(times), style.brow)
    last = -np.inf
    starts = events.phrase_starts
    for time, strength in events.accents:
        opens_phrase = any(0.0 <= time - start < 0.8 for start in starts)
        if (opens_phrase and time - last >= 0.8) or (strength >= 0.9 and time - last >= 2.0):
            bump = np.exp(-(((times - time) / BROW_WIDTH_S) ** 2))
            brow += style.emphasis * (1.0 if opens_phrase else 0.6) * bump
            last = time
    return np.clip(brow * _fade_in(times), -1.0, 1.0)
