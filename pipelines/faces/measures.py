"""Measurements, expression and head pose from a 478-point MediaPipe face mesh.

Mesh indices used ("right"/"left" are the subject's own; the subject's right eye is on the
image's left in a frontal photo):

==========================  ==========================================
what                        indices
==========================  ==========================================
right eye corners           33 (outer), 133 (inner)
left eye corners            362 (inner), 263 (outer)
right eye lids              159 (upper), 145 (lower)
left eye lids               386 (upper), 374 (lower)
iris centres                468 (right), 473 (left) (refined mesh only)
inner lips                  13 (upper), 14 (lower)
mouth corners               61 (right), 291 (left)
jaw angles                  172 (right), 397 (left)
forehead top, chin          10, 152
nose tip                    1
cheeks at ear level         234 (right), 454 (left)
==========================  ==========================================
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from pipelines.types import Expression, ExpressionLabel, FaceGeometry, HeadPose

RIGHT_EYE_OUTER, RIGHT_EYE_INNER, LEFT_EYE_INNER, LEFT_EYE_OUTER = 33, 133, 362, 263
RIGHT_LID_UPPER, RIGHT_LID_LOWER, LEFT_LID_UPPER, LEFT_LID_LOWER = 159, 145, 386, 374
RIGHT_IRIS, LEFT_IRIS = 468, 473
UPPER_INNER_LIP, LOWER_INNER_LIP = 13, 14
MOUTH_RIGHT, MOUTH_LEFT = 61, 291
JAW_RIGHT, JAW_LEFT = 172, 397
FOREHEAD, CHIN, NOSE_TIP = 10, 152, 1
CHEEK_RIGHT, CHEEK_LEFT = 234, 454

#: A generic adult head for solvePnP, in millimetres, camera-style axes as seen in a frontal
#: photo: x to the image's right, y down, z away from the camera; origin between the eyes.
#: Rounded averages of the meshes of five frontal example faces, scaled to a 60 mm distance
#: between the eye centres.
_MODEL_POINTS_MM: dict[int, tuple[float, float, float]] = {
    RIGHT_EYE_OUTER: (-44.0, 0.0, 3.0),
    RIGHT_EYE_INNER: (-16.0, 0.0, -3.0),
    LEFT_EYE_INNER: (16.0, 0.0, -3.0),
    LEFT_EYE_OUTER: (44.0, 0.0, 3.0),
    NOSE_TIP: (0.0, 45.0, -33.0),
    MOUTH_RIGHT: (-25.0, 66.0, 2.0),
    MOUTH_LEFT: (25.0, 66.0, 2.0),
    CHIN: (0.0, 112.0, 5.0),
    CHEEK_RIGHT: (-68.0, 12.0, 54.0),
    CHEEK_LEFT: (68.0, 12.0, 54.0),
}
_MODEL_INDICES = tuple(_MODEL_POINTS_MM)
_MODEL = np.array([_MODEL_POINTS_MM[i] for i in _MODEL_INDICES], dtype=np.float64)

# Expression scales, set on the example photos (neutral faces read 0.00-0.13 smile, smiling
# faces 0.43-0.95).
_LIFT_ZERO, _LIFT_FULL = 0.02, 0.14  # mouth-corner lift / mouth width
_WIDTH_ZERO, _WIDTH_FULL = 0.85, 1.15  # mouth width / inter-ocular distance
_OPEN_ZERO, _OPEN_FULL = 0.05, 0.5  # lip gap / mouth width
_EYE_CLOSED, _EYE_OPEN = 0.10, 0.25  # eyelid gap / eye width
SMILE_LABEL = 0.35
OPEN_MOUTH_RATIO = 0.3
CLOSED_EYES_LABEL = 0.25


def _distance(landmarks: np.ndarray, a: int, b: int) -> float:
    return float(np.linalg.norm(landmarks[a, :2] - landmarks[b, :2]))


def _eye_centres(landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(right, left) eye centres in pixels, (2,) each: the midpoints of the eye corners."""
    right = (landmarks[RIGHT_EYE_OUTER, :2] + landmarks[RIGHT_EYE_INNER, :2]) / 2.0
    left = (landmarks[LEFT_EYE_INNER, :2] + landmarks[LEFT_EYE_OUTER, :2]) / 2.0
    return right, left


