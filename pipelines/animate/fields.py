"""Mixing displacement bases per frame and composing their stages, on a regular grid.

``StagedField`` holds the bases of ``pipelines.animate.basis`` sampled on a grid, for one or more
layers, and per frame mixes them with the motion weights and composes the stages (head, then face
shape, then the lips' opening and the lids' closing), each looked up where the later stages take
a point from. Fields are stored interleaved, (h, w, 2) per layer, the layout ``cv2.resize`` and
``cv2.remap`` read in one call. A stage whose bases are the same in every layer is mixed and
composed once and shared, so a box of several layers costs little more than one layer until a
stage that tells its layers apart moves.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from pipelines.animate.basis import HEAD, OPENING, SHAPE


def follow(
    field: np.ndarray, moved: np.ndarray, grid: np.ndarray, per_cell: np.ndarray
) -> np.ndarray:
    """A field looked up where a later stage takes each point from: field(x - moved(x)).

    Args:
        field: (h, w, 2) float32 displacement on a regular grid, pixels.
        moved: (h, w, 2) float32 displacement of the later stages on the same grid, pixels.
        grid: (h, w, 2) float32 grid positions in cells (column, row).
        per_cell: Cells per pixel along x and y, as an OpenCV scalar (x, y, 0, 0).

    Returns:
        (h, w, 2) float32.
    """
    # OpenCV's per-channel scalar, not numpy broadcasting along the short last axis (slow).
    where = cv2.subtract(grid, cv2.multiply(moved, per_cell))
    return cv2.remap(field, where, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def mix_bases(weights: np.ndarray, bases: np.ndarray) -> np.ndarray:
    """sum_k weights[k] * bases[k] for (k,) weights and (k, n) float32 bases; (n,) float32.

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


@dataclass(frozen=True)
class _Stage:
    """One stage's bases: (k, copies * h * w * 2), copies 1 when every layer shares them."""

    indices: np.ndarray
    bases: np.ndarray
    shared: bool


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
        self.stages: list[_Stage] = []
        for stage in (HEAD, SHAPE, OPENING):
            indices = sorted({i for fields in layers for st, i, _ in fields if st == stage})
            bases = np.zeros((len(indices), len(layers), n, 2), np.float32)
            for layer, fields in enumerate(layers):
                for st, index, field in fields:
                    if st == stage:
                        bases[indices.index(index), layer] = field
            shared = all(np.array_equal(bases[:, 0], bases[:, k]) for k in range(1, len(layers)))
            if shared:
                bases = bases[:, :1]
            self.stages.append(
                _Stage(np.array(indices, int), bases.reshape(len(indices), -1), shared)
            )
        columns, rows = np.meshgrid(
            np.arange(shape[1], dtype=np.float32), np.arange(shape[0], dtype=np.float32)
        )
        self._grid = np.stack([columns, rows], axis=-1)
        self._per_cell = (1.0 / cell[0], 1.0 / cell[1], 0.0, 0.0)

    def evaluate(self, weights: np.ndarray) -> np.ndarray | None:
        """The total displacement for the weights, or None if no stage moves.

        Returns:
            (n, h, w, 2) float32 pixels: n is 1 when every layer has the same field this frame
            (only stages shared by all layers move), else the number of layers.
        """
        total: np.ndarray | None = None
        h, w = self.shape
        for stage in self.stages:
            if stage.indices.size == 0:
                continue
            stage_weights = weights[stage.indices]
            if not np.any(np.abs(stage_weights) > 1e-5):
                continue
            copies = 1 if stage.shared else self.n_layers
            field = mix_bases(stage_weights, stage.bases).reshape(copies, h, w, 2)
            if total is None:
                total = field
                continue
            count = max(copies, total.shape[0])
            total = np.stack(
                [
                    total[min(k, len(total) - 1)]
                    + follow(
                        field[min(k, copies - 1)],
                        total[min(k, len(total) - 1)],
                        self._grid,
                        self._per_cell,
                    )
                    for k in range(count)
                ]
            )
        return total
