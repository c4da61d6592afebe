"""Hand-written Chinese lines, chosen by mood and shaped by the scene (the lang="zh" fallback).

The Chinese sentences (``CHINESE``) for the shared mechanism of ``pipelines.dialogue.templates``:
every line is first person (我/我们), one to three short sentences ending in 。！？, and states no
fact the scene does not give. ``template_line_zh`` picks with a seeded ``random.Random`` so the
same seed gives the same line.
"""

from __future__ import annotations

import random

from pipelines.dialogue.templates import TemplateBook, template_line
from pipelines.types import Mood, Scene

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

_OLD_PHOTO = (
    "我拍这张老照片的那天，好像已经过去一辈子了。",
    "我还记得拍这张老照片的那一天。",
    "这张老照片，是很多年以前拍的。",
)
_OLD_PHOTO_GROUP = ("拍这张照片的时候，我们还那么年轻。",)
_PAINTING = ("我为这幅画坐了好几个小时。", "画家叫我一动也不要动。")
_PAINTING_GROUP = ("我们为这位画家摆了一下午的姿势。",)
_GROUP = (
    "我们一整天都站在一起。",
    "能和大家一起入镜真好。",
    "今天我们难得聚在一块儿。",
    "有你们在身边，我就安心了。",
)
_EXPRESSION = {
    "smile": ("拍这张照片的时候，我一直忍不住在笑。", "你看见我在对你笑了吗？"),
    "open_mouth": ("快门按下的时候，我正好在说话。",),
    "closed_eyes": ("拍照的那一刻我好像眨眼了。",),
}
_DARK = (
    "这里有点暗，不过我还是看得见你。",
    "光线这么暗，你还看得清我吗？",
    "我身边暗暗的，只有你在看着我。",
)
_BRIGHT = ("这里的光太亮了，我都有点睁不开眼。",)
_CLOSE_UP = ("你离我好近啊。",)
_SMALL = ("从你那边看，我一定显得很小吧。",)
_BACKGROUND = ("我喜欢身边这一片{colour}。", "我身后是一大片{colour}。")
_CLOTHES = ("你看，我今天穿的是{colour}的衣服。", "这件{colour}的衣服是我特意挑的。")
_LEAVES = ("我身边的绿树真好看。", "你听，我身后的树叶在沙沙响。")
_SKY = ("你看我头顶的蓝天。", "我喜欢在这片蓝天下面。")

CHINESE = TemplateBook(
    mood_lines=MOOD_LINES_ZH,
    old_photo=_OLD_PHOTO,
    old_photo_group=_OLD_PHOTO_GROUP,
    painting=_PAINTING,
    painting_group=_PAINTING_GROUP,
    group=_GROUP,
    expression=_EXPRESSION,
    dark=_DARK,
    bright=_BRIGHT,
    close_up=_CLOSE_UP,
    small=_SMALL,
    background=_BACKGROUND,
    colour_names=COLOUR_NAMES_ZH,
    clothes=_CLOTHES,
    leaves=_LEAVES,
    sky=_SKY,
    joiner="",
)


def template_line_zh(scene: Scene | None, face_index: int, mood: Mood, rng: random.Random) -> str:
    """A hand-written Chinese line for one person: a mood sentence and maybe a scene sentence.

    ``pipelines.dialogue.templates.template_line`` with the Chinese sentences (``CHINESE``).

    Raises:
        BadInputError: Unknown mood, or the scene has no face ``face_index``.
    """
    return template_line(scene, face_index, mood, rng, CHINESE)