def measure_geometry(landmarks: np.ndarray) -> FaceGeometry:
    """Distances from the mesh, in the landmarks' pixels.

    Args:
        landmarks: (478, 3) mesh points in photo pixels.

    Returns:
        The face's measurements; eye openings are lid gap / eye width (unitless).
    """
    right_eye, left_eye = _eye_centres(landmarks)
    mouth_width = _distance(landmarks, MOUTH_RIGHT, MOUTH_LEFT)
    lip_gap = _distance(landmarks, UPPER_INNER_LIP, LOWER_INNER_LIP)
    right_width = max(_distance(landmarks, RIGHT_EYE_OUTER, RIGHT_EYE_INNER), 1e-6)
    left_width = max(_distance(landmarks, LEFT_EYE_INNER, LEFT_EYE_OUTER), 1e-6)
    return FaceGeometry(
        inter_ocular=float(np.linalg.norm(left_eye - right_eye)),
        mouth_width=mouth_width,
        lip_gap=lip_gap,
        mouth_open_ratio=lip_gap / max(mouth_width, 1e-6),
        left_eye_open=_distance(landmarks, LEFT_LID_UPPER, LEFT_LID_LOWER) / left_width,
        right_eye_open=_distance(landmarks, RIGHT_LID_UPPER, RIGHT_LID_LOWER) / right_width,
        jaw_width=_distance(landmarks, JAW_RIGHT, JAW_LEFT),
        face_height=_distance(landmarks, FOREHEAD, CHIN),
    )


def _ramp(value: float, zero: float, full: float) -> float:
    """0 at ``zero``, 1 at ``full``, linear between, clipped to 0..1."""
    return float(np.clip((value - zero) / (full - zero), 0.0, 1.0))


def mouth_corner_lift(landmarks: np.ndarray) -> float:
    """How far the mouth corners sit above the lip centre, over the mouth width.

    Measured with the eye line turned horizontal, so in-plane head tilt does not count.
    Positive when the corners are higher than the centre of the lips (a smile).
    """
    right_eye, left_eye = _eye_centres(landmarks)
    angle = math.atan2(left_eye[1] - right_eye[1], left_eye[0] - right_eye[0])
    # Only the upright (y) coordinate after undoing the roll is needed.
    sin_a, cos_a = math.sin(-angle), math.cos(-angle)
    points = landmarks[:, :2]

    def upright_y(index: int) -> float:
        return float(sin_a * points[index, 0] + cos_a * points[index, 1])

    centre_y = (upright_y(UPPER_INNER_LIP) + upright_y(LOWER_INNER_LIP)) / 2.0
    corners_y = (upright_y(MOUTH_RIGHT) + upright_y(MOUTH_LEFT)) / 2.0
    mouth_width = max(_distance(landmarks, MOUTH_RIGHT, MOUTH_LEFT), 1e-6)
    return (centre_y - corners_y) / mouth_width


