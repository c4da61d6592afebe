"""Mixing displacement bases per frame, and the layered boxes where the field is discontinuous.

``StagedField`` holds the bases of ``pipelines.animate.basis`` sampled on a grid and, per frame,
mixes them with the motion weights and composes the stages (head, then face shape, then the
lips' opening and the lids' closing), each looked up where the later stages take a point from.

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

from pipelines.animate.basis import (
    BASIS_NAMES,
    HEAD,
    OPENING,
    SHAPE,
    basis_fields,
    natural_sides,
)
from pipelines.animate.eyelids import ClosingLid
from pipelines.animate.grain import grain_texture, grey_of
from pipelines.animate.interior import paint_interior
from pipelines.animate.mouth import MouthPalette
from pipelines.animate.rig import FaceRig

BITE = BASIS_NAMES.index("lip_bite")
BLINK = BASIS_NAMES.index("blink")
PRESS = BASIS_NAMES.index("lip_press")
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


def follow(field: np.ndarray, moved: np.ndarray, cell_x: float, cell_y: float) -> np.ndarray:
    """A field looked up where a later stage takes each point from: field(x - moved(x)).

    Args:
        field: (2, h, w) displacement on a regular grid, pixels.
        moved: (2, h, w) displacement of the later stages on the same grid, pixels.
        cell_x: Grid spacing along x, pixels.
        cell_y: Grid spacing along y, pixels.

    Returns:
        (2, h, w) float32.
    """
    rows, cols = field.shape[1:]
    map_x = (np.arange(cols, dtype=np.float32)[None, :] - moved[0] / cell_x).astype(np.float32)
    map_y = (np.arange(rows, dtype=np.float32)[:, None] - moved[1] / cell_y).astype(np.float32)
    merged = np.ascontiguousarray(field.transpose(1, 2, 0), np.float32)
    out = cv2.remap(merged, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return out.transpose(2, 0, 1)


def _window(alpha: np.ndarray) -> tuple[slice, slice] | None:
    """The smallest (rows, columns) window holding every pixel with alpha above 1e-3."""
    rows = np.flatnonzero(alpha.max(axis=1) > 1e-3)
    if rows.size == 0:
        return None
    cols = np.flatnonzero(alpha.max(axis=0) > 1e-3)
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


def _mix(weights: np.ndarray, bases: np.ndarray) -> np.ndarray:
    """sum_k weights[k] * bases[k] for (k,) weights and (k, n) float32 bases.

    An explicit multiply-add: numpy's vector-matrix product on these wide, short matrices is
    tens of times slower.
    """
    out = np.zeros(bases.shape[1], np.float32)
    scratch = np.empty_like(out)
    for weight, basis in zip(weights, bases, strict=True):
        if weight != 0.0:
            np.multiply(basis, np.float32(weight), out=scratch)
            out += scratch
    return out


class StagedField:
    """The basis of one or more layers on a grid, mixed and composed per frame.

    Args:
        layers: Per layer, the output of ``basis_fields`` on the grid's h * w points.
        shape: (h, w) of the grid.
        cell: (x, y) grid spacing in pixels.
    """

    def __init__(
        self,
        layers: list[list[tuple[int, int, np.ndarray]]],
        shape: tuple[int, int],
        cell: tuple[float, float],
    ) -> None:
        self.shape, self.cell, self.n_layers = shape, cell, len(layers)
        n = shape[0] * shape[1]
        self.stages: list[tuple[np.ndarray, np.ndarray]] = []
        for stage in (HEAD, SHAPE, OPENING):
            indices = sorted({i for fields in layers for st, i, _ in fields if st == stage})
            bases = np.zeros((len(indices), len(layers), 2, n), np.float32)
            for layer, fields in enumerate(layers):
                for st, index, field in fields:
                    if st == stage:
                        bases[indices.index(index), layer] = field.T
            self.stages.append((np.array(indices, int), bases.reshape(len(indices), -1)))

    def evaluate(self, weights: np.ndarray) -> np.ndarray | None:
        """(layers, 2, h, w) float32 total displacement for the weights, or None if zero."""
        total = None
        for indices, bases in self.stages:
            if indices.size == 0:
                continue
            stage_weights = weights[indices]
            if not np.any(np.abs(stage_weights) > 1e-5):
                continue
            field = _mix(stage_weights, bases).reshape(self.n_layers, 2, *self.shape)
            if total is None:
                total = field
            else:
                total = total + np.stack(
                    [follow(field[k], total[k], *self.cell) for k in range(self.n_layers)]
                )
        return total


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
        self.grid_x = np.arange(rect.x0, rect.x1, dtype=np.float32)[None, :]
        self.grid_y = np.arange(rect.y0, rect.y1, dtype=np.float32)[:, None]
        self.distances = [d.astype(np.float32) for d in distances]
        # Edges between layers are anti-aliased over about a pixel; beyond the corners, where
        # the sides only shear past each other, they cross-fade over a widening band instead.
        self.soft = (max(1.0, rig.scale / 70.0) + 0.6 * beyond).astype(np.float32)
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

    def _maps(self, field: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        size = (self.rect.width, self.rect.height)
        if field.shape[1:] != (self.rect.height, self.rect.width):
            dx = cv2.resize(field[0], size, interpolation=cv2.INTER_LINEAR)
            dy = cv2.resize(field[1], size, interpolation=cv2.INTER_LINEAR)
        else:
            dx, dy = field[0], field[1]
        return self.grid_x - dx, self.grid_y - dy

    def _sample(
        self, image: np.ndarray, map_x: np.ndarray, map_y: np.ndarray, local: bool
    ) -> np.ndarray:
        if local:
            map_x, map_y = map_x - self.rect.x0, map_y - self.rect.y0
        return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    def render(self, frame: np.ndarray, weights: np.ndarray) -> np.ndarray | None:
        """The box's pixels for one frame, (h, w, 3) uint8 sampled from frame; None if still."""
        fields = self.field.evaluate(weights)
        if fields is None:
            return None
        shape = (self.rect.height, self.rect.width)
        out = np.zeros((*shape, 3), np.float32)
        covered = np.zeros(shape, np.float32)
        depths, maps = [], []
        for layer in range(fields.shape[0]):
            map_x, map_y = self._maps(fields[layer])
            maps.append((map_x, map_y))
            if layer >= len(self.distances):
                break
            distance = self._sample(self.distances[layer], map_x, map_y, local=True)
            alpha = np.minimum(np.clip(0.5 - distance / self.soft, 0.0, 1.0), 1.0 - covered)
            covered += alpha
            depths.append(distance)
            window = _window(alpha)
            if window is None:
                continue
            map_x, map_y = map_x[window], map_y[window]
            color = self._sample(frame, map_x, map_y, local=False).astype(np.float32)
            if layer == 0 and self.lid is not None and weights[BLINK] > 0.02:
                color = self._close_lid(color, distance[window], map_x, map_y, window, weights)
            out[window] += color * alpha[window][..., None]
        fill_alpha = np.clip(1.0 - covered, 0.0, 1.0)
        window = _window(fill_alpha)
        if window is not None:
            if self.mouth is not None:
                # Where along the mouth each pixel is: follow the lips' sideways motion.
                top, bottom = self.cavity
                map_x, map_y = maps[bottom][0][window], maps[bottom][1][window]
                across = self._sample(self.across, map_x, map_y, local=True)
                fill = self._finish(
                    self._paint(depths[top][window], depths[bottom][window], across, weights),
                    window,
                )
            else:
                map_x, map_y = maps[-1][0][window], maps[-1][1][window]
                fill = self._sample(frame, map_x, map_y, local=False).astype(np.float32)
            out[window] += fill * fill_alpha[window][..., None]
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

    def _finish(self, fill: np.ndarray, window: tuple[slice, slice]) -> np.ndarray:
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
        map_x: np.ndarray,
        map_y: np.ndarray,
        window: tuple[slice, slice],
        weights: np.ndarray,
    ) -> np.ndarray:
        """Draws the closed lid's skin and margin over the upper lid's warped colours."""
        assert self.lid is not None
        band = self._sample(self.lid.band, map_x, map_y, local=True)
        # The plate is the photo's face closed over: look it up where each pixel would come
        # from without the blink (the head and brows still move it).
        still = np.array(weights, np.float32)
        still[BLINK] = 0.0
        fields = self.field.evaluate(still)
        if fields is None:
            plate = self.lid.plate[window]
        else:
            still_x, still_y = self._maps(fields[0])
            plate = self._sample(self.lid.plate, still_x[window], still_y[window], local=True)
        return self.lid.shade(color, distance, band, plate, float(weights[BLINK]), window)
