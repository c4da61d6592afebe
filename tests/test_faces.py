from __future__ import annotations

import json
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from pipelines.config import Limits
from pipelines.faces.mediapipe_faces import MediaPipeFaces
from pipelines.images import load_image
from pipelines.protocols import FaceBackend
from pipelines.types import Face, Photo

EXAMPLES = Path(__file__).resolve().parent.parent / "assets" / "examples"
EXPECTED_COUNTS = {
    "einstein_bw.jpg": 1,
    "woman_waterfall.jpg": 1,
    "smiling_woman_256.png": 1,
    "lowres_240p.jpg": 1,
    "mona_lisa.jpg": 1,
    "painted_portrait.png": 1,
    "cartoon_boy.jpg": 1,
    "two_people.jpg": 2,
    "couple_red_carpet.jpg": 2,
    "shiba_dog.jpg": 0,
}


@pytest.fixture(scope="module")
def backend() -> MediaPipeFaces:
    return MediaPipeFaces()


@pytest.fixture(scope="module")
def found(backend: MediaPipeFaces) -> dict[str, tuple[Photo, tuple[Face, ...]]]:
    results = {}
    for name in EXPECTED_COUNTS:
        photo = load_image(EXAMPLES / name)
        results[name] = (photo, backend.detect(photo))
    return results


def _pose(face: Face) -> np.ndarray:
    return np.array([face.pose.yaw, face.pose.pitch, face.pose.roll])


def test_satisfies_the_protocol(backend: MediaPipeFaces) -> None:
    typed: FaceBackend = backend
    assert typed.name == "mediapipe"


@pytest.mark.parametrize("name", sorted(EXPECTED_COUNTS))
def test_face_count_on_every_example(name: str, found: dict) -> None:
    _, faces = found[name]
    assert len(faces) == EXPECTED_COUNTS[name]


@pytest.mark.parametrize("name", sorted(EXPECTED_COUNTS))
def test_faces_are_well_formed(name: str, found: dict) -> None:
    photo, faces = found[name]
    assert [face.index for face in faces] == list(range(len(faces)))
    centres = [face.box.center[0] for face in faces]
    assert centres == sorted(centres)
    for face in faces:
        assert 0.5 <= face.score <= 1.0
        assert face.landmarks.shape == (478, 3)
        assert face.landmarks.dtype == np.float32
        assert np.isfinite(face.landmarks).all()
        box = face.box
        assert box.x >= 0 and box.x + box.width <= photo.width + 1e-3
        assert box.y >= 0 and box.y + box.height <= photo.height + 1e-3
        assert box.width > 20 and box.height > 20
        # The mesh's anatomy is where it should be: eyes above the mouth above the chin,
        # the subject's right eye (33) on the image's left, each iris between its corners.
        points = face.landmarks
        assert points[33, 0] < points[263, 0]
        assert points[33, 1] < points[13, 1] < points[152, 1]
        assert points[10, 1] < points[168, 1]
        assert points[33, 0] < points[468, 0] < points[133, 0]
        assert points[362, 0] < points[473, 0] < points[263, 0]
        geometry = face.geometry
        assert geometry.inter_ocular > 5
        assert geometry.face_height > geometry.inter_ocular
        assert geometry.mouth_open_ratio == pytest.approx(
            geometry.lip_gap / geometry.mouth_width, rel=1e-5
        )
        assert 0.0 <= face.expression.smile <= 1.0
        assert 0.0 <= face.expression.mouth_open <= 1.0
        assert face.expression.eyes_open > 0.5  # every example face has open eyes
        json.dumps(face.summary())


def test_dog_has_no_human_face_even_when_large(backend: MediaPipeFaces) -> None:
    dog = load_image(EXAMPLES / "shiba_dog.jpg")
    big = cv2.resize(dog.pixels, (1600, 1600), interpolation=cv2.INTER_CUBIC)
    assert backend.detect(Photo(big)) == ()
    closer = np.ascontiguousarray(dog.pixels[100:450, 60:450])
    assert backend.detect(Photo(closer)) == ()


def test_two_people_are_ordered_left_to_right(found: dict) -> None:
    for name in ("two_people.jpg", "couple_red_carpet.jpg"):
        photo, faces = found[name]
        left, right = faces
        assert left.box.center[0] < photo.width / 2 < right.box.center[0]
        assert left.box.x + left.box.width < right.box.x  # separate faces, no overlap


def test_expressions_match_the_photos(found: dict) -> None:
    # Checked by eye: these people smile ...
    assert found["smiling_woman_256.png"][1][0].expression.label == "smile"
    assert found["lowres_240p.jpg"][1][0].expression.label == "smile"
    assert found["couple_red_carpet.jpg"][1][0].expression.label == "smile"
    # ... and these keep a straight face.
    assert found["einstein_bw.jpg"][1][0].expression.label == "neutral"
    assert found["couple_red_carpet.jpg"][1][1].expression.label == "neutral"
    assert [f.expression.label for f in found["two_people.jpg"][1]] == ["neutral", "neutral"]
    smiles = [found[n][1][0].expression.smile for n in ("smiling_woman_256.png", "lowres_240p.jpg")]
    straight = [found[n][1][0].expression.smile for n in ("einstein_bw.jpg", "cartoon_boy.jpg")]
    assert min(smiles) > max(straight) + 0.3


