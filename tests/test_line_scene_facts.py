"""A written line must name a fact the scene reader found: the facts, the check, the real models."""

import pytest

from pipelines.dialogue.prompt import build_messages
from pipelines.dialogue.prompt_worked import worked_messages
from pipelines.dialogue.scene_facts import (
    facts_mentioned,
    focus_for_try,
    mentions_a_fact,
    speakable_facts,
    wrong_clothes_colour,
)
from pipelines.dialogue.writer import DialogueWriter, check_candidate
from pipelines.scene.ocr_filter import keep_text
from pipelines.types import PersonInScene, Scene
from tests.scenes import couple_scene

COUPLE = couple_scene(("red", "white"), ("HBO",))
OLD_PHOTO = Scene(
    (PersonInScene(0, "centre", "portrait", "neutral", ""),),
    "black-and-white",
    "dim",
    "photo",
    ("grey",),
    (),
    "",
    "An old photo.",
)
PAINTING = Scene(
    (PersonInScene(0, "centre", "close-up", "neutral", "blue"),),
    "colour",
    "normal",
    "painting or drawing",
    ("green",),
    (),
    "",
    "A painting.",
)


def kinds(line, scene, face=0):
    return sorted({fact.kind for fact in facts_mentioned(line, speakable_facts(scene, face))})


def test_the_speakers_facts_come_most_concrete_first():
    facts = speakable_facts(COUPLE, 1)
    assert [f.kind for f in facts] == ["clothes", "together", "background", "background"]
    assert facts[0].focus_en == "the grey you wear"
    assert facts[0].focus_zh == "你穿的灰色衣服"
    assert [f.kind for f in speakable_facts(PAINTING, 0)][:2] == ["clothes", "medium"]
    assert "old" in [f.kind for f in speakable_facts(OLD_PHOTO, 0)]
    assert "light" in [f.kind for f in speakable_facts(OLD_PHOTO, 0)]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("I love my black dress tonight.", ["clothes"]),
        ("I can't stop smiling at you!", ["smile"]),
        ("We have waited all evening for this.", ["together"]),
        ("I watched HBO all night.", []),  # text read in the photo is data, not a fact
        ("The crimson carpet under my feet is soft.", ["background"]),
        ("I feel so happy today!", []),
        ("I am tired of standing here.", []),
    ],
)
def test_english_lines_name_facts_with_word_forms_and_synonyms(line, expected):
    assert kinds(line, COUPLE) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("我最喜欢这条黑色的裙子。", ["clothes"]),
        ("我一直在微笑。", ["smile"]),
        ("我们今天一起来的。", ["together"]),
        ("我身后是一片红色。", ["background"]),
        ("我明白了，今天真开心。", []),  # 明白 holds 白 but names no colour
        ("我今天心情很好。", []),
    ],
)
def test_chinese_lines_name_facts(line, expected):
    assert kinds(line, COUPLE) == expected


def test_old_photos_and_paintings_are_named_in_both_languages():
    assert kinds("I remember those years so well.", OLD_PHOTO) == ["old"]
    assert kinds("我想起了那张黑白老照片。", OLD_PHOTO) == ["old"]
    assert kinds("It is so dim in here.", OLD_PHOTO) == ["light"]
    assert kinds("I was painted long ago.", PAINTING) == ["medium"]
    assert kinds("这幅画是我最喜欢的。", PAINTING) == ["medium"]


def test_the_check_refuses_a_line_that_names_no_fact_in_either_language():
    facts = speakable_facts(COUPLE, 0)
    for reply, lang in (("I feel so happy today!", "en"), ("我今天心情很好！", "zh")):
        assert check_candidate(reply, COUPLE, lang, (), 600, facts) == (
            None,
            "mentions no scene fact",
        )
    for reply, lang in (("I love my black dress tonight!", "en"), ("我很喜欢我的黑裙子！", "zh")):
        assert check_candidate(reply, COUPLE, lang, (), 600, facts)[1] == "ok"
    # Without facts (nothing was found) nothing is required.
    assert mentions_a_fact("I feel so happy today!", ())