def estimate_expression(landmarks: np.ndarray, geometry: FaceGeometry) -> Expression:
    """Smile, mouth opening and eye opening from mesh distances, and a label.

    Args:
        landmarks: (478, 3) mesh points in photo pixels.
        geometry: The same face's measurements.

    Returns:
        Scores in 0..1 and the dominant label: "closed_eyes" when both eyes are shut (and
        the face is not laughing), "open_mouth" when the lips are well apart without a broad
        smile, "smile" when the smile score is at least 0.35, else "neutral".
    """
    # An open jaw lowers the lip centre below the corners; discount that part of the lift.
    lift = mouth_corner_lift(landmarks) - 0.1 * geometry.mouth_open_ratio
    widening = geometry.mouth_width / max(geometry.inter_ocular, 1e-6)
    smile = float(
        np.clip(
            0.8 * _ramp(lift, _LIFT_ZERO, _LIFT_FULL)
            + 0.4 * _ramp(widening, _WIDTH_ZERO, _WIDTH_FULL),
            0.0,
            1.0,
        )
    )
    mouth_open = _ramp(geometry.mouth_open_ratio, _OPEN_ZERO, _OPEN_FULL)
    eye_ratio = (geometry.left_eye_open + geometry.right_eye_open) / 2.0
    eyes_open = _ramp(eye_ratio, _EYE_CLOSED, _EYE_OPEN)
    label: ExpressionLabel
    if eyes_open < CLOSED_EYES_LABEL and smile < 0.6:
        label = "closed_eyes"
    elif geometry.mouth_open_ratio >= OPEN_MOUTH_RATIO and smile < 0.6:
        label = "open_mouth"
    elif smile >= SMILE_LABEL:
        label = "smile"
    else:
        label = "neutral"
    return Expression(label=label, smile=smile, mouth_open=mouth_open, eyes_open=eyes_open)


def estimate_head_pose(landmarks: np.ndarray, image_width: int, image_height: int) -> HeadPose:
    """Head rotation from solvePnP of mesh points against a generic 3D head.

    The camera is a pinhole with focal length = image width and the principal point at the
    image centre.

    Args:
        landmarks: (478, 3) mesh points in photo pixels.
        image_width: Photo width in pixels.
        image_height: Photo height in pixels.

    Returns:
        Yaw (positive: face turned to the image's right), pitch (positive: face tilted up),
        roll (positive: clockwise in the image), in degrees.
    """
    image_points = landmarks[list(_MODEL_INDICES), :2].astype(np.float64)
    focal = float(image_width)
    camera = np.array(
        [[focal, 0.0, image_width / 2.0], [0.0, focal, image_height / 2.0], [0.0, 0.0, 1.0]]
    )
    ok, rotation_vector, translation = cv2.solvePnP(
        _MODEL, image_points, camera, None, flags=cv2.SOLVEPNP_SQPNP
    )
    if not ok or float(translation[2, 0]) <= 0.0:
        return _pose_from_eyes(landmarks)
    rotation, _ = cv2.Rodrigues(rotation_vector)
    # Measure the turn against the line of sight to the face, not the optical axis, so a face
    # near the photo's edge that looks into the lens reads as frontal.
    rotation = _line_of_sight_rotation(translation.ravel()).T @ rotation
    # rotation = Rz(roll) @ Ry(theta) @ Rx(phi) in the model's camera-style axes.
    theta = math.degrees(math.asin(float(np.clip(-rotation[2, 0], -1.0, 1.0))))
    phi = math.degrees(math.atan2(rotation[2, 1], rotation[2, 2]))
    roll = math.degrees(math.atan2(rotation[1, 0], rotation[0, 0]))
    # A nose (z < 0) moving to +x needs theta < 0; moving up (-y) needs phi < 0.
    return HeadPose(yaw=-theta, pitch=-phi, roll=roll)


def _line_of_sight_rotation(direction: np.ndarray) -> np.ndarray:
    """The smallest rotation (3, 3) taking the optical axis (0, 0, 1) onto ``direction``."""
    target = direction / np.linalg.norm(direction)
    axis = np.cross((0.0, 0.0, 1.0), target)
    sin_angle = float(np.linalg.norm(axis))
    if sin_angle < 1e-9:
        return np.eye(3)
    angle = math.atan2(sin_angle, float(target[2]))
    rotation, _ = cv2.Rodrigues(axis / sin_angle * angle)
    return rotation


def _pose_from_eyes(landmarks: np.ndarray) -> HeadPose:
    """Roll from the eye line only; used if solvePnP fails."""
    right_eye, left_eye = _eye_centres(landmarks)
    roll = math.degrees(math.atan2(left_eye[1] - right_eye[1], left_eye[0] - right_eye[0]))
    return HeadPose(yaw=0.0, pitch=0.0, roll=roll)
