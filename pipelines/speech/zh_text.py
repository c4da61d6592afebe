"""Mandarin text as it is read aloud: numbers, dates and punctuation in words a voice can say.

``read_numbers`` writes Arabic numerals the way a Mandarin speaker reads them: years digit by
digit (2024年 → 二零二四年), quantities as numbers (3 → 三, 3.5 → 三点五, 50% → 百分之五十),
dates (2024-03-05 → 二零二四年三月五日), clock times (7:30 → 七点三十分), ranges (3-5 → 三到五)
and long digit strings such as phone numbers one digit at a time. The general cases come from
cn2an (MIT); the patterns cn2an misreads (dates with dashes or slashes, times, ranges) are
rewritten first.

``split_clauses`` cuts a sentence after each pause mark (，、；：) so the voice can time every
clause and the subtitles can break there.
"""

from __future__ import annotations

import logging
import re

logger = logging.getLogger(__name__)

_DIGIT_WORDS = dict(zip("0123456789", "零一二三四五六七八九", strict=True))
_DATE = re.compile(r"(?<!\d)(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?!\d)")
_TIME = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?![\d:])")
_RANGE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*[-~～—–]\s*(\d+(?:\.\d+)?)(?![\d.])")
_LONG_DIGITS = re.compile(r"\d{7,}")
#: Marks inside a sentence after which a speaker pauses (a clause ends).
CLAUSE_MARKS = "，、；：,;:"
_CLAUSE_END = re.compile(f"(?<=[{re.escape(CLAUSE_MARKS)}])")


def digits_one_by_one(digits: str) -> str:
    """Digits read one at a time, as years and phone numbers are: 2024 → 二零二四."""
    return "".join(_DIGIT_WORDS[d] for d in digits)


def _number(text: str) -> str:
    import cn2an

    try:
        return str(cn2an.an2cn(text, "low"))
    except (ValueError, KeyError) as error:
        logger.debug("cn2an could not read a number: %s", error)
        return digits_one_by_one(re.sub(r"\D", "", text))


def _date(match: re.Match[str]) -> str:
    year, month, day = match.groups()
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31):
        return match.group(0).replace("-", "到")
    return f"{digits_one_by_one(year)}年{_number(str(int(month)))}月{_number(str(int(day)))}日"


def _time(match: re.Match[str]) -> str:
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 24 or minutes > 59:
        return f"{_number(match.group(1))}比{_number(match.group(2))}"
    spoken = f"{_number(str(hours))}点"
    if minutes == 0:
        return spoken
    if minutes < 10:
        return f"{spoken}零{_number(str(minutes))}分"
    return f"{spoken}{_number(str(minutes))}分"


def _range(match: re.Match[str]) -> str:
    return f"{match.group(1)}到{match.group(2)}"


def read_numbers(text: str) -> str:
    """The text with every Arabic numeral written out in Chinese words.

    Args:
        text: Mandarin text (may hold English words, which are kept).

    Returns:
        The same text with no ASCII digits left.
    """
    import cn2an

    text = _DATE.sub(_date, text)
    text = _TIME.sub(_time, text)
    text = _RANGE.sub(_range, text)
    text = _LONG_DIGITS.sub(lambda m: digits_one_by_one(m.group(0)), text)
    try:
        text = str(cn2an.transform(text, "an2cn"))
    except (ValueError, KeyError) as error:
        logger.debug("cn2an could not transform a line: %s", error)
    # Whatever cn2an left (a digit glued to letters, say) is read one digit at a time.
    return re.sub(r"\d+", lambda m: digits_one_by_one(m.group(0)), text)


def split_clauses(sentence: str) -> list[str]:
    """The sentence cut after each pause mark (，、；：), marks kept; blanks dropped."""
    return [piece for piece in _CLAUSE_END.split(sentence) if piece.strip()]
