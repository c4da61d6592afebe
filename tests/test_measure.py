"""The benchmark's measurements, checked on real photos and real speech with known answers.

No pipeline render here: each test builds an input whose right measurement is known by
construction (a known shift, a still video, a known error) from a real photo or recording.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import soundfile

from benchmarks import measure
from benchmarks.analyse import load_photo_rgb, mux_offset_ms
from benchmarks.landmarks import DlibFaces, FaceTracker

ROOT = Path(__file__).resolve().parent.parent

FPS = 25


@pytest.fixture(scope="module")
def dlib_faces() -> DlibFaces:
    return DlibFaces()


@pytest.fixture(scope="module")
def speech(data_dir: Path) -> tuple[np.ndarray, int]:
    audio, rate = soundfile.read(str(data_dir / "english_speech_16k.wav"), dtype="float64")
    return audio, rate


@pytest.fixture(scope="module")
def energy(speech: tuple[np.ndarray, int]) -> np.ndarray:
    audio, rate = speech
    return measure.speech_band_energy(audio, rate, FPS, int(len(audio) / rate * FPS))


@pytest.fixture(scope="module")
def photo(examples: Path) -> np.ndarray:
    return load_photo_rgb(examples / "woman_waterfall.jpg")


def _mouth_following(energy_db: np.ndarray, lead: int) -> np.ndarray:
    """A lip gap that opens with the sound, ``lead`` frames early (negative: late)."""
    openness = np.clip((energy_db + measure.SILENCE_GATE_DB) / measure.SILENCE_GATE_DB, 0, 1)
    shifted = np.full_like(openness, 0.0)
    if lead >= 0:
        shifted[: len(openness) - lead] = openness[lead:]
    else:
        shifted[-lead:] = openness[:lead]
    return 0.4 * shifted


@pytest.mark.parametrize("lead", [4, 2, 0, -3])
def test_av_lag_recovers_a_known_shift_with_the_documented_sign(energy, lead) -> None:
    gap = _mouth_following(energy, lead)
    lag, correlation = measure.av_lag(gap, energy)
    assert lag == -lead  # mouth leading the sound is a negative lag
    assert correlation > 0.8


def test_av_lag_halves_reveal_drift(energy) -> None:
    half = len(energy) // 2
    gap = np.concatenate([_mouth_following(energy, 0)[:half], _mouth_following(energy, -4)[half:]])
    assert measure.av_lag_halves(gap, energy) == (0, 4)


def test_speech_band_energy_is_not_shifted_in_time() -> None:
    rate = 22050
    t = np.arange(2 * rate) / rate
    burst = np.where((t >= 0.4) & (t < 0.8), 0.3 * np.sin(2 * np.pi * 1000 * t), 0.0)
    hum = 0.9 * np.sin(2 * np.pi * 50 * t)  # loud, but below the speech band
    energy_db = measure.speech_band_energy(burst + hum, rate, FPS, 50)
    loud = np.flatnonzero(energy_db > -20)
    assert loud.min() == 10 and loud.max() == 19  # frames 10..19 are 0.40..0.80 s


def test_pause_ratio_separates_a_closing_mouth_from_a_frozen_open_one(energy) -> None:
    closing = _mouth_following(energy, 0)
    ratio, n_pause = measure.pause_ratio(closing, energy)
    assert n_pause >= 5
    assert ratio < 0.2
    frozen_open = np.full_like(energy, 0.3)
    assert measure.pause_ratio(frozen_open, energy)[0] == pytest.approx(1.0)


def test_blinks_counts_dips_of_two_frames_or_more() -> None:
    rng = np.random.default_rng(0)
    ear = 0.3 + rng.normal(0.0, 0.005, 600)
    for start in (50, 200, 330, 480):
        ear[start : start + 3] = 0.08
    ear[400] = 0.08  # one-frame dip: landmark noise, not a blink
    assert measure.count_blinks(ear, FPS) == 4


def test_still_video_of_a_real_photo_measures_no_motion(dlib_faces, photo) -> None:
    box = dlib_faces.detect(photo)
    assert box is not None
    tracker = FaceTracker(dlib_faces, box)
    points = np.stack([tracker.update(photo.copy()) for _ in range(20)])
    assert measure.jitter(points) == 0.0
    assert measure.mouth_range(measure.lip_gap(points)) == 0.0
    assert measure.count_blinks(measure.eye_aspect_ratio(points), FPS) == 0
    ear = measure.eye_aspect_ratio(points)[0]
    assert 0.15 < ear < 0.45  # her eyes are open
    iod = measure.inter_ocular(points)[0]
    assert 0.2 * box.width < iod < 0.7 * box.width
    mask = measure.background_mask(*photo.shape[:2], [(box.left, box.top, box.width, box.width)])
    error = np.mean((photo[mask].astype(float) - photo[mask].astype(float)) ** 2)
    assert measure.psnr(float(error)) == math.inf


def test_tracker_follows_a_moving_face(dlib_faces, photo) -> None:
    box = dlib_faces.detect(photo)
    tracker = FaceTracker(dlib_faces, box)
    first = tracker.update(photo)
    moved = np.zeros_like(photo)
    moved[12:, 30:] = photo[:-12, :-30]  # content moves 30 px right, 12 px down
    second = tracker.update(moved)
    shift = np.median(second - first, axis=0)
    assert shift == pytest.approx([30.0, 12.0], abs=1.5)


def test_identity_distance_same_photo_zero_other_person_far(dlib_faces, photo, examples) -> None:
    other = load_photo_rgb(examples / "einstein_bw.jpg")
    embeddings = []
    for image in (photo, photo, other):
        points = dlib_faces.landmarks(image, dlib_faces.detect(image))
        embeddings.append(dlib_faces.embedding(image, points))
    assert np.linalg.norm(embeddings[0] - embeddings[1]) < 1e-6
    assert np.linalg.norm(embeddings[0] - embeddings[2]) > 0.6


def test_background_psnr_of_a_known_error_and_the_face_region_left_out(photo) -> None:
    height, width = photo.shape[:2]
    face = (150.0, 100.0, 160.0, 160.0)  # grown: x 102..358, y 100..452
    mask = measure.background_mask(height, width, [face], [(width - 60, height - 20, 60, 20)])
    assert not mask[440, 110] and not mask[105, 350]
    assert mask[460, 110] and mask[440, 95] and mask[95, 200] and mask[5, 5]
    assert not mask[height - 5, width - 5]
    changed = photo.astype(np.float64)
    changed[~mask] = 255 - changed[~mask]  # anything may happen inside the face region
    step = np.where(changed < 128, 4.0, -4.0)  # |error| exactly 4 everywhere, never clipped
    changed[mask] += step[mask]
    mse = float(np.mean((changed[mask] - photo[mask].astype(np.float64)) ** 2))
    assert measure.psnr(mse) == pytest.approx(10 * math.log10(255**2 / 16), abs=1e-9)


def test_mux_offset_finds_a_known_audio_delay(speech, photo, tmp_path) -> None:
    from pipelines.video.encode import write_video

    audio, rate = speech
    mono = audio.mean(axis=1)[: 2 * rate].astype(np.float32)
    small = np.ascontiguousarray(photo[::4, ::4])
    video = write_video(
        (small for _ in range(50)),
        n_frames=50,
        fps=FPS,
        audio=mono,
        sample_rate=rate,
        path=tmp_path / "clip.mp4",
        watermark=None,
    )
    assert abs(mux_offset_ms(video, mono, rate)) <= 2
    delay = int(0.08 * rate)  # the WAV starts 80 ms late, so the MP4 track plays 80 ms early
    late = np.concatenate([np.zeros(delay, np.float32), mono])[: len(mono)]
    assert mux_offset_ms(video, late, rate) == pytest.approx(-80, abs=2)


def test_blink_interval_cv_tells_a_metronome_from_irregular_blinks() -> None:
    rng = np.random.default_rng(0)
    regular = 0.3 + rng.normal(0.0, 0.005, 1000)
    irregular = regular.copy()
    for start in range(40, 960, 100):
        regular[start : start + 3] = 0.08
    for start in (40, 90, 260, 300, 520, 560, 700, 900):
        irregular[start : start + 3] = 0.08
    assert list(measure.blink_onsets(regular, FPS)) == list(range(40, 960, 100))
    assert measure.blink_interval_cv(regular, FPS) < 0.05
    assert measure.blink_interval_cv(irregular, FPS) > 0.3
    assert np.isnan(measure.blink_interval_cv(regular[:300], FPS))  # too few blinks


def test_finish_match_sees_a_crisp_mouth_in_a_soft_face() -> None:
    import cv2

    from benchmarks.closeups import finish_match

    rng = np.random.default_rng(1)
    texture = rng.normal(128.0, 30.0, (200, 200)).astype(np.float32)
    soft = cv2.GaussianBlur(texture, (0, 0), 2.0)
    # dlib-like points: cheeks left and right, the inner mouth in the middle.
    points = np.zeros((68, 2))
    points[[1, 2, 3, 48, 31, 40, 41, 36]] = [(10, 60), (10, 100), (15, 140), (60, 150),
                                            (70, 90), (60, 60), (40, 55), (20, 55)]  # fmt: skip
    right = [(190, 60), (190, 100), (185, 140), (140, 150), (130, 90), (140, 60), (160, 55)]
    points[[15, 14, 13, 54, 35, 47, 46, 45]] = [*right, (180, 55)]
    points[60:68] = [(80, 160), (90, 150), (100, 148), (110, 150), (120, 160), (110, 175),
                     (100, 178), (90, 175)]  # fmt: skip
    same = np.repeat(soft[..., None], 3, axis=2).clip(0, 255).astype(np.uint8)
    crisp = same.copy()
    crisp[140:185, 75:125] = np.repeat(texture[140:185, 75:125, None], 3, axis=2).clip(0, 255)
    matched = finish_match(same, points)
    drawn = finish_match(crisp, points)
    assert 0.7 < matched["mouth_sharpness_ratio"] < 1.4
    assert 0.6 < matched["mouth_grain_ratio"] < 1.6
    assert drawn["mouth_sharpness_ratio"] > 1.5 * matched["mouth_sharpness_ratio"]
    assert drawn["mouth_grain_ratio"] > 2.0
