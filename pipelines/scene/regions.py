"""Where the people, their clothes and the background are in a photo, and what they show.

The person mask comes from MediaPipe's selfie segmentation (a .tflite inside the mediapipe
wheel; about 10-30 ms a photo). Without it, boxes around each face stand in for the people.
Black or white borders (a letterboxed picture) are not part of the scene. What surrounds the
people: textured greenery (leaves and trees) and a blue sky (``pipelines.scene.sky``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import cv2
import numpy as np

from pipelines.scene.colours import COLOUR_WORDS, colour_shares, name_colours
from pipelines.scene.sky import has_sky, local_deviation
from pipelines.types import Face, Photo

logger = logging.getLogger(__name__)

#: A border line is letterboxing when it is this even (largest channel std, grey levels; the
#: near-black backdrop of a painting measures 1.3-3) ...
BORDER_MAX_STD = 1.0
#: ... and this dark or light (mean grey level).
BORDER_DARK, BORDER_LIGHT = 6.0, 249.0
#: A selfie-segmentation confidence above this is a person.
PERSON_MIN_CONFIDENCE = 0.5
#: Clothes: a colour word is named when it covers at least this share of the clothes pixels
#: below the chin (the person's pixels that are not skin), ...
CLOTHES_MIN_SHARE = 0.4
#: ... and those pixels are at least this share of the region.
CLOTHES_MIN_PIXELS = 0.2
#: A pixel within this Lab distance of the face's skin is skin, not clothes.
SKIN_MAX_DISTANCE = 14.0
#: Background colours: a colour word is named when it covers at least this share.
BACKGROUND_MIN_SHARE = 0.15
#: Dark shades: the background's "black" pixels join a colour of the background that covers
#: BACKGROUND_MIN_SHARE by itself when their mean Lab tint has at least this chroma and lies
#: within this hue angle (degrees) of that colour's. Blurred dark foliage (smiling_woman_256)
#: measures chroma 6.9 at 0 degrees from its green; a black logo wall (couple_red_carpet)
#: 3.2 but 95 degrees from its red carpet; a black painted backdrop (pearl_earring) has no
#: other colour to join.
DARK_SHADE_MIN_CHROMA = 3.0
DARK_SHADE_MAX_ANGLE = 30.0
#: Leaves and trees: green covers this share of the background, and it is textured (median
#: local grey-level deviation; a green wall or a blurred backdrop measures under 3).
FOLIAGE_MIN_GREEN = 0.3
FOLIAGE_MIN_TEXTURE = 4.0


def shrink(pixels: np.ndarray, longest: int) -> np.ndarray:
    """A copy whose longest side is at most ``longest`` (area-averaged), or the array itself."""
    height, width = pixels.shape[:2]
    scale = longest / max(height, width)
    if scale >= 1.0:
        return pixels
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


def content_box(pixels: np.ndarray) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the picture inside black or white letterbox borders.

    A border is a run of whole rows or columns at an edge that are even and near black or
    near white; at most a third of each side is trimmed.

    Args:
        pixels: (H, W, 3) uint8 RGB.
    """
    height, width = pixels.shape[:2]
    small = shrink(pixels, 256).astype(np.float32)
    rows, cols = small.shape[:2]

    def is_border(line: np.ndarray) -> bool:
        mean = float(line.mean())
        return float(line.std(axis=0).max()) < BORDER_MAX_STD and (
            mean < BORDER_DARK or mean > BORDER_LIGHT
        )

    left, right, top, bottom = 0, cols, 0, rows
    while left < cols // 3 and is_border(small[:, left]):
        left += 1
    while right > cols - cols // 3 and is_border(small[:, right - 1]):
        right -= 1
    while top < rows // 3 and is_border(small[top, left:right]):
        top += 1
    while bottom > rows - rows // 3 and is_border(small[bottom - 1, left:right]):
        bottom -= 1
    x_scale, y_scale = width / cols, height / rows
    return (
        round(left * x_scale),
        round(top * y_scale),
        round(right * x_scale),
        round(bottom * y_scale),
    )


class PersonSegmenter:
    """MediaPipe selfie segmentation: which pixels belong to a person (thread-safe)."""

    def __init__(self) -> None:
        from pipelines.faces.mediapipe_import import import_mediapipe

        mp = import_mediapipe()
        self._model = mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0)
        self._lock = threading.Lock()

    def mask(self, pixels: np.ndarray) -> np.ndarray:
        """(H, W) bool: True where a person is, for (H, W, 3) uint8 RGB pixels."""
        with self._lock:
            confidence = self._model.process(np.ascontiguousarray(pixels)).segmentation_mask
        return np.asarray(confidence) > PERSON_MIN_CONFIDENCE


