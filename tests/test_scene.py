from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipelines.faces.mediapipe_faces import MediaPipeFaces
from pipelines.images import load_image
from pipelines.protocols import SceneBackend
from pipelines.scene.heuristic import (
    COLOUR_WORDS,
    HeuristicSceneReader,
    background_colours,
    guess_medium,
    name_colours,
    read_brightness,
    read_tone,
)
from pipelines.scene.ocr_filter import is_word
from pipelines.scene.sentence import scene_sentence
from pipelines.types import Face, PersonInScene, Photo, Scene

EXAMPLES = Path(__file__).resolve().parent.parent / "assets" / "examples"
PHOTOS = sorted(p.name for p in EXAMPLES.iterdir() if p.suffix.lower() in (".jpg", ".png"))
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


@pytest.fixture(scope="module")
def reader() -> HeuristicSceneReader:
    return HeuristicSceneReader()


@pytest.fixture(scope="module")
def scenes(
    faces_backend: MediaPipeFaces, reader: HeuristicSceneReader
) -> dict[str, tuple[Photo, tuple[Face, ...], Scene]]:
    results = {}
    for name in PHOTOS:
        photo = load_image(EXAMPLES / name)
        faces = faces_backend.detect(photo)
        results[name] = (photo, faces, reader.describe(photo, faces))
    return results


def _lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2LAB).astype(np.float32)


