"""Per-face displacement fields, precomputed once per render and applied per frame.

A ``FaceWarp`` covers one face's region of interest (ROI): the head with its hair, the jaw and
some neck. At construction it samples the displacement basis (``pipelines.animate.basis``) on a
coarse grid over the ROI, and per side in three boxes: the mouth and each eye, where the field
has its deliberate discontinuities (``pipelines.animate.layers``). Per frame it mixes the bases
with the frame's motion weights, upsamples the coarse field, does one ``cv2.remap`` of the ROI
and pastes the boxes' layered renders over it. Every field is exactly zero on the ROI's border
(unless that border is the photo's own edge), so the ROI blends into the photo without a seam
and everything outside it stays the photo's own pixels.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from pipelines.animate.basis import (
    BLINK_SPILL,
    EYE_BALL,
    EYE_LOWER,
    EYE_UPPER,
    LIP_SEAL,
    LOWER_LIP,
    LOWER_TEETH,
    UPPER_LIP,
    UPPER_TEETH,
    basis_fields,
    blink_geometry,
    natural_sides,
    seal_weight,
    smoothstep,
    soft_ramp,
)
from pipelines.animate.eyelids import closing_lid
from pipelines.animate.fields import StagedField
from pipelines.animate.head_motion import HEAD_NECK_FADE, HEAD_SIDE_FADE, HEAD_TOP_FADE
from pipelines.animate.layers import BLINK, PRESS, LayeredBox, Rect, resize_samples
from pipelines.animate.mouth import MouthPalette
from pipelines.animate.rig import FaceRig, inside_outline

#: The coarse grid has at most this many points along the ROI's longer side.
COARSE_POINTS = 160
#: Margin of the mouth and eye boxes, in inter-ocular distances: room for the features' own
#: motion plus a head turn of about 8 degrees.
BOX_MARGIN = 0.32
#: The boxes' fields are sampled at least every pixel, and every scale / BOX_DETAIL pixels for
#: large faces (upsampled per frame; the photo itself is always sampled at full resolution).
BOX_DETAIL = 120.0


def _bounding_rect(points: np.ndarray, width: int, height: int, pad: int = 2) -> Rect:
    """The rectangle around image points, padded and clipped to the photo."""
    x0, y0 = np.floor(points.min(axis=0)).astype(int) - pad
    x1, y1 = np.ceil(points.max(axis=0)).astype(int) + pad + 1
    return Rect(max(int(x0), 0), max(int(y0), 0), min(int(x1), width), min(int(y1), height))


def _local_box(
    rig: FaceRig, origin: np.ndarray, u: tuple[float, float], v: tuple[float, float]
) -> np.ndarray:
    """Image positions (4, 2) of the corners of a face-aligned box around an origin."""
    us = np.array([u[0], u[1], u[0], u[1]])
    vs = np.array([v[0], v[0], v[1], v[1]])
    return rig.to_image(origin, us, vs)


def _polygon_mask(rect: Rect, corners: np.ndarray) -> np.ndarray:
    """(h, w) uint8, 1 on the pixels of rect inside the face-aligned box with these corners."""
    mask = np.zeros((rect.height, rect.width), np.uint8)
    outline = corners[[0, 1, 3, 2]] - np.array([rect.x0, rect.y0])
    cv2.fillPoly(mask, [np.round(outline).astype(np.int32)], 1)
    return mask


def mouth_box_corners(rig: FaceRig) -> np.ndarray:
    """Corners (4, 2) of the box holding the mouth's slit and everywhere its sides can reach."""
    mouth, scale = rig.mouth, rig.scale
    slit_v = mouth.slit.v
    margin = BOX_MARGIN * scale
    return _local_box(
        rig,
        mouth.center,
        (-mouth.half_left - margin, mouth.half_right + margin),
        (float(slit_v.min()) - 0.1 * scale - margin, float(slit_v.max()) + 0.5 * scale + margin),
    )


def eye_box_corners(rig: FaceRig, index: int) -> np.ndarray:
    """Corners (4, 2) of the box holding one eye, its lids and the lid skin a blink moves."""
    eye = rig.eyes[index]
    knots = np.concatenate([eye.upper.u, eye.lower.u])
    _, lashes, band = blink_geometry(rig, index, knots)
    margin = BOX_MARGIN * rig.scale
    return _local_box(
        rig,
        eye.center,
        (eye.u_min - margin, eye.u_max + margin),
        (
            float(eye.upper.v.min() - np.max(lashes + band)) - margin,
            float(eye.lower.v.max()) + margin,
        ),
    )


