"""The blue-sky cue on real photos: found above the ground, not on blue studio walls."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from skimage import data

from pipelines.dialogue.focus_opening import focus_opening
from pipelines.dialogue.scene_facts import facts_mentioned, speakable_facts
from pipelines.dialogue.templates import scene_sentences
from pipelines.faces.mediapipe_faces import MediaPipeFaces
from pipelines.images import load_image
from pipelines.scene.regions import PersonSegmenter, surroundings
from pipelines.scene.sentence import scene_sentence
from pipelines.types import PersonInScene, Photo, Scene

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "assets" / "examples"
PHOTOS = Path(__file__).resolve().parent / "data" / "photos"


@pytest.fixture(scope="module")
def segmenter() -> PersonSegmenter:
    return PersonSegmenter()


def _around(photo: Photo, faces_backend: MediaPipeFaces, segmenter: PersonSegmenter) -> tuple:
    faces = faces_backend.detect(photo)
    return surroundings(photo, faces, segmenter.mask(photo.pixels))


def test_the_sky_over_a_launch_pad_is_found() -> None:
    rocket = data.rocket()  # a dusk sky over towers, lights and the ground; no people
    assert "sky" in surroundings(Photo(rocket), (), None)


def test_a_letterboxed_sky_is_still_found() -> None:
    rocket = data.rocket()
    boxed = np.zeros((rocket.shape[0] + 80, rocket.shape[1], 3), np.uint8)  # black bars
    boxed[40:-40] = rocket
    assert "sky" in surroundings(Photo(boxed), (), None)


def test_a_sky_needs_something_under_it() -> None:
    rocket = data.rocket()
    # Upside down, the blue is at the bottom: nothing is under a sky at the top.
    assert "sky" not in surroundings(Photo(np.ascontiguousarray(rocket[::-1])), (), None)
    # Only the blue half: blue from top to bottom is a wall as far as the rule can tell.
    top_half = np.ascontiguousarray(rocket[: rocket.shape[0] // 2])
    assert "sky" not in surroundings(Photo(top_half), (), None)


@pytest.mark.parametrize(
    "path",
    [
        EXAMPLES / "painted_portrait.png",  # a smooth navy wall, down to his shoulders
        EXAMPLES / "cartoon_boy.jpg",  # a blue-grey wall
        EXAMPLES / "woman_waterfall.jpg",  # leaves and water, no sky
        EXAMPLES / "two_people.jpg",
        PHOTOS / "bearded_man.jpg",
        "astronaut",  # a grey studio backdrop
    ],
    ids=lambda path: Path(str(path)).stem,
)
def test_no_sky_behind_studio_walls_and_indoors(
    path: Path | str, faces_backend: MediaPipeFaces, segmenter: PersonSegmenter
) -> None:
    photo = load_image(data.astronaut() if path == "astronaut" else Path(path))
    assert "sky" not in _around(photo, faces_backend, segmenter)


def test_no_sky_behind_a_pale_blue_backdrop(
    faces_backend: MediaPipeFaces, segmenter: PersonSegmenter
) -> None:
    matplotlib = pytest.importorskip("matplotlib")
    hopper = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    assert "sky" not in _around(load_image(hopper), faces_backend, segmenter)


def test_the_sky_is_a_fact_a_line_can_speak_of() -> None:
    person = PersonInScene(0, "centre", "portrait", "smile", "")
    scene = Scene(
        (person,), "colour", "bright", "photo", ("blue",), (), "", "", ("sky",)
    )  # what the reader gives a portrait under a blue sky
    facts = speakable_facts(scene, 0)
    assert facts[0].kind == "sky"  # the most concrete fact is asked for first
    for pick in range(9):
        opening = focus_opening("happy", facts[0], pick)
        assert opening is not None and facts[0] in facts_mentioned(opening, facts)
    assert facts_mentioned("我喜欢这片蓝天。", facts)[0].kind == "sky"
    assert not facts_mentioned("I went out today.", facts)
    sentence = scene_sentence((person,), "colour", "bright", "photo", ("blue",), (), ("sky",))
    assert "under a blue sky" in sentence
    assert any("sky" in line for group in scene_sentences(scene, person, "happy") for line in group)
