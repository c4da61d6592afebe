"""Checks of a line against the scene and against the other faces' lines, in English and Chinese.

``inspect_line`` (English) and ``inspect_line_zh`` (Chinese) judge a line on its own; these
checks judge it in context:

- ``contradicts_scene``: the line names a colour the scene reader did not find (in the
  background or on anyone's clothes; only black, white and grey in a black-and-white photo),
  calls a photo a painting or drawing, or speaks of a camera in a painting;
- ``talks_about_someone_in_the_picture``: narration anywhere in the line ("the woman in the
  photo looks sad", 照片里的那个人) rather than only at its start;
- ``repeats_another``: the line shares a run of 5 words (8 Chinese characters) with what
  another face already said.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pipelines.types import Scene

#: Colour words a line may name, per scene colour word (the scene reader's vocabulary).
_COLOUR_FAMILY: dict[str, frozenset[str]] = {
    "red": frozenset({"red", "crimson", "scarlet", "红"}),
    "orange": frozenset({"orange", "橙", "橘"}),
    "yellow": frozenset({"yellow", "golden", "gold", "黄", "金"}),
    "green": frozenset({"green", "绿"}),
    "blue": frozenset({"blue", "navy", "蓝"}),
    "purple": frozenset({"purple", "violet", "紫"}),
    "pink": frozenset({"pink", "粉"}),
    "brown": frozenset({"brown", "golden", "gold", "棕", "褐", "金"}),
    "white": frozenset({"white", "silver", "白", "银"}),
    "black": frozenset({"black", "dark", "黑"}),
    "grey": frozenset({"grey", "gray", "silver", "灰", "银"}),
}
_EN_COLOURS = re.compile(
    r"\b(red|crimson|scarlet|orange|yellow|golden|gold|green|blue|navy|purple|violet|pink|"
    r"brown|white|silver|black|grey|gray)(?:e?s)?\b",
    flags=re.IGNORECASE,
)
_ZH_COLOURS = re.compile(r"([红橙橘黄金绿蓝紫粉棕褐白银黑灰])色")
_EN_PAINTING = re.compile(
    r"\b(?:painting|paintings|painted|painter|canvas|brush ?strokes?|drawing|drawn|sketch)\b",
    flags=re.IGNORECASE,
)
#: 幅 counts paintings: 这幅画, and with words between (这幅绿色的画), but not 这幅画面 (a view).
_ZH_PAINTING = re.compile(
    r"油画|画像|画家|画布|[这那一]幅[^，。！？照图]{0,8}?画(?!面)|画中|画里|画上|画笔|素描"
)
_EN_CAMERA = re.compile(r"\b(?:camera|photographer|photograph|snapshot)\b", re.IGNORECASE)
_ZH_CAMERA = re.compile(r"相机|摄影|拍照|镜头")
_EN_NARRATION = re.compile(
    r"\b(?:the|that|this|other) (?:\w+ )?(?:person|man|woman|girl|boy|lady|guy|people|figure)s? "
    r"(?:in|on|of) (?:the|this|that) (?:photo|picture|painting|image|portrait)\b",
    flags=re.IGNORECASE,
)
_ZH_NARRATION = re.compile(
    r"(?:照片|画面|图片|图|画)[里中上]的(?:那个|这个|那位|这位)?(?:人|男人|女人)"
)
_EN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _allowed_colours(scene: Scene) -> set[str]:
    words = set(scene.background)
    words.update(person.clothes for person in scene.people if person.clothes)
    if scene.tone in ("black-and-white", "sepia"):
        words |= {"black", "white", "grey"}
        if scene.tone == "sepia":
            words |= {"brown", "yellow"}
    allowed: set[str] = set()
    for word in words:
        allowed |= _COLOUR_FAMILY.get(word, frozenset({word}))
    return allowed


def contradicts_scene(line: str, scene: Scene) -> str | None:
    """What the line says that the scene reader's facts contradict, or None.

    Args:
        line: An English or Chinese line.
        scene: The scene it is said in.

    Returns:
        "colour <word>" (a colour not found in the photo), "painting" (a photo called a
        painting or drawing) or "camera" (a painting spoken of as a photograph); None when
        nothing contradicts.
    """
    allowed = _allowed_colours(scene)
    for match in _EN_COLOURS.finditer(line):
        word = match.group(1).lower()
        if word == "dark" or word in allowed:
            continue
        return f"colour {word}"
    for match in _ZH_COLOURS.finditer(line):
        if match.group(1) not in allowed:
            return f"colour {match.group(1)}"
    if scene.medium.startswith("painting"):
        if _EN_CAMERA.search(line) or _ZH_CAMERA.search(line):
            return "camera"
    elif _EN_PAINTING.search(line) or _ZH_PAINTING.search(line):
        return "painting"
    return None


def talks_about_someone_in_the_picture(line: str) -> bool:
    """Whether the line narrates a person in the picture from outside, anywhere in it."""
    return bool(_EN_NARRATION.search(line) or _ZH_NARRATION.search(line))


def _runs(text: str) -> set[tuple[str, ...]]:
    if len(_HAN.findall(text)) * 2 > len(text.strip()):
        chars = [ch for ch in text if ch.isalnum()]
        return {tuple(chars[i : i + 8]) for i in range(len(chars) - 7)} or {tuple(chars)}
    words = _EN_WORD.findall(text.lower())
    return {tuple(words[i : i + 5]) for i in range(len(words) - 4)} or {tuple(words)}


def repeats_another(line: str, others: Iterable[str]) -> bool:
    """Whether the line shares a run of 5 words (8 Chinese characters) with any of ``others``."""
    own = _runs(line)
    return any(own & _runs(other) for other in others if other.strip())