def blink_weight_table(rig: FaceRig) -> tuple[np.ndarray, np.ndarray]:
    """How much blink basis closes the lids by a given share, at the eyes' centres.

    The blink field is exact at weight 1; at lower weights its lid edge lags (the stretched
    band absorbs part of the motion). The table maps a wanted closure (0..1) to the weight
    that gives it.

    Returns:
        (closure, weight): increasing (n,) arrays for np.interp.
    """
    weights = np.linspace(0.0, 1.0, 41)
    closures = np.zeros_like(weights)
    for index in range(2):
        travel, lashes, band = (float(x[0]) for x in blink_geometry(rig, index, np.zeros(1)))
        heights = np.linspace(-1.5 * travel - 1.0, lashes + band, 400)
        shape = travel * soft_ramp((lashes + band - heights) / (band + travel + 1e-6))
        for k, weight in enumerate(weights):
            # The lash line (source height 0) shows where height + weight * shape crosses 0.
            sampled = heights + weight * shape
            edge = float(np.interp(0.0, sampled, heights))
            closures[k] += -edge / max(travel, 1e-6) / 2.0
    closures = np.maximum.accumulate(np.clip(closures, 0.0, 1.0))
    closures[-1] = 1.0
    return closures + np.arange(len(closures)) * 1e-9, weights


def face_roi(rig: FaceRig, width: int, height: int) -> Rect:
    """The region a face's motion can touch: the face oval, a margin around it and the neck.

    Head motion fades out just beyond the oval (``head_motion.head_mask``); the region adds a
    little room for the fade at its own border.
    """
    head, scale = rig.head, rig.scale
    angles = np.linspace(0.0, 2.0 * np.pi, 48, endpoint=False)
    room = 1.12
    u = room * HEAD_SIDE_FADE[1] * head.half_width * np.cos(angles)
    down = np.where(np.sin(angles) < 0, -HEAD_TOP_FADE[1], HEAD_NECK_FADE[1])
    v = room * down * head.half_height * np.sin(angles)
    outline = [rig.to_image(head.center, u, v)]
    jaw = rig.mouth.jaw_line
    outline.append(rig.to_image(rig.mouth.center, jaw.u, jaw.v + 0.8 * scale))
    outline.append(mouth_box_corners(rig))
    outline.extend(eye_box_corners(rig, k) for k in range(2))
    return _bounding_rect(np.concatenate(outline), width, height)


