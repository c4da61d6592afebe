"""Blinks, head motion, smile and brows (pure numpy; statistics over long seeded tracks)."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.motion.expression import (
    BLINK_CLOSE_FRACTION,
    MIN_BLINK_GAP_S,
    MOOD_STYLES,
    SpeechEvents,
    blink_curve,
    head_curve,
    interval_cv,
    plan_blinks,
)
from pipelines.motion.planner import plan_face_motion

FPS = 25
TEN_MINUTES = 600 * FPS


def blink_runs(blink: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """(start frame, length in frames) of each run above the threshold."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], (blink > threshold).astype(int), [0]])))
    return edges[::2], edges[1::2] - edges[::2]


@pytest.fixture(scope="module")
def listener_tracks():
    return [plan_face_motion(1, TEN_MINUTES, FPS, seed=seed) for seed in range(3)]


def test_listener_blinks_at_a_human_rate(listener_tracks) -> None:
    for motion in listener_tracks:
        starts, lengths = blink_runs(motion.blink, 0.05)
        per_minute = len(starts) / 10.0
        assert 10 <= per_minute <= 25, per_minute
        assert 14 <= per_minute <= 20, per_minute  # aimed at ~15-18
        # Each blink spans 200-360 ms; sampled at 25 fps that is 3-9 frames above 5 %.
        assert lengths.min() >= 3 and lengths.max() <= 9
        peaks = np.array(
            [
                s + int(np.argmax(motion.blink[s : s + n]))
                for s, n in zip(starts, lengths, strict=False)
            ]
        )
        gaps = np.diff(peaks) / FPS
        # Blinks keep a human distance, but for the odd double blink.
        assert gaps.min() >= 0.25
        assert np.mean(gaps < MIN_BLINK_GAP_S - 1.0 / FPS) < 0.2
        assert (motion.blink[peaks] == 1.0).all()  # every blink shows fully closed lids
        assert 0.3 < gaps.std() / gaps.mean() < 0.9  # irregular, not a metronome


def test_planned_blinks_have_human_durations_and_gaps() -> None:
    for seed in range(5):
        blinks = plan_blinks(600.0, np.random.default_rng(seed))
        durations = np.array([b.duration for b in blinks])
        onsets = np.array([b.start for b in blinks])
        assert durations.min() >= 0.15 and durations.max() <= 0.4
        assert 0.2 <= float(np.median(durations)) <= 0.3
        single = np.array([not b.double for b in blinks])
        assert np.diff(onsets[single]).min() >= MIN_BLINK_GAP_S
        assert 10 <= single.sum() / 10.0 <= 25
        assert onsets[-1] + durations[-1] <= 600.0


def test_blink_closes_fast_and_opens_slowly() -> None:
    blinks = plan_blinks(20.0, np.random.default_rng(1))
    blink = blinks[0]
    times = np.arange(0, 20.0, 0.001)
    curve = blink_curve(blinks[:1], times)
    closing = np.flatnonzero((times >= blink.start) & (times < blink.peak) & (curve > 0.1))
    opening = np.flatnonzero((times > blink.peak) & (curve > 0.1))
    assert len(opening) > 1.5 * len(closing)
    assert BLINK_CLOSE_FRACTION < 0.5
    assert curve.max() == pytest.approx(1.0, abs=1e-3)


def test_every_blink_shows_nearly_closed_lids_on_two_frames(listener_tracks) -> None:
    # One closed frame reads as a flicker; a blink holds the lids shut for a moment.
    for motion in listener_tracks:
        starts, lengths = blink_runs(motion.blink, 0.05)
        for start, length in zip(starts, lengths, strict=True):
            closures = np.sort(motion.blink[start : start + length])
            assert closures[-1] == 1.0
            assert closures[-2] >= 0.85, closures


def test_blinks_are_reproducible_per_seed(listener_tracks) -> None:
    again = plan_face_motion(1, TEN_MINUTES, FPS, seed=0)
    assert np.array_equal(again.blink, listener_tracks[0].blink)
    assert not np.array_equal(listener_tracks[0].blink, listener_tracks[1].blink)
    other_face = plan_face_motion(2, TEN_MINUTES, FPS, seed=0)
    assert not np.array_equal(other_face.blink, listener_tracks[0].blink)


def test_blinks_lean_towards_pauses() -> None:
    pauses = tuple((t, t + 0.4) for t in np.arange(2.0, 600.0, 4.0))  # 10 % of the time
    events = SpeechEvents(spans=((0.0, 600.0),), pauses=pauses)

    def share_in_pauses(blinks) -> float:
        inside = [any(a <= b.start <= z for a, z in pauses) for b in blinks]
        return float(np.mean(inside))

    for seed in range(3):
        drawn = share_in_pauses(plan_blinks(600.0, np.random.default_rng(seed), events))
        chance = share_in_pauses(plan_blinks(600.0, np.random.default_rng(seed)))
        assert drawn > 0.25
        assert drawn > 2 * chance


