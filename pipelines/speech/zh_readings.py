"""Rules for Mandarin readings that jieba's cut and pypinyin's word-by-word defaults get wrong.

The reader (``zh_phonemes.MandarinPhonemizer.pinyin``) cuts a clause into jieba words, reads
each with pypinyin, then applies misaki's tone sandhi. The rules here mend the readings where
a word's use decides them and the dictionaries cannot: 还钱 and 你还我钱 huan2 (not hai2),
睡不着 zhao2, 慢慢地 de5 (not di5), 草地 di4 (not di5), 我得走了 dei3, 很长 chang2, 过得
guo4, 两只猫 zhi1, 一行字 hang2, and phrases the dictionaries have wrong (取得 qu3 de2);
``zh_tones`` then mends the tones (想想 xiang2 xiang5, 我很喜欢 wo3 hen2 xi3). Each rule works
in place on ``readings``: per word, its pinyin syllables (TONE3, 5 = neutral), one per
character.

Each rule was checked against the ~1,350 Chinese strings kept in the benchmarks' results and
the code (most written by the language models): every reading it changes there was read by
hand, and none changed for the worse (the counts are in the commits that added the rules).
"""

from __future__ import annotations

import re

from pipelines.speech.zh_tones import (
    characters,
    read_digit_yi,
    read_doubled_syllables,
    read_third_tone_runs,
    word_starts,
)

#: Words before 长 that make it the adjective cháng (long), not the verb zhǎng (grow).
_DEGREE_WORDS = (
    "很", "太", "真", "好", "挺", "更", "最", "多", "够", "那么", "这么", "非常", "特别", "有点",
    "有些", "比较", "相当", "越来越",
)  # fmt: skip
#: A personal pronoun: 还 before it is huán (give back), 等等 beside it is the verb.
_PRONOUN = re.compile("(?:[我你您他她它咱]们?|大家)")
_PRONOUN_AT_END = re.compile(_PRONOUN.pattern + "$")
#: A pronoun (or 谁), maybe with an adverb, right before 得 makes it děi (must): 我得, 我们还得.
_SUBJECT_BEFORE_DEI = re.compile(
    f"(?:{_PRONOUN.pattern}|谁们?)(?:还|也|就|都|总|可|又|先|今天|明天|现在|真|一定)?$"
)
#: One-character verbs whose reading alone (pypinyin's first) is that of their noun: 教 is
#: jiào in 教室 and 教育, but the verb teach, jiāo, in 我教你.
_VERB_READINGS = {"教": "jiao1"}
#: What follows 待 when it means stay (dāi): how long, or where.
_STAY_AFTER = ("一会", "一下", "几", "了", "着", "在", "多久", "很久", "半天", "一天", "下去")
#: The characters of a number written in Chinese (as ``zh_text.read_numbers`` writes them).
_NUMERALS = "〇零一二两三四五六七八九十百千万亿几半"
#: Characters that count before a measure word: 两只猫, 这只狗, 三行诗, 这一行.
_COUNTING = _NUMERALS + "这那哪每"
#: Measure words and units of time: 数 before them is "several" (数天, 数页), not "count".
_MEASURES = "天年次日月人页回遍个岁"
#: One-character verbs that 重 before them makes "again" (chóng): 重来, 重做一遍, 重说.
_REDONE_VERBS = frozenset("来做写说画算讲问考试修改")
#: Surnames read otherwise than the character's first reading: 曾 zēng (not céng), 单 shàn.
_SURNAMES = {
    "曾": "zeng1", "单": "shan4", "解": "xie4", "查": "zha1", "朴": "piao2", "区": "ou1",
    "仇": "qiu2", "华": "hua4", "任": "ren2", "纪": "ji3", "盖": "ge3", "翟": "zhai2",
    "覃": "qin2", "乐": "yue4", "尉": "wei4", "缪": "miao4", "召": "shao4",
}  # fmt: skip
#: Words after a surname that address or name a person by it (单老师, 曾奶奶, 查先生).
_TITLES = (
    "先生", "老师", "女士", "小姐", "阿姨", "叔叔", "伯伯", "大爷", "大妈", "奶奶", "爷爷",
    "老板", "师傅", "医生", "同学", "教授", "经理", "太太", "婆婆", "老爷爷", "老奶奶",
)  # fmt: skip
#: How phrases are read wherever they stand in one of jieba's words (None keeps the reading),
#: where pypinyin's dictionaries or misaki's neutral tones have them wrong.
_PHRASE_READINGS: dict[str, tuple[str | None, ...]] = {
    # 得 is dé (obtain), which misaki made neutral as if it were the particle.
    **dict.fromkeys(
        ("获得", "取得", "赢得", "夺得", "博得", "求得", "习得", "心得", "难得", "所得", "应得"),
        (None, "de2"),
    ),
    # Neutral 不得 (cannot bear to, no wonder); 不得了 and 不得不 keep bù dé.
    **dict.fromkeys(
        ("舍不得", "怪不得", "巴不得", "恨不得", "由不得", "顾不得"), (None, "bu5", "de5")
    ),
    "不得了": (None, None, "liao3"),
    "了不得": (None, "bu5", "de2"),
    # Where pypinyin's dictionary reads another sense than the one a line means.
    "大夫": ("dai4", "fu5"),  # a doctor, not dà fū (an official of old)
    "琢磨": ("zuo2", "mo5"),  # to think over, not zhuó mó (to carve and polish)
    "上行": (None, "xing2"),  # going up, not shàng háng
    "登场": (None, "chang3"),  # to come on stage, not dēng cháng
}
#: Phrases read as listed wherever they stand, across jieba's words too.
_SPANNING_READINGS: dict[str, tuple[str | None, ...]] = {
    "照张相": (None, None, "xiang4"),  # 照相 with a measure word between: not xiāng
    "照个相": (None, None, "xiang4"),
}