class FaceWarp:
    """One face's precomputed motion fields; ``apply`` draws one frame of its motion.

    Args:
        rig: The face.
        palette: The face's mouth colours.
        pixels: (H, W, 3) uint8 RGB photo (read once, for the closed eyelids' skin).
    """

    def __init__(self, rig: FaceRig, palette: MouthPalette, pixels: np.ndarray) -> None:
        height, width = pixels.shape[:2]
        self.rig = rig
        self.roi = roi = face_roi(rig, width, height)
        self._edges = (roi.x0 > 0, roi.y0 > 0, roi.x1 < width, roi.y1 < height)
        self._step = step = max(1, math.ceil(max(roi.width, roi.height) / COARSE_POINTS))
        coarse_w, coarse_h = math.ceil(roi.width / step), math.ceil(roi.height / step)
        gx, gy = np.meshgrid(
            resize_samples(roi.width, coarse_w, roi.x0),
            resize_samples(roi.height, coarse_h, roi.y0),
        )
        points = np.stack([gx.ravel(), gy.ravel()], axis=1)
        mouth_side, eye_side = natural_sides(rig, points)
        fade = self._fade(gx, gy).ravel().astype(np.float32)[:, None]
        fields = basis_fields(rig, points, mouth_side, eye_side)
        fields = [(stage, index, field * fade) for stage, index, field in fields]
        cell = (roi.width / coarse_w, roi.height / coarse_h)
        self._coarse = StagedField([fields], (coarse_h, coarse_w), cell)
        columns, rows = np.meshgrid(
            np.arange(roi.x0, roi.x1, dtype=np.float32),
            np.arange(roi.y0, roi.y1, dtype=np.float32),
        )
        self._grid = np.stack([columns, rows], axis=-1)
        self._factor = max(1, round(rig.scale / BOX_DETAIL))
        boxes = [
            (self._mouth_box(palette, width, height), mouth_box_corners(rig)),
            *((self._eye_box(k, pixels), eye_box_corners(rig, k)) for k in range(2)),
        ]
        # Each box is pasted only inside its own face-aligned rectangle: on a tilted face the
        # upright bounding rectangles of the two eyes overlap, and each must keep the other's.
        self._boxes = [
            (box, _polygon_mask(box.rect, corners)) for box, corners in boxes if box is not None
        ]
        self._blink_table = blink_weight_table(rig)

    def _fade(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """1 inside the ROI, falling to exactly 0 a little before each inner border."""
        roi, margin = self.roi, 2.5 * self._step + 1.0
        ramp = max(4.0, 0.05 * max(roi.width, roi.height))
        fade = np.ones_like(xs, dtype=np.float64)
        distances = (xs - roi.x0, ys - roi.y0, roi.x1 - 1 - xs, roi.y1 - 1 - ys)
        for inner, distance in zip(self._edges, distances, strict=True):
            if inner:
                fade *= smoothstep(margin, margin + ramp, distance)
        return fade

    def _clip_rect(self, corners: np.ndarray, width: int, height: int) -> Rect | None:
        rect = _bounding_rect(corners, width, height)
        roi = self.roi
        rect = Rect(
            max(rect.x0, roi.x0), max(rect.y0, roi.y0), min(rect.x1, roi.x1), min(rect.y1, roi.y1)
        )
        return rect if rect.width >= 2 and rect.height >= 2 else None

    @staticmethod
    def _box_points(rect: Rect) -> tuple[tuple[int, int], np.ndarray]:
        ys, xs = np.mgrid[rect.y0 : rect.y1, rect.x0 : rect.x1].astype(np.float64)
        return xs.shape, np.stack([xs.ravel(), ys.ravel()], axis=1)

    def _mouth_box(self, palette: MouthPalette, width: int, height: int) -> LayeredBox | None:
        rect = self._clip_rect(mouth_box_corners(self.rig), width, height)
        if rect is None:
            return None
        shape, points = self._box_points(rect)
        mouth = self.rig.mouth
        mu, mv = self.rig.local(points, mouth.center)
        slit, upper, lower = mouth.slit(mu), mouth.upper_inner(mu), mouth.lower_inner(mu)
        # Lips in front, then the photo's own teeth (split at the slit), then the painted
        # interior: distances are positive outside each layer's part of the photo.
        distances = [
            mv - upper,
            lower - mv,
            np.maximum(upper - mv, mv - slit),
            np.maximum(slit - mv, mv - lower),
        ]
        sides = [(UPPER_LIP, None), (LOWER_LIP, None), (UPPER_TEETH, None), (LOWER_TEETH, None)]
        beyond = np.maximum(np.maximum(-mouth.half_left - mu, mu - mouth.half_right), 0.0)
        return LayeredBox(
            self.rig,
            rect,
            sides,
            [d.reshape(shape) for d in distances],
            self._fade,
            beyond.reshape(shape),
            mouth=palette,
            cavity=(2, 3),
            factor=self._factor,
        )

    def _eye_box(self, index: int, pixels: np.ndarray) -> LayeredBox | None:
        height, width = pixels.shape[:2]
        rect = self._clip_rect(eye_box_corners(self.rig, index), width, height)
        if rect is None:
            return None
        shape, points = self._box_points(rect)
        eye = self.rig.eyes[index]
        u, v = self.rig.local(points, eye.center)
        below_upper = v - eye.upper(u)
        above_lower = eye.lower(u) - v
        sides = [(None, (index, side)) for side in (EYE_UPPER, EYE_LOWER, EYE_BALL)]
        beyond = np.maximum(np.maximum(eye.u_min - u, u - eye.u_max), 0.0)
        xs, ys = points[:, 0].reshape(shape), points[:, 1].reshape(shape)
        inside = inside_outline(self.rig, xs, ys, BLINK_SPILL * self.rig.scale)
        lid = closing_lid(
            self.rig, index, pixels, (rect.x0, rect.y0, rect.x1, rect.y1), inside=inside
        )
        return LayeredBox(
            self.rig,
            rect,
            sides,
            [below_upper.reshape(shape), above_lower.reshape(shape)],
            self._fade,
            beyond.reshape(shape),
            lid=lid,
            factor=self._factor,
        )

    def apply(self, frame: np.ndarray, weights: np.ndarray) -> None:
        """Moves this face in frame, in place, by one frame's motion weights.

        Args:
            frame: (H, W, 3) uint8 RGB, the frame being drawn (other faces may already be in it).
            weights: (len(BASIS_NAMES),) motion weights in BASIS_NAMES order (head angles in
                degrees); the derived lip seal is added here.
        """
        weights = np.append(np.asarray(weights, np.float32), np.float32(0.0))
        weights[LIP_SEAL] = seal_weight(float(weights[PRESS]))
        weights[BLINK] = np.interp(weights[BLINK], *self._blink_table)
        coarse = self._coarse.evaluate(weights)
        if coarse is None:
            return
        roi = self.roi
        size = (roi.width, roi.height)
        where = self._grid - cv2.resize(coarse[0], size, interpolation=cv2.INTER_LINEAR)
        out = cv2.remap(frame, where, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        for box, own in self._boxes:
            pixels = box.render(frame, weights)
            if pixels is not None:
                r = box.rect
                target = out[r.y0 - roi.y0 : r.y1 - roi.y0, r.x0 - roi.x0 : r.x1 - roi.x0]
                # cv2.copyTo writes into the view (tens of times faster than np.copyto's where).
                if cv2.copyTo(pixels, own, target) is not target:
                    np.copyto(target, pixels, where=own[..., None].astype(bool))
        frame[roi.y0 : roi.y1, roi.x0 : roi.x1] = out
