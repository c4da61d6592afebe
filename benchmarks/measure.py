"""Measurements of a talking-face video, from 68-point landmarks and the speech audio.

Every function here is pure numpy/scipy on series sampled once per video frame, so each can
be checked on its own (tests/test_measure.py). Landmarks are (T, 68, 2) pixel arrays from
``benchmarks.landmarks`` (dlib, 0-based iBUG numbering); T is the number of frames.

Sign convention of the audio-visual lag: the lag is the shift, in frames, of the mouth
relative to the sound. Negative means the mouth moves before the sound is heard (it leads),
positive means it moves after (it lags).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

#: Speech band used for the audio energy, in Hz.
SPEECH_BAND = (300.0, 3000.0)
#: Audio energy is floored this many dB below the clip's loudest frame.
ENERGY_FLOOR_DB = 60.0
#: A frame is silent when its speech-band energy is this many dB below the loudest frame.
SILENCE_GATE_DB = 35.0
#: Silent frames this close (in frames) to a speech frame, or to either end, are not counted
#: as pause frames: the mouth needs a frame to close or to open for the next word.
PAUSE_GUARD_FRAMES = 1
EDGE_FRAMES = 3

_INNER_LIP_PAIRS = ((61, 67), (62, 66), (63, 65))
_RIGHT_EYE = slice(36, 42)
_LEFT_EYE = slice(42, 48)
#: Nose bridge (27-30) and inner eye corners (39, 42): points that should move only with
#: the head.
STEADY_POINTS = (27, 28, 29, 30, 39, 42)


# ----------------------------------------------------------------- landmark series
def inter_ocular(points: np.ndarray) -> np.ndarray:
    """Distance between the two eye centres (mean of each eye's six points).

    Args:
        points: (T, 68, 2) landmarks in pixels.

    Returns:
        (T,) distances in pixels.
    """
    right = points[:, _RIGHT_EYE].mean(axis=1)
    left = points[:, _LEFT_EYE].mean(axis=1)
    return np.linalg.norm(left - right, axis=1)


def lip_gap(points: np.ndarray) -> np.ndarray:
    """Inner-lip opening per frame, in units of the clip's median inter-ocular distance.

    The opening is the mean distance of the inner-lip pairs 61-67, 62-66 and 63-65.

    Args:
        points: (T, 68, 2) landmarks in pixels.

    Returns:
        (T,) lip gap / median inter-ocular distance (0 = lips touching).
    """
    gaps = np.mean(
        [np.linalg.norm(points[:, a] - points[:, b], axis=1) for a, b in _INNER_LIP_PAIRS],
        axis=0,
    )
    return gaps / float(np.median(inter_ocular(points)))


def eye_aspect_ratio(points: np.ndarray) -> np.ndarray:
    """Eye aspect ratio (EAR), mean of both eyes: (|p2-p6| + |p3-p5|) / (2 |p1-p4|).

    Args:
        points: (T, 68, 2) landmarks in pixels.

    Returns:
        (T,) EAR, about 0.25-0.35 for an open eye and near 0.05 for a closed one.
    """
    ratios = []
    for eye in (_RIGHT_EYE, _LEFT_EYE):
        p = points[:, eye]
        vertical = np.linalg.norm(p[:, 1] - p[:, 5], axis=1) + np.linalg.norm(
            p[:, 2] - p[:, 4], axis=1
        )
        horizontal = np.linalg.norm(p[:, 0] - p[:, 3], axis=1)
        ratios.append(vertical / (2.0 * np.maximum(horizontal, 1e-6)))
    return np.mean(ratios, axis=0)


# ----------------------------------------------------------------- audio
def speech_band_energy(
    audio: np.ndarray, sample_rate: int, fps: float, n_frames: int
) -> np.ndarray:
    """Speech-band (300-3000 Hz) log energy of the audio under each video frame.

    The band-pass is zero-phase (forward-backward), so it shifts nothing in time. Frame t
    covers the samples of [t / fps, (t + 1) / fps).

    Args:
        audio: (N,) or (N, C) samples (any scale; channels are averaged).
        sample_rate: Samples per second.
        fps: Video frames per second.
        n_frames: Number of video frames T.

    Returns:
        (T,) energy in dB relative to the loudest frame (0 = loudest), floored at
        -ENERGY_FLOOR_DB. Frames past the end of the audio get the floor.
    """
    from scipy.signal import butter, sosfiltfilt

    samples = np.asarray(audio, dtype=np.float64)
    if samples.ndim == 2:
        samples = samples.mean(axis=1)
    high = min(SPEECH_BAND[1], 0.45 * sample_rate)
    sos = butter(4, (SPEECH_BAND[0], high), btype="bandpass", fs=sample_rate, output="sos")
    band = sosfiltfilt(sos, samples)
    power = np.zeros(n_frames)
    for t in range(n_frames):
        start = round(t * sample_rate / fps)
        stop = round((t + 1) * sample_rate / fps)
        chunk = band[start:stop]
        power[t] = float(np.mean(chunk**2)) if chunk.size else 0.0
    db = 10.0 * np.log10(power + 1e-20)
    db -= db.max()
    return np.maximum(db, -ENERGY_FLOOR_DB)


def silent_frames(energy_db: np.ndarray) -> np.ndarray:
    """Frames inside pauses: below the silence gate, away from speech and from the ends.

    Args:
        energy_db: (T,) output of ``speech_band_energy``.

    Returns:
        (T,) bool.
    """
    silent = energy_db < -SILENCE_GATE_DB
    guarded = silent.copy()
    for offset in range(1, PAUSE_GUARD_FRAMES + 1):
        guarded[offset:] &= silent[:-offset]
        guarded[:-offset] &= silent[offset:]
    guarded[:EDGE_FRAMES] = False
    guarded[len(guarded) - EDGE_FRAMES :] = False
    return guarded


# ----------------------------------------------------------------- metrics
def av_lag(gap: np.ndarray, energy_db: np.ndarray, max_lag: int = 10) -> tuple[int, float]:
    """The mouth-vs-sound shift that best lines the lip gap up with the speech energy.

    For each lag L in [-max_lag, max_lag] the Pearson correlation of gap[t + L] with
    energy[t] is computed over the frames where both exist.

    Args:
        gap: (T,) lip gap per frame.
        energy_db: (T,) speech-band energy per frame.
        max_lag: Largest shift searched, in frames.

    Returns:
        (lag, correlation): lag in frames, negative when the mouth leads the sound; the
        correlation at that lag (NaN lag 0 when no lag gives a defined correlation).
    """
    best_lag, best_r = 0, -math.inf
    n = len(gap)
    for lag in range(-max_lag, max_lag + 1):
        if lag >= 0:
            mouth, sound = gap[lag:], energy_db[: n - lag]
        else:
            mouth, sound = gap[:lag], energy_db[-lag:]
        r = _pearson(mouth, sound)
        if r > best_r:
            best_lag, best_r = lag, r
    return best_lag, (best_r if best_r > -math.inf else math.nan)


def av_lag_halves(gap: np.ndarray, energy_db: np.ndarray, max_lag: int = 10) -> tuple[int, int]:
    """``av_lag`` of the first and of the second half of the clip (to see drift)."""
    half = len(gap) // 2
    first, _ = av_lag(gap[:half], energy_db[:half], max_lag)
    second, _ = av_lag(gap[half:], energy_db[half:], max_lag)
    return first, second


def pause_ratio(gap: np.ndarray, energy_db: np.ndarray) -> tuple[float, int]:
    """Mean lip gap in pause frames divided by the mean lip gap in speech frames.

    Args:
        gap: (T,) lip gap per frame.
        energy_db: (T,) speech-band energy per frame.

    Returns:
        (ratio, number of pause frames); ratio is NaN when the clip has no pause frame.
    """
    pauses = silent_frames(energy_db)
    speech = energy_db >= -SILENCE_GATE_DB
    if not pauses.any() or not speech.any():
        return math.nan, int(pauses.sum())
    speaking = float(gap[speech].mean())
    if speaking <= 0.0:
        return math.inf, int(pauses.sum())
    return float(gap[pauses].mean()) / speaking, int(pauses.sum())


def mouth_range(gap: np.ndarray) -> float:
    """P95 - P5 of the lip gap: how far the mouth really opens and closes."""
    low, high = np.percentile(gap, [5.0, 95.0])
    return float(high - low)


def blink_onsets(
    ear: np.ndarray, fps: float, dip_fraction: float = 0.75, min_frames: int = 2
) -> np.ndarray:
    """First frames of blinks: runs of >= ``min_frames`` frames of EAR well below its median.

    The reference is the running median of the EAR over a 2-second window (the whole clip
    when it is shorter), so slow changes of expression are not counted.

    Args:
        ear: (T,) eye aspect ratio per frame.
        fps: Frames per second.
        dip_fraction: A frame is a dip when EAR < dip_fraction * running median.
        min_frames: Shortest dip counted as a blink.

    Returns:
        (n,) int frame index where each blink's dip starts.
    """
    from scipy.ndimage import median_filter

    if len(ear) == 0:
        return np.zeros(0, int)
    window = min(len(ear), round(2.0 * fps) | 1)
    reference = median_filter(ear, size=window, mode="nearest")
    dips = np.concatenate([[0], (ear < dip_fraction * reference).astype(int), [0]])
    edges = np.flatnonzero(np.diff(dips))
    starts, ends = edges[::2], edges[1::2]
    return starts[ends - starts >= min_frames]


def count_blinks(
    ear: np.ndarray, fps: float, dip_fraction: float = 0.75, min_frames: int = 2
) -> int:
    """Number of blinks (see ``blink_onsets``)."""
    return len(blink_onsets(ear, fps, dip_fraction, min_frames))


def blink_interval_cv(ear: np.ndarray, fps: float) -> float:
    """Coefficient of variation (std / mean) of the intervals between blink onsets.

    About 0.3-0.65 for people; near 0 for a metronome. NaN with fewer than 3 intervals.
    """
    onsets = blink_onsets(ear, fps)
    if len(onsets) < 4:
        return math.nan
    intervals = np.diff(onsets).astype(np.float64)
    return float(intervals.std() / intervals.mean())


def jitter(points: np.ndarray, window: int = 5) -> float:
    """High-frequency shake of points that should move only with the head.

    The residual of each point's track from its centred ``window``-frame moving average;
    its standard deviation per point and axis, averaged, over the median inter-ocular
    distance. A still face gives exactly 0.

    Args:
        points: (T, 68, 2) landmarks in pixels, T > window.
        window: Moving-average length in frames (odd).

    Returns:
        Jitter as a fraction of the inter-ocular distance.
    """
    track = points[:, STEADY_POINTS]
    kernel = np.ones(window) / window
    half = window // 2
    residuals = []
    for p in range(track.shape[1]):
        for axis in range(2):
            series = track[:, p, axis]
            smooth = np.convolve(series, kernel, mode="valid")
            residuals.append(np.std(series[half : len(series) - half] - smooth))
    return float(np.mean(residuals)) / float(np.median(inter_ocular(points)))


def psnr(mse: float) -> float:
    """PSNR in dB of 8-bit images from their mean squared error (inf when identical)."""
    return math.inf if mse <= 0.0 else 10.0 * math.log10(255.0**2 / mse)


def background_mask(
    height: int,
    width: int,
    face_boxes: list[tuple[float, float, float, float]],
    excluded: Sequence[tuple[int, int, int, int]] = (),
    above: float = 0.0,
) -> np.ndarray:
    """Pixels away from every face, neck and the watermark.

    Each face box (x, y, w, h) is grown to 1.6 times its width about its centre and down to
    2.2 times its height below its top (and up by ``above`` times its height: 0.6 also leaves
    out the top of the head and the hair); ``excluded`` rectangles (x, y, w, h) are left out.

    Returns:
        (H, W) bool, True for background pixels.
    """
    mask = np.ones((height, width), dtype=bool)
    for x, y, w, h in face_boxes:
        cx = x + w / 2.0
        left = max(0, math.floor(cx - 0.8 * w))
        right = min(width, math.ceil(cx + 0.8 * w))
        top = max(0, math.floor(y - above * h))
        bottom = min(height, math.ceil(y + 2.2 * h))
        mask[top:bottom, left:right] = False
    for x, y, w, h in excluded:
        mask[max(0, y) : max(0, y + h), max(0, x) : max(0, x + w)] = False
    return mask


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 3:
        return -math.inf
    a = a - a.mean()
    b = b - b.mean()
    denominator = math.sqrt(float(np.dot(a, a)) * float(np.dot(b, b)))
    if denominator == 0.0:
        return -math.inf
    return float(np.dot(a, b)) / denominator
