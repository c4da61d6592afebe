"""The line checks that need context (the scene, the other faces), Chinese lines and OCR noise."""

import random

import pytest

from pipelines.dialogue.checks import inspect_line, inspect_line_in
from pipelines.dialogue.checks_zh import inspect_line_zh
from pipelines.dialogue.prompt_worked import PREFILL, worked_messages
from pipelines.dialogue.scene_checks import (
    contradicts_scene,
    repeats_another,
    talks_about_someone_in_the_picture,
)
from pipelines.dialogue.templates_zh import MOOD_LINES_ZH, template_line_zh
from pipelines.dialogue.writer import DialogueWriter, TemplateChat, check_candidate
from pipelines.scene.ocr_filter import keep_text
from pipelines.types import MOODS, PersonInScene, Scene
from tests.scenes import couple_scene

COUPLE = couple_scene(("red", "grey"))
PAINTING = Scene(
    (PersonInScene(0, "centre", "close-up", "smile"),),
    "colour",
    "normal",
    "painting or drawing",
    ("brown", "green"),
    (),
    "",
    "A painting.",
)


@pytest.mark.parametrize(
    "reply",
    [
        "I'm sorry for the confusion, but I'd be happy to help you with that.",
        "As an AI, I do not have feelings about this picture.",
        "I'm sorry to hear that you're feeling sad. Maybe try a walk?",
        "She is standing by the door in her black dress.",
        "The man in the photo looks very tired today.",
    ],
)
def test_english_checks_refuse_assistant_talk_and_narration(reply):
    assert check_candidate(reply, COUPLE, "en", (), 600)[0] is None


@pytest.mark.parametrize(
    "reply",
    [
        "作为一个AI，我没有办法感受这张照片。",
        "很抱歉，我无法回答这个问题。",
        "她穿着黑色的裙子站在左边。",
        "照片里的那个人看起来很难过。",
        "这张照片拍得真好看。",
        "I love my black dress today.",
    ],
)
def test_chinese_checks_refuse_assistant_talk_narration_and_english(reply):
    assert check_candidate(reply, COUPLE, "zh", (), 600)[0] is None


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("I love my blue dress so much!", "colour blue"),
        ("我最喜欢我的蓝色裙子了！", "colour 蓝"),
        ("I have been sitting for this painting all day.", "painting"),
        ("我为这幅画坐了一整天。", "painting"),
        # Qwen 1.5B on woman_waterfall.jpg, a photo (sad, seed 7), its 绿色 made this scene's 红色.
        ("我看着这幅红色的画，心里感到很难过。", "painting"),
    ],
)
def test_a_line_that_contradicts_the_scene_reader_is_refused(line, problem):
    assert contradicts_scene(line, COUPLE) == problem
    assert check_candidate(line, COUPLE, "en" if line.isascii() else "zh", (), 600)[0] is None


def test_true_facts_pass_the_scene_checks():
    assert contradicts_scene("I love my black dress and this red carpet!", COUPLE) is None
    assert contradicts_scene("我穿着黑色的裙子，站在红色的地毯上。", COUPLE) is None
    assert contradicts_scene("这幅画面真让我难忘。", COUPLE) is None  # 画面: a view
    assert contradicts_scene("The painter told me to sit still for hours.", PAINTING) is None
    assert contradicts_scene("I smiled at the camera all afternoon.", PAINTING) == "camera"


def test_a_line_another_face_said_is_refused_in_both_languages():
    said = ["I love standing here on this red carpet with you."]
    assert repeats_another("Oh, I love standing here on this red carpet with you!", said)
    assert not repeats_another("My black dress feels lovely tonight.", said)
    assert repeats_another("我们一起站在红地毯上真开心！", ["我们一起站在红地毯上真开心呀。"])
    line, reason = check_candidate(said[0], COUPLE, "en", said, 600)
    assert (line, reason) == (None, "said by another face")


