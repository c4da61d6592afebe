"""Text clean-up for spoken lines: normalisation, sentence splitting and the language spoken.

``normalize_line`` turns whatever a user typed into text a TTS voice can say: letters of any
script are kept (Latin, Chinese, Arabic, Hebrew ...), emoji, symbols, HTML/SSML tags and control
characters are removed. ``split_sentences`` cuts text into sentences for subtitles and checks.
``detect_language`` tells Mandarin from English, and ``resolve_language`` turns a ``lang``
setting ("auto", "en", "zh") into the language a line is written and spoken in.
``simplified_chinese`` writes traditional characters as simplified ones.
Lines written by a language model are checked in ``pipelines.dialogue.checks``.
"""

from __future__ import annotations

import functools
import html
import logging
import re
import unicodedata
from collections.abc import Callable

from pipelines.errors import BadInputError, LimitExceeded, strip_terminal_escapes

logger = logging.getLogger(__name__)


def word_set(words: str) -> frozenset[str]:
    """The set of the space-separated words of ``words`` (for compact word lists)."""
    return frozenset(words.split())


# Tags whose content is not text to say (dropped with their content).
_DROPPED_ELEMENT = re.compile(
    r"<(script|style)\b[^>]*>.*?</\1\s*>", flags=re.IGNORECASE | re.DOTALL
)
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", flags=re.DOTALL)
#: An HTML/XML/SSML tag: <name ...>, </name>, <name/>.
TAG = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>")
# Tags that sit inside a word or phrase; removing them must not split words.
_INLINE_TAGS = word_set(
    "b i u s em strong span emphasis prosody say-as sub phoneme lang mark font small big sup "
    "a abbr code"
)
# Format characters kept: the zero-width non-joiner changes how Persian and Indic words read.
_KEPT_FORMAT = frozenset({"\u200c"})
# Unicode categories a voice cannot say: symbols (emoji, dingbats, modifier symbols),
# enclosing marks (keycaps), private-use, surrogates and unassigned code points.
_UNSAYABLE_CATEGORIES = frozenset({"So", "Sk", "Me", "Co", "Cs", "Cn"})
WHITESPACE = re.compile(r"\s+")
SPACE_BEFORE_PUNCT = re.compile(r" +([,.!?;:%)\]}。！？，、])")

#: Characters that end a sentence (Latin, ellipsis, Chinese/Japanese full-width).
SENTENCE_END = ".!?…。！？"
_ABBREVIATIONS = word_set("mr mrs ms dr st prof jr sr vs etc e.g i.e mt no fig approx dept est")
# Full-width ASCII punctuation (U+FF01-FF0F, FF1A-FF20, FF3B-FF40, FF5B-FF60), kept as typed.
_WIDE_PUNCTUATION = re.compile("([\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff60])")
_CLOSERS = "\"'’”»)]」』"
_CJK_END = "。！？"


def nfkc_keeping_wide_punctuation(text: str) -> str:
    """NFKC normalisation that keeps full-width punctuation (。！？，：；（）…) as typed.

    NFKC folds full-width letters and digits, ligatures and other compatibility forms, which
    is what a voice needs; but it would also turn Chinese "！？，" into ASCII, which changes how
    Chinese text is split into sentences and shown in subtitles.

    Args:
        text: Any string.

    Returns:
        The NFKC form of the text with full-width punctuation left unchanged.
    """
    pieces = _WIDE_PUNCTUATION.split(text)
    return "".join(
        piece if index % 2 else unicodedata.normalize("NFKC", piece)
        for index, piece in enumerate(pieces)
    )


def _strip_markup(text: str) -> str:
    """Removes HTML/SSML tags, keeping the text between them."""
    text = _DROPPED_ELEMENT.sub(" ", text)
    text = _COMMENT.sub(" ", text)

    def replace(match: re.Match[str]) -> str:
        name = re.match(r"</?([A-Za-z][\w:.-]*)", match.group(0))
        tag_name = name.group(1).lower() if name else ""
        return "" if tag_name in _INLINE_TAGS else " "

    return TAG.sub(replace, text)


def _is_variation_selector(char: str) -> bool:
    code = ord(char)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def remove_unsayable(text: str) -> str:
    """Drops characters a voice cannot say and turns line breaks and tabs into spaces.

    Letters, digits, marks and punctuation of every script are kept; emoji, pictographs,
    modifier symbols, keycaps, variation selectors, private-use characters, control and most
    format characters (bidi overrides, zero-width joiners) are removed.

    Args:
        text: Any string.

    Returns:
        The text without those characters (whitespace not yet collapsed).
    """
    kept: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp"):
            if char in "\t\n\r\x0b\x0c\x1c\x1d\x1e\x85" or category != "Cc":
                kept.append(" ")
            continue
        if category == "Cf" and char not in _KEPT_FORMAT:
            continue
        if category in _UNSAYABLE_CATEGORIES or _is_variation_selector(char):
            continue
        kept.append(char)
    return "".join(kept)


def clean_text(text: str) -> str:
    """Unicode-normalises text and removes markup and unsayable characters.

    Args:
        text: Any string.

    Returns:
        NFKC-normalised text (full-width CJK punctuation kept) with tags, emoji, terminal
        colour sequences and control characters removed and whitespace collapsed to single
        spaces; may be empty.
    """
    # Whole escape sequences go first: removing only their ESC would leave "[31m" to be said.
    text = strip_terminal_escapes(text)
    text = nfkc_keeping_wide_punctuation(text)
    text = html.unescape(text)
    text = _strip_markup(text)
    text = remove_unsayable(text)
    # Normalising again folds anything the removals brought together (e.g. a lone combining
    # mark now next to a letter).
    text = nfkc_keeping_wide_punctuation(text)
    text = WHITESPACE.sub(" ", text).strip()
    return SPACE_BEFORE_PUNCT.sub(r"\1", text)


