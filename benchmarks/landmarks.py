"""dlib face detection, 68-point landmarks and identity embeddings for the measurements.

This is deliberately a different face model from the one the pipeline animates with
(MediaPipe's 478-point mesh): a measurement made with the animator's own landmarks would
only check that the warp followed its own control points.

The 68 points follow the iBUG 300-W numbering (0-based): 0-16 jaw, 17-26 brows, 27-30 nose
bridge, 31-35 nostrils, 36-41 right eye (image left), 42-47 left eye, 48-59 outer lips,
60-67 inner lips.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

logger = logging.getLogger(__name__)

#: Faces narrower than this (pixels) are upscaled before the shape predictor runs.
MIN_PREDICT_WIDTH = 160.0
#: The tracking box is re-centred when the face moved more than this fraction of its width.
RECENTRE_FRACTION = 0.08
#: Points that stay put when the mouth or eyes move: nose bridge, nostrils, eye corners.
_STABLE_POINTS = np.array([27, 28, 29, 30, 31, 33, 35, 36, 39, 42, 45])


@dataclass(frozen=True)
class FaceBox:
    """A face box in pixels (floats): left, top, right, bottom."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        """Width in pixels."""
        return self.right - self.left

    @property
    def center(self) -> tuple[float, float]:
        """(x, y) of the centre in pixels."""
        return ((self.left + self.right) / 2.0, (self.top + self.bottom) / 2.0)

    def moved(self, dx: float, dy: float, scale: float) -> FaceBox:
        """The box shifted by (dx, dy) pixels and scaled by ``scale`` about its centre."""
        cx, cy = self.center
        half_w = (self.right - self.left) * scale / 2.0
        half_h = (self.bottom - self.top) * scale / 2.0
        return FaceBox(cx + dx - half_w, cy + dy - half_h, cx + dx + half_w, cy + dy + half_h)


class DlibFaces:
    """dlib's HOG face detector, 68-point shape predictor and 128-d face embedding.

    The model files come from the ``face_recognition_models`` package (installed with the dev
    extras); nothing is downloaded.
    """

    def __init__(self) -> None:
        import dlib
        import face_recognition_models as models

        self._dlib = dlib
        self._detector = dlib.get_frontal_face_detector()
        self._predictor = dlib.shape_predictor(models.pose_predictor_model_location())
        self._encoder = dlib.face_recognition_model_v1(models.face_recognition_model_location())

    def detect(self, image: np.ndarray, near: tuple[float, float] | None = None) -> FaceBox | None:
        """The face nearest to ``near`` (or the largest), or None when dlib finds none.

        Args:
            image: (H, W, 3) uint8 RGB.
            near: (x, y) in pixels, e.g. the centre of the face the pipeline animated.
        """
        # dlib's detector sometimes misses every face in a strided (non-contiguous) array,
        # such as a decoded frame cropped from its padded buffer: always hand it a copy.
        image = np.ascontiguousarray(image)
        upsample = 1 if min(image.shape[:2]) < 800 else 0
        for times in (upsample, upsample + 1):
            rects, _, _ = self._detector.run(image, times, -0.3)
            if rects:
                break
        if not rects:
            return None
        boxes = [FaceBox(r.left(), r.top(), r.right(), r.bottom()) for r in rects]
        if near is None:
            return max(boxes, key=lambda b: b.width)
        return min(boxes, key=lambda b: np.hypot(b.center[0] - near[0], b.center[1] - near[1]))

    def landmarks(self, image: np.ndarray, box: FaceBox) -> np.ndarray:
        """68 landmarks of the face in ``box``.

        Small faces are cropped and upscaled (bicubic) so the predictor sees at least
        ``MIN_PREDICT_WIDTH`` pixels across the face; the points are mapped back.

        Args:
            image: (H, W, 3) uint8 RGB.
            box: The face box in pixels of ``image``.

        Returns:
            (68, 2) float64 (x, y) in pixels of ``image``.
        """
        dlib = self._dlib
        image = np.ascontiguousarray(image)
        if box.width >= MIN_PREDICT_WIDTH:
            rect = dlib.rectangle(
                round(box.left), round(box.top), round(box.right), round(box.bottom)
            )
            shape = self._predictor(image, rect)
            return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)
        import cv2

        factor = MIN_PREDICT_WIDTH / box.width
        margin = box.width
        x0 = max(0, int(np.floor(box.left - margin)))
        y0 = max(0, int(np.floor(box.top - margin)))
        x1 = min(image.shape[1], int(np.ceil(box.right + margin)))
        y1 = min(image.shape[0], int(np.ceil(box.bottom + margin)))
        crop = np.ascontiguousarray(image[y0:y1, x0:x1])
        size = (round((x1 - x0) * factor), round((y1 - y0) * factor))
        big = cv2.resize(crop, size, interpolation=cv2.INTER_CUBIC)
        rect = dlib.rectangle(
            round((box.left - x0) * factor),
            round((box.top - y0) * factor),
            round((box.right - x0) * factor),
            round((box.bottom - y0) * factor),
        )
        shape = self._predictor(big, rect)
        points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)
        return points / factor + np.array([x0, y0], dtype=np.float64)

    def embedding(self, image: np.ndarray, points: np.ndarray) -> np.ndarray:
        """dlib's 128-d face embedding of the face with these 68 landmarks.

        Args:
            image: (H, W, 3) uint8 RGB.
            points: (68, 2) landmarks in pixels of ``image``.

        Returns:
            (128,) float64; distances below 0.6 usually mean the same person.
        """
        dlib = self._dlib
        left, top = np.floor(points.min(axis=0)).astype(int)
        right, bottom = np.ceil(points.max(axis=0)).astype(int)
        parts = [dlib.point(round(x), round(y)) for x, y in points]
        shape = dlib.full_object_detection(
            dlib.rectangle(int(left), int(top), int(right), int(bottom)), parts
        )
        image = np.ascontiguousarray(image)
        return np.array(self._encoder.compute_face_descriptor(image, shape), dtype=np.float64)


class FaceTracker:
    """Follows one face through a video with the shape predictor.

    The predictor is run on every frame inside one box: the dlib detection of the first frame.
    The box stays fixed (so a still face gives exactly the same landmarks on every frame, and
    the box itself adds no jitter) until the stable points (nose, eye corners) have moved more
    than ``RECENTRE_FRACTION`` of the box width, or the face changed size by as much; then the
    box is moved with the face.

    Args:
        faces: The loaded dlib models.
        first_box: The dlib detection box of the face in the first frame.
    """

    def __init__(self, faces: DlibFaces, first_box: FaceBox) -> None:
        self._faces = faces
        self._box = first_box
        self._anchor: tuple[np.ndarray, float] | None = None  # stable centre, spread at box set

    def update(self, frame: np.ndarray) -> np.ndarray:
        """Landmarks of the tracked face in this frame: (68, 2) float64 pixels."""
        points = self._faces.landmarks(frame, self._box)
        stable = points[_STABLE_POINTS]
        centre = stable.mean(axis=0)
        spread = float(np.linalg.norm(stable - centre, axis=1).mean())
        if self._anchor is None:
            self._anchor = (centre, spread)
            return points
        anchor_centre, anchor_spread = self._anchor
        shift = centre - anchor_centre
        scale = spread / anchor_spread
        limit = RECENTRE_FRACTION * self._box.width
        if np.hypot(*shift) > limit or abs(scale - 1.0) > RECENTRE_FRACTION:
            self._box = self._box.moved(float(shift[0]), float(shift[1]), scale)
            self._anchor = (centre, spread)
            points = self._faces.landmarks(frame, self._box)
        return points
