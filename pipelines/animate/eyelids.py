"""What a blink draws over an eye: the closed lid's skin and the dark line where the lids meet.

The blink warp (``pipelines.animate.basis``) slides the upper lid's margin down over the eyeball
and stretches the visible lid above it. Stretched, a thin bright lid strip becomes a pale bulb
the shape of an open eye, and on deep-set or painted eyes the socket's shadow above it still
outlines one. So as the lid closes, its stretched skin turns into a *closed-lid plate*: the
photo's eye region with the opening, the lashes and the lid strip painted over by the skin
around them: down each column its colour goes from the skin above the stretched lid to the
lower lid's, in the photo's own light, and its texture is the photo's own lid skin above the
crease slid down over the eye (mirrored at the plate's top, so it continues the skin above
without a seam): grain, pores, paint and craquelure stay, only their shading is the plate's.
And the lid's margin darkens towards the photo's own lash colour (read from its upper-lid
edge), so a closed eye shows one clear line where the lids meet. On a turned face the far
eye's lid stays inside the face's outline (``inside``): nothing of it is drawn over the
background.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from pipelines.animate.basis import blink_geometry, smoothstep
from pipelines.animate.grain import blur_sigma, grey_of
from pipelines.animate.rig import FaceRig

#: Thickness of the line where the closed lids meet: this share of the eye's width (corner
#: to corner), and at least MARGIN_MIN_PX pixels. A closed eye shows one thin line there; the
#: photo's own lashes, which a blink moves down rigidly, are covered by the closed lid's skin
#: as it closes (a lash line moved down keeps every clump and curl of the open eye's lashes
#: and read as a thick wavy band).
MARGIN_SHARE, MARGIN_MIN_PX = 0.08, 1.8
#: Share of the lash line's height (from the lid's edge up) that stays the photo's own once
#: the lid has closed: the rest is the closed lid's skin.
LASHES_KEPT = 0.3
#: Degree of the smooth curve the closed line follows along the eye (fitted to the lid's
#: closed margin between the corners), and the share of the eye's width over which the line
#: fades out towards each corner (it ends at the corners: beyond them the margin bends away).
LINE_DEGREE, LINE_FADE = 3, 0.08
#: Heights of the photo's lash line (its median along the eye, pixels) over which the thin
#: line takes over from the fringe of a faint lash line. A tall lash line moved down with the
#: lid is what read as a thick wavy band, so it is covered and replaced by the thin line. A
#: faint or tiny one (a painting's, a small or low-resolution face's) gives no such band, and
#: there a blink shows as the fringe: the lash line moved down under a band FRINGE
#: inter-ocular distances tall, dark below the margin too, reaching past the corners. That is
#: what dlib (the benchmark's judge) reads as a closed eye on the 240p photo, Einstein and the
#: Mona Lisa (lash lines 0.6-2.4 px); the thin line there left it reading 1 of 10 blinks on
#: the 240p photo and 3 of 10 on the Mona Lisa.
THIN_LINE_LASHES = (3.0, 4.0)
#: The faint lash line's fringe: its height in inter-ocular distances, at least this share of the
#: lash line's height and MARGIN_MIN inter-ocular distances, and how far past the corners it
#: reaches.
FRINGE, FRINGE_SHARE, FRINGE_MIN, FRINGE_BEYOND = 0.1, 0.5, 0.035, 0.15
#: Where the stretched lid turns into the plate, as heights above the lash line in lid-band
#: heights: fully plate below the second, the stretched photo above the first. The plate
#: reaches close to its own top, so the socket's shadow is not dragged down around it as the
#: outline of an open eye.
PLATE_TOP = (1.25, 0.95)
#: How far a fully closed lid's margin is pulled towards the lash colour (0..1).
MARGIN_STRENGTH = 1.0
#: Blink weight over which the stretched lid turns into the plate's skin.
PLATE_RAMP = (0.0, 0.55)
#: Blur of the photo where the closed lid's skin colours are read, and of those colours along
#: the eye, inter-ocular distances.
SAMPLE_BLUR, ALONG_BLUR = 0.015, 0.05
#: The least height of lid skin (inter-ocular distances) whose texture is slid down over the
#: closed eye, when the brow sits lower.
TEXTURE_ROOM_MIN = 0.06


@dataclass(frozen=True, eq=False)
class ClosingLid:
    """One eye's closing lid, in the pixels of its box.

    Attributes:
        band: (h, w) 0..1, the visible lid above the lashes that a blink stretches, at its
            place in the photo.
        plate: (h, w, 3) float32 RGB, the photo with the eye closed over (skin where the
            opening, lashes and lid strip were).
        thickness: (h, w) thickness of the margin's dark line, pixels.
        reach: (h, w) 0..1, how much the margin darkens here (tapers off beyond the corners
            and outside the face).
        straighten: (h, w) pixels to add to a pixel's distance below the lid's edge so the
            closed line follows a smooth curve through the closed margin, not its kinks.
        color: (3,) RGB 0..255 of the lid's margin (the photo's own lashes or lid line).
    """

    band: np.ndarray
    plate: np.ndarray
    thickness: np.ndarray
    reach: np.ndarray
    color: np.ndarray
    softness: float
    straighten: np.ndarray
    thin: float = 1.0

    def shade(
        self,
        color: np.ndarray,
        distance: np.ndarray,
        band: np.ndarray,
        plate: np.ndarray,
        blink: float,
        window: tuple[slice, slice],
    ) -> np.ndarray:
        """The upper lid's colours with the closed skin and the margin line drawn in.

        Args:
            color: (h', w', 3) float32 RGB of the upper lid as warped from the photo.
            distance: (h', w') how far below the lid's edge each pixel's source lies, pixels
                (negative on the lid, 0 at its margin).
            band: (h', w') ``band`` at each pixel's source.
            plate: (h', w', 3) ``plate`` at each pixel's place before the blink.
            blink: 0..1 blink weight of this frame.
            window: Where the (h', w') arrays lie in the box.

        Returns:
            (h', w', 3) float32 RGB.
        """
        skin = float(smoothstep(PLATE_RAMP[0], PLATE_RAMP[1], np.float32(blink)))
        mix = (band * skin)[..., None]
        color = color * (1.0 - mix) + plate * mix
        strength = MARGIN_STRENGTH * float(smoothstep(0.3, 0.9, np.float32(blink)))
        if strength <= 0.0:
            return color
        thickness = self.thickness[window]
        # The line's centre sits half its thickness above the lid's margin, on a smooth
        # curve; its edges fade as softly as the photo's own edges.
        offset = distance + strength * self.straighten[window] + 0.5 * thickness
        soft = self.softness
        core = np.clip((0.5 * thickness + 0.5 * soft - np.abs(offset)) / soft, 0.0, 1.0)
        if self.thin < 1.0:
            # The fringe: dark from its top down through the margin.
            fringe = smoothstep(-thickness, -0.35 * thickness, distance)
            core = self.thin * core + (1.0 - self.thin) * fringe
        line = (strength * core * self.reach[window])[..., None]
        return color * (1.0 - line) + self.color * line


def closing_lid(
    rig: FaceRig,
    index: int,
    pixels: np.ndarray,
    rect: tuple[int, int, int, int],
    inside: np.ndarray | None = None,
) -> ClosingLid:
    """Measures one eye's closing lid in a box of the photo.

    Args:
        rig: The face (its eyes with measured lashes and margin colour).
        index: 0 for the subject's right eye, 1 for the left.
        pixels: (H, W, 3) uint8 RGB photo.
        rect: (x0, y0, x1, y1) of the box in photo pixels.
        inside: (h, w) 0..1 of the box, how far each pixel is inside the face's outline
            (default: everywhere); the lid's skin and margin are drawn only there.

    Returns:
        The lid, its arrays of the box's shape.
    """
    x0, y0, x1, y1 = rect
    eye, scale = rig.eyes[index], rig.scale
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float64)
    u, v = rig.local(np.stack([xs, ys], axis=-1), eye.center)
    upper = eye.upper(u)
    travel, lashes, band_height = blink_geometry(rig, index, u)
    height = upper - v  # above the lid's edge
    width = eye.u_max - eye.u_min
    lash_height = float(np.median(eye.lashes.v)) if eye.lashes is not None else 0.0
    thin = float(smoothstep(THIN_LINE_LASHES[0], THIN_LINE_LASHES[1], np.float64(lash_height)))
    kept = thin * LASHES_KEPT + (1.0 - thin) * 0.6
    band = smoothstep(kept * lashes, (0.6 + 0.4 * (1.0 - thin)) * lashes, height) * smoothstep(
        lashes + PLATE_TOP[0] * band_height, lashes + PLATE_TOP[1] * band_height, height
    )
    # Only where the lid is stretched a lot (not beyond the corners, where it barely moves).
    band *= smoothstep(0.4, 1.5, travel / band_height)
    top = upper - lashes - 1.25 * band_height
    bottom = upper + travel + 1.0
    plate = _closed_skin(rig, index, pixels, rect, u, v, top, bottom, travel > 0.5)
    thickness = np.full_like(u, max(MARGIN_SHARE * width, MARGIN_MIN_PX))
    color = eye.margin_color if eye.margin_color is not None else np.full(3, 40.0)
    within = np.minimum(u - eye.u_min, eye.u_max - u)
    reach = smoothstep(-0.01 * width, LINE_FADE * width, within)
    # Thinner towards the corners, where the lids meet at an angle.
    along = np.clip((u - eye.u_min) / max(width, 1.0), 0.0, 1.0)
    thickness *= 0.55 + 0.45 * np.sin(np.pi * along) ** 0.5
    straighten = _straighten(rig, index, u) * thin
    if thin < 1.0:
        beyond = np.maximum(np.maximum(eye.u_min - u, u - eye.u_max), 0.0)
        fringe = np.maximum(
            np.maximum(FRINGE_SHARE * lashes, FRINGE * scale - lashes),
            max(FRINGE_MIN * scale, 1.2),
        )
        thickness = thin * thickness + (1.0 - thin) * fringe
        reach = thin * reach + (1.0 - thin) * smoothstep(FRINGE_BEYOND * scale, 0.0, beyond)
    if inside is not None:
        band, reach = band * inside, reach * inside
    return ClosingLid(
        band=band.astype(np.float32),
        plate=plate,
        thickness=thickness.astype(np.float32),
        reach=reach.astype(np.float32),
        color=np.asarray(color, np.float32),
        softness=max(1.0, 2.5 * blur_sigma(grey_of(pixels[y0:y1, x0:x1].astype(np.float32)))),
        straighten=straighten.astype(np.float32),
        thin=thin,
    )


def _straighten(rig: FaceRig, index: int, u: np.ndarray) -> np.ndarray:
    """(h, w) how far the closed margin lies below a smooth curve fitted through it, pixels.

    The closed margin (the lid's edge moved down by its travel) is piecewise linear between
    the mesh's lid points and kinks where they do; a least-squares polynomial of degree
    LINE_DEGREE through it between the corners is the line's smooth course (held at its end
    values beyond the corners).
    """
    eye = rig.eyes[index]
    knots = np.linspace(eye.u_min, eye.u_max, 41)
    travel, _, _ = blink_geometry(rig, index, knots)
    margin = eye.upper(knots) + travel
    scale = max(eye.u_max - eye.u_min, 1.0)
    fit = np.polynomial.Polynomial.fit((knots - eye.u_min) / scale, margin, LINE_DEGREE)
    along = np.clip((u - eye.u_min) / scale, 0.0, 1.0)
    clamped = np.clip(u, eye.u_min, eye.u_max)
    travel_here, _, _ = blink_geometry(rig, index, clamped)
    return eye.upper(clamped) + travel_here - fit(along)


def _closed_skin(
    rig: FaceRig,
    index: int,
    pixels: np.ndarray,
    rect: tuple[int, int, int, int],
    u: np.ndarray,
    v: np.ndarray,
    top: np.ndarray,
    bottom: np.ndarray,
    moving: np.ndarray,
) -> np.ndarray:
    """(h, w, 3) float32: the box's photo with the closing lid's skin between top and bottom.

    Down each column of the eye's frame the skin goes from the photo's colour just above
    ``top`` to its colour just below ``bottom`` (the lower lid), smoothed along the eye.

    Args:
        rig: The face.
        index: Which eye.
        pixels: (H, W, 3) uint8 RGB photo.
        rect: (x0, y0, x1, y1) of the box.
        u: (h, w) position along the eye of each box pixel, pixels.
        v: (h, w) position across the eye (down), pixels.
        top: (h, w) v of the top of the closing lid (above it the photo is unchanged).
        bottom: (h, w) v of the closed lid's margin.
        moving: (h, w) bool, where the lid moves at all.
    """
    x0, y0, x1, y1 = rect
    eye, scale = rig.eyes[index], rig.scale
    source = np.ascontiguousarray(pixels[y0:y1, x0:x1]).astype(np.float32)
    covered = moving & (v > top) & (v < bottom)
    if not covered.any():
        return source
    sigma = max(0.7, SAMPLE_BLUR * scale)
    blurred = cv2.GaussianBlur(source, (0, 0), sigmaX=sigma, sigmaY=sigma)
    knots = np.arange(float(u[covered].min()) - 2.0, float(u[covered].max()) + 3.0, 1.0)
    travel, lashes, band_height = blink_geometry(rig, index, knots)
    upper = eye.upper(knots)
    reach = 2.0 * sigma + 1.0
    edges = []
    for edge_v in (upper - lashes - 1.25 * band_height - reach, upper + travel + 1.0 + reach):
        points = rig.to_image(eye.center, knots, edge_v) - np.array([x0, y0])
        points = points.astype(np.float32)
        colors = cv2.remap(
            blurred,
            points[:, 0:1],
            points[:, 1:2],
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        ).reshape(-1, 3)
        along = max(1.0, ALONG_BLUR * scale)
        colors = cv2.GaussianBlur(colors[None], (0, 0), sigmaX=along, sigmaY=0.1)[0]
        edges.append(colors)
    share = np.clip((v - top) / np.maximum(bottom - top, 1.0), 0.0, 1.0)[..., None]
    above = np.stack([np.interp(u, knots, edges[0][:, c]) for c in range(3)], axis=-1)
    below = np.stack([np.interp(u, knots, edges[1][:, c]) for c in range(3)], axis=-1)
    skin = above * (1.0 - share) + below * share
    skin += _lid_texture(rig, index, source, blurred, rect, u, v, top)
    soft = cv2.GaussianBlur(covered.astype(np.float32), (0, 0), sigmaX=1.0, sigmaY=1.0)
    soft = np.maximum(soft, covered)[..., None]
    return (source * (1.0 - soft) + skin * soft).astype(np.float32)


def _lid_texture(
    rig: FaceRig,
    index: int,
    source: np.ndarray,
    blurred: np.ndarray,
    rect: tuple[int, int, int, int],
    u: np.ndarray,
    v: np.ndarray,
    top: np.ndarray,
) -> np.ndarray:
    """(h, w, 3) float32: the photo's fine texture of the lid skin above ``top``, slid down.

    Below ``top`` each pixel takes the texture (photo minus its blurred copy) from as far
    above ``top`` as it is below it, folded back and forth within the skin between ``top``
    and the brow, so the grain keeps its size and continues across ``top``.
    """
    x0, y0 = rect[0], rect[1]
    eye, scale = rig.eyes[index], rig.scale
    room = np.maximum(top - eye.brow(u) - 0.05 * scale, TEXTURE_ROOM_MIN * scale)
    depth = np.maximum(v - top, 0.0)
    folded = room - np.abs(np.mod(depth, 2.0 * room) - room)
    points = rig.to_image(eye.center, u, top - folded) - np.array([x0, y0])
    detail = np.ascontiguousarray(source - blurred, np.float32)
    moved = cv2.remap(
        detail,
        points[..., 0].astype(np.float32),
        points[..., 1].astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REFLECT,
    )
    return moved * (v > top)[..., None]