def read_before_sandhi(
    cut: list[tuple[str, str]], words: list[tuple[str, str]], readings: list[list[str]]
) -> None:
    """The rules that need pypinyin's own readings (before misaki's tone sandhi).

    Args:
        cut: (word, jieba part of speech) as jieba cut the clause, before misaki joined
            words for its sandhi (只狗 from 只 and 狗).
        words: (word, jieba part of speech) in order.
        readings: Each word's pinyin syllables, changed in place.
    """
    _read_verb_before_noun(words, readings)
    # Before the sandhi, which must see the tone each reading gives: 很长 is hen3 chang2 (not
    # hen2 zhang3), 两只猫 liang3 zhi1 (not liang2 zhi3).
    _read_long_chang(words, readings)
    _read_measure_words(cut, words, readings)
    _read_returned_huan(words, readings)
    _read_again_chong(words, readings)
    _read_counting_shu(words, readings)
    _read_surnames(cut, words, readings)


def read_after_sandhi(
    cut: list[tuple[str, str]],
    words: list[tuple[str, str]],
    readings: list[list[str]],
    dictionary: list[list[str]],
) -> None:
    """The rules that correct the readings after misaki's tone sandhi.

    Args:
        cut: (word, jieba part of speech) as jieba cut the clause (see ``read_before_sandhi``).
        words: (word, jieba part of speech) in order.
        readings: Each word's pinyin syllables after the sandhi, changed in place.
        dictionary: The syllables before the sandhi: pypinyin's, with ``read_before_sandhi``'s
            rules applied.
    """
    _read_potential_zhao(words, readings)
    _read_words_ending_in_de(words, readings, dictionary)
    _read_structural_de(words, readings)
    _read_modal_dei(words, readings)
    _read_lone_verbs(words, readings)
    _read_verb_guo(words, readings)
    read_doubled_syllables(words, readings, dictionary)
    _read_waiting_dengdeng(words, readings)
    _read_phrases(cut, words, readings)
    read_digit_yi(words, readings)
    read_third_tone_runs(cut, words, readings, dictionary)  # last: it reads every tone


