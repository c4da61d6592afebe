"""68-point landmarks laid onto the MediaPipe mesh, and the face_alignment (FAN) backend.

FAN's weights cannot be downloaded here, so the refinement is checked with dlib's 68-point
predictor (a real 68-point detector, installed with the dev tools) on the example photos, and
the FAN backend's real code path runs with a FAN network of random weights placed where
face_alignment looks for its weights.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from pipelines import registry
from pipelines.config import Limits, Settings
from pipelines.errors import BackendUnavailable
from pipelines.images import load_image
from pipelines.neural.landmarks68 import (
    GROUPS_68,
    MESH_INDEX_OF_68,
    eye_distance_68,
    mesh_box_68,
    refine_mesh,
)
from pipelines.pipeline import TalkingPhotoPipeline

#: TORCH_HOME as the session found it (the random-FAN fixture changes it for this module).
REAL_TORCH_HOME = os.environ.get("TORCH_HOME")
PHOTOS = ("two_people.jpg", "woman_waterfall.jpg", "einstein_bw.jpg", "mona_lisa.jpg")


@pytest.fixture(scope="module")
def mesh_faces():
    from pipelines.faces.mediapipe_faces import MediaPipeFaces

    return MediaPipeFaces()


@pytest.fixture(scope="module")
def meshes_and_dlib_points(examples: Path, mesh_faces) -> list[tuple[np.ndarray, np.ndarray]]:
    """(478-point mesh, dlib's 68 points) for every face of some example photos."""
    dlib = pytest.importorskip("dlib", reason="needs dlib-bin (pip install -e '.[dev]')")
    models = pytest.importorskip("face_recognition_models", reason="needs the dev tools")
    predictor = dlib.shape_predictor(models.pose_predictor_model_location())
    pairs = []
    for name in PHOTOS:
        photo = load_image(examples / name, Limits())
        for face in mesh_faces.detect(photo):
            x0, y0, x1, y1 = (int(v) for v in mesh_box_68(face.landmarks))
            shape = predictor(photo.pixels, dlib.rectangle(x0, y0, x1, y1))
            points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)
            pairs.append((face.landmarks, points))
    assert len(pairs) >= 5
    return pairs


def _mapped(mesh: np.ndarray) -> np.ndarray:
    return mesh[list(MESH_INDEX_OF_68), :2].astype(np.float64)


def test_correspondence_table_matches_a_real_68_point_detector(meshes_and_dlib_points) -> None:
    assert len(MESH_INDEX_OF_68) == 68 and len(set(MESH_INDEX_OF_68)) == 68
    distances = [
        np.linalg.norm(_mapped(mesh) - points, axis=1) / eye_distance_68(points)
        for mesh, points in meshes_and_dlib_points
    ]
    assert float(np.mean(distances)) < 0.08  # measured 0.05 of the eye distance
    per_point = np.mean(distances, axis=0)
    assert float(per_point.max()) < 0.2  # no point mapped to the wrong feature


def test_refined_mesh_follows_the_68_points_and_stays_a_face(meshes_and_dlib_points) -> None:
    from pipelines.faces.measures import measure_geometry

    for mesh, points in meshes_and_dlib_points:
        scale = eye_distance_68(points)
        result = refine_mesh(mesh, points)
        assert result.applied and result.inliers >= 60
        refined = result.landmarks
        assert refined.shape == (478, 3) and refined.dtype == np.float32
        before = np.linalg.norm(_mapped(mesh) - points, axis=1).mean() / scale
        after = np.linalg.norm(_mapped(refined) - points, axis=1).mean() / scale
        assert after < 0.02 < before
        assert np.array_equal(refined[:, 2], mesh[:, 2])  # depth kept
        # The rest of the mesh moves smoothly: no vertex jumps by more than half an eye span.
        assert np.linalg.norm(refined[:, :2] - mesh[:, :2], axis=1).max() < 0.5 * scale
        old, new = measure_geometry(mesh), measure_geometry(refined)
        assert abs(new.mouth_width / old.mouth_width - 1) < 0.2
        assert abs(new.inter_ocular / old.inter_ocular - 1) < 0.2


def test_outlying_points_are_ignored(meshes_and_dlib_points) -> None:
    mesh, points = meshes_and_dlib_points[0]
    scale = eye_distance_68(points)
    wrong = points.copy()
    wrong[[48, 54, 8]] += 2.0 * scale  # mouth corners and chin thrown far off
    result = refine_mesh(mesh, wrong)
    assert result.applied and result.inliers == refine_mesh(mesh, points).inliers - 3
    for index in (48, 54, 8):
        vertex = MESH_INDEX_OF_68[index]
        moved = np.linalg.norm(result.landmarks[vertex, :2] - mesh[vertex, :2])
        assert moved < 0.3 * scale


def test_disagreeing_points_leave_the_mesh_alone(meshes_and_dlib_points) -> None:
    mesh, points = meshes_and_dlib_points[0]
    rng = np.random.default_rng(0)
    noise = points + rng.normal(0.0, 3.0 * eye_distance_68(points), points.shape)
    result = refine_mesh(mesh, noise)
    assert not result.applied
    assert np.array_equal(result.landmarks, mesh)


