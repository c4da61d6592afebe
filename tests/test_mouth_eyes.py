"""The mouth and eyes up close, on real photos with the real face mesh.

The photo's own teeth are kept and the painted interior appears only where it shows none; the
painted interior follows the photo's sharpness and grain; a closed lid keeps the photo's skin
texture; a turned face's far lid stays inside the face; moustaches and beards are found.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from pipelines.animate.animator import MeshWarpAnimator, prepare_face
from pipelines.animate.basis import BLINK_SPILL
from pipelines.animate.beard import measure_facial_hair
from pipelines.animate.rig import (
    LEFT_EYE_LOWER,
    LEFT_EYE_UPPER,
    LOWER_INNER_LIP,
    RIGHT_EYE_LOWER,
    RIGHT_EYE_UPPER,
    UPPER_INNER_LIP,
    build_rig,
)
from pipelines.images import load_image
from pipelines.types import Animation, Face, FaceMotion, Photo

CHANNELS = ("jaw_open", "lip_round", "lip_wide", "lip_press", "lip_bite", "blink", "smile", "brow")
PHOTOS = Path(__file__).resolve().parent / "data" / "photos"


def make_motion(face: Face, n_frames: int, **curves: list[float] | float) -> FaceMotion:
    arrays = {
        name: np.broadcast_to(np.asarray(curves.get(name, 0.0), float), (n_frames,)).copy()
        for name in CHANNELS
    }
    return FaceMotion(face.index, head=np.zeros((n_frames, 3)), **arrays)


def render(photo: Photo, faces, motion: FaceMotion) -> list[np.ndarray]:
    animation = Animation(25, motion.n_frames, (motion,))
    return list(MeshWarpAnimator().render(photo, faces, animation))


@pytest.fixture(scope="module")
def detector():
    from pipelines.faces.mediapipe_faces import MediaPipeFaces

    return MediaPipeFaces()


def largest(path: Path, detector) -> tuple[Photo, tuple[Face, ...], Face]:
    photo = load_image(path)
    faces = detector.detect(photo)
    assert faces, path
    return photo, faces, max(faces, key=lambda f: f.box.width * f.box.height)


def teeth_like(pixels: np.ndarray, skin_luminance: float) -> np.ndarray:
    """(h, w) bool: bright, low-saturation pixels (teeth)."""
    rgb = pixels.astype(np.float32)
    luminance = rgb @ np.array([0.299, 0.587, 0.114], np.float32)
    saturation = (rgb.max(axis=-1) - rgb.min(axis=-1)) / np.maximum(rgb.max(axis=-1), 1.0)
    return (luminance > 0.75 * skin_luminance) & (saturation < 0.3)


def polygon(shape: tuple[int, ...], points: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 1)
    return mask.astype(bool)


def test_the_photo_s_own_teeth_are_kept_and_move_apart(detector) -> None:
    photo, faces, face = largest(PHOTOS / "smiling_teeth.png", detector)
    palette = prepare_face(photo.pixels, face)._boxes[0][0].mouth
    assert palette.photo_teeth and not palette.teeth_allowed
    xy = face.landmarks[:, :2]
    skin = float(np.median(photo.pixels[int(xy[1, 1]) - 3 : int(xy[1, 1]) + 3, int(xy[1, 0])]))
    box = (slice(int(xy[:, 1].min()), int(xy[:, 1].max())), slice(None))
    before = teeth_like(photo.pixels[box], skin).sum()
    assert before > 40
    own, opened = render(photo, faces, make_motion(face, 2, jaw_open=[0.0, 0.8]))
    # Opening the jaw keeps (nearly) every tooth the photo shows, in two rows with a gap.
    assert teeth_like(opened[box], skin).sum() > 0.7 * before
    lips = xy[list(UPPER_INNER_LIP + LOWER_INNER_LIP)]
    x0, x1 = int(lips[:, 0].min()), int(lips[:, 0].max())
    y0, y1 = int(lips[:, 1].min()) - 10, int(lips[:, 1].max()) + 40

    def widest_gap(image: np.ndarray) -> int:
        """The most rows without teeth between two rows with teeth, across the mouth."""
        rows = np.flatnonzero(teeth_like(image[y0:y1, x0:x1], skin).mean(axis=1) > 0.1)
        return int(np.diff(rows).max()) - 1 if len(rows) > 1 else 0

    drop = 0.8 * prepare_face(photo.pixels, face).rig.mouth.open_unit
    assert widest_gap(opened) > widest_gap(photo.pixels) + 0.3 * drop
    assert np.array_equal(own, photo.pixels)


def test_a_closed_mouth_opens_on_a_painted_interior_with_teeth(examples: Path, detector) -> None:
    photo, faces, face = largest(examples / "painted_portrait.png", detector)
    palette = prepare_face(photo.pixels, face)._boxes[0][0].mouth
    assert not palette.photo_teeth and palette.teeth_allowed
    opened = render(photo, faces, make_motion(face, 1, jaw_open=1.0))[0]
    found = detector.detect(Photo(opened))[0]
    inner = polygon(
        opened.shape, found.landmarks[list(UPPER_INNER_LIP + LOWER_INNER_LIP[::-1]), :2]
    )
    inside = opened[inner].astype(np.float32)
    luminance = inside @ np.array([0.299, 0.587, 0.114], np.float32)
    teeth_luminance = float(palette.teeth @ np.array([0.299, 0.587, 0.114], np.float32))
    # Upper teeth show (pixels near the teeth's brightness), the rest is the darker cavity,
    # and nothing is black: the cavity is never darker than the face's own deepest shadows.
    assert np.mean(luminance > 0.7 * teeth_luminance) > 0.05
    assert np.mean(luminance < 0.5 * teeth_luminance) > 0.3
    shadow = float(palette.shadow @ np.array([0.299, 0.587, 0.114], np.float32))
    assert np.percentile(luminance, 1) > 0.6 * shadow


def test_the_painted_interior_follows_the_photo_s_sharpness_and_grain(
    examples: Path, detector
) -> None:
    photo, _, face = largest(examples / "woman_waterfall.jpg", detector)
    sharp = prepare_face(photo.pixels, face)._boxes[0][0].mouth
    soft_pixels = cv2.GaussianBlur(photo.pixels, (0, 0), 2.5)
    soft = prepare_face(soft_pixels, face)._boxes[0][0].mouth
    noise = np.random.default_rng(0).normal(0.0, 8.0, photo.pixels.shape)
    grainy_pixels = np.clip(photo.pixels + noise, 0, 255).astype(np.uint8)
    grainy = prepare_face(grainy_pixels, face)._boxes[0][0].mouth
    assert soft.blur > sharp.blur + 1.0
    assert grainy.grain > 4.0 * max(sharp.grain, 1.0)
    assert 5.0 < grainy.grain < 11.0  # the noise added was sigma 8


def test_a_closed_lid_keeps_the_photo_s_texture(detector) -> None:
    # A painting with craquelure: the closed lid must show it, not a smooth plate.
    photo, faces, face = largest(PHOTOS / "pearl_earring.jpg", detector)
    closed = render(photo, faces, make_motion(face, 1, blink=1.0))[0]
    xy = face.landmarks[:, :2]

    def detail(image: np.ndarray) -> np.ndarray:
        grey = image.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
        return grey - cv2.GaussianBlur(grey, (0, 0), 1.2)

    def spread(values: np.ndarray) -> float:
        return float(np.median(np.abs(values - np.median(values))))

    for upper, lower in ((RIGHT_EYE_UPPER, RIGHT_EYE_LOWER), (LEFT_EYE_UPPER, LEFT_EYE_LOWER)):
        # The upper part of the eye's opening, which the closed lid's skin covers (the lash
        # line lies below it), and the same shape of skin above the eye in the photo.
        top = xy[list(upper[1:-1])]
        depth = 0.6 * np.ptp(xy[list(lower), 1])
        below = top + np.array([0.0, depth])
        covered = polygon(photo.pixels.shape, np.concatenate([top, below[::-1]]))
        skin = np.roll(covered, -int(0.25 * face.geometry.inter_ocular), axis=0)
        closed_texture = spread(detail(closed)[covered])
        photo_texture = spread(detail(photo.pixels)[skin])
        assert closed_texture > 0.5 * photo_texture, (closed_texture, photo_texture)


def test_a_turned_face_s_far_lid_stays_inside_the_face(detector) -> None:
    photo, faces, face = largest(PHOTOS / "pearl_earring.jpg", detector)
    assert abs(face.pose.yaw) > 15  # a 3/4 view
    warp = prepare_face(photo.pixels, face)
    closed = render(photo, faces, make_motion(face, 1, blink=1.0))[0]
    outline = polygon(photo.pixels.shape, warp.rig.outline)
    reach = int(np.ceil(BLINK_SPILL * warp.rig.scale)) + 2
    near_face = cv2.dilate(outline.astype(np.uint8), np.ones((2 * reach + 1,) * 2, np.uint8))
    outside = ~near_face.astype(bool)
    eyes = np.zeros_like(outside)
    for box, _ in warp._boxes[1:]:
        eyes[box.rect.y0 : box.rect.y1, box.rect.x0 : box.rect.x1] = True
    region = outside & eyes
    assert region.sum() > 50  # the far eye's box reaches past the face
    diff = np.abs(closed[region].astype(int) - photo.pixels[region].astype(int))
    assert diff.max() <= 1
    # ...while the eyes themselves do close.
    assert not np.array_equal(closed[eyes & outline], photo.pixels[eyes & outline])


@pytest.mark.parametrize(
    ("path", "bearded"),
    [
        (PHOTOS / "bearded_man.jpg", True),
        (Path("assets/examples/einstein_bw.jpg"), True),
        (Path("assets/examples/woman_waterfall.jpg"), False),
        (PHOTOS / "smiling_teeth.png", False),
        (Path("assets/examples/lowres_240p.jpg"), False),
        (Path("assets/examples/mona_lisa.jpg"), False),
    ],
)
def test_moustaches_and_beards_are_found_and_open_the_jaw_wider(
    path: Path, bearded: bool, detector
) -> None:
    root = Path(__file__).resolve().parent.parent
    photo, _, face = largest(root / path if not path.is_absolute() else path, detector)
    rig = build_rig(face.landmarks)
    hair = measure_facial_hair(photo.pixels, rig, face.landmarks)
    assert hair.present is bearded, hair
    drop = prepare_face(photo.pixels, face).rig.mouth.open_unit
    if bearded:
        assert drop > 1.5 * rig.mouth.open_unit
    else:
        assert drop == pytest.approx(rig.mouth.open_unit)


def closed_line_thickness(frame: np.ndarray, face: Face) -> list[float]:
    """Per eye, the median height of the dark line across a closed eye / the eye's width.

    Down each column of the eye's middle 70 %, from above the upper lid to below the lower
    one: the run of pixels darker than halfway between the column's median and its darkest
    pixel, around the darkest pixel.
    """
    xy = face.landmarks[:, :2]
    iod = face.geometry.inter_ocular
    grey = frame.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    shares = []
    for upper, lower in ((RIGHT_EYE_UPPER, RIGHT_EYE_LOWER), (LEFT_EYE_UPPER, LEFT_EYE_LOWER)):
        up, low = xy[list(upper)], xy[list(lower)]
        left, right = sorted((up[0, 0], up[-1, 0]))
        width = right - left
        top, bottom = int(up[:, 1].min() - 0.12 * iod), int(low[:, 1].max() + 0.05 * iod) + 1
        heights = []
        for x in range(int(left + 0.15 * width), int(right - 0.15 * width) + 1):
            column = grey[top:bottom, x]
            reference, darkest = float(np.median(column)), float(column.min())
            if reference - darkest < 20.0:
                continue
            dark = column < reference - 0.5 * (reference - darkest)
            a = b = int(np.argmin(column))
            while a > 0 and dark[a - 1]:
                a -= 1
            while b < len(column) - 1 and dark[b + 1]:
                b += 1
            heights.append(b - a + 1)
        assert len(heights) > 10
        shares.append(float(np.median(heights)) / width)
    return shares


@pytest.mark.parametrize(
    "path",
    [
        Path("assets/examples/painted_portrait.png"),
        Path("assets/examples/cartoon_boy.jpg"),
    ],
)
def test_a_closed_eye_shows_one_thin_line_where_the_lids_meet(path: Path, detector) -> None:
    # Tall lash lines (5-15 px here) moved down with the lid, under a line 0.1 inter-ocular
    # distances tall, read as a thick, wavy band (up to 0.12-0.16 of the eye's width on these
    # photos): the closed lid's skin now covers most of them and one line of 8 % of the eye's
    # width, as soft as the photo, is drawn along a smooth curve where the lids meet.
    photo, faces, face = largest(path, detector)
    closed = render(photo, faces, make_motion(face, 1, blink=1.0))[0]
    for share in closed_line_thickness(closed, face):
        assert share <= 0.1, share


def test_painted_teeth_on_a_large_sharp_face_are_a_row_not_a_comb() -> None:
    # A 1146 px portrait (inter-ocular distance ~290 px), pixel-sharp: the painted upper row
    # used to show every seam as a dark gap (half the teeth's brightness) running all the
    # way up, so the row's lower edge dropped to the lip at each seam: a comb.
    from scipy.ndimage import maximum_filter1d

    from pipelines.animate.interior import paint_interior
    from pipelines.animate.mouth import MouthPalette

    scale, half_width, opening = 290.0, 120.0, 70.0
    ys, xs = np.mgrid[0:90, 0:260].astype(np.float32)
    across = (xs - 130.0) / half_width
    top = ys - 5.0
    bottom = opening * np.sqrt(np.clip(1.0 - across**2, 0.0, 1.0)) - top
    palette = MouthPalette(
        lip=np.array([160.0, 70.0, 70.0], np.float32),
        teeth=np.array([235.0, 228.0, 215.0], np.float32),
        shadow=np.array([25.0, 12.0, 12.0], np.float32),
    )
    painted = paint_interior(top, bottom, across, scale, half_width, palette, 0.0)
    luminance = painted @ np.array([0.299, 0.587, 0.114], np.float32)
    luminance[(top < 0) | (bottom < 0)] = 0.0
    teeth_luminance = float(palette.teeth @ np.array([0.299, 0.587, 0.114], np.float32))
    middle = np.abs(across[0]) < 0.6
    # Across the teeth halfway down: the creases between teeth are shallow.
    for row in (14, 17):
        profile = luminance[row][middle]
        dip = float(np.max(1.0 - profile / maximum_filter1d(profile, 15)))
        assert dip < 0.3, (row, dip)
    # The row's lower edge runs along the mouth without gaps up to the lip.
    edge = np.array(
        [np.flatnonzero(column > 0.45 * teeth_luminance).max(initial=0) for column in luminance.T]
    )[middle]
    assert edge.min() > 10
    assert np.abs(np.diff(edge)).max() <= 3


def test_a_faint_lash_line_keeps_the_fringe_dlib_reads_as_closed(detector) -> None:
    # On a faint or tiny lash line (the 240p photo's is under a pixel) the thin line alone
    # left dlib reading 1 blink of 10; such eyes keep the fringe, the others get the line.
    from pipelines.animate.eyelids import THIN_LINE_LASHES

    photo, _, face = largest(Path("assets/examples/lowres_240p.jpg"), detector)
    lids = [box.lid for box, _ in prepare_face(photo.pixels, face)._boxes if box.lid is not None]
    assert [lid.thin for lid in lids] == [0.0, 0.0]
    photo, _, face = largest(Path("assets/examples/cartoon_boy.jpg"), detector)
    warp = prepare_face(photo.pixels, face)
    assert min(float(np.median(eye.lashes.v)) for eye in warp.rig.eyes) > THIN_LINE_LASHES[1]
    assert [box.lid.thin for box, _ in warp._boxes if box.lid is not None] == [1.0, 1.0]