def _read_phrases(
    cut: list[tuple[str, str]], words: list[tuple[str, str]], readings: list[list[str]]
) -> None:
    """Reads the phrases of _PHRASE_READINGS and _SPANNING_READINGS as listed.

    _PHRASE_READINGS only inside one of jieba's words (开心得不得了, cut 开心, 得, 不得了, holds
    no 心得); _SPANNING_READINGS wherever they stand.
    """
    chars = characters(words)
    text = "".join(c for c, _, _ in chars)
    found = [
        (start + match.start(), syllables)
        for start, (word, _) in zip(word_starts(cut), cut, strict=True)
        for phrase, syllables in _PHRASE_READINGS.items()
        for match in re.finditer(phrase, word)
    ]
    found += [
        (match.start(), syllables)
        for phrase, syllables in _SPANNING_READINGS.items()
        for match in re.finditer(phrase, text)
    ]
    for start, syllables in found:
        for offset, syllable in enumerate(syllables):
            _, i, j = chars[start + offset]
            if syllable and len(readings[i]) == len(words[i][0]):
                readings[i][j] = syllable


def _read_verb_before_noun(words: list[tuple[str, str]], readings: list[list[str]]) -> None:
    """Reads a one-character "adverb" before a one-character noun as their phrase.

    jieba tags 还 in 我去还书 as the adverb hái (an adverb does not come before a noun), while
    pypinyin's phrase dictionary has 还书 as huán shū; cutting the pair apart lost that reading.
    """
    from pypinyin import Style, lazy_pinyin
    from pypinyin.constants import PHRASES_DICT

    for i in range(len(words) - 1):
        (first, tag), (second, next_tag) = words[i], words[i + 1]
        pair = first + second
        if len(pair) == 2 and tag == "d" and next_tag.startswith("n") and pair in PHRASES_DICT:
            one, two = lazy_pinyin(pair, style=Style.TONE3, neutral_tone_with_five=True)
            readings[i], readings[i + 1] = [one], [two]


def _read_potential_zhao(words: list[tuple[str, str]], readings: list[list[str]]) -> None:
    """Reads 着 after 不 or 得, or before 了, as zhao2: 睡不着, 睡得着, 我找着了.

    After a verb and 不 or 得, or as the result of a verb before 了, 着 says the action
    succeeds and is read zháo, never the neutral zhe of 看着; pypinyin has no phrase for 睡不着
    or 找着了 and jieba cuts 睡得着 apart, so all were read zhe5. The sandhi makes a lone 着
    neutral, so this runs after it. A 着 read otherwise (身着, zhuo2) is left as it is, and
    怎么着 (pypinyin: zhao1) is zhe5.
    """
    chars = characters(words)
    for k, (char, i, j) in enumerate(chars):
        if char != "着":
            continue
        before = "".join(c for c, _, _ in chars[max(0, k - 2) : k])
        after = chars[k + 1][0] if k + 1 < len(chars) else ""
        if before == "怎么":
            readings[i][j] = "zhe5"
        elif readings[i][j] == "zhe5" and (before[-1:] in ("不", "得") or after == "了"):
            readings[i][j] = "zhao2"


def _read_words_ending_in_de(
    words: list[tuple[str, str]], readings: list[list[str]], dictionary: list[list[str]]
) -> None:
    """Reads 草地, 当地 and 目的 as pypinyin's dictionary does (di4), not neutral.

    misaki makes the last syllable of every word ending in 的, 地 or 得 neutral, as if it were
    the particle; a word ending in 的 or 地 that is in pypinyin's phrase dictionary keeps its
    reading there instead (静静地 is neutral there too). Words ending in 得 are left to misaki
    and _PHRASE_READINGS: the dictionary has 过得 as guò dé, while 我过得很好 says de, and
    取得 and 难得 as de. jieba takes 美的 (the brand
    Měidí) for a name: in a line it is 美 and the particle, de5, also where the sandhi joined
    挺美的 into one word that pypinyin read as 挺 and the brand.
    """
    from pypinyin.constants import PHRASES_DICT

    for i, (word, tag) in enumerate(words):
        if len(word) < 2 or word[-1] not in "的地" or len(readings[i]) != len(word):
            continue
        known = word in PHRASES_DICT and len(dictionary[i]) == len(word)
        if word[-1] == "的" and (tag == "nr" or (not known and readings[i][-1] == "di5")):
            readings[i][-1] = "de5"
        elif known:
            readings[i][-1] = dictionary[i][-1]


