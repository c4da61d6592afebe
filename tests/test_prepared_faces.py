"""Faces prepared once (on upload, or by a first render) and reused by the renders that follow."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import numpy as np
import pytest

import pipelines
from pipelines.animate import animator as animator_module
from pipelines.animate.animator import MeshWarpAnimator
from pipelines.animate.prepared import PreparedFaces
from pipelines.images import load_image
from pipelines.types import Animation, Face, Photo
from tests.test_animate import make_motion


@pytest.fixture(scope="module")
def couple(examples: Path) -> tuple[Photo, tuple[Face, ...]]:
    from pipelines.faces.mediapipe_faces import MediaPipeFaces

    photo = load_image(examples / "two_people.jpg")
    faces = tuple(MediaPipeFaces().detect(photo))
    assert len(faces) == 2
    return photo, faces


@pytest.fixture
def preparations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The index of every face the animator prepares from scratch, in order."""
    prepared: list[int] = []
    real = animator_module.prepare_face

    def counted(pixels: np.ndarray, face: Face):
        prepared.append(face.index)
        return real(pixels, face)

    monkeypatch.setattr(animator_module, "prepare_face", counted)
    return prepared


def talking(photo: Photo, faces: tuple[Face, ...], n_frames: int = 6) -> Animation:
    jaw = np.linspace(0.0, 1.0, n_frames)
    return Animation(25, n_frames, (make_motion(faces[0].index, n_frames, jaw_open=jaw),))


def test_a_prepared_photo_renders_without_preparing_again_and_draws_the_same_frames(
    couple, preparations: list[int]
) -> None:
    photo, faces = couple
    animation = talking(photo, faces)
    fresh = list(MeshWarpAnimator().render(photo, faces, animation))
    assert preparations == [faces[0].index]

    animator = MeshWarpAnimator()
    animator.prepare(photo, faces)
    assert sorted(preparations[1:]) == sorted(face.index for face in faces)
    again = list(animator.render(photo, faces, animation))
    again_too = list(animator.render(photo, faces, animation))
    assert len(preparations) == 1 + len(faces)  # neither render prepared anything
    for one, other, third in zip(fresh, again, again_too, strict=True):
        assert np.array_equal(one, other) and np.array_equal(one, third)


def test_another_photo_or_a_moved_face_is_prepared_anew(couple, preparations: list[int]) -> None:
    photo, faces = couple
    animator = MeshWarpAnimator()
    animator.prepare(photo, faces[:1])
    brighter = Photo(np.clip(photo.pixels.astype(np.int16) + 3, 0, 255).astype(np.uint8))
    list(animator.render(brighter, faces, talking(brighter, faces)))
    moved = dataclasses.replace(faces[0], landmarks=faces[0].landmarks + 1.0)
    list(animator.render(photo, (moved, faces[1]), talking(photo, (moved, faces[1]))))
    assert preparations == [faces[0].index] * 3


def test_threads_asking_for_the_same_face_share_one_preparation(couple) -> None:
    photo, faces = couple
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow_prepare(pixels: np.ndarray, face: Face) -> str:
        calls.append(face.index)
        started.set()
        release.wait(30)
        return f"warp of face {face.index}"

    prepared = PreparedFaces(slow_prepare)  # type: ignore[arg-type]
    results: list[object] = []
    first = threading.Thread(target=lambda: results.append(prepared.get(photo.pixels, faces[0])))
    first.start()
    assert started.wait(30)
    second = threading.Thread(target=lambda: results.append(prepared.get(photo.pixels, faces[0])))
    second.start()
    release.set()
    first.join(30)
    second.join(30)
    assert calls == [faces[0].index]
    assert results == ["warp of face 0", "warp of face 0"]


def test_a_failed_preparation_is_not_kept(couple) -> None:
    photo, faces = couple
    attempts: list[int] = []

    def failing_once(pixels: np.ndarray, face: Face) -> str:
        attempts.append(face.index)
        if len(attempts) == 1:
            raise ValueError("landmarks are not finite")
        return "warp"

    prepared = PreparedFaces(failing_once)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not finite"):
        prepared.get(photo.pixels, faces[0])
    assert prepared.get(photo.pixels, faces[0]) == "warp"
    assert attempts == [faces[0].index, faces[0].index]


def test_the_pipeline_prepares_the_largest_faces_up_to_its_limit(
    examples: Path, preparations: list[int]
) -> None:
    pipeline = pipelines.load(limits=pipelines.Limits(max_faces=1))  # its own animator
    photo = pipeline.load_photo(examples / "two_people.jpg")
    faces = pipeline.detect_faces(photo)
    pipeline.prepare_animation(photo, faces)
    largest = max(faces, key=lambda face: face.box.width * face.box.height)
    assert preparations == [largest.index]


def test_the_app_prepares_uploads_on_one_thread_and_skips_a_full_backlog(
    examples: Path, preparations: list[int]
) -> None:
    from ui.photo_column import FacePreparer

    pipeline = pipelines.load()
    photo = pipeline.load_photo(examples / "two_people.jpg")
    faces = pipeline.detect_faces(photo)
    release = threading.Event()
    real_prepare = pipeline.prepare_animation
    threads: set[str] = set()

    def held_prepare(photo: Photo, faces: tuple[Face, ...]) -> None:
        threads.add(threading.current_thread().name)
        release.wait(60)
        real_prepare(photo, faces)

    pipeline.prepare_animation = held_prepare  # type: ignore[method-assign]
    preparer = FacePreparer(max_waiting=1)
    first = preparer.submit(pipeline, photo, faces)
    waiting = preparer.submit(pipeline, photo, faces)
    assert first is not None and waiting is not None
    assert preparer.submit(pipeline, photo, faces) is None  # one preparing, one waiting: full
    release.set()
    first.result(60)
    waiting.result(60)
    assert len(threads) == 1 and threads.pop().startswith("prepare-faces")
    assert sorted(preparations) == sorted(face.index for face in faces)  # the second reused them
    assert preparer.submit(pipeline, photo, faces) is not None  # room again once done