def _sepia(rgb: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    toned = np.dstack([grey * 1.07 + 0.05, grey * 0.95 + 0.02, grey * 0.74])
    return (np.clip(toned, 0.0, 1.0) * 255.0).astype(np.uint8)


def test_satisfies_the_protocol(reader: HeuristicSceneReader) -> None:
    typed: SceneBackend = reader
    assert typed.name == "heuristic"


@pytest.mark.parametrize("name", PHOTOS)
def test_every_example_gives_a_complete_scene(name: str, scenes: dict) -> None:
    _, faces, scene = scenes[name]
    assert len(scene.people) == len(faces)
    assert [p.face_index for p in scene.people] == [f.index for f in faces]
    assert scene.tone in ("colour", "black-and-white", "sepia")
    assert scene.brightness in ("dark", "dim", "normal", "bright")
    assert scene.medium in ("photo", "painting or drawing")
    assert 1 <= len(scene.background) <= 3
    assert set(scene.background) <= set(COLOUR_WORDS)
    assert len(set(scene.background)) == len(scene.background)
    assert scene.caption == ""
    sentence = scene.description
    assert sentence[0].isupper() and sentence.endswith(".")
    assert sentence.count(".") == 1
    count_word = {0: "no people", 1: "one person", 2: "two people"}[len(faces)]
    assert count_word in sentence


def test_tone_of_the_real_photos(scenes: dict) -> None:
    assert scenes["einstein_bw.jpg"][2].tone == "black-and-white"
    assert "black-and-white" in scenes["einstein_bw.jpg"][2].description
    for name in PHOTOS:
        if name != "einstein_bw.jpg":
            assert scenes[name][2].tone == "colour", name


def test_sepia_and_greyscale_versions(scenes: dict) -> None:
    for name in ("two_people.jpg", "woman_waterfall.jpg", "shiba_dog.jpg"):
        pixels = scenes[name][0].pixels
        assert read_tone(_lab(_sepia(pixels))) == "sepia", name
        grey = cv2.cvtColor(cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
        assert read_tone(_lab(grey)) == "black-and-white", name


def test_flat_colour_fields_are_colour() -> None:
    for rgb in ((230, 140, 40), (40, 90, 200), (200, 180, 120)):
        assert read_tone(_lab(np.full((64, 64, 3), rgb, np.uint8))) == "colour"
    assert read_tone(_lab(np.full((64, 64, 3), 128, np.uint8))) == "black-and-white"


def test_brightness_follows_exposure(scenes: dict) -> None:
    pixels = scenes["woman_waterfall.jpg"][0].pixels
    assert read_brightness(_lab(pixels)) == "normal"
    darker = (pixels.astype(np.float32) * 0.2).astype(np.uint8)
    assert read_brightness(_lab(darker)) == "dark"
    lighter = (255.0 * (pixels / 255.0) ** 0.3).astype(np.uint8)
    assert read_brightness(_lab(lighter)) == "bright"


def test_people_positions_and_framing(scenes: dict) -> None:
    two = scenes["two_people.jpg"][2]
    assert [p.position for p in two.people] == ["left", "right"]
    assert {p.framing for p in two.people} == {"portrait"}
    assert "two people" in two.description
    assert "both with a neutral expression" in two.description
    close = scenes["smiling_woman_256.png"][2]
    assert close.people[0].framing == "close-up"
    assert close.people[0].position == "centre"
    assert close.people[0].expression == "smile"
    assert "smiling" in close.description
    couple = scenes["couple_red_carpet.jpg"][2]
    assert [p.expression for p in couple.people] == ["smile", "neutral"]
    assert "the one on the left smiling" in couple.description


def test_small_face_reads_small_in_the_frame(
    faces_backend: MediaPipeFaces, reader: HeuristicSceneReader, scenes: dict
) -> None:
    portrait = cv2.resize(scenes["smiling_woman_256.png"][0].pixels, (160, 160))
    canvas = np.full((1000, 1000, 3), (60, 120, 200), np.uint8)  # a blue wall
    canvas[600:760, 100:260] = portrait  # face about 100 px high: a tenth of the photo
    photo = Photo(canvas)
    faces = faces_backend.detect(photo)
    assert len(faces) == 1
    scene = reader.describe(photo, faces)
    assert scene.people[0].framing == "small in the frame"
    assert scene.people[0].position == "left"
    assert scene.background[0] == "blue"


def test_medium_is_stable(scenes: dict) -> None:
    for name in PHOTOS:
        pixels = scenes[name][0].pixels
        first = guess_medium(pixels)
        assert first in ("photo", "painting or drawing")
        assert guess_medium(pixels.copy()) == first
        assert scenes[name][2].medium == first


def test_medium_of_a_flat_drawing_and_a_photo(scenes: dict) -> None:
    drawing = Image.new("RGB", (640, 480), (235, 225, 200))
    pen = ImageDraw.Draw(drawing)
    pen.ellipse((200, 80, 440, 360), fill=(250, 205, 170), outline=(90, 60, 40), width=4)
    pen.rectangle((0, 380, 640, 480), fill=(90, 140, 90))
    pen.ellipse((260, 170, 300, 200), fill=(60, 90, 160))
    pen.ellipse((340, 170, 380, 200), fill=(60, 90, 160))
    pen.arc((270, 240, 370, 310), 20, 160, fill=(150, 40, 40), width=6)
    assert guess_medium(np.asarray(drawing)) == "painting or drawing"
    assert guess_medium(scenes["einstein_bw.jpg"][0].pixels) == "photo"


def test_background_colours_of_the_examples(scenes: dict) -> None:
    assert scenes["einstein_bw.jpg"][2].background[0] == "grey"
    assert set(scenes["shiba_dog.jpg"][2].background) & {"orange", "brown"}
    assert "blue" in scenes["painted_portrait.png"][2].background
    assert "green" in scenes["woman_waterfall.jpg"][2].background
    # Without its faces, the close-up's background is still named from what is left.
    photo, faces, _ = scenes["woman_waterfall.jpg"]
    assert background_colours(photo, faces)[0] in COLOUR_WORDS


@pytest.mark.parametrize(
    ("rgb", "word"),
    [
        ((220, 30, 30), "red"),
        ((255, 140, 0), "orange"),
        ((240, 220, 40), "yellow"),
        ((40, 160, 60), "green"),
        ((30, 80, 200), "blue"),
        ((40, 200, 220), "blue"),
        ((128, 30, 140), "purple"),
        ((255, 182, 193), "pink"),
        ((230, 60, 160), "pink"),
        ((120, 70, 30), "brown"),
        ((128, 128, 128), "grey"),
        ((10, 10, 12), "black"),
        ((250, 250, 248), "white"),
        ((20, 30, 70), "blue"),
    ],
)
def test_colour_names(rgb: tuple[int, int, int], word: str) -> None:
    swatch = np.full((4, 4, 3), rgb, np.uint8)
    assert {COLOUR_WORDS[i] for i in name_colours(swatch).ravel()} == {word}


def test_text_drawn_on_a_photo_is_read(
    faces_backend: MediaPipeFaces, reader: HeuristicSceneReader
) -> None:
    image = Image.open(EXAMPLES / "woman_waterfall.jpg").convert("RGB")
    pen = ImageDraw.Draw(image)
    pen.rectangle((30, 20, 250, 90), fill=(255, 255, 255))
    pen.text((45, 25), "OPEN", font=ImageFont.truetype(str(FONT), 48), fill=(200, 0, 0))
    pen.text((290, 455), "Hello World", font=ImageFont.truetype(str(FONT), 28), fill=(255, 230, 0))
    photo = load_image(image)
    scene = reader.describe(photo, faces_backend.detect(photo))
    assert scene.text_in_photo == ("OPEN", "Hello World")
    assert "'OPEN'" in scene.description and "'Hello World'" in scene.description


def test_no_text_in_plain_photos(scenes: dict) -> None:
    for name in ("einstein_bw.jpg", "shiba_dog.jpg", "smiling_woman_256.png"):
        assert scenes[name][2].text_in_photo == ()


def test_misread_logo_fragments_are_not_kept(scenes: dict) -> None:
    # OCR reads the red-carpet backdrop's stylised "Game of Thrones" as fragments such as
    # "sterosVIP", "GAMEO" and "=Weste"; only words and acronyms may reach the line writer.
    text = scenes["couple_red_carpet.jpg"][2].text_in_photo
    assert "HBO" in text
    tokens = [token for string in text for token in string.split()]
    assert all(is_word(token) for token in tokens), text


def test_text_reading_can_be_switched_off(scenes: dict) -> None:
    photo, faces, scene = scenes["couple_red_carpet.jpg"]
    assert scene.text_in_photo  # the red-carpet backdrop carries logos (e.g. HBO)
    quiet = HeuristicSceneReader(read_text=False).describe(photo, faces)
    assert quiet.text_in_photo == ()
    assert quiet.people == scene.people
    assert "visible" not in quiet.description


def _person(index: int, expression: str, framing: str = "portrait") -> PersonInScene:
    return PersonInScene(index, "centre", framing, expression)


def test_sentence_grammar_for_zero_to_five_people() -> None:
    def say(people: list[PersonInScene], text: tuple[str, ...] = ()) -> str:
        return scene_sentence(people, "colour", "normal", "photo", ("orange", "blue"), text)

    assert say([]) == "A colour photo with no people in it, mostly orange and blue."
    assert say([_person(0, "smile", "close-up")]) == (
        "A colour photo of one person in a close-up, smiling, against an orange and blue "
        "background."
    )
    assert say([_person(0, "smile"), _person(1, "neutral")], ("OPEN",)) == (
        "A colour photo of two people in a portrait, the one on the left smiling and the one "
        "on the right with a neutral expression, against an orange and blue background, with "
        "the word 'OPEN' visible."
    )
    three = say([_person(0, "neutral"), _person(1, "closed_eyes"), _person(2, "open_mouth")])
    assert "the one on the left with a neutral expression, the one in the middle with eyes " in (
        three
    )
    assert "and the one on the right with an open mouth" in three
    five = say(
        [_person(i, "smile" if i < 3 else "neutral", "small in the frame") for i in range(5)]
    )
    assert five.startswith("A colour photo of five people small in the frame, three smiling and ")
    assert "two with a neutral expression" in five
    same = say([_person(0, "smile"), _person(1, "smile")])
    assert "both smiling" in same
    dim = scene_sentence([], "black-and-white", "dim", "painting or drawing", ("grey",), ())
    assert dim == "A dim black-and-white painting or drawing with no people in it, mostly grey."


def test_missing_ocr_warns_once_and_the_scene_still_works(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, scenes: dict
) -> None:
    import sys

    import pipelines.scene.heuristic as scene_module

    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # import now fails
    monkeypatch.setattr(scene_module, "_OCR_WARNED", False)
    photo, faces, full = scenes["couple_red_carpet.jpg"]
    with caplog.at_level("WARNING", logger="pipelines.scene.heuristic"):
        readers = [HeuristicSceneReader(), HeuristicSceneReader()]
    warnings = [r for r in caplog.records if "rapidocr" in r.getMessage()]
    assert len(warnings) == 1
    scene = readers[1].describe(photo, faces)
    assert scene.text_in_photo == ()
    assert scene.people == full.people
    assert scene.tone == full.tone


def test_pencil_and_smoothed_versions_of_photos_read_as_drawings(scenes: dict) -> None:
    bgr = cv2.cvtColor(scenes["woman_waterfall.jpg"][0].pixels, cv2.COLOR_RGB2BGR)
    _, pencil = cv2.pencilSketch(bgr, sigma_s=60, sigma_r=0.07, shade_factor=0.05)
    painted = cv2.stylization(bgr, sigma_s=60, sigma_r=0.45)
    for picture in (pencil, painted):
        assert guess_medium(cv2.cvtColor(picture, cv2.COLOR_BGR2RGB)) == "painting or drawing"
    for name in ("woman_waterfall.jpg", "two_people.jpg", "smiling_woman_256.png"):
        assert scenes[name][2].medium == "photo", name


def test_clothes_colour_of_each_person() -> None:
    faces_backend, reader = MediaPipeFaces(), HeuristicSceneReader(read_text=False)
    photo = load_image(EXAMPLES / "couple_red_carpet.jpg")
    scene = reader.describe(photo, faces_backend.detect(photo))
    assert [person.clothes for person in scene.people] == ["black", "grey"]


def test_handles_and_links_drawn_on_a_photo_are_not_read(
    faces_backend: MediaPipeFaces, reader: HeuristicSceneReader
) -> None:
    image = Image.open(EXAMPLES / "woman_waterfall.jpg").convert("RGB")
    pen = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), 44)
    pen.rectangle((30, 20, 420, 210), fill=(255, 255, 255))
    pen.text((45, 25), "@lady_life", font=font, fill=(0, 0, 0))
    pen.text((45, 85), "www.pics.com", font=font, fill=(0, 0, 0))
    pen.text((45, 145), "SUNSHINE", font=font, fill=(0, 0, 0))  # a word OCR must still read
    photo = load_image(image)
    assert reader.describe(photo, faces_backend.detect(photo)).text_in_photo == ("SUNSHINE",)
