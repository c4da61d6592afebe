"""Hand-written Chinese lines, chosen by mood and shaped by the scene (the lang="zh" fallback).

The Chinese counterpart of ``pipelines.dialogue.templates``: every line is first person
(我/我们), one to three short sentences ending in 。！？, and states no fact the scene does not
give. ``template_line_zh`` picks with a seeded ``random.Random`` so the same seed gives the
same line.
"""

from __future__ import annotations

import random

from pipelines.dialogue.templates import person_in
from pipelines.errors import BadInputError
from pipelines.types import Mood, PersonInScene, Scene

#: Colour words of the scene reader, in Chinese.
COLOUR_NAMES_ZH: dict[str, str] = {
    "black": "黑色",
    "white": "白色",
    "grey": "灰色",
    "red": "红色",
    "orange": "橙色",
    "yellow": "黄色",
    "green": "绿色",
    "blue": "蓝色",
    "purple": "紫色",
    "pink": "粉色",
    "brown": "棕色",
}

#: Lines per mood; each stands alone and fits any scene.
MOOD_LINES_ZH: dict[str, tuple[str, ...]] = {
    "neutral": (
        "你好，我等你来看我已经等了好久。",
        "我很高兴你停下来看看我。",
        "我刚才还在想晚饭吃什么呢。",
        "我在这里安安静静地待了很久。",
        "我希望你今天过得不错。",
        "我挺喜欢这样安静的时刻。",
    ),
    "happy": (
        "你来看我，我真是太开心了！",
        "今天是我最喜欢的日子之一。",
        "我今天心情特别好，希望你也一样。",
        "我现在简直开心得不得了。",
        "我最喜欢这样的时刻了。",
    ),
    "sad": (
        "我好想念以前的日子。",
        "我今天有点难过。",
        "有时候我会觉得有点孤单。",
        "我真希望能把记得的事都告诉你。",
        "我想勇敢一点，可是心里很沉重。",
    ),
    "excited": (
        "我等不及要告诉你今天发生的事了！",
        "你猜怎么着？我有个天大的好消息！",
        "我激动得都站不住了！",
        "今天是个大日子，我已经准备好了！",
        "这一整个星期我都在盼着今天！",
    ),
    "surprised": (
        "哎呀！我刚才都没看见你。",
        "等等，真的是你吗？我完全没想到！",
        "天哪，我从没想过会有这一天。",
        "真是个惊喜！我不知道你要来。",
        "我简直不敢相信自己的眼睛！",
    ),
    "angry": (
        "我在这里等得太久了！",
        "我可没说要让人给我拍照！",
        "别光盯着我看，说句话呀！",
        "我今天真的没心情。",
        "我早就说了我还没准备好！",
    ),
}

_OLD_PHOTO = ("这张照片拍下的那天，好像已经过去一辈子了。", "我还记得拍这张照片的那一天。")
_OLD_PHOTO_GROUP = ("拍这张照片的时候，我们还那么年轻。",)
_PAINTING = ("我为这幅画坐了好几个小时。", "画家叫我一动也不要动。")
_PAINTING_GROUP = ("我们为这位画家摆了一下午的姿势。",)
_GROUP = ("我们一整天都站在一起。", "能和大家一起入镜真好。")
_EXPRESSION = {
    "smile": ("拍这张照片的时候，我一直忍不住在笑。",),
    "open_mouth": ("快门按下的时候，我正好在说话。",),
    "closed_eyes": ("拍照的那一刻我好像眨眼了。",),
}
_CHEERFUL = frozenset({"neutral", "happy", "excited"})
_DARK = ("这里有点暗，不过我还是看得见你。",)
_BRIGHT = ("这里的光太亮了，我都有点睁不开眼。",)
_CLOSE_UP = ("你离我好近啊。",)
_SMALL = ("从你那边看，我一定显得很小吧。",)
_BACKGROUND = ("我喜欢身边这一片{colour}。",)
_CLOTHES = ("你看，我今天穿的是{colour}的衣服。",)
_MOOD_FIRST = frozenset({"excited", "surprised", "angry"})


def scene_sentences_zh(scene: Scene, person: PersonInScene | None, mood: Mood) -> list[list[str]]:
    """Chinese sentences about the scene, grouped by fact, the most distinctive fact first."""
    group = len(scene.people) >= 2
    groups: list[list[str]] = []
    if scene.medium.startswith("painting"):
        groups.append(list(_PAINTING_GROUP if group else _PAINTING))
    elif scene.tone in ("black-and-white", "sepia"):
        groups.append(list(_OLD_PHOTO_GROUP if group else _OLD_PHOTO))
    if group:
        groups.append(list(_GROUP))
    clothes = getattr(person, "clothes", "") if person is not None else ""
    if clothes in COLOUR_NAMES_ZH and scene.tone == "colour":
        groups.append([t.format(colour=COLOUR_NAMES_ZH[clothes]) for t in _CLOTHES])
    expression = person.expression if person is not None else ""
    if expression in _EXPRESSION and (expression != "smile" or mood in _CHEERFUL):
        groups.append(list(_EXPRESSION[expression]))
    if scene.brightness in ("dark", "dim"):
        groups.append(list(_DARK))
    elif scene.brightness == "bright":
        groups.append(list(_BRIGHT))
    colours = [c for c in scene.background if c in COLOUR_NAMES_ZH]
    if colours and scene.tone == "colour":
        groups.append([t.format(colour=COLOUR_NAMES_ZH[colours[0]]) for t in _BACKGROUND])
    if person is not None and person.framing == "close-up":
        groups.append(list(_CLOSE_UP))
    elif person is not None and person.framing == "small in the frame":
        groups.append(list(_SMALL))
    return groups


def template_line_zh(scene: Scene | None, face_index: int, mood: Mood, rng: random.Random) -> str:
    """A hand-written Chinese line for one person: a mood sentence and maybe a scene sentence.

    Args:
        scene: The scene, or None for a line that uses no scene fact.
        face_index: Index of the speaking face.
        mood: One of MOODS.
        rng: The random source; the same seed gives the same line.

    Returns:
        A first-person Chinese line of 1-2 sentences.

    Raises:
        BadInputError: Unknown mood, or the scene has no face ``face_index``.
    """
    if mood not in MOOD_LINES_ZH:
        raise BadInputError(f"Unknown mood {mood!r}; choose one of: {', '.join(MOOD_LINES_ZH)}.")
    mood_line = rng.choice(MOOD_LINES_ZH[mood])
    if scene is None:
        return mood_line
    groups = scene_sentences_zh(scene, person_in(scene, face_index), mood)
    if not groups:
        return mood_line
    chosen_group = groups[0] if rng.random() < 0.6 else rng.choice(groups)
    scene_line = rng.choice(chosen_group)
    if mood in _MOOD_FIRST:
        return mood_line + scene_line
    return scene_line + mood_line
