from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from pipelines.faces import measures as fm
from pipelines.faces.mediapipe_faces import MediaPipeFaces
from pipelines.images import load_image
from pipelines.types import Expression

EXAMPLES = Path(__file__).resolve().parent.parent / "assets" / "examples"


@pytest.fixture(scope="module")
def neutral_landmarks() -> np.ndarray:
    """The real mesh of a frontal face with open eyes and nearly closed lips."""
    (face,) = MediaPipeFaces().detect(load_image(EXAMPLES / "einstein_bw.jpg"))
    assert face.expression.label == "neutral"
    return face.landmarks.astype(np.float64)


def _expression(landmarks: np.ndarray) -> Expression:
    return fm.estimate_expression(landmarks, fm.measure_geometry(landmarks))


def test_geometry_matches_hand_measurements(neutral_landmarks: np.ndarray) -> None:
    points = neutral_landmarks
    geometry = fm.measure_geometry(points)
    assert geometry.mouth_width == pytest.approx(np.linalg.norm(points[61, :2] - points[291, :2]))
    assert geometry.face_height == pytest.approx(np.linalg.norm(points[10, :2] - points[152, :2]))
    right_eye = (points[33, :2] + points[133, :2]) / 2
    left_eye = (points[362, :2] + points[263, :2]) / 2
    assert geometry.inter_ocular == pytest.approx(np.linalg.norm(left_eye - right_eye))
    assert 0.15 < geometry.left_eye_open < 0.6
    assert 0.15 < geometry.right_eye_open < 0.6
    assert geometry.jaw_width > geometry.mouth_width


def test_shut_eyelids_read_as_closed_eyes(neutral_landmarks: np.ndarray) -> None:
    shut = neutral_landmarks.copy()
    for upper, lower in ((159, 145), (386, 374)):
        middle = (shut[upper] + shut[lower]) / 2
        shut[upper] = middle + np.array([0.0, -0.5, 0.0])
        shut[lower] = middle + np.array([0.0, 0.5, 0.0])
    expression = _expression(shut)
    assert expression.label == "closed_eyes"
    assert expression.eyes_open < 0.1


def test_dropped_jaw_reads_as_open_mouth(neutral_landmarks: np.ndarray) -> None:
    opened = neutral_landmarks.copy()
    width = np.linalg.norm(opened[61, :2] - opened[291, :2])
    opened[14, 1] += 0.5 * width  # lower inner lip down by half the mouth width
    opened[[61, 291], 1] += 0.2 * width  # the corners follow the jaw part of the way
    expression = _expression(opened)
    assert expression.label == "open_mouth"
    assert expression.mouth_open > 0.8
    assert expression.smile < fm.SMILE_LABEL


def test_raised_mouth_corners_read_as_smile(neutral_landmarks: np.ndarray) -> None:
    smiling = neutral_landmarks.copy()
    width = np.linalg.norm(smiling[61, :2] - smiling[291, :2])
    centre_x = (smiling[61, 0] + smiling[291, 0]) / 2
    smiling[[61, 291], 1] -= 0.15 * width
    smiling[[61, 291], 0] = centre_x + (smiling[[61, 291], 0] - centre_x) * 1.2
    expression = _expression(smiling)
    assert expression.label == "smile"
    assert expression.smile > _expression(neutral_landmarks).smile + 0.5


def test_lift_ignores_in_plane_tilt(neutral_landmarks: np.ndarray) -> None:
    centre = neutral_landmarks[:, :2].mean(axis=0)
    angle = np.radians(25)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    tilted = neutral_landmarks.copy()
    tilted[:, :2] = (tilted[:, :2] - centre) @ rotation.T + centre
    assert fm.mouth_corner_lift(tilted) == pytest.approx(
        fm.mouth_corner_lift(neutral_landmarks), abs=1e-6
    )


def _project_model(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """(478, 3) landmarks holding the generic head projected at a known pose (640 x 480)."""
    theta, phi, psi = np.radians(-yaw), np.radians(-pitch), np.radians(roll)
    rz = np.array([[np.cos(psi), -np.sin(psi), 0], [np.sin(psi), np.cos(psi), 0], [0, 0, 1]])
    ry = np.array(
        [[np.cos(theta), 0, np.sin(theta)], [0, 1, 0], [-np.sin(theta), 0, np.cos(theta)]]
    )
    rx = np.array([[1, 0, 0], [0, np.cos(phi), -np.sin(phi)], [0, np.sin(phi), np.cos(phi)]])
    camera = np.array([[640, 0, 320], [0, 640, 240], [0, 0, 1]], float)
    translation = np.array([0.0, 0.0, 900.0])  # straight ahead, 0.9 m away
    projected, _ = cv2.projectPoints(
        fm._MODEL, cv2.Rodrigues(rz @ ry @ rx)[0], translation, camera, None
    )
    landmarks = np.zeros((478, 3))
    landmarks[list(fm._MODEL_INDICES), :2] = projected.reshape(-1, 2)
    return landmarks


@pytest.mark.parametrize("pose", [(20.0, -10.0, 8.0), (-30.0, 15.0, -12.0), (0.0, 0.0, 0.0)])
def test_head_pose_of_a_projected_model(pose: tuple[float, float, float]) -> None:
    estimate = fm.estimate_head_pose(_project_model(*pose), 640, 480)
    assert estimate.yaw == pytest.approx(pose[0], abs=0.5)
    assert estimate.pitch == pytest.approx(pose[1], abs=0.5)
    assert estimate.roll == pytest.approx(pose[2], abs=0.5)


def test_head_pose_signs_match_the_picture() -> None:
    def nose_offset(landmarks: np.ndarray) -> np.ndarray:
        eyes = (landmarks[fm.RIGHT_EYE_INNER, :2] + landmarks[fm.LEFT_EYE_INNER, :2]) / 2
        return landmarks[fm.NOSE_TIP, :2] - eyes

    straight = nose_offset(_project_model(0, 0, 0))
    assert nose_offset(_project_model(20, 0, 0))[0] > straight[0] + 5  # yaw > 0: nose right
    assert nose_offset(_project_model(0, 20, 0))[1] < straight[1] - 5  # pitch > 0: nose up
    tilted = _project_model(0, 0, 20)  # roll > 0: clockwise, so the image-right eye is lower
    assert tilted[fm.LEFT_EYE_OUTER, 1] > tilted[fm.RIGHT_EYE_OUTER, 1] + 10
