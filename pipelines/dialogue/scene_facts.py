"""The scene facts a written line can speak of, and whether a line speaks of one.

A line is "about this photo" when it names something the scene reader found: the colour the
speaker wears, leaves and trees around them, a blue sky above, a background colour, that it
is a painting or an old black-and-white photo, the light, a smile, being together with the
others, a caption word. Text read in the photo is not a fact here: it is data, and a line that
echoes it ("…hacked all over!" from a sign saying "say HACKED") must not pass as being about the
photo.
``speakable_facts`` lists those facts for one speaker, the most concrete and most reliable
first (background colours, which the reader gets wrong most often, last but for the light);
``mentions_a_fact`` tells whether a line (English or Chinese) names at least one of them,
allowing synonyms and word forms ("smiling", "smiled"; "crimson" for red; 笑 in 微笑). The
dialogue writer refuses a candidate that names none, and asks each try to speak of one fact in
particular (``focus_en`` / ``focus_zh``), a different one per try.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipelines.text import word_set
from pipelines.types import Scene

#: English words (whole words, lower case) that name each scene colour word.
COLOUR_WORDS_EN: dict[str, tuple[str, ...]] = {
    "red": ("red", "reds", "crimson", "scarlet"),
    "orange": ("orange", "oranges"),
    "yellow": ("yellow", "yellows", "golden", "gold"),
    "green": ("green", "greens", "greenery"),
    "blue": ("blue", "blues", "navy"),
    "purple": ("purple", "violet"),
    "pink": ("pink",),
    "brown": ("brown", "browns"),
    "white": ("white",),
    "black": ("black",),
    "grey": ("grey", "gray", "greys", "grays"),
}
#: The Chinese character of each scene colour word.
COLOUR_CHARS_ZH: dict[str, str] = {
    "red": "红",
    "orange": "橙",
    "yellow": "黄",
    "green": "绿",
    "blue": "蓝",
    "purple": "紫",
    "pink": "粉",
    "brown": "棕",
    "white": "白",
    "black": "黑",
    "grey": "灰",
}
#: What may follow a Chinese colour character for it to name a colour (黑色, 蓝衣服, 绿油油).
_ZH_COLOUR_TAIL = "色衣裙装衫袍帽油"
_STOP_WORDS = word_set(
    "the and with for that this from have has was were are you your our their its his her "
    "into onto over under about there here what when where which who"
)
_LEAF_WORDS_EN = (
    "tree*",
    "leaf",
    "leaves",
    "leafy",
    "forest*",
    "wood*",
    "green*",
    "nature",
    "plant*",
    "grass*",
    "garden*",
    "jungle",
)
#: The kinds of fact the first try is asked about (``speakable_facts`` lists them first).
CONCRETE_KINDS = ("clothes", "medium", "old", "leaves", "sky")
_EN_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")


@dataclass(frozen=True)
class SceneFact:
    """One thing the scene reader found that a line may speak of.

    Attributes:
        kind: "clothes", "medium", "old", "leaves", "sky", "background", "light", "smile",
            "together" or "caption".
        focus_en: The fact as an English phrase for the prompt ("the black you wear").
        focus_zh: The same in Chinese ("你穿的黑色衣服").
        words_en: English words that name it (lower case; an entry ending in "*" is a stem).
        words_zh: Chinese substrings or regular expressions (``re:`` prefix) that name it.
        focusable: Whether a try may be asked to speak of it (not a caption, which is free
            text from another model).
    """

    kind: str
    focus_en: str
    focus_zh: str
    words_en: tuple[str, ...]
    words_zh: tuple[str, ...]
    focusable: bool = True


def _colour_zh(colour: str) -> tuple[str, ...]:
    char = COLOUR_CHARS_ZH.get(colour)
    if char is None:
        return ()
    if colour == "black":  # 黑白 names the tone, not a black thing
        return (f"re:{char}[{_ZH_COLOUR_TAIL}]", "re:黑(?!白)")
    return (f"re:{char}[{_ZH_COLOUR_TAIL}]",)


def _colour_name_zh(colour: str) -> str:
    char = COLOUR_CHARS_ZH.get(colour)
    return f"{char}色" if char else colour


#: The fact of each thing the reader may find around the people (``Scene.surroundings``).
_SURROUNDINGS: dict[str, SceneFact] = {
    "leaves": SceneFact(
        "leaves",
        "the green leaves and trees around you",
        "你周围的绿树和树叶",
        _LEAF_WORDS_EN,
        ("树", "叶", "森林", "绿", "草", "大自然"),
    ),
    "sky": SceneFact(
        "sky", "the blue sky above you", "你头顶的蓝天", ("sky", "skies"), ("天空", "蓝天", "晴空")
    ),
}


def speakable_facts(scene: Scene, face_index: int) -> tuple[SceneFact, ...]:
    """The facts of the scene the speaker ``face_index`` may speak of, most concrete first.

    Args:
        scene: What the photo shows.
        face_index: The speaking face (a face the scene does not hold gets no clothes fact).

    Returns:
        The facts; empty only for a scene the reader found nothing in.
    """
    person = next((p for p in scene.people if p.face_index == face_index), None)
    facts: list[SceneFact] = []
    if person is not None and person.clothes in COLOUR_WORDS_EN:
        colour = person.clothes
        facts.append(
            SceneFact(
                "clothes",
                f"the {colour} you wear",
                f"你穿的{_colour_name_zh(colour)}衣服",
                COLOUR_WORDS_EN[colour],
                _colour_zh(colour),
            )
        )
    if scene.medium.startswith("painting"):
        facts.append(
            SceneFact(
                "medium",
                "that you are painted, in a painting",
                "你是画出来的，在一幅画里",
                ("paint*", "canvas", "brush*", "portrait", "artist", "drawing", "drawn", "sketch*"),
                ("画",),
            )
        )
    elif scene.tone in ("black-and-white", "sepia"):
        words = ("old", "years", "ago", "faded", "black", "white", "grey", "gray")
        if scene.tone == "sepia":
            words += ("brown", "yellowed", "sepia")
        facts.append(
            SceneFact(
                "old",
                f"that this is an old {scene.tone} photo",
                "这是一张" + ("黑白" if scene.tone == "black-and-white" else "泛黄的") + "老照片",
                words,
                ("黑白", "老照片", "泛黄", "多年", "以前", "当年", "那时", "很久", "灰"),
            )
        )
    facts += [fact for name, fact in _SURROUNDINGS.items() if name in scene.surroundings]
    if person is not None and person.expression == "smile":
        facts.append(
            SceneFact("smile", "your smile", "你的微笑", ("smil*", "grin*", "laugh*"), ("笑",))
        )
    if len(scene.people) > 1:
        facts.append(
            SceneFact(
                "together",
                "the other person here with you",
                "和你在一起的另一个人",
                ("we", "we're", "we've", "us", "our", "together", "both"),
                ("我们", "一起", "俩", "两个人"),
            )
        )
    for colour in scene.background[:3]:
        if colour in COLOUR_WORDS_EN:
            facts.append(
                SceneFact(
                    "background",
                    f"the {colour} behind you",
                    f"你身后的{_colour_name_zh(colour)}",
                    COLOUR_WORDS_EN[colour],
                    _colour_zh(colour),
                )
            )
    if scene.brightness in ("dark", "dim"):
        facts.append(
            SceneFact(
                "light",
                "how dark it is",
                "光线很暗",
                ("dark", "darkness", "dim", "shadow*", "shade*", "night", "gloom*"),
                ("暗", "昏", "黑暗", "夜"),
            )
        )
    elif scene.brightness == "bright":
        facts.append(
            SceneFact(
                "light",
                "the bright light",
                "明亮的光线",
                ("bright*", "sun*", "light"),
                ("亮", "阳光", "明媚"),
            )
        )
    caption_words = tuple(
        word
        for word in dict.fromkeys(_EN_WORD.findall(scene.caption.lower()))
        if len(word) >= 4 and word not in _STOP_WORDS
    )
    if caption_words:
        facts.append(
            SceneFact("caption", scene.caption, scene.caption, caption_words, (), focusable=False)
        )
    return tuple(facts)


def _english_hit(words: set[str], wanted: Sequence[str]) -> bool:
    for entry in wanted:
        if entry.endswith("*"):
            stem = entry[:-1]
            if any(word.startswith(stem) for word in words):
                return True
        elif entry in words:
            return True
    return False


def _chinese_hit(text: str, wanted: Sequence[str]) -> bool:
    for entry in wanted:
        if entry.startswith("re:"):
            if re.search(entry[3:], text):
                return True
        elif entry in text:
            return True
    return False


def facts_mentioned(line: str, facts: Sequence[SceneFact]) -> list[SceneFact]:
    """The facts a line names (English words, or Chinese substrings when it holds Han text)."""
    lowered = line.lower()
    words = set(_EN_WORD.findall(lowered))
    words |= {part for word in words for part in word.split("-")}
    return [
        fact
        for fact in facts
        if _english_hit(words, fact.words_en) or _chinese_hit(line, fact.words_zh)
    ]


def mentions_a_fact(line: str, facts: Sequence[SceneFact]) -> bool:
    """Whether the line names at least one of ``facts`` (True when there are none to name)."""
    return not facts or bool(facts_mentioned(line, facts))


def focus_for_try(facts: Sequence[SceneFact], seed: int, attempt: int) -> SceneFact | None:
    """The fact try ``attempt`` is asked to speak of: the seed picks the first, then the next.

    The most concrete facts (clothes, medium, tone, leaves) come first in ``facts``, so the
    first try gets one of them when there are any; later tries move on to the others.
    """
    focusable = [fact for fact in facts if fact.focusable]
    if not focusable:
        return None
    concrete = sum(f.kind in CONCRETE_KINDS for f in focusable) or len(focusable)
    start = seed % concrete
    return focusable[(start + attempt) % len(focusable)]


_EN_COLOUR = (
    r"(red|crimson|scarlet|orange|yellow|golden|gold|green|blue|navy|purple|violet|pink|brown|"
    r"white|black|grey|gray)"
)
_EN_GARMENT = (
    r"(?:dress|shirt|t-shirt|top|suit|jacket|blouse|coat|sweater|jumper|clothes|outfit|tie|hat|"
    r"scarf|skirt|trousers|jeans|uniform|gown|spacesuit|robe|hoodie)s?"
)
_EN_WORN_COLOUR = re.compile(
    rf"\b(?:wear|wears|wore|wearing|worn|dressed in|put on)\s+(?:[\w'-]+\s+){{0,3}}?{_EN_COLOUR}\b"
    rf"|\b{_EN_COLOUR}\s+(?:[\w'-]+\s+)?{_EN_GARMENT}\b",
    flags=re.IGNORECASE,
)
_ZH_COLOUR = "([红橙黄绿蓝紫粉棕白黑灰])"
_ZH_WORN_COLOUR = re.compile(
    rf"穿[着了上]?[^，。！？,.!?]{{0,6}}?{_ZH_COLOUR}"
    rf"|{_ZH_COLOUR}色?的?(?:衣服|裙子|裙|衬衫|西装|外套|上衣|T恤|毛衣|领带|帽子|宇航服)"
)
_ZH_TO_EN = {char: colour for colour, char in COLOUR_CHARS_ZH.items()}


def wrong_clothes_colour(line: str, facts: Sequence[SceneFact]) -> str | None:
    """A colour the line says the speaker wears that the scene reader did not find, or None.

    Allowed: the colour found on the speaker's clothes (with its synonyms) and, in an old
    black-and-white photo, black, white and grey. When the reader found no clothes colour,
    any colour worn is an invention ("I wore my best black dress" of an astronaut).

    Args:
        line: An English or Chinese line.
        facts: The speaker's ``speakable_facts``.

    Returns:
        The English colour word, or None when the line claims no wrong colour.
    """
    allowed: set[str] = set()
    for fact in facts:
        if fact.kind == "clothes":
            allowed.update(fact.words_en)
        elif fact.kind == "old":
            allowed.update(("black", "white", "grey", "gray"))
    for match in _EN_WORN_COLOUR.finditer(line):
        colour = (match.group(1) or match.group(2)).lower()
        if colour not in allowed:
            return colour
    for match in _ZH_WORN_COLOUR.finditer(line):
        colour = _ZH_TO_EN[match.group(1) or match.group(2)]
        if colour not in allowed:
            return colour
    return None
