"""Tones of Mandarin syllables where misaki's tone sandhi leaves them wrong.

The second half of ``zh_readings.read_after_sandhi``: doubled syllables as their kind is
spoken (想想 xiang2 xiang5, 走走停停 and 人人 in full tones), 一 among digits (一九九八年 yi1),
and runs of third tones that misaki's sandhi left side by side (我很喜欢 wo3 hen2 xi3). Like
the reading rules, each works in place on ``readings``: per word, its pinyin syllables
(TONE3, 5 = neutral), one per character.
"""

from __future__ import annotations

import itertools

#: jieba's tags of a reduplicated adjective or adverb (高高, 好好, 闪闪), spoken in full tones.
_DESCRIPTIVE_TAGS = ("a", "d", "z")
#: Characters whose doubling means "every" (人人, 事事, 天天, 处处) or is a verb and its object
#: (画画, to paint): full tones, not the neutral second syllable of 妈妈.
_FULL_TONE_DOUBLES = frozenset("画人事样步家天年个时句字代件声层片条种次日夜月点朵张本口处")
#: The digits of numbers read one by one (years, decimals, telephone numbers).
_DIGITS = "〇零一二三四五六七八九"


def characters(words: list[tuple[str, str]]) -> list[tuple[str, int, int]]:
    """(character, word index, index in the word) for every character, in order."""
    return [(char, i, j) for i, (word, _) in enumerate(words) for j, char in enumerate(word)]


def word_starts(words: list[tuple[str, str]]) -> list[int]:
    """The index of each word's first character in the clause (jieba's cut or the merged)."""
    lengths = [len(word) for word, _ in words]
    return list(itertools.accumulate(lengths[:-1], initial=0)) if words else []


def read_doubled_syllables(
    words: list[tuple[str, str]], readings: list[list[str]], dictionary: list[list[str]]
) -> None:
    """Reads a doubled syllable (AA) as its kind is spoken.

    misaki makes the second syllable neutral in any doubled noun, verb or adjective word, and
    in no other. That is right for 妈妈 and 看看, and wrong both ways elsewhere:

    - A doubled one-character verb (想想, 聊聊天, 让我想想) has a neutral second syllable, and a
      third tone before it rises as before any third tone: 想想 xiang2 xiang5, 走走 zou2 zou5.
      misaki missed it when jieba joined the verb to another word (你想想: xiang2 xiang3).
    - Doubled verbs in a four-character word (走走停停, 说说笑笑), doubled adjectives or
      adverbs (高高, 闪闪发光, 好好学习), "every" (人人, 事事, 样样) and 画画 (to paint) keep
      their full tones (闪闪 shan2 shan3, 点点 dian2 dian3).
    - In A一A (数一数) the third syllable is read as the first (shu3, not the noun shu4).

    Args:
        words: (word, jieba part of speech) after misaki's merges.
        readings: Each word's syllables after the sandhi, changed in place.
        dictionary: Each word's syllables before the sandhi (the full tones kept).
    """
    import jieba.posseg as psg

    tags = psg.dt.word_tag_tab
    for i, (word, _) in enumerate(words):
        syllables, original = readings[i], dictionary[i]
        if len(syllables) != len(word) or len(original) != len(word):
            continue
        for j in range(1, len(word)):
            first, second = word[j - 1], word[j]
            if second == "一" and j + 1 < len(word) and word[j + 1] == first:
                syllables[j + 1] = syllables[j - 1]
                continue
            if first != second or (j >= 2 and word[j - 2] == first):
                continue
            pair_tag = tags.get(first + second) or tags.get(first, "")
            in_four = len(word) >= 4 and (
                (j + 2 < len(word) and word[j + 1] == word[j + 2])
                or (j >= 3 and word[j - 2] == word[j - 3])
            )
            full = first in _FULL_TONE_DOUBLES or pair_tag.startswith(_DESCRIPTIVE_TAGS)
            if pair_tag.startswith("v") and not in_four and not full:
                syllables[j] = syllables[j][:-1] + "5"
                if syllables[j - 1].endswith("3"):
                    syllables[j - 1] = syllables[j - 1][:-1] + "2"
            elif full or (pair_tag.startswith("v") and in_four):
                syllables[j] = original[j]
                if original[j - 1].endswith("3") and original[j].endswith("3"):
                    syllables[j - 1] = original[j - 1][:-1] + "2"