def test_idle_head_is_subtle_and_smooth(listener_tracks) -> None:
    head = listener_tracks[0].head.astype(np.float64)
    peak = np.abs(head).max(axis=0)
    assert 0.8 <= peak[0] <= 2.5  # yaw
    assert 0.6 <= peak[1] <= 2.5  # pitch, with an occasional listener nod
    assert 0.3 <= peak[2] <= 1.2  # roll
    assert np.abs(np.diff(head, n=2, axis=0)).max() < 0.2


@pytest.mark.parametrize("mood", list(MOOD_STYLES))
def test_head_stays_smooth_in_every_mood(mood: str) -> None:
    times = np.arange(60 * FPS) / FPS
    spans = tuple((t, t + 2.5) for t in np.arange(0.5, 60, 3.0))
    accents = tuple((t + k * 0.3, 1.0) for t, _ in spans for k in range(7))
    events = SpeechEvents(spans=spans, accents=accents)
    head = head_curve(times, events, MOOD_STYLES[mood], np.random.default_rng(0))
    assert np.isfinite(head).all()
    assert np.abs(head).max() < 6.0
    assert np.abs(np.diff(head, axis=0)).max() < 0.8
    assert np.abs(np.diff(head, n=2, axis=0)).max() < 0.4


def test_nods_land_on_phrase_starts() -> None:
    times = np.arange(30 * FPS) / FPS
    spans = tuple((t, t + 2.0) for t in (1.0, 6.0, 11.0, 16.0, 21.0))
    accents = tuple((start + 0.2, 1.0) for start, _ in spans)
    events = SpeechEvents(spans=spans, accents=accents)
    style = MOOD_STYLES["neutral"]
    still_style = type(style)(style.smile, style.brow, style.emphasis, 0.0, 1.0, style.nod_gain)
    pitch = head_curve(times, events, still_style, np.random.default_rng(0))[:, 1]
    for time, _ in accents:
        frame = round((time - 0.05) * FPS)
        assert pitch[frame] < -1.5  # a dip of 1.5-3 degrees at each phrase start
        assert pitch[frame] > -3.01
    assert np.abs(pitch[int(3.5 * FPS) : int(5.5 * FPS)]).max() < 0.5


def test_blink_intervals_stay_irregular_with_some_double_blinks() -> None:
    # On 35 s clips, as the benchmark measures them: the median clip's interval cv is
    # within the range people show (about 0.3-0.65), and a few blinks come in pairs.
    cvs, doubles, total = [], 0, 0
    for seed in range(200):
        blinks = plan_blinks(35.0, np.random.default_rng(seed))
        doubles += sum(b.double for b in blinks)
        total += len(blinks)
        cvs.append(interval_cv(blinks))
    assert 0.35 <= float(np.median(cvs)) <= 0.6
    assert 0.04 <= doubles / total <= 0.15
    for blink in (b for s in range(20) for b in plan_blinks(35.0, np.random.default_rng(s))):
        assert blink.duration <= 0.4


@pytest.mark.parametrize("mood", ["neutral", "excited", "sad"])
def test_every_35_s_clip_keeps_an_irregular_blink_interval_cv(mood: str) -> None:
    # Each clip, not just the median one: with ~10 blinks a clip, a single draw fell below
    # the benchmark's 0.3 guard in 1 clip of 12 (1 of 5 if a double blink is read as one
    # blink, as dlib did on the 240p photo). Checked both ways, every seed, as a render
    # plans them (per face and seed, with the mood's rate).
    for seed in range(150):
        motion = plan_face_motion(0, 35 * FPS, FPS, mood=mood, seed=seed)
        onsets, _ = blink_runs(motion.blink, 0.05)
        if len(onsets) < 4:
            continue
        gaps = np.diff(onsets) / FPS
        cv = gaps.std() / gaps.mean()
        assert 0.34 <= cv <= 0.64, (seed, cv)
    for seed in range(300):
        blinks = plan_blinks(35.0, np.random.default_rng(seed))
        for doubles_as_one in (False, True):
            cv = interval_cv(blinks, doubles_as_one)
            assert 0.34 <= cv <= 0.64, (seed, doubles_as_one, cv)
    rate = np.mean([len(plan_blinks(35.0, np.random.default_rng(s))) for s in range(300)])
    assert 15.0 <= rate / 35.0 * 60.0 <= 19.0  # the redraw keeps the rate (~17 a minute)


def test_the_blink_rate_follows_the_mood() -> None:
    def per_minute(mood: str) -> float:
        tracks = [plan_face_motion(0, TEN_MINUTES, FPS, mood=mood, seed=s) for s in range(2)]
        return float(np.mean([len(blink_runs(t.blink, 0.05)[0]) / 10.0 for t in tracks]))

    assert per_minute("excited") > 1.15 * per_minute("neutral")
    assert per_minute("surprised") < 0.85 * per_minute("neutral")