def normalize_line(text: str, max_chars: int) -> str:
    """Turns a line typed by a person into text a voice can say.

    Args:
        text: The raw line (any script; may hold HTML/SSML tags, emoji, control characters).
        max_chars: Longest accepted result, in characters (code points).

    Returns:
        The normalised line: NFKC, no tags, no emoji or symbols, no control characters, single
        spaces, at most ``max_chars`` characters.

    Raises:
        BadInputError: Nothing sayable is left (empty, whitespace, only emoji or tags).
        LimitExceeded: The normalised line is longer than ``max_chars``.
    """
    if not isinstance(text, str):
        raise BadInputError("text.not_text")
    cleaned = clean_text(text)
    if not cleaned or not any(ch.isalnum() for ch in cleaned):
        raise BadInputError("text.empty")
    if len(cleaned) > max_chars:
        raise LimitExceeded("text.too_long", chars=len(cleaned), most=max_chars)
    return cleaned


def split_sentences(text: str) -> list[str]:
    """Splits text into sentences.

    Handles ``.``, ``!``, ``?``, ``…`` (followed by a space or the end, so "3.5" and "e.g."
    inside a word stay whole), common abbreviations such as "Mr." and "Dr.", and the Chinese
    full stops ``。！？`` which need no following space, nor do the half-width marks between
    two Chinese characters (``你好.我是``, typed with a keyboard in English punctuation mode).
    A trailing fragment without end punctuation is returned as the last sentence.

    Args:
        text: Any text; whitespace is collapsed first.

    Returns:
        Non-empty, stripped sentences in order (an empty list for blank text).
    """
    text = WHITESPACE.sub(" ", text).strip()
    sentences: list[str] = []
    start = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char not in SENTENCE_END:
            index += 1
            continue
        end = index
        while end < len(text) and text[end] in SENTENCE_END:
            end += 1
        while end < len(text) and text[end] in _CLOSERS:
            end += 1
        # A half-width mark between two Chinese characters ends a sentence too (真的吗?!太好了).
        between_han = index > 0 and _HAN.match(text[index - 1]) and _HAN.match(text, end)
        at_break = end == len(text) or text[end] == " " or char in _CJK_END or bool(between_han)
        piece = text[start:end].strip()
        last_word = piece.rsplit(" ", 1)[-1].rstrip(".").lower()
        is_abbreviation = text[index:end] == "." and last_word in _ABBREVIATIONS
        if at_break and piece and not is_abbreviation:
            sentences.append(piece)
            start = end
        index = end
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


#: The languages a person in a photo can speak: English and Mandarin Chinese.
LANGUAGES: tuple[str, ...] = ("en", "zh")
#: What a ``lang`` setting may be: one of LANGUAGES, or "auto".
LANGUAGE_CHOICES: tuple[str, ...] = ("auto", *LANGUAGES)
#: Han characters (CJK unified ideographs, extension A, compatibility ideographs).
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_LETTER = re.compile("[A-Za-z]")


def detect_language(text: str) -> str:
    """The language of a line: "zh" when Han characters outnumber a third of its letters.

    A Chinese line with a few English words in it ("我喜欢 Python") is Chinese; an English
    line with one Chinese name is English.

    Args:
        text: Any text.

    Returns:
        "zh" or "en" ("en" for text with no letters at all).
    """
    han = len(_HAN.findall(text))
    latin_words = len(re.findall(r"[A-Za-z]+", text))
    return "zh" if han and han >= latin_words / 3 else "en"


def check_language(lang: str) -> str:
    """Checks a ``lang`` setting.

    Returns:
        The setting, lower-cased.

    Raises:
        BadInputError: Not one of LANGUAGE_CHOICES; the message lists them.
    """
    chosen = str(lang).strip().lower()
    if chosen not in LANGUAGE_CHOICES:
        raise BadInputError("language.unknown", lang=lang, choices=", ".join(LANGUAGE_CHOICES))
    return chosen


def resolve_language(lang: str, text: str | None = None, default: str = "en") -> str:
    """The language a line is written and spoken in.

    Args:
        lang: "auto", "en" or "zh".
        text: The line, when it is known (typed by the user): "auto" follows it.
        default: What "auto" means when there is no text (e.g. the interface's language).

    Returns:
        "en" or "zh".

    Raises:
        BadInputError: ``lang`` or ``default`` is not a known choice.
    """
    chosen = check_language(lang)
    if chosen != "auto":
        return chosen
    if text and text.strip():
        return detect_language(text)
    fallback = check_language(default)
    return "en" if fallback == "auto" else fallback


#: Marks that also stand inside a number or a time: 1,000, 10:30, 3：2.
_NUMBER_MARKS = ",:："


def mark_inside_number(text: str, end: int) -> bool:
    """Whether the mark just before ``end`` stands between two digits (1,000, 10:30, 3：2).

    Such a mark is read with its number, so it ends no clause.

    Args:
        text: Any text.
        end: Index just after the mark, as a regular expression match's ``end()``.
    """
    return (
        2 <= end < len(text)
        and text[end - 1] in _NUMBER_MARKS
        and text[end - 2].isdigit()
        and text[end].isdigit()
    )


@functools.cache
def _traditional_to_simplified() -> Callable[[str], str]:
    from opencc_purepy import OpenCC

    return OpenCC("t2s").convert


def simplified_chinese(text: str) -> str:
    """Chinese text with traditional characters written as simplified ones (銀行 → 银行).

    OpenCC's t2s table (opencc-purepy, pure Python), loaded once on first use.

    Raises:
        ImportError: opencc-purepy is not installed.
    """
    return _traditional_to_simplified()(text)