def load_segmenter() -> PersonSegmenter | None:
    """The person segmenter, or None (logged) when mediapipe cannot provide it."""
    try:
        return PersonSegmenter()
    except (ImportError, AttributeError, RuntimeError) as error:
        logger.warning("People are boxed around their faces (no selfie segmentation): %s", error)
        return None


def _skin_lab(photo: Photo, face: Face) -> np.ndarray:
    """Median Lab (OpenCV 8-bit scale) of the middle of the face: cheeks and nose."""
    box = face.box
    x0, x1 = int(box.x + 0.3 * box.width), int(box.x + 0.7 * box.width)
    y0, y1 = int(box.y + 0.45 * box.height), int(box.y + 0.75 * box.height)
    patch = photo.pixels[max(y0, 0) : max(y1, 1), max(x0, 0) : max(x1, 1)]
    if patch.size == 0:
        return np.full(3, -1000.0, np.float32)
    lab = cv2.cvtColor(np.ascontiguousarray(patch), cv2.COLOR_RGB2LAB).reshape(-1, 3)
    return np.median(lab.astype(np.float32), axis=0)


def clothes_colour(photo: Photo, face: Face, person: np.ndarray | None) -> str:
    """The colour word of most of the clothes below a face, or "" when unclear.

    The region runs from just below the chin down 1.5 face heights and, with a person mask,
    from 0.6 face widths left of the face to 0.6 right of it (the shoulders; 0.1 without a
    mask, where the background would creep in). Its clothes pixels are the person's (by
    ``person``, when given) that are not skin-coloured; they must be CLOTHES_MIN_PIXELS of
    the region, and one colour word must cover CLOTHES_MIN_SHARE of them.

    Args:
        photo: The working photo.
        face: The face whose clothes to name.
        person: (H, W) bool person mask of the photo, or None.
    """
    box = face.box
    top = int(box.y + 1.15 * box.height)
    bottom = min(int(box.y + 2.65 * box.height), photo.height)
    margin = 0.1 if person is None else 0.6
    left = max(int(box.x - margin * box.width), 0)
    right = min(int(box.x + (1.0 + margin) * box.width), photo.width)
    if bottom - top < 0.35 * box.height or right - left < 0.5 * box.width:
        return ""
    region = np.ascontiguousarray(photo.pixels[top:bottom, left:right])
    keep = np.ones(region.shape[:2], bool) if person is None else person[top:bottom, left:right]
    lab = cv2.cvtColor(region, cv2.COLOR_RGB2LAB).astype(np.float32)
    keep &= np.linalg.norm(lab - _skin_lab(photo, face), axis=-1) > SKIN_MAX_DISTANCE
    if keep.mean() < CLOTHES_MIN_PIXELS:
        return ""
    shares = colour_shares(region[keep])
    best = int(np.argmax(shares))
    return COLOUR_WORDS[best] if shares[best] >= CLOTHES_MIN_SHARE else ""


def background_mask(
    photo: Photo, faces: Sequence[Face], person: np.ndarray | None, side: int = 128
) -> tuple[np.ndarray, np.ndarray]:
    """A copy of the photo at most ``side`` pixels long and where its background is.

    The background is the picture inside any letterbox border, outside the people: the
    person mask when given; otherwise boxes around each face and the body below it (only the
    faces when that leaves under 15 % of the photo, as in a close-up).

    Returns:
        (small (h, w, 3) uint8 RGB, mask (h, w) bool); the mask is never empty.
    """
    small = shrink(photo.pixels, side)
    height, width = small.shape[:2]
    scale = width / photo.width
    left, top, right, bottom = (round(v * scale) for v in content_box(photo.pixels))
    inside = np.zeros((height, width), bool)
    inside[top : max(bottom, top + 1), left : max(right, left + 1)] = True
    if person is not None:
        people = cv2.resize(person.astype(np.uint8), (width, height), cv2.INTER_NEAREST) > 0
        mask = inside & ~people
        if mask.mean() >= 0.05:
            return small, mask
    outside_faces = inside.copy()
    outside_people = inside.copy()
    for face in faces:
        x0, y0 = face.box.x * scale, face.box.y * scale
        w, h = face.box.width * scale, face.box.height * scale
        outside_faces[
            max(int(y0 - 0.15 * h), 0) : int(y0 + 1.15 * h) + 1,
            max(int(x0 - 0.15 * w), 0) : int(x0 + 1.15 * w) + 1,
        ] = False
        outside_people[max(int(y0 - 0.3 * h), 0) :, max(int(x0 - w), 0) : int(x0 + 2 * w) + 1] = (
            False
        )
    mask = outside_people if outside_people.mean() >= 0.15 else outside_faces
    return small, mask if mask.any() else inside


