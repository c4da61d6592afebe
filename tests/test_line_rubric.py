"""The line-quality rubric follows its own definition: a colour that is in the photo is a fact."""

from __future__ import annotations

from benchmarks.line_rubric import TRUTH, mentions_fact, score_line


def test_a_colour_that_is_there_is_a_fact() -> None:
    astronaut = TRUTH["astronaut.png"]  # a mottled light grey studio backdrop
    line = "I'm fed up with this grey backdrop."
    assert mentions_fact(line, astronaut)
    assert not mentions_fact(line, astronaut, colours_are_facts=False)  # the first code
    assert score_line(line, "astronaut.png", [])["passes"]


def test_a_colour_that_is_not_there_still_fails() -> None:
    verdict = score_line("I love my purple hat.", "astronaut.png", [])
    assert not verdict["on_topic"]
    assert verdict["contradicts"] == ["colour purple"]
    # Naming a true colour does not excuse a false one.
    assert not score_line("My orange suit and purple hat.", "astronaut.png", [])["on_topic"]


def test_a_line_with_no_fact_and_no_colour_is_off_topic() -> None:
    assert not score_line("I went to the market yesterday.", "painted_portrait.png", [])["on_topic"]


def test_the_charcoal_suit_is_labelled_as_it_looks() -> None:
    portrait = TRUTH["painted_portrait.png"]
    # Near-black charcoal: "black" and "charcoal" are true words for it, in either code.
    assert mentions_fact("I adore wearing black.", portrait, colours_are_facts=False)
    assert mentions_fact("My charcoal jacket.", portrait, colours_are_facts=False)


def test_chinese_colours_count_too() -> None:
    assert mentions_fact("我喜欢身后的灰色。", TRUTH["astronaut.png"])
    assert not score_line("我喜欢紫色的帽子。", "astronaut.png", [])["on_topic"]