def _read_structural_de(words: list[tuple[str, str]], readings: list[list[str]]) -> None:
    """Reads 地 after an adverbial (jieba's tag "uv") as de5: 愉快地微笑, 清楚地说.

    pypinyin reads a lone 地 as the noun dì (ground), and the sandhi made it di5.
    """
    for i, (word, tag) in enumerate(words):
        if word == "地" and tag == "uv":
            readings[i] = ["de5"]


def _read_modal_dei(words: list[tuple[str, str]], readings: list[list[str]]) -> None:
    """Reads 得 right after a pronoun (and an adverb) as děi (must): 我得走了, 我们还得等.

    Before 了, 过 or a number it is dé (get): 他得了感冒, 他得过奖, 他得第一. After a verb
    or an adjective it is the particle de (过得好, 等得太久), which this leaves alone, as
    it does the words pypinyin knows (得到). jieba sometimes joins 得 to the verb after it
    (得去): the first syllable is changed then. The pronoun is matched in the characters,
    not in jieba's words, because the sandhi joins 这里等 into one "pronoun" word.
    """
    from pypinyin.constants import PHRASES_DICT

    chars = characters(words)
    for k, (char, i, j) in enumerate(chars):
        word = words[i][0]
        if char != "得" or j != 0 or (len(word) > 1 and word in PHRASES_DICT):
            continue
        before = "".join(c for c, _, _ in chars[:k])
        after = "".join(c for c, _, _ in chars[k + 1 : k + 2])
        if not after or not _SUBJECT_BEFORE_DEI.search(before):
            continue
        following_tag = words[i][1] if len(word) > 1 else words[i + 1][1]
        number = following_tag.startswith("m") and not after.startswith(("一", "些"))
        readings[i][0] = "de2" if after in ("了", "过") or number else "dei3"


def _read_lone_verbs(words: list[tuple[str, str]], readings: list[list[str]]) -> None:
    """Reads lone verbs with their verb readings: 我教你 jiao1, 待一会儿 dai1.

    A one-character word jieba tags as a verb takes its reading in _VERB_READINGS. A lone 待
    before how long or where (待一会儿, 待在家里, 待了很久) is dāi (stay); pypinyin reads it
    dài (treat, wait: 待人), which it stays before anything else.
    """
    for i, (word, tag) in enumerate(words):
        following = words[i + 1][0] if i + 1 < len(words) else ""
        if word in _VERB_READINGS and tag.startswith("v"):
            readings[i] = [_VERB_READINGS[word]]
        elif word == "待" and following.startswith(_STAY_AFTER):
            readings[i] = ["dai1"]


def _read_long_chang(words: list[tuple[str, str]], readings: list[list[str]]) -> None:
    """Reads 长 after a degree word or before a length as cháng (long).

    很长的路, 好长时间, 多长, 这条路长五公里, 回答长二十秒. pypinyin's default for a lone 长
    is zhǎng (grow, chief); a degree word comes before an adjective, never before that verb,
    and a number right after 长 is its length (长了三厘米, grew, has 了 between; 长我三岁,
    older, has no number right after; 长三岁 is left as zhǎng). 校长一直 keeps the
    dictionary's zhǎng, and so does a verb of growing after a degree word (有点长大了).
    """
    from pypinyin.constants import PHRASES_DICT

    chars = characters(words)
    text = "".join(c for c, _, _ in chars)
    for k, (char, i, j) in enumerate(chars):
        if char != "长" or readings[i][j][:-1] != "zhang":
            continue
        word = words[i][0]
        unknown_word = j == len(word) - 1 and (word == "长" or word not in PHRASES_DICT)
        length = unknown_word and re.match(f"[{_NUMERALS}]+(.)?", text[k + 1 :])
        grows = text[k:].startswith(("长大", "长高", "长胖", "长出", "长成", "长得"))
        if (text[:k].endswith(_DEGREE_WORDS) and not grows) or (length and length.group(1) != "岁"):
            readings[i][j] = "chang2"


