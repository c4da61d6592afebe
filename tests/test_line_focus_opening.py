"""SmolLM2's lines open with the fact they are asked about; template lines differ per photo."""

from __future__ import annotations

import random

import pytest

from benchmarks.line_rubric import first_person
from pipelines.dialogue.focus_opening import FOCUS_VERBS, focus_opening
from pipelines.dialogue.prompt import build_messages, line_grammar
from pipelines.dialogue.scene_facts import facts_mentioned, speakable_facts
from pipelines.dialogue.templates import template_line
from pipelines.dialogue.writer import DialogueWriter, SmolLM2Chat, TemplateChat, photo_seed
from pipelines.types import MOODS, PersonInScene, Scene
from tests.scenes import couple_scene

WATERFALL = Scene(
    (PersonInScene(0, "centre", "close-up", "smile", "orange"),),
    "colour",
    "dim",
    "photo",
    ("green", "grey"),
    (),
    "",
    "A dim colour photo of one person in a close-up, smiling, against a green and grey "
    "background, with green leaves and trees around.",
    ("leaves",),
)
OLD_PAINTING = Scene(
    (PersonInScene(0, "centre", "portrait", "neutral", ""),),
    "black-and-white",
    "bright",
    "painting or drawing",
    ("white",),
    (),
    "",
    "A bright black-and-white painting or drawing of one person.",
)
COUPLE = couple_scene(("red", "white"), ())


@pytest.mark.parametrize("scene", [WATERFALL, OLD_PAINTING, COUPLE], ids=["leaves", "old", "two"])
def test_every_opening_names_its_fact_in_the_first_person(scene: Scene) -> None:
    for fact in speakable_facts(scene, 0):
        if not fact.focusable:
            continue
        for mood in MOODS:
            for pick in range(12):
                opening = focus_opening(mood, fact, pick)
                assert opening is not None, (fact.kind, mood)
                assert fact in facts_mentioned(opening, [fact]), opening
                assert first_person(opening + "."), opening
                line_grammar(mood, opening)  # a valid opening for the grammar


def test_openings_vary_with_the_pick_and_none_without_a_fact() -> None:
    fact = speakable_facts(WATERFALL, 0)[0]
    openings = {focus_opening("sad", fact, pick) for pick in range(12)}
    assert len(openings) == 12 == len(FOCUS_VERBS["sad"]) * 3
    assert focus_opening("sad", None, 3) is None


def test_the_grammar_fixes_the_opening() -> None:
    grammar = line_grammar("angry", "I'm tired of wearing orange")
    assert 'first ::= "I\'m tired of wearing orange"' in grammar
    assert "tail ::=" in grammar
    with pytest.raises(ValueError, match="opening"):
        line_grammar("angry", 'I say "hi"')


def test_smollm2_continues_the_opening_it_is_given() -> None:
    smollm2 = SmolLM2Chat()
    fact = speakable_facts(WATERFALL, 0)[0]
    opening = focus_opening("happy", fact, 4)
    assert opening is not None
    reply = smollm2.complete(
        build_messages(WATERFALL, 0, "happy", fact),
        max_tokens=40,
        temperature=0.7,
        seed=5,
        grammar=line_grammar("happy", opening),
    )
    assert reply.startswith(opening)
    assert len(reply) > len(opening) + 1


@pytest.mark.slow
def test_smollm2_lines_name_a_fact_of_the_scene() -> None:
    writer = DialogueWriter(SmolLM2Chat())
    lines = [writer.write(WATERFALL, 0, mood, seed=7) for mood in ("neutral", "happy", "sad")]
    facts = speakable_facts(WATERFALL, 0)
    assert sum(line.source == "model" for line in lines) >= 2, lines
    for line in lines:
        assert facts_mentioned(line.text, facts), line


def test_template_lines_follow_the_photo_not_only_the_seed() -> None:
    writer = DialogueWriter(TemplateChat())
    for mood in MOODS:
        line = writer.write(WATERFALL, 0, mood, seed=7)
        rng = random.Random(photo_seed(WATERFALL, 7, 0))
        assert line.text == template_line(WATERFALL, 0, mood, rng)
    assert photo_seed(WATERFALL, 7, 0) != photo_seed(OLD_PAINTING, 7, 0)
    assert photo_seed(COUPLE, 7, 0) != photo_seed(COUPLE, 7, 1)
    assert photo_seed(COUPLE, 7, 1) == photo_seed(COUPLE, 7, 1)


def test_templates_speak_of_leaves_and_clothes() -> None:
    lines = {template_line(WATERFALL, 0, "neutral", random.Random(s)) for s in range(60)}
    assert any("trees" in line or "leaves" in line for line in lines)
    assert any("orange" in line for line in lines)
    assert not any("very close to me" in line for line in lines)  # the framing names no fact
