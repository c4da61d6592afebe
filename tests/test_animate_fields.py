"""The animator's per-frame shortcuts give the frames the plain way of drawing them gives.

A stage shared by every layer of a box is mixed and composed once; frames are drawn on worker
threads. Each is checked against the plain computation: per layer, one frame at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from pipelines.animate import animator as animator_module
from pipelines.animate.basis import HEAD, OPENING, SHAPE
from pipelines.animate.fields import StagedField
from pipelines.faces.mediapipe_faces import MediaPipeFaces
from pipelines.images import load_image
from pipelines.types import Animation, FaceMotion

GRID = (23, 31)
CELL = (3.0, 2.5)


def smooth_field(seed: int) -> np.ndarray:
    """(rows * cols, 2) float32 displacement, a few pixels, varying smoothly over the grid."""
    rows, cols = np.mgrid[0 : GRID[0], 0 : GRID[1]].astype(np.float32)
    phase = np.random.default_rng(seed).uniform(0.0, 2.0 * np.pi, 4)
    dx = 3.0 * np.sin(0.3 * cols + phase[0]) * np.cos(0.2 * rows + phase[1])
    dy = 2.0 * np.cos(0.25 * cols + phase[2]) * np.sin(0.35 * rows + phase[3])
    return np.stack([dx.ravel(), dy.ravel()], axis=1).astype(np.float32)


def three_layers() -> list[list[tuple[int, int, np.ndarray]]]:
    """Head and shape bases shared by every layer, an opening basis of each layer's own."""
    shared = [(HEAD, 8, smooth_field(1)), (HEAD, 9, smooth_field(2)), (SHAPE, 0, smooth_field(3))]
    return [[*shared, (OPENING, 0, smooth_field(10 + layer))] for layer in range(3)]


@pytest.mark.parametrize(
    "active", [(8,), (8, 0), (0,), ()], ids=["head", "head+jaw", "jaw", "still"]
)
def test_shared_stages_compose_as_each_layer_alone(active: Sequence[int]) -> None:
    layers = three_layers()
    weights = np.zeros(12, np.float32)
    weights[list(active)] = 0.7
    together = StagedField(layers, GRID, CELL).evaluate(weights)
    alone = [StagedField([layer], GRID, CELL).evaluate(weights) for layer in layers]
    if not active:
        assert together is None and all(field is None for field in alone)
        return
    assert together is not None
    # Before the opening moves, all three layers share one field.
    assert len(together) == (3 if 0 in active else 1)
    for index, field in enumerate(alone):
        assert field is not None
        np.testing.assert_allclose(together[min(index, len(together) - 1)], field[0], atol=1e-5)


def jaw_and_head(face_index: int, n_frames: int) -> FaceMotion:
    times = np.arange(n_frames) / 25.0
    still = np.zeros(n_frames)
    return FaceMotion(
        face_index,
        jaw_open=0.5 + 0.5 * np.sin(9.0 * times),
        lip_round=still,
        lip_wide=still,
        lip_press=still,
        lip_bite=still,
        blink=(np.arange(n_frames) == 3).astype(float),
        smile=np.full(n_frames, 0.1),
        brow=still,
        head=np.stack([3 * np.sin(times), np.sin(2 * times), 0.5 * times], axis=1),
    )


@pytest.fixture(scope="module")
def woman_animation(examples: Path):
    photo = load_image(examples / "woman_waterfall.jpg")
    faces = MediaPipeFaces().detect(photo)
    return photo, faces, Animation(25, 8, (jaw_and_head(faces[0].index, 8),))


def test_frames_drawn_on_threads_equal_frames_drawn_one_by_one(woman_animation, monkeypatch):
    photo, faces, animation = woman_animation
    threaded = list(animator_module.MeshWarpAnimator().render(photo, faces, animation))
    monkeypatch.setattr(animator_module, "DRAW_THREADS", 1)
    monkeypatch.setattr(animator_module, "DRAW_AHEAD", 1)
    one_by_one = list(animator_module.MeshWarpAnimator().render(photo, faces, animation))
    assert len(threaded) == len(one_by_one) == animation.n_frames
    for drawn, plain in zip(threaded, one_by_one, strict=True):
        np.testing.assert_array_equal(drawn, plain)
    assert not np.array_equal(threaded[0], threaded[5])  # the face did move


def test_closing_the_frames_early_stops_the_drawing_threads(woman_animation) -> None:
    photo, faces, animation = woman_animation
    frames = animator_module.MeshWarpAnimator().render(photo, faces, animation)
    next(frames)
    frames.close()  # type: ignore[attr-defined]  # a generator
    assert not [t for t in threading.enumerate() if t.name.startswith("draw")]