def _read_measure_words(
    cut: list[tuple[str, str]], words: list[tuple[str, str]], readings: list[list[str]]
) -> None:
    """Reads 只 and 行 counted before a noun as measure words: 两只猫 zhi1, 一行字 hang2.

    pypinyin reads a lone 只 as zhǐ (only), and 两只 or 这只 are no phrases it knows. 一行 is
    yì xíng (a party travelling) in its dictionary, right for 我们一行人 and 一行三人, wrong for
    lines of text (一行字, 两行泪); 这一行 without 人 is a line or a trade, háng, as are
    第三行 and 每行. A description between 只 and its noun counts too (两只可爱的小狗). 这只是
    (only) and 这行吗 (that works) are left alone.
    """
    chars = characters(words)
    for k, (char, i, j) in enumerate(chars[1:], start=1):
        counter = chars[k - 1][0]
        if char not in "只行" or counter not in _COUNTING or (char == "行" and counter in "这那哪"):
            continue
        after = _words_after(cut, k)
        following, tag = after[0] if after else ("", "")
        if char == "只" and (tag.startswith("n") or _describes_a_noun(after)):
            readings[i][j] = "zhi1"
        elif char == "行" and following not in ("人", "人员") and not tag.startswith("m"):
            before = "".join(c for c, _, _ in chars[:k]).rstrip(_NUMERALS)
            this_trade = k >= 2 and chars[k - 2][0] in "这那"
            if tag.startswith("n") or this_trade or counter == "每" or before.endswith("第"):
                readings[i][j] = "hang2"


def _read_surnames(
    cut: list[tuple[str, str]], words: list[tuple[str, str]], readings: list[list[str]]
) -> None:
    """Reads a surname of _SURNAMES as a surname: 曾小明 zeng1, 单老师 shan4, 我姓解 xie4.

    A surname is the first character of a name jieba tags as a person's (nr, nrfg; not a
    transliteration, nrt) that pypinyin's phrase dictionary does not know (it knows 华佗 and
    缪斯), or a lone character right after 姓 or before a title (先生, 老师, 奶奶).
    """
    from pypinyin.constants import PHRASES_DICT

    chars = characters(words)
    for index, (k, (word, tag)) in enumerate(zip(word_starts(cut), cut, strict=True)):
        if word[0] not in _SURNAMES:
            continue
        before = cut[index - 1][0] if index else ""
        after = cut[index + 1][0] if index + 1 < len(cut) else ""
        name = tag in ("nr", "nrfg") and 2 <= len(word) <= 4 and word not in PHRASES_DICT
        addressed = len(word) == 1 and (before.endswith("姓") or after.startswith(_TITLES))
        _, i, j = chars[k]
        if (name or addressed) and len(readings[i]) == len(words[i][0]):
            readings[i][j] = _SURNAMES[word[0]]


def _words_after(cut: list[tuple[str, str]], k: int) -> list[tuple[str, str]]:
    """The jieba words (and tags) from the one that begins right after character k.

    [] if no word begins there. The tags come from jieba's cut, not from misaki's merged
    words (只狗 is tagged as 只).
    """
    starts = word_starts(cut)
    return cut[starts.index(k + 1) :] if k + 1 in starts else []


def _describes_a_noun(after: list[tuple[str, str]]) -> bool:
    """Whether the words begin with a short description ending in 的 and then a noun: 可爱的小狗."""
    for index, (word, tag) in enumerate(after[:4]):
        if word == "的":
            return index > 0 and index + 1 < len(after) and after[index + 1][1].startswith("n")
        if tag.startswith(("p", "c", "u", "y", "x")):
            return False
    return False


def _read_returned_huan(words: list[tuple[str, str]], readings: list[list[str]]) -> None:
    """Reads 还 before a pronoun and what is given back as huán: 你还我钱, 还我的书, 还你们.

    jieba tags every lone 还 as the adverb hái (still). An adverb comes before a verb; a
    pronoun followed by a noun, 的 or the end of the clause shows 还 is the verb. A number
    after the pronoun counts only after a subject (我还你一个): 今天还我一个人 is "still".
    """
    for i in range(len(words) - 1):
        if words[i] != ("还", "d") or not _PRONOUN.fullmatch(words[i + 1][0]):
            continue
        after, tag = words[i + 2] if i + 2 < len(words) else ("", "")
        after_subject = i > 0 and _PRONOUN.fullmatch(words[i - 1][0]) is not None
        if not after or after == "的" or tag.startswith("n") or (after_subject and tag == "m"):
            readings[i] = ["huan2"]