UNKNOWN_CLOTHES = Scene(
    (PersonInScene(0, "centre", "portrait", "smile", ""),),
    "colour",
    "normal",
    "photo",
    ("grey", "black"),
    (),
    "",
    "An astronaut.",
)


@pytest.mark.parametrize(
    ("scene", "line", "wrong"),
    [
        (UNKNOWN_CLOTHES, "I wore my best black dress today and felt so calm!", "black"),
        (UNKNOWN_CLOTHES, "I smiled all day, and the grey behind me is fine.", None),
        (COUPLE, "I love my black dress tonight.", None),
        (COUPLE, "I am wearing a lovely new blue shirt.", "blue"),
        (COUPLE, "I love my dark blue dress tonight.", "blue"),
        (COUPLE, "我穿着黑色的裙子。", None),
        (COUPLE, "我穿了一件蓝色的衬衫。", "blue"),
        (COUPLE, "我的红裙子很好看。", "red"),
        (OLD_PHOTO, "I wore a black suit that day.", None),
        (PAINTING, "I wear blue every day.", None),
    ],
)
def test_a_colour_worn_must_be_the_speakers_clothes_colour(scene, line, wrong):
    assert wrong_clothes_colour(line, speakable_facts(scene, 0)) == wrong
    lang = "en" if line.isascii() else "zh"
    reason = check_candidate(line, scene, lang, (), 600, speakable_facts(scene, 0))[1]
    if wrong:  # a colour found nowhere in the photo is refused by contradicts_scene first
        assert reason.startswith("contradicts the scene: "), reason


def test_each_try_is_asked_for_another_fact():
    facts = speakable_facts(COUPLE, 0)
    focuses = [focus_for_try(facts, 0, attempt) for attempt in range(len(facts))]
    assert focuses[0].kind == "clothes"  # the most concrete first
    assert len({f.focus_en for f in focuses}) == len(focuses)  # each try another fact
    focus = focuses[1]
    assert (
        f"mention {focus.focus_en}."
        in worked_messages(COUPLE, 0, "happy", "en", focus)[-2]["content"]
    )
    assert focus.focus_zh in worked_messages(COUPLE, 0, "happy", "zh", focus)[-2]["content"]
    assert build_messages(COUPLE, 0, "sad", focus)[-1]["content"].endswith(
        f"Mention {focus.focus_en}."
    )


@pytest.mark.parametrize(
    ("ocr", "kept"),
    [
        ("sterosVIP", ""),
        ("GAMEO", ""),
        ("=Weste", ""),
        ("ONES", "ONES"),
        ("HBO", "HBO"),
        ("Welcome to Paris 2024", "Welcome to Paris 2024"),
        ("咖啡馆", "咖啡馆"),
        ("出口", "出口"),
        ("GA", ""),
        ("SAYHACKED", "SAY HACKED"),  # OCR often drops the spaces of a sign
        ("GAMEOFTHRONES", "GAME OF THRONES"),
    ],
)
def test_ocr_fragments_are_not_kept_as_scene_text(ocr, kept):
    assert keep_text(ocr) == kept


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_qwen_lines_name_a_scene_fact(lang):
    from pipelines.dialogue.qwen import QwenChat

    writer = DialogueWriter(QwenChat(size="1.5b"))
    scenes = ((COUPLE, 1, "happy"), (PAINTING, 0, "sad"), (OLD_PHOTO, 0, "angry"))
    lines = [writer.write(scene, face, mood, seed=3, lang=lang) for scene, face, mood in scenes]
    for line, (scene, face, _) in zip(lines, scenes, strict=True):
        assert line.lang == lang
        assert mentions_a_fact(line.text, speakable_facts(scene, face)), line.text
    assert sum(line.source == "model" for line in lines) >= 2, lines
