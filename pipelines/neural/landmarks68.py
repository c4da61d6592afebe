"""The 68-point (iBUG 300-W) landmarks laid onto the 478-point MediaPipe face mesh.

The animator needs MediaPipe's 478-point topology; 68-point detectors (face_alignment's FAN,
dlib) place fewer but, on hard faces, often more accurate points. ``refine_mesh`` keeps the
mesh and moves it so that its vertices that correspond to the 68 points land on them: the
offsets at those vertices are interpolated over the whole mesh by a thin-plate spline, so the
lips, eyelids, jaw line and brows follow the 68-point detector while the rest of the mesh
(cheeks, forehead, irises) moves smoothly with them. Depth (z) is kept from the mesh.

``MESH_INDEX_OF_68`` was set as follows: the eye, brow, nose and lip points by their anatomical
definition (eye corners 33/133/362/263, mouth corners 61/291, ...); the jaw points, whose
spacing along the contour differs between the two topologies, as the mirror-symmetric pair of
mesh vertices nearest to dlib's 68-point predictor on the 11 faces of the example photos
(mean distance 0.05 of the eye distance over all 68 points; the best vertex per point without
the symmetry constraint: also 0.05).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

logger = logging.getLogger(__name__)

#: Mesh vertex for each of the 68 points, in iBUG order: jaw 0-16 (from the subject's right
#: ear to the left), brows 17-26, nose bridge 27-30, nostrils 31-35, right eye 36-41, left eye
#: 42-47, outer lips 48-59, inner lips 60-67.
MESH_INDEX_OF_68: tuple[int, ...] = (
    # jaw
    127, 227, 93, 215, 172, 136, 149, 148, 152, 377, 378, 365, 397, 435, 323, 447, 356,
    # brows
    70, 63, 105, 66, 107, 336, 296, 334, 293, 300,
    # nose bridge and nostrils
    168, 197, 5, 4, 75, 97, 2, 326, 305,
    # eyes
    33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380,
    # outer lips
    61, 39, 37, 0, 267, 269, 291, 405, 314, 17, 84, 181,
    # inner lips
    78, 82, 13, 312, 308, 317, 14, 87,
)  # fmt: skip

#: Point groups of the 68, for choosing which ones may move the mesh.
GROUPS_68: dict[str, tuple[int, ...]] = {
    "jaw": tuple(range(0, 17)),
    "brows": tuple(range(17, 27)),
    "nose": tuple(range(27, 36)),
    "eyes": tuple(range(36, 48)),
    "lips": tuple(range(48, 68)),
}
_EYE_68 = (tuple(range(36, 42)), tuple(range(42, 48)))


@dataclass(frozen=True)
class Refinement:
    """What ``refine_mesh`` did.

    Attributes:
        landmarks: (478, 3) float32 refined mesh (the input mesh when not applied).
        applied: Whether the 68 points moved the mesh.
        inliers: How many of the used points were within ``max_shift`` of their vertex.
        median_shift: Median distance between the points and their vertices before refining,
            as a fraction of the eye distance.
    """

    landmarks: np.ndarray
    applied: bool
    inliers: int
    median_shift: float


def eye_distance_68(points: np.ndarray) -> float:
    """Distance between the two eye centres of 68 points, in their units."""
    right = points[list(_EYE_68[0]), :2].mean(axis=0)
    left = points[list(_EYE_68[1]), :2].mean(axis=0)
    return float(np.linalg.norm(left - right))


def mesh_box_68(mesh: np.ndarray) -> np.ndarray:
    """[x0, y0, x1, y1] extent of the mesh vertices that correspond to the 68 points.

    This is the box a 68-point detector expects around a face (brows to chin, ear to ear).
    """
    points = mesh[list(MESH_INDEX_OF_68), :2]
    return np.array([*points.min(axis=0), *points.max(axis=0)], dtype=np.float64)


def refine_mesh(
    mesh: np.ndarray,
    points68: np.ndarray,
    *,
    groups: tuple[str, ...] = tuple(GROUPS_68),
    max_shift: float = 0.25,
    min_inliers: int = 24,
    smoothing: float = 1e-3,
) -> Refinement:
    """Moves a 478-point mesh so that its 68 corresponding vertices follow 68 landmarks.

    Points farther than ``max_shift`` eye distances from their vertex are treated as detector
    errors and ignored; when fewer than ``min_inliers`` points remain, the two disagree too
    much to trust either point set blindly and the mesh is returned unchanged.

    Args:
        mesh: (478, 3) MediaPipe landmarks in photo pixels.
        points68: (68, 2) or (68, 3) landmarks in the same pixels (only x, y are used).
        groups: Which point groups of GROUPS_68 may move the mesh.
        max_shift: Largest accepted point-to-vertex distance, in eye distances.
        min_inliers: Fewest accepted points needed to refine.
        smoothing: Thin-plate spline smoothing in squared eye distances (0 interpolates
            exactly, larger values trade exactness for a gentler warp).

    Returns:
        The refinement; ``landmarks`` is a new (478, 3) float32 array.

    Raises:
        ValueError: Wrong array shapes or an unknown group.
    """
    from scipy.interpolate import RBFInterpolator

    mesh = np.asarray(mesh, dtype=np.float64)
    points68 = np.asarray(points68, dtype=np.float64)
    if mesh.ndim != 2 or mesh.shape[0] != 478 or mesh.shape[1] < 2:
        raise ValueError(f"mesh must be (478, 3), got {mesh.shape}")
    if points68.ndim != 2 or points68.shape[0] != 68 or points68.shape[1] < 2:
        raise ValueError(f"points68 must be (68, 2) or (68, 3), got {points68.shape}")
    unknown = set(groups) - set(GROUPS_68)
    if unknown:
        raise ValueError(f"unknown groups {sorted(unknown)}; choose from {sorted(GROUPS_68)}")
    used = sorted({i for group in groups for i in GROUPS_68[group]})
    vertices = mesh[[MESH_INDEX_OF_68[i] for i in used], :2]
    targets = points68[used, :2]
    scale = eye_distance_68(mesh[list(MESH_INDEX_OF_68)])
    if not np.isfinite(targets).all() or scale <= 0:
        return Refinement(mesh.astype(np.float32), False, 0, float("inf"))
    shifts = np.linalg.norm(targets - vertices, axis=1) / scale
    inlier = shifts <= max_shift
    median_shift = float(np.median(shifts))
    count = int(inlier.sum())
    if count < min_inliers:
        logger.info(
            "68-point landmarks disagree with the mesh (%d of %d within %.2f eye distances, "
            "median %.2f); mesh kept",
            count,
            len(used),
            max_shift,
            median_shift,
        )
        return Refinement(mesh.astype(np.float32), False, count, median_shift)
    # Work in eye-distance units centred on the face, so the smoothing does not depend on
    # the photo's resolution.
    centre = vertices.mean(axis=0)
    source = (vertices[inlier] - centre) / scale
    offsets = (targets[inlier] - vertices[inlier]) / scale
    spline = RBFInterpolator(source, offsets, kernel="thin_plate_spline", smoothing=smoothing)
    refined = mesh.copy()
    refined[:, :2] += spline((mesh[:, :2] - centre) / scale) * scale
    return Refinement(refined.astype(np.float32), True, count, median_shift)