def _tint_angle(lab: np.ndarray) -> tuple[float, float]:
    """(chroma, hue angle in degrees) of the mean Lab tint of (N, 3) OpenCV 8-bit Lab pixels."""
    a, b = float(lab[:, 1].mean()) - 128.0, float(lab[:, 2].mean()) - 128.0
    return float(np.hypot(a, b)), float(np.degrees(np.arctan2(b, a)))


def join_dark_shades(pixels: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Shares with the black pixels moved into the colour they are a dark shade of, if any.

    Deep shadow in a green wood, or a navy wall's darkest corner, reads "black" pixel by
    pixel; people call it dark green or navy. The black pixels join a colour of the region
    that covers BACKGROUND_MIN_SHARE by itself when their mean tint is that colour's hue
    (see DARK_SHADE_MIN_CHROMA and DARK_SHADE_MAX_ANGLE). Greys and whites never take them.

    Args:
        pixels: (N, 3) uint8 RGB pixels of the region.
        shares: ``colour_shares`` of those pixels, shape (len(COLOUR_WORDS),).

    Returns:
        A new array of shares (still summing to 1).
    """
    black = COLOUR_WORDS.index("black")
    if shares[black] <= 0:
        return shares
    words = name_colours(np.ascontiguousarray(pixels.reshape(1, -1, 3))).ravel()
    lab = cv2.cvtColor(np.ascontiguousarray(pixels.reshape(1, -1, 3)), cv2.COLOR_RGB2LAB)
    lab = lab.reshape(-1, 3).astype(np.float32)
    if not (words == black).any():
        return shares
    chroma, angle = _tint_angle(lab[words == black])
    if chroma < DARK_SHADE_MIN_CHROMA:
        return shares
    best, best_gap = -1, DARK_SHADE_MAX_ANGLE
    for index, word in enumerate(COLOUR_WORDS):
        if word in ("black", "white", "grey") or shares[index] < BACKGROUND_MIN_SHARE:
            continue
        if not (words == index).any():
            continue  # a share merged in from another shade (colour_shares)
        gap = abs((_tint_angle(lab[words == index])[1] - angle + 180.0) % 360.0 - 180.0)
        if gap <= best_gap:
            best, best_gap = index, gap
    if best < 0:
        return shares
    joined = shares.copy()
    joined[best] += joined[black]
    joined[black] = 0.0
    return joined


def background_colours(
    photo: Photo, faces: Sequence[Face], person: np.ndarray | None = None
) -> tuple[str, ...]:
    """1-3 colour words covering most of the background, most common first.

    Black pixels that are a dark shade of a background colour count as that colour
    (``join_dark_shades``).
    """
    small, mask = background_mask(photo, faces, person)
    shares = join_dark_shades(small[mask], colour_shares(small[mask]))
    ranked = [int(i) for i in np.argsort(-shares, kind="stable")]
    named = [COLOUR_WORDS[i] for i in ranked[:3] if shares[i] >= BACKGROUND_MIN_SHARE]
    return tuple(named or [COLOUR_WORDS[ranked[0]]])


def surroundings(
    photo: Photo, faces: Sequence[Face], person: np.ndarray | None = None
) -> tuple[str, ...]:
    """What surrounds the people, as words.

    "leaves" for textured greenery, "sky" for a blue sky above the scene
    (``pipelines.scene.sky``); () for neither.
    """
    small, mask = background_mask(photo, faces, person, side=256)
    words, deviation = name_colours(small), local_deviation(small)
    found = ("leaves",) if _has_foliage(mask, words, deviation) else ()
    return found + (("sky",) if has_sky(small, mask, words, deviation) else ())


def _has_foliage(mask: np.ndarray, words: np.ndarray, deviation: np.ndarray) -> bool:
    """Whether textured green covers FOLIAGE_MIN_GREEN of the background ``mask``.

    Args:
        mask: (h, w) bool background mask.
        words: (h, w) ``name_colours`` of the picture.
        deviation: (h, w) ``local_deviation`` of the picture (5x5 grey-level deviation).
    """
    green = mask & (words == COLOUR_WORDS.index("green"))
    if green.sum() < FOLIAGE_MIN_GREEN * mask.sum():
        return False
    texture = float(np.median(deviation[green]))
    logger.debug("green background share %.2f, texture %.1f", green.sum() / mask.sum(), texture)
    return texture >= FOLIAGE_MIN_TEXTURE
