"""Which text found by OCR is worth telling the dialogue writer: no handles, links or watermarks.

A photo from the web often carries an Instagram handle, a URL, a hashtag or a stock-photo
watermark; read aloud by the person ("…your lady diana life") they are nonsense. OCR also misreads
stylised lettering into fragments ("sterosVIP", "GAMEO", "=Weste" from a "Game of Thrones" wall)
that a line model then repeats as if they were facts. ``keep_text`` removes such tokens from an
OCR string and says whether what is left is still worth keeping.

Fragments are told from words by their shape (a lower-case run followed by capitals, a leading
symbol) and by an English word list: misaki's US lexicons (``misaki/data/us_gold.json`` and
``us_silver.json``, part of the pinned ``misaki[zh]`` dependency). A Latin-letter token is kept
when it is a word of the list (or a plural of one), an acronym of 3-4 capitals ("HBO") or holds
a digit, or splits into such words (OCR often drops the spaces of a sign: "SAYHACKED"), and a
string needs 3 letters or digits left ("GA" alone is a fragment too); Chinese
and other scripts are kept as read. Without misaki only the shape rules apply.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from importlib import resources

from pipelines.text import word_set

logger = logging.getLogger(__name__)

#: Tokens that are handles, hashtags, e-mail addresses or links.
_NOISE_TOKEN = re.compile(
    r"^(?:[@#＠].*|.*@.*|(?:https?://|www\.).*|.*\.(?:com|net|org|io|ly|co|cn|me|tv|de|uk|jp)"
    r"(?:/.*)?)$",
    flags=re.IGNORECASE,
)
#: Words of stock-photo and social-media watermarks; a string holding one is dropped whole.
_WATERMARK = re.compile(
    r"©|\(c\)|copyright|shutterstock|getty ?images|alamy|istock|dreamstime|depositphotos|"
    r"123rf|adobe ?stock|stock ?photo|watermark|instagram|tiktok|facebook|twitter|weibo|"
    r"抖音|微博|小红书|快手|photo by|photographer|all rights reserved",
    flags=re.IGNORECASE,
)
#: A misread token: a lower-case run then capitals ("sterosVIP"), or a symbol in front ("=Weste").
_MANGLED = re.compile(r"[a-z]{2,}[A-Z]|^[^\w\"'(“‘]")
_LATIN_TOKEN = re.compile(r"^[A-Za-z][A-Za-z'’\-]*$")
_ACRONYM = re.compile(r"^[A-Z]{3,4}$")
_LEXICONS = ("us_gold.json", "us_silver.json")
#: Fewest letters or digits a kept string has (a Chinese string of 2 characters counts double).
_MIN_CHARS = 3


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The lower-case English words of misaki's US lexicons; empty when misaki is absent."""
    words: set[str] = set()
    try:
        folder = resources.files("misaki") / "data"
        for name in _LEXICONS:
            words.update(key.lower() for key in json.loads((folder / name).read_text("utf-8")))
    except (ModuleNotFoundError, FileNotFoundError, OSError, ValueError) as error:
        logger.warning("No English word list for OCR text (misaki[zh] is missing): %s", error)
        return frozenset()
    return frozenset(words)


def is_word(token: str) -> bool:
    """Whether a Latin-letter OCR token is an English word, a plural of one or an acronym.

    True for every token when no word list is available.
    """
    if _ACRONYM.match(token):
        return True
    known = english_words()
    if not known:
        return True
    lowered = token.lower().replace("’", "'")
    stems = (lowered, lowered.removesuffix("s"), lowered.removesuffix("es"))
    return any(stem in known for stem in stems)


#: Two-letter words a run-together OCR token may be split into ("SAYHACKED" has none).
_SHORT_WORDS = word_set("a i an as at be by do go he if in is it me my no of on or so to up us we")
#: Longest run-together token that is split into words.
_MAX_SPLIT = 40


def split_run_together(token: str) -> list[str] | None:
    """A token OCR read without its spaces ("SAYHACKED") as words, fewest pieces first.

    Every piece must be a word of the list, of 3 or more letters or a common short word.
    Returns None when the token cannot be split so (a fragment such as "GAMEO").
    """
    known = english_words()
    lowered = token.lower()
    if not known or len(lowered) > _MAX_SPLIT:
        return None
    # best[i]: fewest pieces covering lowered[:i], as (count, start of the last piece).
    best: list[tuple[int, int] | None] = [None] * (len(lowered) + 1)
    best[0] = (0, 0)
    for end in range(1, len(lowered) + 1):
        for start in range(end):
            piece = lowered[start:end]
            previous = best[start]
            if previous is None:
                continue
            if not (piece in _SHORT_WORDS or (len(piece) >= 3 and piece in known)):
                continue
            if best[end] is None or previous[0] + 1 < best[end][0]:
                best[end] = (previous[0] + 1, start)
    if best[-1] is None:
        return None
    pieces, end = [], len(lowered)
    while end > 0:
        start = best[end][1]
        pieces.append(token[start:end])
        end = start
    return pieces[::-1]


def _kept_tokens(token: str) -> list[str]:
    """The token as it may be kept: itself, split into words, or nothing."""
    bare = token.strip(".,;:!?()")
    if not bare or _NOISE_TOKEN.match(bare) or _MANGLED.search(bare):
        return []
    if not _LATIN_TOKEN.match(bare) or is_word(bare):
        return [token]
    return split_run_together(bare) or []


def keep_text(text: str) -> str:
    """The OCR string without handles, links and misread fragments, or "" if nothing is left.

    Args:
        text: One string read by OCR.

    Returns:
        The string with its noise tokens removed (whitespace collapsed), or "" when it is a
        watermark or fewer than 3 letters or digits (2 Chinese characters) remain.
    """
    if _WATERMARK.search(text):
        return ""
    cleaned = " ".join(kept for token in text.split() for kept in _kept_tokens(token))
    weight = sum(2 if "\u4e00" <= ch <= "\u9fff" else 1 for ch in cleaned if ch.isalnum())
    if weight < _MIN_CHARS:
        return ""
    return cleaned
