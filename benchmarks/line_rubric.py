"""The rubric that scores written lines against what each benchmark photo really shows.

The facts are labelled by hand (``TRUTH``), not taken from the scene reader, so a scene reader
that calls a photo a painting cannot make a line that says "painting" pass. A line passes when
it is:

- **first person**: it speaks as I/we (English) or 我/我们 (Chinese) and opens with no
  third-person narration ("She is…", "The man…", "照片里的…", "他…");
- **on topic**: it mentions at least one true fact of its photo (a colour that is there, the
  medium when it is a painting or drawing, old/black-and-white, being together in a group, a
  smile, something worn, something in view) and contradicts none (a colour that is not there,
  "painting" for a photo, "camera" for a painting);
- **free of assistant talk**: no "as an AI", "I'm sorry for the confusion", "how can I help",
  作为一个AI, 很抱歉 and the like;
- **distinct across faces**: it shares no run of 5 words (Chinese: 8 characters) with a line
  any other face said in the same run.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

#: English colour words (and their Chinese counterparts) the contradiction check knows.
COLOURS_EN: tuple[str, ...] = (
    "red",
    "orange",
    "yellow",
    "green",
    "blue",
    "purple",
    "pink",
    "brown",
    "white",
    "black",
    "grey",
    "gray",
    "gold",
    "golden",
    "silver",
)
COLOURS_ZH: dict[str, str] = {
    "红": "red",
    "橙": "orange",
    "黄": "yellow",
    "绿": "green",
    "蓝": "blue",
    "紫": "purple",
    "粉": "pink",
    "棕": "brown",
    "褐": "brown",
    "白": "white",
    "黑": "black",
    "灰": "grey",
    "金": "gold",
    "银": "silver",
}
# Chinese words that hold a colour character without naming a colour.
_ZH_NOT_COLOUR = ("白天", "明白", "黑夜", "金钱", "红包", "空白", "坦白", "黄昏", "银行", "金属")
PAINTING_WORDS_EN = ("painting", "painted", "painter", "canvas", "brush", "drawing", "drawn")
PAINTING_WORDS_ZH = (
    "油画",
    "画像",
    "画家",
    "画布",
    "这幅画",
    "画中",
    "画里",
    "画上",
    "画笔",
    "一幅画",
)
PHOTO_ONLY_WORDS_EN = ("camera", "photograph", "snapshot", "photographer")
PHOTO_ONLY_WORDS_ZH = ("相机", "镜头", "摄影", "拍照")

ASSISTANT_TALK = re.compile(
    r"as an ai|an ai\b|language model|assistant|chatbot|sorry for the confusion|"
    r"i'?m sorry,? but|happy to help|glad to help|how (?:can|may) i (?:help|assist)|"
    r"i (?:cannot|can't) (?:help|assist)|here is (?:a|the|my)|"
    r"作为一个?(?:ai|人工智能|助手|语言模型)|"
    r"人工智能|语言模型|助手|很抱歉|抱歉，|帮助您|为您服务|有什么可以帮",
    flags=re.IGNORECASE,
)
_NARRATION_EN = re.compile(
    r"^(?:(?:he|she|they)\b|(?:the|this|that|a|an)\s+(?:\w+\s+)?(?:man|woman|person|girl|boy|"
    r"lady|child|photo|picture|painting|image|figure)s?\b)",
    flags=re.IGNORECASE,
)
_FIRST_PERSON_EN = re.compile(r"\b(?:i|i'm|i've|i'll|i'd|me|my|mine|we|we're|us|our)\b", re.I)
_NARRATION_ZH = re.compile(r"^(?:他|她|它|他们|她们|这张|这幅|照片[里中上]|图[片中里]|画[中里面])")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


@dataclass(frozen=True)
class PhotoTruth:
    """What a benchmark photo really shows, labelled by hand.

    Attributes:
        medium: "photo" or "painting" (a painting, drawing or render).
        colours: Colour words that are truly in the photo (clothes, hair, background).
        facts_en: Words that state a true fact of the photo.
        facts_zh: The same facts in Chinese (substrings).
    """

    medium: str
    colours: frozenset[str]
    facts_en: frozenset[str]
    facts_zh: tuple[str, ...]


def _truth(medium: str, colours: str, facts_en: str, facts_zh: str) -> PhotoTruth:
    return PhotoTruth(
        medium, frozenset(colours.split()), frozenset(facts_en.split()), tuple(facts_zh.split())
    )


_PAINTING_EN = "painting painted painter portrait canvas brush artist"
_PAINTING_ZH = "画 画家 画像 肖像"
_GROUP_EN = "we us our together both"
_GROUP_ZH = "我们 一起 俩 两个人"
_OLD_EN = "old black-and-white black white grey gray years ago long faded"
_OLD_ZH = "老照片 黑白 多年 很久 以前 当年 那时"
_SMILE_EN = "smile smiling smiled grin laugh"
_SMILE_ZH = "笑"

#: The photos of the benchmark (assets/examples, plus scikit-image's astronaut).
TRUTH: dict[str, PhotoTruth] = {
    "cartoon_boy.jpg": _truth(
        "painting",
        "blue grey gray white yellow golden brown",
        f"{_PAINTING_EN} drawing drawn cartoon blue grey gray hair blond eyes",
        f"{_PAINTING_ZH} 卡通 蓝 灰 头发 金色 眼睛",
    ),
    "couple_red_carpet.jpg": _truth(
        "photo",
        "red black grey gray white silver",
        f"{_GROUP_EN} {_SMILE_EN} red carpet black dress grey gray suit hbo thrones",
        f"{_GROUP_ZH} {_SMILE_ZH} 红 地毯 黑 裙 灰 西装 HBO",
    ),
    "einstein_bw.jpg": _truth(
        "photo",
        "black white grey gray purple",
        f"{_OLD_EN} suit moustache mustache hair",
        f"{_OLD_ZH} 黑 白 灰 西装 胡子 头发",
    ),
    "lowres_240p.jpg": _truth(
        "photo",
        "blue red white black gold golden",
        f"{_SMILE_EN} flag blue red white suit tie curtain curtains",
        f"{_SMILE_ZH} 旗 蓝 红 白 西装 领带 窗帘",
    ),
    "mona_lisa.jpg": _truth(
        "painting",
        "brown green black yellow gold golden",
        f"{_PAINTING_EN} {_SMILE_EN} brown green dark hills landscape",
        f"{_PAINTING_ZH} {_SMILE_ZH} 棕 绿 山 风景",
    ),
    # He smiles with his mouth closed (a smirk): smiling is a fact of this photo. His suit is
    # a charcoal so dark it is near black (RGB about 25-36, Lab lightness 8-14, chroma 4-5), not
    # blue: the blue is his tie and the navy backdrop ("blue suit" was a wrong label).
    "painted_portrait.png": _truth(
        "painting",
        "blue black white grey gray",
        f"{_PAINTING_EN} {_SMILE_EN} blue suit tie dark charcoal black grey gray",
        f"{_PAINTING_ZH} {_SMILE_ZH} 蓝 西装 领带",
    ),
    "smiling_woman_256.png": _truth(
        "photo",
        "brown green black blue white",
        f"{_SMILE_EN} brown hair green dark",
        f"{_SMILE_ZH} 棕 头发 绿 暗",  # 暗: the English label's "dark"
    ),
    "two_people.jpg": _truth(
        "photo",
        "blue gold golden yellow white black purple grey gray silver",
        f"{_GROUP_EN} suit suits tie curtains curtain gold golden blue yellow",
        f"{_GROUP_ZH} 西装 领带 窗帘 金 蓝 黄",
    ),
    "woman_waterfall.jpg": _truth(
        "photo",
        "green brown white grey gray black",
        "waterfall water green trees forest grass nature brown hair",
        "瀑布 水 绿 树 森林 草 大自然 头发",
    ),
    # The studio backdrop is a mottled light grey.
    "astronaut.png": _truth(
        "photo",
        "orange white blue red black grey gray",
        f"{_SMILE_EN} space astronaut spacesuit suit flag orange white",
        f"{_SMILE_ZH} 太空 宇航员 航天 宇航服 旗 橙 白",
    ),
}


def is_chinese(text: str) -> bool:
    """Whether the text is mostly Chinese characters."""
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    return han > latin


def colours_named(text: str) -> set[str]:
    """The colour words a line names (English words or Chinese characters, as English)."""
    if is_chinese(text):
        cleaned = text
        for word in _ZH_NOT_COLOUR:
            cleaned = cleaned.replace(word, "")
        return {english for char, english in COLOURS_ZH.items() if char in cleaned}
    words = set(_WORD.findall(text.lower().replace("black-and-white", "bw")))
    words |= {w[:-1] for w in words if w.endswith("s")}  # "reds", "greens"
    return {w for w in COLOURS_EN if w in words}


def first_person(text: str) -> bool:
    """Speaks as I/we and does not open with third-person narration."""
    stripped = text.strip().lstrip("\"'“‘")
    if is_chinese(stripped):
        return "我" in stripped and not _NARRATION_ZH.match(stripped)
    return bool(_FIRST_PERSON_EN.search(stripped)) and not _NARRATION_EN.match(stripped)


def _colours_there(truth: PhotoTruth) -> set[str]:
    """The colour words true of the photo, with both spellings of grey and of gold."""
    there = set(truth.colours)
    if "grey" in there or "gray" in there:
        there |= {"grey", "gray"}
    if "gold" in there or "golden" in there:
        there |= {"gold", "golden"}
    return there


def contradictions(text: str, truth: PhotoTruth) -> list[str]:
    """The facts the line states that the photo contradicts (empty when none)."""
    found = [f"colour {c}" for c in sorted(colours_named(text) - _colours_there(truth))]
    lowered = text.lower()
    words = set(_WORD.findall(lowered))
    if truth.medium == "photo":
        found += [f"medium {w}" for w in PAINTING_WORDS_EN if w in words]
        found += [f"medium {w}" for w in PAINTING_WORDS_ZH if w in text]
    else:
        found += [f"medium {w}" for w in PHOTO_ONLY_WORDS_EN if w in words]
        found += [f"medium {w}" for w in PHOTO_ONLY_WORDS_ZH if w in text]
    return found


def mentions_fact(text: str, truth: PhotoTruth, colours_are_facts: bool = True) -> bool:
    """Whether the line states at least one true fact of the photo.

    Args:
        text: The line.
        truth: Its photo's labels.
        colours_are_facts: Count a colour that is in the photo (``truth.colours``) as a fact,
            as the module's definition says. False gives the rubric's first code, which
            counted only the words of ``facts_en`` / ``facts_zh`` (kept to compare figures).
    """
    if colours_are_facts and colours_named(text) & _colours_there(truth):
        return True
    if is_chinese(text):
        return any(fact in text for fact in truth.facts_zh)
    words = set(_WORD.findall(text.lower()))
    words |= {w.replace("-", "") for w in re.findall(r"[a-z]+(?:-[a-z]+)+", text.lower())}
    return bool(words & truth.facts_en) or "black-and-white" in text.lower()


def assistant_talk(text: str) -> bool:
    """Whether the line talks like a chat assistant instead of the person."""
    return bool(ASSISTANT_TALK.search(text))


def _runs(text: str, length: int) -> set[tuple[str, ...]]:
    if is_chinese(text):
        chars = [ch for ch in text if ch.isalnum()]
        return {tuple(chars[i : i + 8]) for i in range(len(chars) - 7)} or {tuple(chars)}
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + length]) for i in range(len(words) - length + 1)} or {tuple(words)}


def distinct(text: str, others: Sequence[str]) -> bool:
    """Shares no run of 5 words (8 Chinese characters) with any of ``others``."""
    own = _runs(text, 5)
    return all(not own & _runs(other, 5) for other in others if other)


def score_line(
    text: str, photo: str, others: Sequence[str], colours_are_facts: bool = True
) -> dict[str, object]:
    """The rubric's verdict on one line of ``photo``; ``others``: lines other faces said.

    ``colours_are_facts``: see ``mentions_fact`` (False: the rubric's first code).
    """
    truth = TRUTH[photo]
    contradicted = contradictions(text, truth)
    verdict: dict[str, object] = {
        "first_person": first_person(text),
        "on_topic": mentions_fact(text, truth, colours_are_facts) and not contradicted,
        "no_assistant_talk": not assistant_talk(text),
        "distinct": distinct(text, others),
    }
    verdict["passes"] = all(verdict.values())
    if contradicted:
        verdict["contradicts"] = contradicted
    return verdict
