"""Does a line state a feeling its mood contradicts (a sad line that says 心情真好！)?

The models are asked for a line in a mood, and now and then write the opposite: Qwen wrote
我今天特别穿上我最心爱的黑色衣服，周围一片灰色，心情真好！ for "sad". A line for a sad or angry
face may not say it is happy, and a line for a happy or excited face may not say it is sad or
angry; a feeling that is denied (我不开心, "I'm not sad") is no contradiction. Neutral and
surprised lines may say either. Only feelings the speaker states are looked for, in a short
list of words per language: the check refuses a plain contradiction, it does not judge tone.
"""

from __future__ import annotations

import re

from pipelines.types import Mood

#: Stated joy and stated sadness or anger, in Chinese: 心情好 but not 心情不好, and not 很高兴见到你
#: (glad to see someone, which a sad person says too; "glad" is not looked for in English).
_JOY_ZH = re.compile(
    r"开心|高兴(?!见|看到|认识|有你)|快乐|愉快|兴奋|幸福|心情(?:真|很|特别|非常|超|挺|大)?好|"
    r"忍不住(?:一直)?(?:在)?笑"
)
_GLOOM_ZH = re.compile(
    r"难过|伤心|悲伤|失落|沮丧|难受|痛苦|低落|沉重|生气|愤怒|火冒三丈|气死|"
    r"心情(?:真|很|特别|非常|有点|有些)?(?:不太好|不好|差|糟)"
)
#: Joy and sadness or anger the English speaker states ("I'm so happy", "it made me sad"), not
#: a word about something else ("those happy days", "cheerful colours").
_STATED_EN = (
    r"\b(?:I'm|I am|I was|I feel|I felt|I've been|makes me|made me|make me|feeling)\s+"
    r"(?:so |very |really |truly |quite |pretty |a bit |rather )?"
)
_JOY_EN = re.compile(
    _STATED_EN + r"(?:happy|delighted|thrilled|joyful|cheerful|overjoyed|great|wonderful)\b"
    r"|\bcan't stop smiling\b",
    re.IGNORECASE,
)
_GLOOM_EN = re.compile(
    _STATED_EN
    + r"(?:sad|unhappy|upset|angry|furious|miserable|depressed|heartbroken|gloomy|lonely)\b",
    re.IGNORECASE,
)
#: A denial just before a feeling: 不开心, 没那么高兴, "not sad", "never happy".
_DENIED_ZH = re.compile(r"(?:[不没]|(?<!特)别)(?:太|那么|怎么|有|再)?$")  # 别, not 特别
_DENIED_EN = re.compile(r"(?:\bnot|\bnever|\bno longer|n't|\bnor)\s+(?:\w+\s+)?$", re.IGNORECASE)
#: The moods that may not state the opposite feeling, and that feeling.
_OPPOSITE: dict[str, str] = {"sad": "joy", "angry": "joy", "happy": "gloom", "excited": "gloom"}


def contradicts_mood(line: str, mood: Mood, lang: str) -> str | None:
    """The stated feeling that contradicts ``mood`` ("心情真好", "sad"), else None.

    Args:
        line: A cleaned line.
        mood: The mood the line was written for.
        lang: "zh" or "en" (the line's language).

    Returns:
        The words that contradict the mood, or None when nothing does.
    """
    opposite = _OPPOSITE.get(mood)
    if opposite is None:
        return None
    chinese = lang == "zh"
    if chinese:
        pattern = _JOY_ZH if opposite == "joy" else _GLOOM_ZH
    else:
        pattern = _JOY_EN if opposite == "joy" else _GLOOM_EN
    denied = _DENIED_ZH if chinese else _DENIED_EN
    for match in pattern.finditer(line):
        before = line[max(0, match.start() - 16) : match.start()]
        if denied.search(before):
            continue
        if chinese and line[match.end() : match.end() + 1] == "的":
            continue  # 快乐的时光: a word about the times, not a feeling the speaker states
        return match.group(0)
    return None
