"""Mandarin text as it is read aloud: numbers, dates and punctuation in words a voice can say.

``read_numbers`` writes Arabic numerals the way a Mandarin speaker reads them: years digit by
digit (2024年 → 二零二四年), quantities as numbers (3 → 三, 3.5 → 三点五, 50% → 百分之五十,
1,000 → 一千), a lone 2 before a measure word as 两 (2个 → 两个, 2:00 → 两点; 第2 and 2月 keep
二), dates (2024-03-05 → 二零二四年三月五日), clock times (7:30 or 7：30 → 七点三十分, 10点05分
→ 十点零五分), scores (3:2 → 三比二), ranges (3-5 → 三到五, 2024-2025年 → 二零二四到二零二五年,
3:00-5:00 → 三点到五点, 5%~10%), arithmetic (1+1=2 → 一加一等于二, 1920x1080 → …乘…),
100+ → 一百多, ~100 → 约一百, decades (90年代 → 九十年代), money, temperatures and common units
(¥100 → 一百元, ¥3.00 → 三元, $5 → 五美元, 25°C → 二十五摄氏度, 5km → 五公里), decimals without
their trailing zeros (1.80米 → 一点八米; 2.0 keeps one: 二点零), and long digit strings such as
phone numbers one digit at a time (but round amounts: 1000000 → 一百万). The general cases come
from cn2an (MIT); the patterns cn2an misreads or leaves unsaid are rewritten first.

``split_clauses`` cuts a sentence after each pause mark (，、；：) so the voice can time every
clause and the subtitles can break there; a mark inside a number (the comma of 1,000, the colon
of 10:30) is no pause.
"""

from __future__ import annotations

import itertools
import logging
import re
import unicodedata

from pipelines.text import mark_inside_number

logger = logging.getLogger(__name__)

_DIGIT_WORDS = dict(zip("0123456789", "零一二三四五六七八九", strict=True))
_DATE = re.compile(r"(?<!\d)(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?!\d)")
_TIME = re.compile(r"(?<![\d:：])(\d{1,2})[:：](\d{2})(?![\d:：])")
#: Digits on both sides of a colon that are no clock time: a score or a ratio (3:2 → 三比二).
_SCORE = re.compile(r"(?<![\d:：])(\d+)\s*[:：]\s*(\d+)(?![\d:：])")
_RANGE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?%?)\s*[-~～—–]\s*(\d+(?:\.\d+)?)(?![\d.])")
#: Two clock times with a dash between them (3:00-5:00): from one to the other.
_TIME_RANGE = re.compile(
    r"(?<![\d:：])(\d{1,2}[:：]\d{2})\s*[-~～—–]\s*(?=\d{1,2}[:：]\d{2}(?![\d:：]))"
)
#: A plus after a number (10+, 100+人): "more than", said 多.
_PLUS = re.compile(r"(?<=[\d万亿千百])\+(?!\d)")
#: Arithmetic between two numbers (1+1=2, 3x3, 1920×1080), said in words.
_OPERATORS = {"+": "加", "=": "等于", "＝": "等于", "x": "乘", "×": "乘", "÷": "除以"}
_ARITHMETIC = re.compile(r"(?<=\d)\s*([+=＝x×÷])\s*(?=\d)")
#: A tilde before a number with none before it (~100): "about", said 约.
_ABOUT = re.compile(r"(?<![\d%])[~～](?=\d)")
#: Seven digits or more are read one at a time (telephone numbers, codes), but for a round
#: amount of 7 to 10 digits (1000000, 1500000): 一百万, 一百五十万.
_LONG_DIGITS = re.compile(r"\d{7,}")
_ROUND_AMOUNT = re.compile(r"[1-9]\d{2,5}0000")
#: Trailing zeros of a decimal, which a speaker drops (1.50 → 一点五, 1.80米 → 一点八米); a
#: point followed by zeros only keeps one (2.0 → 二点零), as versions are said.
_TRAILING_ZEROS = re.compile(r"(?<![\d.])(\d+\.\d*?[1-9])0+(?![\d.])|(?<![\d.])(\d+\.0)0+(?![\d.])")
#: The 0 of a minute under ten typed after 点 (10点05分): a speaker says 零.
_MINUTE_ZERO = re.compile(r"(?<=点)0(?=[1-9]分)")
#: A number as typed, its thousands maybe grouped with commas (1,000,000.5).
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_GROUPED = re.compile(r"(?<![\d,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,])")
#: Year ranges (2024-2025年): both years digit by digit.
_YEAR_RANGE = re.compile(r"(?<!\d)(\d{4})\s*[-~～—–]\s*(\d{4})(?=\s*年)")
#: Decades and generations: 90年代 → 九十年代 (cn2an reads 九零年代), 90后 → 九零后.
_DECADE = re.compile(r"(?<!\d)([1-9]0)(?=年代)")
_GENERATION = re.compile(r"(?<!\d)(\d0)(?=后)")
#: A hyphen between letters and digits (COVID-19) is not a minus sign.
_LETTER_HYPHEN = re.compile(r"(?<=[A-Za-z])-(?=\d)")
#: Symbols said as words: currency before the number, temperature and units after it.
_CURRENCIES = {"¥": "元", "￥": "元", "$": "美元", "€": "欧元", "£": "英镑"}
_CURRENCY = re.compile(f"([{''.join(_CURRENCIES)}])\\s*({_NUMBER})")
_UNITS = {
    "°C": "摄氏度", "℃": "摄氏度", "°F": "华氏度", "℉": "华氏度", "°": "度",
    "km": "公里", "kg": "公斤", "cm": "厘米", "mm": "毫米", "ml": "毫升", "mL": "毫升",
    "min": "分钟", "m": "米", "g": "克",
}  # fmt: skip
_UNIT = re.compile(
    f"({_NUMBER})\\s*({'|'.join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))})"
    "(?![A-Za-z])"
)
#: Measure words after which a lone 2 is read 两 (两个, 两天, 两点), not 二; not 月, 号, 日,
#: 楼 or 年级 (2月 is February, 2号 the second), nor 分之 (2分之1 is a fraction).
_LIANG_MEASURE = (
    "小时|分钟|公斤|公里|千克|星期|毫升|厘米|摄氏度|美元|欧元|英镑|分(?!之)|年(?![级代])|"
    "[个位人只条张本件次天岁周秒点斤米块元角毛倍层辆台部双对杯碗瓶盒包箱袋盘桌种样句步口匹"
    "头手眼边侧国棵朵座栋间家所支把套份遍趟轮下串片场顿餐封首篇章节集门页幅枚颗粒根群成"
    "百千万亿度克]"
)
_LONE_TWO = re.compile(f"(?<![\\d.第])2(?![\\d.])(?=\\s*(?:{_LIANG_MEASURE}))")
#: 二 leading a number of thousands or more is said 两 (2000块 → 两千块).
_LEADING_TWO = re.compile("(?<![零一二三四五六七八九十百千万亿点两])二(?=[千万亿])")
#: Marks inside a sentence after which a speaker pauses (a clause ends), unless they stand
#: inside a number (the comma of 1,000, the colon of 10:30: ``text.mark_inside_number``).
CLAUSE_MARKS = "，、；：,;:"
_CLAUSE_MARK = re.compile(f"[{re.escape(CLAUSE_MARKS)}]")


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
    spoken = "两点" if hours == 2 else f"{_number(str(hours))}点"
    if minutes == 0:
        return spoken
    if minutes < 10:
        return f"{spoken}零{_number(str(minutes))}分"
    return f"{spoken}{_number(str(minutes))}分"


