"""The scene reader's colour words, people, clothes, background and leaves, on real photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from skimage import data

from pipelines.dialogue.scene_facts import facts_mentioned, speakable_facts
from pipelines.faces.mediapipe_faces import MediaPipeFaces
from pipelines.images import load_image
from pipelines.scene.colours import COLOUR_WORDS, colour_shares, name_colours
from pipelines.scene.heuristic import HeuristicSceneReader
from pipelines.scene.regions import (
    PersonSegmenter,
    content_box,
    join_dark_shades,
    surroundings,
)
from pipelines.types import Face, Photo, Scene

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "assets" / "examples"
PHOTOS = Path(__file__).resolve().parent / "data" / "photos"


@pytest.fixture(scope="module")
def reader() -> HeuristicSceneReader:
    return HeuristicSceneReader(read_text=False)


@pytest.fixture(scope="module")
def read(faces_backend: MediaPipeFaces, reader: HeuristicSceneReader):
    cache: dict[str, tuple[Photo, tuple[Face, ...], Scene]] = {}

    def read_one(path: Path | str) -> tuple[Photo, tuple[Face, ...], Scene]:
        key = str(path)
        if key not in cache:
            photo = load_image(data.astronaut() if key == "astronaut" else Path(path))
            faces = faces_backend.detect(photo)
            cache[key] = (photo, faces, reader.describe(photo, faces))
        return cache[key]

    return read_one


def _word(rgb: tuple[int, int, int]) -> str:
    words = {COLOUR_WORDS[i] for i in name_colours(np.full((4, 4, 3), rgb, np.uint8)).ravel()}
    assert len(words) == 1
    return words.pop()


@pytest.mark.parametrize(
    ("rgb", "word"),
    [
        ((120, 122, 140), "grey"),  # a grey wall under cool light (Lab chroma ~11)
        ((190, 150, 40), "yellow"),  # gold
        ((215, 170, 60), "yellow"),  # gold curtain in light (hue ~42)
        ((100, 18, 5), "red"),  # a red carpet in shade: deep red, not brown
        ((120, 70, 30), "brown"),
        ((20, 30, 70), "blue"),  # navy
        ((240, 110, 40), "orange"),
    ],
)
def test_colour_words_of_casts_gold_and_shades(rgb: tuple[int, int, int], word: str) -> None:
    assert _word(rgb) == word


def test_shades_of_one_material_count_as_one_colour() -> None:
    # Gold curtains in light (yellow) and in shade (orange): one yellow.
    curtain = np.array([[215, 170, 60]] * 60 + [[200, 120, 40]] * 40, np.uint8)
    shares = colour_shares(curtain)
    assert shares[COLOUR_WORDS.index("yellow")] == pytest.approx(1.0)
    # A blue shirt and a red scarf are not shades of each other.
    outfit = np.array([[30, 60, 200]] * 60 + [[220, 30, 30]] * 40, np.uint8)
    shares = colour_shares(outfit)
    assert shares[COLOUR_WORDS.index("blue")] == pytest.approx(0.6)
    assert shares[COLOUR_WORDS.index("red")] == pytest.approx(0.4)


def test_letterbox_borders_are_left_out(read) -> None:
    photo, _, scene = read(EXAMPLES / "lowres_240p.jpg")  # a 4:3 picture between black bars
    left, top, right, bottom = content_box(photo.pixels)
    assert 0.2 * photo.width < left < 0.3 * photo.width
    assert 0.7 * photo.width < right < 0.8 * photo.width
    assert (top, bottom) == (0, photo.height)
    assert scene.brightness == "normal"  # the bars used to make it "dark"
    assert scene.background[0] == "red"  # the curtains, not the bars' black
    assert "black" not in scene.background


def test_a_dark_painted_backdrop_is_not_a_border(read) -> None:
    photo, _, scene = read(PHOTOS / "pearl_earring.jpg")
    assert content_box(photo.pixels) == (0, 0, photo.width, photo.height)
    assert scene.background == ("black",)


def test_people_are_segmented_from_the_background() -> None:
    photo = load_image(PHOTOS / "smiling_teeth.png")
    mask = PersonSegmenter().mask(photo.pixels)
    assert mask.shape == (photo.height, photo.width)
    height, width = mask.shape
    assert mask[height // 2, width // 2]  # the face
    assert not mask[5:20, 5:20].any()  # the white backdrop's corner
    assert 0.3 < mask.mean() < 0.8


def test_clothes_colours(read) -> None:
    assert [p.clothes for p in read("astronaut")[2].people] == ["orange"]  # under a black ring
    assert [p.clothes for p in read(PHOTOS / "pearl_earring.jpg")[2].people] == ["brown"]
    # Bare shoulders: skin is not clothes.
    assert [p.clothes for p in read(PHOTOS / "smiling_teeth.png")[2].people] == [""]
    two = read(EXAMPLES / "couple_red_carpet.jpg")[2]
    assert [p.clothes for p in two.people] == ["black", "grey"]


def test_background_colours_are_the_walls_and_curtains(read) -> None:
    carpet = read(EXAMPLES / "couple_red_carpet.jpg")[2]
    assert carpet.background[0] == "grey"  # a grey logo wall under cool light
    assert "blue" not in carpet.background
    curtains = read(EXAMPLES / "two_people.jpg")[2]
    assert curtains.background[0] == "yellow"  # gold curtains
    assert "orange" not in curtains.background
    assert read(PHOTOS / "smiling_teeth.png")[2].background == ("white",)


def test_dark_shades_join_their_colour_but_true_black_stays(read) -> None:
    # Blurred dark foliage behind her: dark green pixel by pixel "black", tinted green.
    assert read(EXAMPLES / "smiling_woman_256.png")[2].background == ("green",)
    assert "black" not in read(EXAMPLES / "woman_waterfall.jpg")[2].background
    # A black logo wall next to a red carpet, and a black painted backdrop, stay black.
    assert "black" in read(EXAMPLES / "couple_red_carpet.jpg")[2].background
    assert read(PHOTOS / "pearl_earring.jpg")[2].background == ("black",)
    # Neutral black pixels never join a colour.
    pixels = np.array([[10, 10, 10]] * 50 + [[40, 150, 60]] * 50, np.uint8)
    shares = colour_shares(pixels)
    assert np.array_equal(join_dark_shades(pixels, shares), shares)
    # Green-tinted dark pixels (black one by one) join the green.
    pixels = np.array([[26, 32, 24]] * 50 + [[40, 150, 60]] * 50, np.uint8)
    assert _word((26, 32, 24)) == "black"
    joined = join_dark_shades(pixels, colour_shares(pixels))
    assert joined[COLOUR_WORDS.index("green")] == pytest.approx(1.0)


def test_leaves_and_trees_are_found_only_where_they_are(read) -> None:
    waterfall = read(EXAMPLES / "woman_waterfall.jpg")[2]
    assert waterfall.surroundings == ("leaves",)
    assert "leaves and trees" in waterfall.description
    facts = speakable_facts(waterfall, 0)
    assert facts[0].kind == "leaves"
    assert [f.kind for f in facts_mentioned("I love the trees behind me.", facts)] == ["leaves"]
    for path in (PHOTOS / "bearded_man.jpg", PHOTOS / "pearl_earring.jpg", "astronaut"):
        assert read(path)[2].surroundings == (), path
    # A flat green wall behind a person is green, not leaves.
    photo, faces, _ = read(PHOTOS / "smiling_teeth.png")
    pixels = photo.pixels.copy()
    pixels[np.all(pixels > 235, axis=-1)] = (40, 150, 60)
    assert surroundings(Photo(pixels), faces, None) == ()


def test_without_segmentation_the_reader_still_names_clothes(faces_backend) -> None:
    reader = HeuristicSceneReader(read_text=False, segment_people=False)
    photo = load_image(EXAMPLES / "couple_red_carpet.jpg")
    scene = reader.describe(photo, faces_backend.detect(photo))
    assert [person.clothes for person in scene.people] == ["black", "grey"]
    assert scene.background[0] == "grey"
