"""Faces whose MediaPipe mesh is refined by face_alignment's FAN 68-point landmarks.

MediaPipe finds the faces and fits its 478-point mesh (the topology the animator needs); FAN
(Bulat & Tzimiropoulos' Face Alignment Network, 2D or 3D) then places the 68 iBUG points in the
same face boxes, and ``pipelines.neural.landmarks68.refine_mesh`` warps the mesh onto them (a
thin-plate spline through the 68 corresponding vertices; points that disagree wildly are
ignored, and a face whose FAN points mostly disagree keeps its MediaPipe mesh). Measurements,
expression and head pose are then taken again from the refined mesh.

FAN's weights are not in any package: face_alignment keeps them in torch's hub cache
(``$TORCH_HOME/hub/checkpoints``). This backend loads them from there and never downloads;
``talking-photo fetch-models --backend face-alignment`` fetches them beforehand.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from pipelines.errors import BackendUnavailable, TalkingPhotoError
from pipelines.neural.landmarks68 import GROUPS_68, mesh_box_68, refine_mesh
from pipelines.types import Box, Face, Photo

logger = logging.getLogger(__name__)

#: face_alignment 1.5's weight files (its ``api.models_urls``), per landmark type.
FAN_WEIGHT_URLS: dict[str, tuple[str, ...]] = {
    "2D": ("https://www.adrianbulat.com/downloads/python-fan/2DFAN4-11f355bf06.pth.tar",),
    "3D": (
        "https://www.adrianbulat.com/downloads/python-fan/3DFAN4-7835d9f11d.pth.tar",
        "https://www.adrianbulat.com/downloads/python-fan/depth-2a464da4ea.pth.tar",
    ),
}
INSTALL_HINT = "pip install -e '.[neural]'  (face-alignment and torch)"


def torch_hub_dir() -> Path:
    """The hub folder of torch, found as ``torch.hub.get_dir`` finds it, without importing torch."""
    torch_home = os.environ.get("TORCH_HOME")
    if not torch_home:
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
        torch_home = os.path.join(cache, "torch")
    return Path(torch_home).expanduser() / "hub"


def fan_weight_files(landmarks: str) -> tuple[Path, ...]:
    """Where face_alignment looks for the weights of ``landmarks`` ("2D" or "3D")."""
    checkpoints = torch_hub_dir() / "checkpoints"
    return tuple(checkpoints / url.rsplit("/", 1)[1] for url in FAN_WEIGHT_URLS[landmarks])


class FaceAlignmentFaces:
    """MediaPipe faces whose meshes follow face_alignment's FAN landmarks.

    Attributes:
        name: Registry name.
        landmarks: "2D" or "3D" FAN.
        device: Where FAN runs.
    """

    name: ClassVar[str] = "face-alignment"

    def __init__(
        self,
        landmarks: str = "2D",
        *,
        device: str | None = None,
        flip_input: bool = True,
        groups: tuple[str, ...] = tuple(GROUPS_68),
        max_shift: float = 0.25,
        min_score: float = 0.5,
    ) -> None:
        """Loads MediaPipe and FAN.

        Args:
            landmarks: "2D" (points on the visible contour) or "3D" (projected 3D points,
                steadier on turned heads; also loads the depth network).
            device: "cpu", "cuda", ... or None to pick.
            flip_input: Also run FAN on the mirrored crop and average (steadier, twice the
                time).
            groups: Which point groups move the mesh (see ``landmarks68.GROUPS_68``).
            max_shift: FAN points farther than this many eye distances from their mesh vertex
                are ignored.
            min_score: MediaPipe detector confidence needed to keep a face.

        Raises:
            BackendUnavailable: face_alignment/torch or FAN's weights are missing.
        """
        landmarks = landmarks.upper()
        if landmarks not in FAN_WEIGHT_URLS:
            raise BackendUnavailable(f"landmarks must be '2D' or '3D', got {landmarks!r}.")
        reason = self.missing_weights({"landmarks": landmarks})
        if reason:
            raise BackendUnavailable(f"The face-alignment backend {reason}.")
        try:
            import face_alignment
        except ImportError as error:
            raise BackendUnavailable(f"The face-alignment backend needs: {INSTALL_HINT}") from error
        from pipelines.faces.mediapipe_faces import MediaPipeFaces
        from pipelines.neural.device import choose_device

        self.landmarks = landmarks
        self.device, dtype = choose_device(device)
        kind = (
            face_alignment.LandmarksType.TWO_D
            if landmarks == "2D"
            else face_alignment.LandmarksType.THREE_D
        )
        try:
            # The "folder" detector loads no weights; MediaPipe's boxes are passed in instead.
            self._fan = face_alignment.FaceAlignment(
                kind,
                device=self.device,
                dtype=dtype,
                flip_input=flip_input,
                face_detector="folder",
                compile=False,
            )
        except (OSError, RuntimeError, KeyError) as error:
            raise BackendUnavailable(
                f"face_alignment could not load FAN from {torch_hub_dir() / 'checkpoints'}: {error}"
            ) from error
        self._mesh_faces = MediaPipeFaces(min_score=min_score)
        self._groups = tuple(groups)
        self._max_shift = float(max_shift)
        self._lock = threading.Lock()
        logger.info("Loaded FAN %s on %s", landmarks, self.device)

    @classmethod
    def missing_weights(cls, options: dict[str, Any]) -> str | None:
        """Why FAN cannot load here (None when its weight files are in torch's hub cache)."""
        landmarks = str(options.get("landmarks", "2D")).upper()
        if landmarks not in FAN_WEIGHT_URLS:
            return f"needs landmarks '2D' or '3D', got {landmarks!r}"
        missing = [str(path) for path in fan_weight_files(landmarks) if not path.is_file()]
        if not missing:
            return None
        return (
            f"needs weights for FAN {landmarks} at {', '.join(missing)}: download them with "
            "`talking-photo fetch-models --backend face-alignment` on a machine with internet "
            "(or set TORCH_HOME to where they are)"
        )

    @classmethod
    def fetch_weights(cls, options: dict[str, Any]) -> list[str]:
        """Downloads FAN's weight files into torch's hub cache."""
        try:
            from face_alignment.utils import load_file_from_url
        except ImportError as error:
            raise BackendUnavailable(f"fetching FAN's weights needs: {INSTALL_HINT}") from error
        landmarks = str(options.get("landmarks", "2D")).upper()
        fetched = []
        for url in FAN_WEIGHT_URLS.get(landmarks, ()):
            try:
                fetched.append(load_file_from_url(url))
            except OSError as error:
                raise TalkingPhotoError("download.failed", what=url, detail=str(error)) from error
        return fetched

    def detect(self, photo: Photo) -> tuple[Face, ...]:
        """Every human face in the photo, left to right, meshes refined by FAN.

        Args:
            photo: The working photo, (H, W, 3) uint8 RGB.

        Returns:
            The faces (MediaPipe's detections, order and scores); empty when there is none.
        """
        faces = self._mesh_faces.detect(photo)
        if not faces:
            return ()
        points = self.points68(photo, [mesh_box_68(face.landmarks) for face in faces])
        if len(points) != len(faces):
            logger.warning("FAN returned no landmarks; keeping the MediaPipe meshes")
            return faces
        return tuple(
            self._refined(face, np.asarray(found), photo)
            for face, found in zip(faces, points, strict=True)
        )

    def points68(self, photo: Photo, boxes: list[np.ndarray]) -> list[np.ndarray]:
        """FAN's (68, 2) or (68, 3) landmarks in photo pixels for [x0, y0, x1, y1] boxes."""
        with self._lock:
            found = self._fan.get_landmarks_from_image(
                np.ascontiguousarray(photo.pixels), detected_faces=boxes
            )
        return [np.asarray(points) for points in (found or [])]

    def _refined(self, face: Face, points: np.ndarray, photo: Photo) -> Face:
        """The face with its mesh warped onto FAN's points and measured again."""
        from pipelines.faces.measures import (
            estimate_expression,
            estimate_head_pose,
            measure_geometry,
        )

        result = refine_mesh(face.landmarks, points, groups=self._groups, max_shift=self._max_shift)
        if not result.applied:
            logger.info("Face %d keeps its MediaPipe mesh (FAN disagreed)", face.index)
            return face
        landmarks = result.landmarks
        geometry = measure_geometry(landmarks)
        x0, y0 = np.clip(landmarks[:, :2].min(axis=0), 0, (photo.width, photo.height))
        x1, y1 = np.clip(landmarks[:, :2].max(axis=0), 0, (photo.width, photo.height))
        return Face(
            index=face.index,
            box=Box(float(x0), float(y0), float(x1 - x0), float(y1 - y0)),
            score=face.score,
            landmarks=landmarks,
            geometry=geometry,
            expression=estimate_expression(landmarks, geometry),
            pose=estimate_head_pose(landmarks, photo.width, photo.height),
        )
