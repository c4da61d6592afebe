"""The content check: what a model writes is never violent, sexual, hateful or private.

Every line a chat model writes (a single line, a conversation turn, a chat answer) passes
``pipelines.dialogue.checks.inspect_line``, which calls ``content_problem`` and refuses the line
when it names a category; the caller then tries again or says a hand-written line. The check
reads English and Chinese: violence, sexual content, swearing, slurs, self-harm, and personal
data (e-mail addresses, phone numbers, ID and card numbers, street addresses). A persona name
typed by a user is spoken as given, unless it holds a slur (``name_problem``).

It is a blocklist (``pipelines.dialogue.content_words``) plus patterns, not a classifier: it catches
the words, not the intent, so a determined user can still get an odd or unkind line that
uses none of them; and it errs on the side of refusing (a refused line costs a template).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from pipelines.dialogue.content_words import (
    PROFANITY_EN,
    PROFANITY_ZH,
    SELF_HARM_EN,
    SELF_HARM_ZH,
    SEXUAL_EN,
    SEXUAL_ZH,
    SLURS_EN,
    SLURS_ZH,
    STREET_WORDS,
    VIOLENCE_EN,
    VIOLENCE_ZH,
)

#: The categories ``content_problem`` names, in the order they are checked.
CATEGORIES = ("slur", "self-harm", "violence", "sexual", "profanity", "personal data")

# Digits and symbols people use for letters to slip a word past a filter ("k1ll", "$ex").
_LOOKALIKES = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
                             "@": "a", "$": "s", "!": "i", "|": "l"})  # fmt: skip


def _english(words: Iterable[str]) -> re.Pattern[str]:
    alternatives = sorted((re.escape(w).replace(r"\ ", r"[\s\-]+") for w in words), key=len)
    return re.compile(r"(?<![a-z])(?:" + "|".join(reversed(alternatives)) + r")(?![a-z])")


def _chinese(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


_WORDS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "slur": (_english(SLURS_EN), _chinese(SLURS_ZH)),
    "self-harm": (_english(SELF_HARM_EN), _chinese(SELF_HARM_ZH)),
    "violence": (_english(VIOLENCE_EN), _chinese(VIOLENCE_ZH)),
    "sexual": (_english(SEXUAL_EN), _chinese(SEXUAL_ZH)),
    "profanity": (_english(PROFANITY_EN), _chinese(PROFANITY_ZH)),
}

_PERSONAL_DATA = (
    re.compile(r"[\w.+\-]+\s*(?:@|\(at\)|\[at\]|＠)\s*[\w\-]+(?:\s*(?:\.|\(dot\))\s*[\w\-]+)+"),
    # Seven or more digits in a row, or in groups joined by spaces, dots, dashes or brackets:
    # phone, card, ID and account numbers (a year or a price has fewer).
    re.compile(r"(?<!\w)\+?\(?\d(?:[\s().\-]{0,2}\d){6,}(?!\w)"),
    # A house number, one to four words, and a street word: "221 Baker Street".
    re.compile(
        r"(?<!\w)\d{1,5}[a-z]?\s+(?:[a-z][\w'\-]*\s+){1,4}(?:" + "|".join(STREET_WORDS) + r")\b\.?"
    ),
    # Chinese mobile numbers and ID card numbers, and addresses: "XX路12号", "3号楼", "8弄".
    re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)|(?<!\d)\d{17}[\dx](?!\w)"),
    re.compile(r"[\u4e00-\u9fff]{1,12}(?:路|街|道|巷|弄|村|大厦)\s*\d+\s*(?:号|弄|栋|室|楼)"),
    re.compile(r"\d+\s*(?:号楼|栋|单元|室)"),
)


def _normalised(text: str) -> str:
    """NFKC, lower case, curly quotes straightened: how every pattern sees the text."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return folded.replace("’", "'").replace("‘", "'")


def content_problem(text: str) -> str | None:
    """The first category of CATEGORIES the text falls in, or None when it is fit to say.

    Args:
        text: A line, in any language (English and Chinese words are known).

    Returns:
        "slur", "self-harm", "violence", "sexual", "profanity", "personal data", or None.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    plain = _normalised(text)
    unmasked = plain.translate(_LOOKALIKES)
    for category, (english, chinese) in _WORDS.items():
        if english.search(plain) or english.search(unmasked) or chinese.search(plain):
            return category
    if any(pattern.search(plain) for pattern in _PERSONAL_DATA):
        return "personal data"
    return None


def name_problem(name: str | None) -> str | None:
    """Whether a persona name may be used: "slur" when it holds one, else None.

    Slurs spelt with look-alike characters ("1" for "i", "3" for "e") or with the letters
    run together or split by dots and spaces are found too. Any other name is spoken as given.
    """
    if not name or not name.strip():
        return None
    plain = _normalised(name)
    english, chinese = _WORDS["slur"]
    unmasked = plain.translate(_LOOKALIKES)
    squashed = re.sub(r"[^a-z]", "", unmasked)
    hits = (
        english.search(plain)
        or english.search(unmasked)
        or english.fullmatch(squashed)
        or chinese.search(plain)
    )
    return "slur" if hits else None
