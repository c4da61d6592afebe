"""Speech to per-frame face motion: lips, blinks, head and mood, for one face.

``plan_face_motion`` builds every curve on a fine internal grid (``INTERNAL_RATE`` Hz) and
samples it at the video frame rate. The mouth comes from the speech's phonemes when it has
them (``pipelines.motion.visemes``) and from the audio's speech-band energy otherwise
(``pipelines.motion.from_audio``); either way it moves ``lead_s`` before the sound, as real mouths
do. Blinks, head motion and the mood's smile and brows are added around it, all from one
seeded random generator, so the same inputs always give the same motion.

A face with no utterances is a listener: closed mouth (with a breath), blinks, idle head
motion, the occasional nod and the mood's expression.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from pipelines.errors import BadInputError
from pipelines.motion.expression import (
    BLINK_RATE_PER_MIN,
    MOOD_STYLES,
    SpeechEvents,
    blink_curve,
    brow_curve,
    head_curve,
    plan_blinks,
    smile_curve,
)
from pipelines.motion.from_audio import audio_mouth
from pipelines.motion.signal import (
    GRID_MARGIN_S,
    INTERNAL_RATE,
    box_resample,
    ease,
    utterance_grid,
)
from pipelines.motion.visemes import (
    GAP,
    PAUSE,
    PHONEME_LABEL_DELAY_S,
    REST_SHAPE,
    PhoneSegment,
    closing_pauses,
    phoneme_mouth,
)
from pipelines.types import FaceMotion, Mood, Utterance

logger = logging.getLogger(__name__)

#: How much earlier than the sound the mouth moves, in seconds (40-80 ms looks natural).
DEFAULT_LEAD_S = 0.06
#: Peak jaw opening of a listener's breathing.
BREATH_JAW = 0.012
#: Seconds over which the rest pose's lip contact eases in at the start of the video.
REST_EASE_IN_S = (0.04, 0.4)


def frame_count(duration_s: float, fps: int) -> int:
    """Number of video frames for a duration: round(duration * fps), at least 1."""
    return max(1, round(float(duration_s) * int(fps)))


def plan_face_motion(
    face_index: int,
    n_frames: int,
    fps: int,
    *,
    utterances: Sequence[Utterance] = (),
    mood: Mood = "neutral",
    seed: int = 0,
    still: bool = False,
    base_smile: float = 0.0,
    lead_s: float = DEFAULT_LEAD_S,
) -> FaceMotion:
    """Plans the motion of one face over a whole video.

    Args:
        face_index: Index of the face in the photo.
        n_frames: Number of video frames T (see ``frame_count``).
        fps: Frames per second.
        utterances: This face's speech, each placed at its start time; speech past the last
            frame is cut off. Utterances should not overlap.
        mood: The mood shown by smile, brows and head liveliness.
        seed: Seed of the blinks, head motion and nods; equal inputs give equal motion.
        still: Keep the head still (head offsets all zero); lips and blinks still move.
        base_smile: The photo's own smile, 0..1. The face shows base_smile plus the mood's
            smile, clamped to 1; ``smile`` holds what is added to the photo, so a smiling
            photo is not given a double smile.
        lead_s: Seconds by which the mouth moves ahead of the sound.

    Returns:
        Float32 curves of T frames (head is (T, 3): yaw, pitch, roll in degrees).

    Raises:
        BadInputError: n_frames or fps is not positive, or the mood is unknown.
    """
    if n_frames < 1 or fps < 1:
        raise BadInputError("motion.no_frames", frames=n_frames, fps=fps)
    if mood not in MOOD_STYLES:
        raise BadInputError("mood.unknown", mood=mood, choices=", ".join(MOOD_STYLES))
    style = MOOD_STYLES[mood]
    blink_seed, head_seed, breath_seed = np.random.SeedSequence(
        [abs(int(seed)), abs(int(face_index))]
    ).spawn(3)

    duration = n_frames / fps
    grid = np.arange(int(np.ceil(duration * INTERNAL_RATE)) + 2) / INTERNAL_RATE
    mouth, events = _mouth_and_events(grid, utterances, lead_s)
    mouth[:, 0] += _breathing(grid, events, np.random.default_rng(breath_seed))
    # The video opens on the photo's own mouth: the rest pose's light lip contact (which
    # seals lips that are parted in the photo) eases in over the first moments.
    mouth[:, 3] -= REST_SHAPE[3] * (1.0 - ease(grid, *REST_EASE_IN_S))

    frame_times = np.arange(n_frames) / fps
    mouth_frames = box_resample(grid, mouth, frame_times, 0.5 / fps)
    blinks = plan_blinks(
        duration,
        np.random.default_rng(blink_seed),
        events,
        rate_per_min=BLINK_RATE_PER_MIN * style.blink_rate,
    )
    if still:
        head = np.zeros((n_frames, 3))
    else:
        head = head_curve(frame_times, events, style, np.random.default_rng(head_seed))

    def as_frames(values: np.ndarray, low: float, high: float) -> np.ndarray:
        return np.clip(np.nan_to_num(values), low, high).astype(np.float32)

    return FaceMotion(
        face_index=face_index,
        jaw_open=as_frames(mouth_frames[:, 0], 0.0, 1.0),
        lip_round=as_frames(mouth_frames[:, 1], 0.0, 1.0),
        lip_wide=as_frames(mouth_frames[:, 2], -1.0, 1.0),
        lip_press=as_frames(mouth_frames[:, 3], 0.0, 1.0),
        lip_bite=as_frames(mouth_frames[:, 4], 0.0, 1.0),
        blink=as_frames(blink_curve(blinks, frame_times), 0.0, 1.0),
        head=as_frames(head, -30.0, 30.0),
        smile=as_frames(smile_curve(frame_times, style, base_smile), 0.0, 1.0),
        brow=as_frames(brow_curve(frame_times, events, style), -1.0, 1.0),
    )


def _mouth_and_events(
    grid: np.ndarray, utterances: Sequence[Utterance], lead_s: float
) -> tuple[np.ndarray, SpeechEvents]:
    """(N, 5) mouth channels on the grid, and the speech events of all utterances."""
    mouth = np.tile(REST_SHAPE, (len(grid), 1))
    events = SpeechEvents()
    end_of_video = float(grid[-1])
    for utterance in sorted(utterances, key=lambda u: u.start):
        speech = utterance.speech
        if utterance.start >= end_of_video or speech.duration <= 0:
            logger.debug("Utterance at %.2f s is past the end of the video; cut", utterance.start)
            continue
        if speech.phonemes:
            curves, segments = phoneme_mouth(
                speech.phonemes, speech.duration, lead_s=lead_s, lang=speech.lang
            )
            local = phoneme_events(segments, speech.audio, speech.sample_rate)
        else:
            curves, local = audio_mouth(speech.audio, speech.sample_rate, lead_s=lead_s)
        local_times = utterance.start + utterance_grid(speech.duration)
        lo = int(np.searchsorted(grid, utterance.start - GRID_MARGIN_S))
        hi = int(np.searchsorted(grid, local_times[-1], side="right"))
        for channel in range(mouth.shape[1]):
            mouth[lo:hi, channel] += np.interp(
                grid[lo:hi], local_times, curves[:, channel] - REST_SHAPE[channel]
            )
        events = events.merged(local.shifted(utterance.start, end_of_video))
    return mouth, events


def _breathing(grid: np.ndarray, events: SpeechEvents, rng: np.random.Generator) -> np.ndarray:
    """(N,) tiny jaw opening of slow breaths, faded out while the face speaks."""
    period = rng.uniform(3.5, 5.0)
    phase = rng.uniform(0.0, 2.0 * np.pi)
    breath = BREATH_JAW * (0.5 - 0.5 * np.cos(2.0 * np.pi * grid / period + phase))
    return breath * (1.0 - events.speaking_mask(grid))


def phoneme_events(
    segments: Sequence[PhoneSegment], audio: np.ndarray, sample_rate: int
) -> SpeechEvents:
    """Phrases, closing pauses and accents of one utterance, in seconds of its audio.

    Accents are the stressed vowels when the phonemes carry stress marks; otherwise the
    vowels that stand out by length times loudness (the top tenth get strength ~1).

    Args:
        segments: The utterance's phone segments (Piper label times).
        audio: (N,) its samples, to weigh vowels by loudness when there are no stress marks.
        sample_rate: Samples per second of ``audio``.
    """
    shift = PHONEME_LABEL_DELAY_S
    spans: list[tuple[float, float]] = []
    current: list[float] | None = None
    for seg in segments:
        if seg.viseme is PAUSE:
            if current is not None:
                spans.append((current[0] - shift, current[1] - shift))
            current = None
        elif current is None:
            current = [seg.start, seg.end]
        elif seg.viseme is not GAP:
            current[1] = seg.end
    if current is not None:
        spans.append((current[0] - shift, current[1] - shift))
    vowels: list[PhoneSegment] = []
    carried = 0.0  # a stress mark espeak put before a consonant belongs to the next vowel
    for seg in segments:
        carried = max(carried, seg.stress)
        if seg.viseme.vowel:
            vowels.append(PhoneSegment(seg.symbol, seg.viseme, seg.start, seg.end, carried))
            carried = 0.0
        elif seg.viseme is PAUSE:
            carried = 0.0
    if any(seg.stress > 0 for seg in vowels):
        accents = [(seg.start - shift, seg.stress) for seg in vowels if seg.stress > 0]
    elif vowels:
        salience = np.array(
            [_loudness(audio, sample_rate, seg) * (seg.end - seg.start) for seg in vowels]
        )
        reference = max(float(np.percentile(salience, 90)), 1e-9)
        strength = np.clip(salience / reference, 0.0, 1.0)
        accents = [
            (seg.start - shift, float(s))
            for seg, s in zip(vowels, strength, strict=True)
            if s >= 0.5
        ]
    else:
        accents = []
    pauses = [(start - shift, end - shift) for start, end in closing_pauses(segments)]
    return SpeechEvents(tuple(spans), tuple(pauses), tuple(accents))


def _loudness(audio: np.ndarray, sample_rate: int, segment: PhoneSegment) -> float:
    lo = max(0, int((segment.start - PHONEME_LABEL_DELAY_S) * sample_rate))
    hi = max(lo + 1, int((segment.end - PHONEME_LABEL_DELAY_S) * sample_rate))
    piece = np.asarray(audio[lo:hi], dtype=np.float64)
    return float(np.sqrt(np.mean(piece**2))) if len(piece) else 0.0