def read_digit_yi(words: list[tuple[str, str]], readings: list[list[str]]) -> None:
    """Reads 一 beside another digit as yī: 一九九八年, 三点一四, 一二三.

    Years, decimals and numbers read digit by digit keep 一's own tone; misaki's 一 sandhi
    (yi4 before tones 1-3, yi2 before 4) only spares it in a word of digits alone, so the
    年 of 一九九八年 made it yi4. 一百 and 十一 are left to the sandhi.
    """
    chars = characters(words)
    for k, (char, i, j) in enumerate(chars):
        beside = {c for c, _, _ in chars[max(0, k - 1) : k + 2]} - {char}
        if char == "一" and beside & set(_DIGITS) and len(readings[i]) == len(words[i][0]):
            readings[i][j] = "yi1"


def read_third_tone_runs(
    cut: list[tuple[str, str]],
    words: list[tuple[str, str]],
    readings: list[list[str]],
    dictionary: list[list[str]],
) -> None:
    """Reads a run of third tones that still has two in a row as spoken: rising but the last.

    misaki applies the third-tone sandhi in a word, and across two words it joins (我很), but
    only once: 我很喜欢 was wo2 hen3 xi3, two third tones left side by side, which a fluent
    speaker never says; 好想你 (one word jieba cannot cut) was hao3 xiang3 ni3. A run of
    syllables that are third tones, or were before the sandhi, and still has two in a row
    is read again: each syllable rises but the last of its group. A subject word (a pronoun
    or a noun) starting a run across words, with two syllables or more after it, is a group
    of its own, as it is said: 我很喜欢 wo3 hen2 xi3, 小狗很可爱 xiao2 gou3 hen2 ke3; so is a
    one-syllable subject misaki joined to the adverb after it (我很想你 was wo2 hen3 xiang2 ni3,
    now wo3 hen2 xiang2 ni3). Other runs without two third tones in a row (我想买点水果: wo2
    xiang3 mai2 dian3 shui2 guo3) are left as misaki read them.
    """
    chars = characters(words)
    owner = [index for index, (word, _) in enumerate(cut) for _ in word]
    if len(owner) != len(chars):
        return

    def tone(k: int) -> str:
        _, i, j = chars[k]
        return readings[i][j][-1:] if len(readings[i]) == len(words[i][0]) else ""

    def was_third(k: int) -> bool:
        _, i, j = chars[k]
        raised = len(dictionary[i]) == len(words[i][0]) and dictionary[i][j].endswith("3")
        return tone(k) == "3" or (tone(k) == "2" and raised)

    k = 0
    while k < len(chars):
        end = k
        while end < len(chars) and was_third(end):
            end += 1
        split = next((m for m in range(k, end) if owner[m] != owner[k]), end)
        subject = cut[owner[k]][1].startswith(("r", "n")) and split < end and end - split >= 2
        # misaki joined a one-syllable subject to the adverb after it (我很 wo2 hen3).
        adverb = subject and split == k + 1 and len(cut[owner[split]][0]) == 1
        joined = adverb and tone(k) == "2" and cut[owner[split]][1] in ("d", "zg")
        if end - k >= 2 and (
            joined or any(tone(m) == tone(m + 1) == "3" for m in range(k, end - 1))
        ):
            for start, stop in ((k, split), (split, end)) if subject else ((k, end),):
                for m in range(start, stop):
                    _, i, j = chars[m]
                    readings[i][j] = readings[i][j][:-1] + ("3" if m == stop - 1 else "2")
        k = max(end, k + 1)


__all__ = [
    "characters",
    "read_digit_yi",
    "read_doubled_syllables",
    "read_third_tone_runs",
    "word_starts",
]
