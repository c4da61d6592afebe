"""The layered boxes where the displacement field is discontinuous.

``LayeredBox`` renders one box around the mouth or an eye. Its layers (the upper and lower side
of the mouth slit; the upper lid, lower lid and eyeball) each have a smooth field; a pixel
shows the first layer whose sample lands in that layer's own part of the photo, and what no
layer covers is the fill (the mouth's painted interior, or the eyeball). In an eye box the
upper lid's layer also draws the closing lid's skin and margin (``pipelines.animate.eyelids``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from pipelines.animate.basis import BASIS_NAMES, basis_fields, natural_sides
from pipelines.animate.eyelids import ClosingLid
from pipelines.animate.fields import StagedField
from pipelines.animate.grain import grain_texture, grey_of
from pipelines.animate.interior import paint_interior
from pipelines.animate.mouth import MouthPalette
from pipelines.animate.rig import FaceRig

BITE = BASIS_NAMES.index("lip_bite")
BLINK = BASIS_NAMES.index("blink")
PRESS = BASIS_NAMES.index("lip_press")
#: (rows, columns) of a rectangle of a box's pixels.
Window = tuple[slice, slice]
#: (mouth side or None for the photo's own, (eye index, lid side) or None) of one layer.
LayerSides = tuple[int | None, tuple[int, int] | None]
#: The painted interior is painted at half resolution when the photo's blur (sigma, pixels)
#: it is then blurred by is at least this.
PAINT_COARSE_BLUR = 0.8
#: How much of the photo's fine texture the painted mouth interior takes on.
GRAIN_GAIN = 0.8


@dataclass(frozen=True)
class Rect:
    """An integer pixel rectangle [x0, x1) x [y0, y1) in photo coordinates."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        """Width in pixels."""
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        """Height in pixels."""
        return self.y1 - self.y0


def resize_samples(length: int, count: int, origin: int) -> np.ndarray:
    """Where cv2.resize (INTER_LINEAR) reads `count` samples from when stretching to `length`.

    A field sampled at these photo coordinates and resized to `length` pixels lines up with
    the pixels it is meant for.
    """
    return (np.arange(count) + 0.5) * (length / count) - 0.5 + origin


def _bounds(mask: np.ndarray, within: Window) -> Window | None:
    """The smallest window of the box holding every True pixel of mask, which covers `within`."""
    x, y, w, h = cv2.boundingRect(mask.view(np.uint8))
    if w == 0 or h == 0:
        return None
    rows, cols = within
    top, left = rows.start, cols.start
    return slice(top + y, top + y + h), slice(left + x, left + x + w)


def _inside(window: Window, within: Window) -> Window:
    """window, in box pixels, as a window of the array that covers `within`."""
    top, left = within[0].start, within[1].start
    return (
        slice(window[0].start - top, window[0].stop - top),
        slice(window[1].start - left, window[1].stop - left),
    )


class LayeredBox:
    """A box where the field is discontinuous, rendered as layers.

    Args:
        rig: The face.
        rect: The box in photo pixels.
        sides: Per layer, in priority order, which side's field it takes.
        distances: Per layer with a region of its own, (h, w) signed distance in pixels from
            each box pixel to that region of the photo (positive outside). A last layer
            without one is the fill.
        fade: Multiplier of the fields at given photo points (the ROI's border fade).
        beyond: (h, w) distance beyond the feature's corners, pixels (0 between them).
        mouth: The mouth's colours when the fill is the painted mouth interior.
        cavity: With mouth, the two layers whose distances measure how far a pixel lies below
            the upper edge and above the lower edge of the opening.
        lid: The closing upper lid a blink draws (eye boxes only; its layer is the first).
        factor: The fields are sampled every `factor` pixels and upsampled (large faces).
    """

    def __init__(
        self,
        rig: FaceRig,
        rect: Rect,
        sides: list[LayerSides],
        distances: list[np.ndarray],
        fade: Callable[[np.ndarray, np.ndarray], np.ndarray],
        beyond: np.ndarray,
        mouth: MouthPalette | None = None,
        cavity: tuple[int, int] = (0, 1),
        lid: ClosingLid | None = None,
        factor: int = 1,
    ) -> None:
        self.rect, self.rig, self.mouth, self.cavity = rect, rig, mouth, cavity
        self.factor = factor
        low_w, low_h = math.ceil(rect.width / factor), math.ceil(rect.height / factor)
        gx, gy = np.meshgrid(
            resize_samples(rect.width, low_w, rect.x0), resize_samples(rect.height, low_h, rect.y0)
        )
        points = np.stack([gx.ravel(), gy.ravel()], axis=1)
        mouth_natural, eye_natural = natural_sides(rig, points)
        scaled = fade(gx, gy).ravel().astype(np.float32)[:, None]
        layers = []
        for side, eye in sides:
            mouth_side = mouth_natural if side is None else np.full(len(points), side, np.int8)
            eye_side = eye_natural.copy()
            if eye is not None:
                eye_side[eye[0]] = eye[1]
            fields = basis_fields(rig, points, mouth_side, eye_side)
            layers.append([(st, i, f * scaled) for st, i, f in fields])
        cell = (rect.width / low_w, rect.height / low_h)
        self.field = StagedField(layers, (low_h, low_w), cell)
        columns, rows = np.meshgrid(
            np.arange(rect.width, dtype=np.float32), np.arange(rect.height, dtype=np.float32)
        )
        self.local_grid = np.stack([columns, rows], axis=-1)
        # Box to photo pixels, as a per-channel scalar: cv2.add is many times faster on
        # (h, w, 2) arrays than numpy broadcasting a (2,) array along their short last axis.
        self.origin = (float(rect.x0), float(rect.y0), 0.0, 0.0)
        self.distances = [d.astype(np.float32) for d in distances]
        # Edges between layers are anti-aliased over about a pixel; beyond the corners, where
        # the sides only shear past each other, they cross-fade over a widening band instead.
        soft = max(1.0, rig.scale / 70.0) + 0.6 * beyond
        self.sharpness = (1.0 / soft).astype(np.float32)
        self.lid = lid
        self.across = np.zeros((1, 1), np.float32)
        self.grain = np.zeros((1, 1), np.float32)
        self.skin_luminance = 128.0
        if mouth is not None:
            self.skin_luminance = (
                max(float(mouth.skin_patch.mean()), 1.0) if mouth.skin_patch.size else 128.0
            )
            self.grain = GRAIN_GAIN * grain_texture(
                mouth.skin_patch, (rect.height, rect.width), seed=rect.x0 * 7919 + rect.y0
            )
            ys, xs = np.mgrid[rect.y0 : rect.y1, rect.x0 : rect.x1]
            mu, _ = rig.local(np.stack([xs, ys], axis=-1).astype(np.float64), rig.mouth.center)
            across = np.where(mu < 0, mu / rig.mouth.half_left, mu / rig.mouth.half_right)
            self.across = across.astype(np.float32)

    def _local_maps(self, field: np.ndarray) -> np.ndarray:
        """(h, w, 2) float32 box positions each pixel samples, for a (rows, cols, 2) field."""
        if field.shape[:2] != (self.rect.height, self.rect.width):
            field = cv2.resize(
                field, (self.rect.width, self.rect.height), interpolation=cv2.INTER_LINEAR
            )
        return self.local_grid - field

    @staticmethod
    def _sample(image: np.ndarray, where: np.ndarray) -> np.ndarray:
        """Image resampled at (h, w, 2) positions in its own pixels (edges replicated)."""
        return cv2.remap(image, where, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    def render(self, frame: np.ndarray, weights: np.ndarray) -> np.ndarray | None:
        """The box's pixels for one frame, (h, w, 3) uint8 sampled from frame; None if still.

        Each layer is worked out only inside the window the layers before it leave (partly)
        uncovered: after the upper lip or lid, the rest of the box is the part below it.
        """
        fields = self.field.evaluate(weights)
        if fields is None:
            return None
        height, width = self.rect.height, self.rect.width
        out = np.zeros((height, width, 3), np.float32)
        covered = np.zeros((height, width), np.float32)
        depths = np.empty((len(self.distances), height, width), np.float32)
        maps: list[np.ndarray] = []
        uncovered: Window | None = (slice(0, height), slice(0, width))
        for layer in range(self.field.n_layers):
            if uncovered is None:
                break
            local = self._local_maps(fields[min(layer, len(fields) - 1)])
            maps.append(local)
            if layer >= len(self.distances):
                break
            distance = self._sample(self.distances[layer], local[uncovered])
            alpha = np.multiply(distance, self.sharpness[uncovered])
            np.subtract(np.float32(0.5), alpha, out=alpha)
            np.clip(alpha, 0.0, 1.0, out=alpha)
            np.minimum(alpha, 1.0 - covered[uncovered], out=alpha)
            covered[uncovered] += alpha
            if self.mouth is not None and layer in self.cavity:
                depths[layer][uncovered] = distance
            window = _bounds(alpha > 1e-3, uncovered)
            if window is not None:
                inner = _inside(window, uncovered)
                color = self._sample(frame, cv2.add(local[window], self.origin))
                if layer == 0 and self.lid is not None and weights[BLINK] > 0.02:
                    color = self._close_lid(
                        color.astype(np.float32), distance[inner], local[window], window, weights
                    )
                out[window] += np.multiply(color, alpha[inner][..., None], dtype=np.float32)
            uncovered = _bounds(covered[uncovered] < 1.0 - 1e-3, uncovered)
        if uncovered is not None:
            fill_alpha = np.clip(1.0 - covered[uncovered], 0.0, 1.0)
            if self.mouth is not None:
                # Where along the mouth each pixel is: follow the lips' sideways motion.
                top, bottom = self.cavity
                across = self._sample(self.across, maps[bottom][uncovered])
                painted = self._paint(
                    depths[top][uncovered], depths[bottom][uncovered], across, weights
                )
                fill = self._finish(painted, uncovered)
            else:
                where = cv2.add(maps[-1][uncovered], self.origin)
                fill = self._sample(frame, where).astype(np.float32)
            out[uncovered] += fill * fill_alpha[..., None]
        return np.clip(out + 0.5, 0, 255).astype(np.uint8)

    def _paint(
        self, top: np.ndarray, bottom: np.ndarray, across: np.ndarray, weights: np.ndarray
    ) -> np.ndarray:
        """The painted interior, painted every `factor` pixels on large faces and upsampled.

        It is blurred to the photo's sharpness afterwards, so where that blur is at least
        PAINT_COARSE_BLUR pixels it is painted every second pixel too (a quarter of the work).
        """
        assert self.mouth is not None
        step = self.factor
        if step == 1 and self.mouth.blur >= PAINT_COARSE_BLUR:
            step = 2
        shape = top.shape
        if step > 1 and min(shape) >= 4 * step:
            top, bottom, across = (
                top[::step, ::step],
                bottom[::step, ::step],
                across[::step, ::step],
            )
        fill = paint_interior(
            top,
            bottom,
            across,
            self.rig.scale,
            0.5 * (self.rig.mouth.half_left + self.rig.mouth.half_right),
            self.mouth,
            float(weights[BITE]),
        )
        if fill.shape[:2] != shape:
            fill = cv2.resize(fill, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
        return fill

    def _finish(self, fill: np.ndarray, window: Window) -> np.ndarray:
        """The painted interior blurred to the photo's sharpness, with the photo's grain."""
        assert self.mouth is not None
        if self.mouth.blur > 0.3:
            fill = cv2.GaussianBlur(fill, (0, 0), self.mouth.blur)
        # Grain is weaker in the dark, as in the photo's own shadows.
        luminance = grey_of(fill)
        strength = np.clip(luminance / self.skin_luminance, 0.3, 1.0)
        return fill + (self.grain[window] * strength)[..., None]

    def _close_lid(
        self,
        color: np.ndarray,
        distance: np.ndarray,
        local: np.ndarray,
        window: Window,
        weights: np.ndarray,
    ) -> np.ndarray:
        """Draws the closed lid's skin and margin over the upper lid's warped colours.

        Args:
            color: (h', w', 3) float32 upper lid's colours in window.
            distance: (h', w') the upper lid's distances at each pixel's source.
            local: (h', w', 2) each pixel's source in box pixels.
            window: Where the arrays lie in the box.
            weights: This frame's motion weights.
        """
        assert self.lid is not None
        band = self._sample(self.lid.band, local)
        # The plate is the photo's face closed over: look it up where each pixel would come
        # from without the blink (the head and brows still move it).
        still = np.array(weights, np.float32)
        still[BLINK] = 0.0
        fields = self.field.evaluate(still)
        if fields is None:
            plate = self.lid.plate[window]
        else:
            plate = self._sample(self.lid.plate, self._local_maps(fields[0])[window])
        return self.lid.shade(color, distance, band, plate, float(weights[BLINK]), window)
