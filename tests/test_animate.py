"""The mesh-warp animator on real photos with real MediaPipe faces.

Motions are built here as plain curves (a jaw sine, a blink at one frame, a head turn); the
rendered frames are measured by running the real face mesh on them again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipelines.animate.animator import MeshWarpAnimator, motion_weights, prepare_face
from pipelines.errors import BadInputError
from pipelines.images import load_image
from pipelines.types import Animation, Face, FaceMotion, Photo

CHANNELS = ("jaw_open", "lip_round", "lip_wide", "lip_press", "lip_bite", "blink", "smile", "brow")


def make_motion(face_index: int, n_frames: int, **curves: Sequence[float] | float) -> FaceMotion:
    """A FaceMotion with the given curves (scalars are held), every other channel still."""
    arrays = {}
    for name in CHANNELS:
        value = curves.get(name, 0.0)
        arrays[name] = np.broadcast_to(np.asarray(value, np.float64), (n_frames,)).copy()
    head = np.broadcast_to(
        np.asarray(curves.get("head", (0.0, 0.0, 0.0)), np.float64), (n_frames, 3)
    )
    return FaceMotion(face_index, head=head.copy(), **arrays)


def render(photo: Photo, faces: Sequence[Face], motions: Sequence[FaceMotion]) -> list[np.ndarray]:
    n_frames = motions[0].n_frames
    return list(MeshWarpAnimator().render(photo, faces, Animation(25, n_frames, tuple(motions))))


def roi_of(photo: Photo, face: Face) -> tuple[slice, slice]:
    roi = prepare_face(photo.pixels, face).roi
    return slice(roi.y0, roi.y1), slice(roi.x0, roi.x1)


@pytest.fixture(scope="module")
def detector():
    from pipelines.faces.mediapipe_faces import MediaPipeFaces

    return MediaPipeFaces()


@pytest.fixture(scope="module")
def woman(examples: Path, detector) -> tuple[Photo, tuple[Face, ...]]:
    photo = load_image(examples / "woman_waterfall.jpg")
    return photo, detector.detect(photo)


@pytest.fixture(scope="module")
def couple(examples: Path, detector) -> tuple[Photo, tuple[Face, ...]]:
    photo = load_image(examples / "two_people.jpg")
    faces = detector.detect(photo)
    assert len(faces) == 2
    return photo, faces


def mouth_box(face: Face, pad: float = 0.25) -> tuple[slice, slice]:
    points = face.landmarks[[61, 291, 0, 17], :2]
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    margin = pad * (x1 - x0)
    return slice(int(y0 - margin), int(y1 + margin)), slice(int(x0 - margin), int(x1 + margin))


def test_frames_have_the_photo_shape_and_count(woman) -> None:
    photo, faces = woman
    n = 9
    jaw = 0.5 + 0.5 * np.sin(np.linspace(0, 2 * np.pi, n))
    frames = MeshWarpAnimator().render(
        photo, faces, Animation(25, n, (make_motion(faces[0].index, n, jaw_open=jaw),))
    )
    assert not isinstance(frames, list | tuple)  # a stream, not a list
    drawn = list(frames)
    assert len(drawn) == n
    for frame in drawn:
        assert frame.shape == photo.pixels.shape
        assert frame.dtype == np.uint8
    assert MeshWarpAnimator.name == "mesh-warp"


def test_pixels_outside_every_face_region_are_the_photo_s_own(couple) -> None:
    photo, faces = couple
    n = 6
    wave = np.linspace(0.0, 1.0, n)
    motions = [
        make_motion(face.index, n, jaw_open=wave, blink=wave[::-1], smile=0.5, brow=-0.5,
                    lip_round=0.4, head=(6.0, -4.0, 5.0))
        for face in faces
    ]  # fmt: skip
    outside = np.ones(photo.pixels.shape[:2], bool)
    for face in faces:
        outside[roi_of(photo, face)] = False
    assert outside.mean() > 0.2
    for frame in render(photo, faces, motions):
        assert np.array_equal(frame[outside], photo.pixels[outside])
        assert not np.array_equal(frame, photo.pixels)


def test_opening_the_jaw_opens_the_lips_as_the_mesh_sees_them(woman, detector) -> None:
    photo, faces = woman
    face = faces[0]
    jaw = np.linspace(0.0, 1.0, 6)
    # Blink on the first frame too, so the face is processed even with the jaw closed.
    blink = np.r_[1.0, np.zeros(5)]
    frames = render(photo, faces, [make_motion(face.index, 6, jaw_open=jaw, blink=blink)])
    ratios = []
    for frame in frames:
        found = detector.detect(Photo(frame))
        assert len(found) == 1, "the face must still be found in every frame"
        ratios.append(found[0].geometry.mouth_open_ratio)
    ratios = np.array(ratios)
    assert np.all(np.diff(ratios) > -0.03), ratios
    assert ratios[-1] > ratios[0] + 0.25, ratios
    # With the jaw closed the mouth is the photo's own mouth.
    box = mouth_box(face)
    closed = np.abs(frames[0][box].astype(float) - photo.pixels[box].astype(float)).mean()
    assert closed < 1.0
    # Wide open, the new opening is darker than the lips around it.
    opened = np.abs(frames[-1][box].astype(float) - photo.pixels[box].astype(float)).mean()
    assert opened > 10.0


def test_a_blink_closes_the_eyes_as_the_mesh_sees_them(woman, detector) -> None:
    photo, faces = woman
    frames = render(photo, faces, [make_motion(faces[0].index, 2, blink=[0.0, 1.0], brow=0.01)])
    opened = detector.detect(Photo(frames[0]))[0].geometry
    closed = detector.detect(Photo(frames[1]))[0].geometry
    assert closed.left_eye_open < 0.6 * opened.left_eye_open
    assert closed.right_eye_open < 0.6 * opened.right_eye_open


@pytest.fixture(scope="module")
def dlib_faces():
    from benchmarks.landmarks import DlibFaces

    return DlibFaces()


def largest_face(examples: Path, detector, name: str) -> tuple[Photo, tuple[Face, ...], Face]:
    photo = load_image(examples / name)
    faces = detector.detect(photo)
    return photo, faces, max(faces, key=lambda f: f.box.width)


@pytest.mark.parametrize("name", ["mona_lisa.jpg", "painted_portrait.png"])
def test_a_full_blink_closes_painted_eyes_as_the_mesh_sees_them(
    examples: Path, detector, name: str
) -> None:
    photo, faces, face = largest_face(examples, detector, name)
    frames = render(photo, faces, [make_motion(face.index, 2, blink=[0.0, 1.0], brow=0.01)])
    opened, closed = (max(detector.detect(Photo(f)), key=lambda f: f.box.width) for f in frames)
    for eye in ("left_eye_open", "right_eye_open"):
        assert getattr(closed.geometry, eye) < 0.55 * getattr(opened.geometry, eye), eye


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", ["painted_portrait.png", "cartoon_boy.jpg", "einstein_bw.jpg", "mona_lisa.jpg"]
)
def test_a_full_blink_dips_dlib_s_eye_aspect_ratio(
    examples: Path, detector, dlib_faces, name: str
) -> None:
    # dlib is the benchmark's independent judge: its eye aspect ratio must dip clearly.
    from benchmarks import measure

    photo, faces, face = largest_face(examples, detector, name)
    frames = render(photo, faces, [make_motion(face.index, 2, blink=[0.0, 1.0], brow=0.01)])
    box = dlib_faces.detect(frames[0], face.box.center)
    ears = [measure.eye_aspect_ratio(dlib_faces.landmarks(f, box)[None])[0] for f in frames]
    assert ears[1] < 0.8 * ears[0], ears


def test_a_closed_lid_is_drawn_in_skin_tone_without_the_eye_showing(examples, detector) -> None:
    from pipelines.animate.rig import (
        LEFT_EYE_LOWER,
        LEFT_EYE_UPPER,
        RIGHT_EYE_LOWER,
        RIGHT_EYE_UPPER,
    )

    photo, faces, face = largest_face(examples, detector, "painted_portrait.png")
    closed = render(photo, faces, [make_motion(face.index, 1, blink=1.0)])[0]
    for upper, lower in ((RIGHT_EYE_UPPER, RIGHT_EYE_LOWER), (LEFT_EYE_UPPER, LEFT_EYE_LOWER)):
        # The upper half of the photo's eye opening: iris and sclera there before the blink.
        top = face.landmarks[list(upper[2:-2]), :2]
        bottom = face.landmarks[list(lower[2:-2]), :2]
        middle = (top + 0.4 * (bottom[::-1] - top)).round().astype(int)
        before = photo.pixels[middle[:, 1], middle[:, 0]].astype(float)
        after = closed[middle[:, 1], middle[:, 0]].astype(float)
        skin = photo.pixels[
            (top[:, 1] - 0.3 * face.geometry.inter_ocular).round().astype(int),
            top[:, 0].round().astype(int),
        ].astype(float)
        # The iris is gone: the closed lid there is close to the skin above the eye.
        assert np.abs(after - skin).mean() < 0.5 * np.abs(before - skin).mean()
        assert np.abs(after - skin).mean() < 40.0


def test_a_tilted_face_blinks_both_eyes(examples: Path, detector) -> None:
    tilted = Image.open(examples / "woman_waterfall.jpg").convert("RGB")
    photo = Photo(np.asarray(tilted.rotate(30, resample=Image.BICUBIC, expand=True)))
    faces = detector.detect(photo)
    assert abs(faces[0].pose.roll) > 20
    frames = render(photo, faces, [make_motion(faces[0].index, 2, blink=[0.0, 1.0], jaw_open=0.3)])
    opened = detector.detect(Photo(frames[0]))[0].geometry
    closed = detector.detect(Photo(frames[1]))[0].geometry
    assert closed.left_eye_open < 0.6 * opened.left_eye_open
    assert closed.right_eye_open < 0.6 * opened.right_eye_open


def test_in_a_pause_parted_lips_close(woman, detector) -> None:
    photo, faces = woman
    face = faces[0]
    assert face.geometry.mouth_open_ratio > 0.1  # her lips are parted in the photo
    # The motion's rest pose in a pause: jaw shut, lips lightly together.
    frames = render(photo, faces, [make_motion(face.index, 2, lip_press=[0.0, 0.15])])
    own, rest = (detector.detect(Photo(f))[0].geometry for f in frames)
    assert own.mouth_open_ratio == pytest.approx(face.geometry.mouth_open_ratio, abs=0.02)
    assert rest.mouth_open_ratio < 0.3 * own.mouth_open_ratio


def test_head_motion_leaves_the_hair_and_background_around_the_face_still(woman) -> None:
    photo, faces = woman
    face = faces[0]
    motion = make_motion(face.index, 3, head=[(3.0, 0.0, 0.0), (0.0, -3.0, 0.0), (0.0, 0.0, 2.5)])
    frames = render(photo, faces, [motion])
    box = face.box
    above = (slice(0, int(box.y)), slice(None))
    beside = (slice(None), np.r_[0 : int(box.x - 0.3 * box.width),
                                 int(box.x + 1.3 * box.width) : photo.width])  # fmt: skip
    inside = (slice(int(box.y + 0.3 * box.height), int(box.y + box.height)),
              slice(int(box.x), int(box.x + box.width)))  # fmt: skip
    for frame in frames:
        for region in (above, beside):
            assert np.abs(frame[region].astype(int) - photo.pixels[region]).max() <= 1
        # ...while the face itself turns.
        assert np.abs(frame[inside].astype(int) - photo.pixels[inside]).mean() > 2.0


def test_teeth_take_the_photo_s_colour_cast(examples: Path, detector) -> None:
    from pipelines.animate.mouth import measure_palette

    photo, _, face = largest_face(examples, detector, "mona_lisa.jpg")
    palette = measure_palette(photo.pixels, face.landmarks)
    red, green, blue = palette.teeth
    # A warm, varnished painting: neutral grey teeth would look blue in it.
    assert red > green > blue
    assert red - blue > 0.25 * red


def test_animating_one_person_leaves_the_other_untouched(couple) -> None:
    photo, faces = couple
    n = 4
    motion = make_motion(faces[0].index, n, jaw_open=np.linspace(0.2, 1.0, n), blink=1.0,
                         head=(5.0, 3.0, -4.0))  # fmt: skip
    touched = np.zeros(photo.pixels.shape[:2], bool)
    touched[roi_of(photo, faces[0])] = True
    other = faces[1].box
    region = (
        slice(int(other.y), int(other.y + other.height)),
        slice(int(other.x), int(other.x + other.width)),
    )
    untouched = np.zeros_like(touched)
    untouched[region] = True
    untouched &= ~touched
    assert untouched.sum() > 0.8 * other.width * other.height
    for frame in render(photo, faces, [motion]):
        assert np.array_equal(frame[untouched], photo.pixels[untouched])
        region = roi_of(photo, faces[0])
        assert not np.array_equal(frame[region], photo.pixels[region])


def test_a_grey_photo_stays_grey_with_the_mouth_open(examples: Path, detector) -> None:
    grey = Image.open(examples / "einstein_bw.jpg").convert("L").convert("RGB")
    photo = Photo(np.asarray(grey))
    faces = detector.detect(photo)
    assert faces
    frames = render(photo, faces, [make_motion(faces[0].index, 2, jaw_open=[0.7, 1.0], blink=0.6,
                                               smile=0.5, head=(4.0, 2.0, 3.0))])  # fmt: skip
    for frame in frames:
        channels = frame.astype(int)
        assert np.abs(channels[..., 0] - channels[..., 1]).max() <= 1
        assert np.abs(channels[..., 1] - channels[..., 2]).max() <= 1
        assert not np.array_equal(frame, photo.pixels)


def test_a_smile_showing_teeth_can_close_and_open(examples: Path, detector) -> None:
    photo = load_image(examples / "lowres_240p.jpg")  # a broad smile, teeth showing
    faces = detector.detect(photo)
    before = faces[0].geometry.mouth_open_ratio
    assert before > 0.1
    motion = make_motion(faces[0].index, 2, jaw_open=[0.0, 0.6], lip_press=[1.0, 0.0])
    pressed, opened = (detector.detect(Photo(f)) for f in render(photo, faces, [motion]))
    assert len(pressed) == len(opened) == 1
    assert pressed[0].geometry.mouth_open_ratio < before - 0.08
    assert opened[0].geometry.mouth_open_ratio > before + 0.15


@pytest.mark.parametrize("name", ["lowres_240p.jpg", "cartoon_boy.jpg", "mona_lisa.jpg"])
def test_small_drawn_and_painted_faces_render(examples: Path, detector, name: str) -> None:
    photo = load_image(examples / name)
    faces = detector.detect(photo)
    assert faces
    frames = render(photo, faces, [make_motion(f.index, 2, jaw_open=[0.3, 0.8], blink=[0.0, 1.0],
                                               head=(3.0, 0.0, 2.0)) for f in faces])  # fmt: skip
    assert len(frames) == 2
    for frame in frames:
        assert frame.shape == photo.pixels.shape
        assert not np.array_equal(frame, photo.pixels)


def test_a_2048_pixel_photo_renders_and_keeps_its_background(woman) -> None:
    photo, faces = woman
    big = Photo(np.asarray(Image.fromarray(photo.pixels).resize((2048, 2048), Image.BICUBIC)))
    scaled = [dataclasses.replace(f, landmarks=f.landmarks * np.float32(4.0)) for f in faces]
    frames = render(big, scaled, [make_motion(scaled[0].index, 2, jaw_open=0.6, blink=[0.0, 1.0],
                                              head=(5.0, 0.0, 0.0))])  # fmt: skip
    outside = np.ones(big.pixels.shape[:2], bool)
    outside[roi_of(big, scaled[0])] = False
    for frame in frames:
        assert frame.shape == (2048, 2048, 3)
        assert np.array_equal(frame[outside], big.pixels[outside])


def test_a_face_without_motion_is_left_as_it_is(couple) -> None:
    photo, faces = couple
    frames = render(photo, faces, [make_motion(faces[1].index, 3)])
    for frame in frames:
        assert np.array_equal(frame, photo.pixels)


def test_weights_hold_the_last_value_and_clamp(woman) -> None:
    _, faces = woman
    motion = make_motion(faces[0].index, 3, jaw_open=[0.2, 0.4, 3.0], head=(40.0, 0.0, 0.0))
    weights = motion_weights(motion, 5)
    assert weights.shape == (5, 11)
    np.testing.assert_allclose(weights[:, 0], [0.2, 0.4, 1.2, 1.2, 1.2], rtol=1e-6)
    assert np.all(weights[:, 8] == 15.0)


def test_bad_input_is_refused_when_render_is_called(woman) -> None:
    photo, faces = woman
    animator = MeshWarpAnimator()
    with pytest.raises(BadInputError, match="face 7"):
        animator.render(photo, faces, Animation(25, 2, (make_motion(7, 2),)))
    with pytest.raises(BadInputError, match="uint8"):
        animator.render(Photo(photo.pixels.astype(np.float32)), faces, Animation(25, 2, ()))
    broken = make_motion(faces[0].index, 2, jaw_open=[0.1, np.nan])
    with pytest.raises(BadInputError, match="non-finite"):
        animator.render(photo, faces, Animation(25, 2, (broken,)))