def test_frontal_faces_have_small_yaw(found: dict) -> None:
    for name in ("smiling_woman_256.png", "woman_waterfall.jpg", "painted_portrait.png"):
        pose = found[name][1][0].pose
        assert abs(pose.yaw) < 15
        assert abs(pose.roll) < 10


def test_mirrored_photo_mirrors_yaw_and_roll(backend: MediaPipeFaces, found: dict) -> None:
    for name in ("mona_lisa.jpg", "two_people.jpg"):
        photo, faces = found[name]
        mirrored = backend.detect(Photo(np.ascontiguousarray(photo.pixels[:, ::-1])))
        assert len(mirrored) == len(faces)
        for face, twin in zip(faces, reversed(mirrored), strict=True):
            yaw, pitch, roll = _pose(face)
            assert twin.pose.yaw == pytest.approx(-yaw, abs=5)
            assert twin.pose.roll == pytest.approx(-roll, abs=3)
            assert twin.pose.pitch == pytest.approx(pitch, abs=5)
            assert twin.box.center[0] == pytest.approx(photo.width - face.box.center[0], abs=3)
    # Mona Lisa turns towards the image's left, so her yaw is clearly negative.
    assert found["mona_lisa.jpg"][1][0].pose.yaw < -8


@pytest.mark.parametrize("degrees", [-20, 20])
def test_roll_follows_an_in_plane_rotation(
    backend: MediaPipeFaces, found: dict, degrees: int
) -> None:
    photo, (face,) = found["woman_waterfall.jpg"]
    # OpenCV's positive angle turns counter-clockwise; roll is positive clockwise.
    matrix = cv2.getRotationMatrix2D(face.box.center, -degrees, 1.0)
    turned = cv2.warpAffine(
        photo.pixels, matrix, (photo.width, photo.height), borderMode=cv2.BORDER_REFLECT
    )
    (turned_face,) = backend.detect(Photo(turned))
    assert turned_face.pose.roll - face.pose.roll == pytest.approx(degrees, abs=4)
    assert turned_face.pose.yaw == pytest.approx(face.pose.yaw, abs=5)


def test_landmarks_scale_with_the_photo(backend: MediaPipeFaces, found: dict) -> None:
    photo, faces = found["two_people.jpg"]
    half = load_image(EXAMPLES / "two_people.jpg", Limits(max_working_side=563))
    half_faces = backend.detect(half)
    assert len(half_faces) == 2
    for face, small in zip(faces, half_faces, strict=True):
        ratio = photo.width / half.width
        error = np.abs(small.landmarks[:, :2] * ratio - face.landmarks[:, :2])
        assert np.median(error) < 0.1 * face.geometry.inter_ocular


def test_face_filling_the_frame_is_found(backend: MediaPipeFaces, found: dict) -> None:
    photo, (face,) = found["smiling_woman_256.png"]
    x, y, w, h = (round(v) for v in (face.box.x, face.box.y, face.box.width, face.box.height))
    close = np.ascontiguousarray(photo.pixels[y + 5 : y + h - 5, x + 5 : x + w - 5])
    (close_face,) = backend.detect(Photo(close))
    assert close_face.expression.label == "smile"


def test_small_faces_in_a_large_photo_are_found(backend: MediaPipeFaces) -> None:
    # Six real faces, each about 60 px wide, spread over a 1600 x 1200 canvas.
    canvas = np.full((1200, 1600, 3), (96, 110, 120), np.uint8)
    names = [n for n, count in EXPECTED_COUNTS.items() if count == 1][:6]
    for i, name in enumerate(names):
        photo = load_image(EXAMPLES / name)
        (face,) = backend.detect(photo)
        cx, cy = face.box.center
        half = 0.8 * max(face.box.width, face.box.height)
        x0, y0 = int(max(cx - half, 0)), int(max(cy - half, 0))
        crop = photo.pixels[y0 : int(cy + half), x0 : int(cx + half)]
        crop = cv2.resize(crop, (96, 96), interpolation=cv2.INTER_AREA)
        top, left = 200 + (i // 3) * 600, 150 + (i % 3) * 550
        canvas[top : top + 96, left : left + 96] = crop
    faces = backend.detect(Photo(canvas))
    assert len(faces) >= 5
    assert all(face.box.width < 120 for face in faces)


def test_concurrent_calls_give_the_same_faces(backend: MediaPipeFaces, found: dict) -> None:
    names = ["einstein_bw.jpg", "two_people.jpg", "shiba_dog.jpg", "mona_lisa.jpg"]
    results: dict[str, tuple[Face, ...]] = {}

    def run(name: str) -> None:
        results[name] = backend.detect(found[name][0])

    threads = [threading.Thread(target=run, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name in names:
        expected = found[name][1]
        assert len(results[name]) == len(expected)
        for got, want in zip(results[name], expected, strict=True):
            np.testing.assert_allclose(got.landmarks, want.landmarks, atol=1e-3)
