"""The weights-free talking-face renderer: moves each face's own pixels with its face mesh.

For every animated face, ``MeshWarpAnimator`` builds a rig from the face mesh
(``pipelines.animate.rig``), measures the mouth's colours (``pipelines.animate.mouth``) and
precomputes its displacement fields (``pipelines.animate.warp``). Each frame is then a copy of the
photo in which each face's region is resampled once by the mix of its fields for that frame's motion
(jaw, lips, blink, smile, brows, head), with the mouth's interior painted where the lips part
(the photo's own teeth kept when it shows them). A face whose moustache or beard hides its
lips opens its jaw wider (``pipelines.animate.beard``). Faces
are drawn in order, each on the frame as it stands, so neighbouring faces compose. Nothing outside
the faces' regions changes.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from pipelines.errors import BadInputError
from pipelines.types import Animation, Face, FaceMotion, Photo

if TYPE_CHECKING:
    from pipelines.animate.warp import FaceWarp

logger = logging.getLogger(__name__)

#: Threads drawing frames at once, and how many frames may be drawn ahead of the one wanted.
DRAW_THREADS = 2
DRAW_AHEAD = 3

#: Clamp ranges of the motion parameters, in basis order (head angles in degrees).
_LIMITS = (
    (0.0, 1.2),  # jaw_open
    (0.0, 1.0),  # lip_round
    (-1.0, 1.0),  # lip_wide
    (0.0, 1.0),  # lip_press
    (0.0, 1.0),  # lip_bite
    (0.0, 1.0),  # blink
    (0.0, 1.0),  # smile
    (-1.0, 1.0),  # brow
    (-15.0, 15.0),  # yaw
    (-15.0, 15.0),  # pitch
    (-15.0, 15.0),  # roll
)


def motion_weights(motion: FaceMotion, n_frames: int) -> np.ndarray:
    """A face's motion as one weight row per frame, in ``BASIS_NAMES`` order.

    Curves shorter than n_frames hold their last value; longer ones are cut.

    Args:
        motion: The face's per-frame curves.
        n_frames: Number of frames to draw.

    Returns:
        (n_frames, 11) float32 weights, clamped to each parameter's range.

    Raises:
        BadInputError: A curve has the wrong shape, no frames, or non-finite values.
    """
    head = np.asarray(motion.head, np.float64)
    columns = [
        motion.jaw_open,
        motion.lip_round,
        motion.lip_wide,
        motion.lip_press,
        motion.lip_bite,
        motion.blink,
        motion.smile,
        motion.brow,
    ]
    if head.ndim != 2 or head.shape[1] != 3:
        raise BadInputError("motion.head_shape", shape=tuple(head.shape))
    curves = [np.asarray(c, np.float64).reshape(-1) for c in columns]
    curves += [head[:, 0], head[:, 1], head[:, 2]]
    weights = np.zeros((n_frames, len(curves)), np.float32)
    for column, curve in enumerate(curves):
        if curve.size == 0:
            raise BadInputError("motion.empty_curve", face=motion.face_index)
        if not np.all(np.isfinite(curve)):
            raise BadInputError("motion.not_finite", face=motion.face_index)
        held = curve[np.minimum(np.arange(n_frames), curve.size - 1)]
        low, high = _LIMITS[column]
        weights[:, column] = np.clip(held, low, high)
    return weights


def prepare_face(pixels: np.ndarray, face: Face) -> FaceWarp:
    """Measures one face and precomputes its motion fields.

    Args:
        pixels: (H, W, 3) uint8 RGB photo.
        face: The face, with its mesh in the photo's pixels.

    Returns:
        The face's warp; ``warp.roi`` is the only region its motion can change.

    Raises:
        ValueError: The face's landmarks are not a finite (478, 3) array.
    """
    from pipelines.animate.beard import with_facial_hair
    from pipelines.animate.lashes import with_measured_lashes
    from pipelines.animate.mouth import measure_palette
    from pipelines.animate.rig import build_rig
    from pipelines.animate.warp import FaceWarp

    rig = with_measured_lashes(build_rig(face.landmarks), pixels)
    rig = with_facial_hair(rig, pixels, face.landmarks)
    palette = measure_palette(pixels, face.landmarks)
    return FaceWarp(rig, palette, pixels)


class MeshWarpAnimator:
    """Animates faces by warping the photo's own pixels along their face mesh (no weights)."""

    name: ClassVar[str] = "mesh-warp"

    def __init__(self) -> None:
        import cv2  # noqa: F401  (fail here, at backend creation, if OpenCV is missing)

        from pipelines.animate.prepared import PreparedFaces

        self._prepared = PreparedFaces(prepare_face)

    def prepare(self, photo: Photo, faces: Sequence[Face]) -> None:
        """Prepares these faces now, so a render of this photo starts drawing at once.

        Faces that cannot be animated are skipped here (their render says why).
        """
        from pipelines.animate.prepared import photo_key

        key = photo_key(photo.pixels)
        for face in faces:
            try:
                self._prepared.get(photo.pixels, face, key)
            except ValueError as error:
                logger.info("Face %d was not prepared: %s", face.index, error)

    def render(
        self, photo: Photo, faces: Sequence[Face], animation: Animation
    ) -> Iterator[np.ndarray]:
        """Yields animation.n_frames frames, each (H, W, 3) uint8 RGB at the photo's size.

        The faces' fields are prepared before the first frame is asked for (or taken from an
        earlier ``prepare`` or render of the same photo); bad input is refused here, when
        render is called, not while frames are streamed.

        Args:
            photo: The photo.
            faces: The faces found in it (only those with a motion move).
            animation: Frame count, rate and one motion per animated face.

        Raises:
            BadInputError: The photo is not (H, W, 3) uint8, a motion names a face that is not
                in faces, or a motion's curves are malformed.
        """
        pixels = photo.pixels
        if pixels.ndim != 3 or pixels.shape[2] != 3 or pixels.dtype != np.uint8:
            raise BadInputError(
                "animate.photo_array", shape=tuple(pixels.shape), dtype=str(pixels.dtype)
            )
        n_frames = int(animation.n_frames)
        if n_frames < 0:
            raise BadInputError("animate.negative_frames", frames=n_frames)
        from pipelines.animate.prepared import photo_key

        by_index = {face.index: face for face in faces}
        plans: list[tuple[FaceWarp, np.ndarray]] = []
        key = photo_key(pixels)
        for motion in animation.motions:
            face = by_index.get(motion.face_index)
            if face is None:
                raise BadInputError(
                    "animate.no_face_for_motion", face=motion.face_index, faces=sorted(by_index)
                )
            try:
                warp = self._prepared.get(pixels, face, key)
            except ValueError as error:
                raise BadInputError(
                    "animate.face_failed", face=face.index, detail=str(error)
                ) from error
            plans.append((warp, motion_weights(motion, n_frames)))
            logger.debug("Face %d: region %s, scale %.1f px", face.index, warp.roi, warp.rig.scale)
        return self._frames(pixels, plans, n_frames)

    @staticmethod
    def _frames(
        pixels: np.ndarray, plans: list[tuple[FaceWarp, np.ndarray]], n_frames: int
    ) -> Iterator[np.ndarray]:
        """Yields the frames in order, drawing up to DRAW_AHEAD of them at once on worker threads.

        Frames do not depend on each other and OpenCV and numpy release the GIL while they
        work, so two frames drawn at once use two cores where one frame would leave the second
        to the encoder's spare time. Closing the iterator early cancels the frames not started.
        """

        def draw(index: int) -> np.ndarray:
            frame = pixels.copy()
            for warp, weights in plans:
                warp.apply(frame, weights[index])
            return frame

        if n_frames == 0:
            return
        workers = ThreadPoolExecutor(max_workers=DRAW_THREADS, thread_name_prefix="draw")
        try:
            pending: deque[Future[np.ndarray]] = deque()
            for index in range(n_frames):
                pending.append(workers.submit(draw, index))
                if len(pending) >= DRAW_AHEAD:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            workers.shutdown(wait=True, cancel_futures=True)