def test_narration_anywhere_in_the_line_is_caught():
    assert talks_about_someone_in_the_picture("I think the woman in the picture is tired.")
    assert talks_about_someone_in_the_picture("我觉得照片里的人很累。")
    assert not talks_about_someone_in_the_picture("I am tired of standing in this picture.")


def test_a_good_chinese_line_is_cleaned_and_kept():
    line, reason = inspect_line_zh("“我今天穿了最喜欢的黑裙子，真开心”")
    assert (line, reason) == ("我今天穿了最喜欢的黑裙子，真开心。", "ok")
    assert inspect_line_in("我们在这里站了一整天！", "zh")[0] == "我们在这里站了一整天！"
    assert inspect_line_in("I am so happy to be here with you.", "en")[0] is not None
    assert inspect_line("我们在这里站了一整天！")[0] is None  # English checks refuse Chinese


def test_a_chinese_line_that_calls_itself_a_program_or_a_photo_is_refused():
    # Both were written by Qwen in chat (benchmarks/results/zh_chat_models.md).
    assert inspect_line_zh("我是一个程序，没有自己的童年或家庭。") == (None, "meta")
    assert inspect_line_zh("我是一张彩色照片，没有任何名字。") == (None, "meta")
    assert inspect_line_zh("我是一个程序员，每天都很忙。")[0] is not None
    # Written by Qwen 0.5B in chat (benchmarks.mandarin, 2026-12-07): assistant talk.
    assert inspect_line_zh("我是一个计算机程序，可以帮助你完成各种任务。") == (None, "meta")
    assert inspect_line_zh("我是聊天机器人。") == (None, "meta")
    assert inspect_line_zh("我很乐意为你服务。") == (None, "meta")
    assert inspect_line_zh("我家里有一个扫地机器人，它很可爱。")[0] is not None
    assert inspect_line_zh("我是照片里的人，一直站在这里。")[0] is not None


def test_chinese_templates_are_first_person_and_pass_the_checks():
    for mood in MOODS:
        for line in MOOD_LINES_ZH[mood]:
            assert inspect_line_zh(line)[0] == line, line
        for seed in range(6):
            line = template_line_zh(COUPLE, 0, mood, random.Random(seed))
            assert "我" in line
            assert inspect_line_zh(line)[0] is not None, line
            assert contradicts_scene(line, COUPLE) is None, line


def test_template_backend_writes_chinese_lines_for_zh_and_faces_differ():
    writer = DialogueWriter(TemplateChat())
    first = writer.write(COUPLE, 0, "happy", seed=1, lang="zh")
    second = writer.write(COUPLE, 1, "happy", seed=1, lang="zh")
    assert (first.lang, first.source) == ("zh", "template")
    assert inspect_line_zh(first.text)[0] is not None
    assert not repeats_another(second.text, [first.text])


def test_worked_prompt_begins_the_reply_in_the_first_person():
    for lang in ("en", "zh"):
        messages = worked_messages(COUPLE, 1, "sad", lang)
        assert messages[-1] == {"role": "assistant", "content": PREFILL[lang]}
        assert len([m for m in messages if m["role"] == "user"]) == 2  # the example, then us
    assert "You wear grey" in worked_messages(COUPLE, 1, "sad", "en")[-2]["content"]
    assert "灰色" in worked_messages(COUPLE, 1, "sad", "zh")[-2]["content"]


@pytest.mark.parametrize(
    ("ocr", "kept"),
    [
        ("@lady_diana_life", ""),
        ("follow @lady_diana_life", "follow"),
        ("www.example.com", ""),
        ("https://x.co/abc OPEN", "OPEN"),
        ("#love #summer", ""),
        ("© Getty Images", ""),
        ("shutterstock", ""),
        ("HBO", "HBO"),
        ("GAME OF THRONES", "GAME OF THRONES"),
    ],
)
def test_ocr_filter_drops_handles_links_and_watermarks(ocr, kept):
    assert keep_text(ocr) == kept