def test_only_chosen_groups_move_the_mesh(meshes_and_dlib_points) -> None:
    mesh, points = meshes_and_dlib_points[1]
    result = refine_mesh(mesh, points, groups=("lips",), min_inliers=10)
    lips = [MESH_INDEX_OF_68[i] for i in GROUPS_68["lips"]]
    jaw = [MESH_INDEX_OF_68[i] for i in GROUPS_68["jaw"]]
    scale = eye_distance_68(points)
    lips_error = np.linalg.norm(
        result.landmarks[lips, :2] - points[list(GROUPS_68["lips"])], axis=1
    )
    jaw_error = np.linalg.norm(result.landmarks[jaw, :2] - points[list(GROUPS_68["jaw"])], axis=1)
    assert lips_error.mean() / scale < 0.02
    assert jaw_error.mean() / scale > 0.02
    with pytest.raises(ValueError, match="unknown groups"):
        refine_mesh(mesh, points, groups=("ears",))
    with pytest.raises(ValueError, match="points68"):
        refine_mesh(mesh, points[:60])


# ---------------------------------------------------------------------- FAN backend
@pytest.fixture(scope="module")
def random_fan_home(tmp_path_factory: pytest.TempPathFactory):
    """TORCH_HOME holding a FAN-4 with random weights under face_alignment's file name."""
    pytest.importorskip("face_alignment", reason="needs the [neural] extra")
    from tiny_models import install_random_fan

    home = tmp_path_factory.mktemp("torch-home")
    install_random_fan(home)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TORCH_HOME", str(home))
        yield home


@pytest.mark.slow
def test_fan_backend_runs_fan_on_mediapipe_boxes(random_fan_home: Path, examples: Path) -> None:
    from pipelines.neural.fan_faces import FaceAlignmentFaces

    spec = registry.get_spec("faces", "face-alignment")
    assert registry.availability(spec) == (True, "ready")
    backend = registry.create("faces", "face-alignment", flip_input=False)
    assert isinstance(backend, FaceAlignmentFaces)
    photo = load_image(examples / "smiling_woman_256.png", Limits())
    faces = backend.detect(photo)
    assert len(faces) == 1 and faces[0].index == 0
    for face in faces:
        assert face.landmarks.shape == (478, 3) and np.isfinite(face.landmarks).all()
    boxes = [mesh_box_68(face.landmarks) for face in faces]
    points = backend.points68(photo, boxes)
    assert [p.shape for p in points] == [(68, 2)]
    for found, box in zip(points, boxes, strict=True):
        centre = (box[:2] + box[2:]) / 2
        reach = 1.2 * float((box[2:] - box[:2]).sum())  # FAN's crop is ~2x the box
        assert np.abs(found - centre).max() < reach


def test_fan_without_weights_names_the_file_and_falls_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pytest.importorskip("face_alignment", reason="needs the [neural] extra")
    from pipelines.faces.mediapipe_faces import MediaPipeFaces
    from pipelines.neural.fan_faces import FaceAlignmentFaces

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TORCH_HOME", str(tmp_path))
        expected = str(tmp_path / "hub" / "checkpoints" / "2DFAN4-11f355bf06.pth.tar")
        ready, reason = registry.availability(registry.get_spec("faces", "face-alignment"))
        assert not ready and expected in reason
        with pytest.raises(BackendUnavailable, match="needs weights for FAN 2D"):
            FaceAlignmentFaces()
        pipeline = TalkingPhotoPipeline(Settings(faces_backend="face-alignment"))
        with caplog.at_level("WARNING", logger="pipelines.pipeline"):
            assert isinstance(pipeline.backend("faces"), MediaPipeFaces)
        assert expected in caplog.text  # the file it needs goes to the server's log
        note = pipeline._notes["faces"]  # the visitor reads which model is used, no path
        assert "'mediapipe'" in note and str(tmp_path) not in note


@pytest.mark.slow
@pytest.mark.neural
def test_real_fan_agrees_with_dlib(meshes_and_dlib_points, examples: Path) -> None:
    from pipelines.neural.fan_faces import FaceAlignmentFaces, fan_weight_files

    with pytest.MonkeyPatch.context() as patch:  # the real cache, not the random FAN's
        if REAL_TORCH_HOME is None:
            patch.delenv("TORCH_HOME", raising=False)
        else:
            patch.setenv("TORCH_HOME", REAL_TORCH_HOME)
        if not all(path.is_file() for path in fan_weight_files("2D")):
            pytest.skip(
                "needs FAN's real weights: run `talking-photo fetch-models --backend "
                "face-alignment` on a machine with internet"
            )
        backend = FaceAlignmentFaces()
    photo = load_image(examples / PHOTOS[0], Limits())
    mesh, dlib_points = meshes_and_dlib_points[0]
    (fan_points,) = backend.points68(photo, [mesh_box_68(mesh)])
    error = np.linalg.norm(fan_points[:, :2] - dlib_points, axis=1).mean()
    assert error / eye_distance_68(dlib_points) < 0.1