def _read_again_chong(words: list[tuple[str, str]], readings: list[list[str]]) -> None:
    """Reads a lone 重 before a verb of _REDONE_VERBS as chóng (again): 重来, 重做一遍.

    pypinyin's phrase dictionary knows 重新 and 重播, but not the pairs jieba cuts apart; a
    lone 重 is zhòng (heavy), right in 太重了 and 它重五公斤.
    """
    for i in range(len(words) - 1):
        following, tag = words[i + 1]
        if words[i][0] == "重" and following[0] in _REDONE_VERBS and tag.startswith("v"):
            readings[i] = ["chong2"]


def _read_counting_shu(words: list[tuple[str, str]], readings: list[list[str]]) -> None:
    """Reads 数 as the verb shǔ (count) before what is counted: 数钱, 数星星, 数到十, 数了数.

    pypinyin reads 数 alone, or in a word it does not know, as the noun shù (number). Before a
    numeral or a measure word it stays shù (several: 数十年, 数页, 数天), as do the words it
    knows (数字, 人数).
    """
    import jieba.posseg as psg
    from pypinyin.constants import PHRASES_DICT

    tags = psg.dt.word_tag_tab
    for i, (word, _) in enumerate(words):
        if not word.startswith("数") or readings[i][0] != "shu4":
            continue
        following, tag = words[i + 1] if i + 1 < len(words) else ("", "")
        if len(word) > 2 and word not in PHRASES_DICT:  # 数星星: 数 and a noun jieba knows
            counts = tags.get(word[1:], "").startswith("n")
        elif word + following == "数了" and i + 2 < len(words) and words[i + 2][0] == "数":
            counts = True  # 数了数, read as 数一数
            readings[i + 2] = ["shu3"]
        elif len(word) == 1 and following:
            counted = tag.startswith("n") and following[0] not in _COUNTING + _MEASURES
            counts = counted or following[0] in "到完过着"
        else:
            counts = False
        if counts:
            readings[i][0] = "shu3"


def _read_verb_guo(words: list[tuple[str, str]], readings: list[list[str]]) -> None:
    """Reads a lone 过 that follows no verb, or comes before 得, as the verb guò (live, pass).

    jieba tags every lone 过 as the aspect particle (看过, 来过: guo5), and the sandhi made it
    neutral: 你过得好吗 and 日子过得真快 were guo5.
    """
    for i, (word, _) in enumerate(words):
        if word != "过" or readings[i] != ["guo5"]:
            continue
        before = words[i - 1][1] if i > 0 else ""
        following = words[i + 1][0] if i + 1 < len(words) else ""
        if following.startswith("得") or not before.startswith(("v", "a")):
            readings[i] = ["guo4"]


def _read_waiting_dengdeng(words: list[tuple[str, str]], readings: list[list[str]]) -> None:
    """Reads 等等 as the doubled verb (wait a bit, deng2 deng5) where it cannot be "etc.".

    jieba tags 等等 as a particle (苹果、香蕉等等: full tones). Beginning a clause, or beside
    a pronoun (我等等你, 等等我, 你等等), it is the verb.
    """
    chars = characters(words)
    text = "".join(c for c, _, _ in chars)
    for match in re.finditer("等等", text):
        before, after = text[: match.start()], text[match.end() :]
        if before.endswith("等") or after.startswith("等"):
            continue
        if not before or _PRONOUN_AT_END.search(before) or _PRONOUN.match(after):
            for k, reading in ((match.start(), "deng2"), (match.start() + 1, "deng5")):
                _, i, j = chars[k]
                readings[i][j] = reading


__all__ = ["read_after_sandhi", "read_before_sandhi"]