def _long_digits(match: re.Match[str]) -> str:
    digits = match.group(0)
    if len(digits) <= 10 and _ROUND_AMOUNT.fullmatch(digits):
        return digits  # cn2an reads it as a number
    return digits_one_by_one(digits)


def _range(match: re.Match[str]) -> str:
    return f"{match.group(1)}到{match.group(2)}"


def _year_range(match: re.Match[str]) -> str:
    return f"{digits_one_by_one(match.group(1))}到{digits_one_by_one(match.group(2))}"


def _said_symbols(text: str) -> str:
    """Currency, temperature and unit symbols next to a number, as words (numbers kept)."""
    text = _CURRENCY.sub(lambda m: f"{_amount(m.group(2))}{_CURRENCIES[m.group(1)]}", text)
    return _UNIT.sub(_said_unit, text)


def _amount(number: str) -> str:
    """A sum of money as said: no fraction of zero (¥3.0 → 3; trailing zeros are gone already)."""
    whole, _, cents = number.partition(".")
    return whole if cents.strip("0") == "" else number


def _said_unit(match: re.Match[str]) -> str:
    number, unit = match.groups()
    if unit == "g" and len(number) == 1:
        return match.group(0)  # 4g, 5g: a mobile network, not grams (100g, 2.5g are grams)
    return f"{number}{_UNITS[unit]}"


def read_numbers(text: str) -> str:
    """The text with every Arabic numeral written out in Chinese words.

    Args:
        text: Mandarin text (may hold English words, which are kept).

    Returns:
        The same text with no digits left (of any script: ３ and ٣ are read as 3).
    """
    import cn2an

    # Any script's decimal digits (３, ٣) as ASCII ones, which the patterns below read.
    text = re.sub(r"\d", lambda m: str(unicodedata.digit(m.group(0))), text)
    text = text.replace("\u2212", "-")  # the minus sign of −5度
    text = _TRAILING_ZEROS.sub(lambda m: m.group(1) or m.group(2), text)
    text = _said_symbols(text)
    text = _GROUPED.sub(lambda m: _number(m.group(0).replace(",", "")), text)
    text = _DATE.sub(_date, text)
    text = _TIME_RANGE.sub(lambda m: f"{m.group(1)}到", text)
    text = _TIME.sub(_time, text)
    text = _SCORE.sub(lambda m: f"{_number(m.group(1))}比{_number(m.group(2))}", text)
    text = _YEAR_RANGE.sub(_year_range, text)
    text = _DECADE.sub(lambda m: _number(m.group(1)), text)
    text = _GENERATION.sub(lambda m: digits_one_by_one(m.group(1)), text)
    text = _RANGE.sub(_range, text)
    text = _ARITHMETIC.sub(lambda m: _OPERATORS[m.group(1)], text)
    text = _PLUS.sub("多", _ABOUT.sub("约", text))
    text = _LONG_DIGITS.sub(_long_digits, text)
    text = _MINUTE_ZERO.sub("零", text)
    text = _LONE_TWO.sub("两", _LETTER_HYPHEN.sub(" ", text))
    try:
        text = str(cn2an.transform(text, "an2cn"))
    except (ValueError, KeyError) as error:
        logger.debug("cn2an could not transform a line: %s", error)
    text = _LEADING_TWO.sub("两", text)
    # Whatever cn2an left (a digit glued to letters, say) is read one digit at a time.
    return re.sub(r"\d+", lambda m: digits_one_by_one(m.group(0)), text)


def split_clauses(sentence: str) -> list[str]:
    """The sentence cut after each pause mark (，、；：), marks kept; blanks dropped."""
    marks = (m.end() for m in _CLAUSE_MARK.finditer(sentence))
    cuts = [end for end in marks if not mark_inside_number(sentence, end)]
    pieces = (sentence[a:b] for a, b in itertools.pairwise([0, *cuts, len(sentence)]))
    return [piece for piece in pieces if piece.strip()]
