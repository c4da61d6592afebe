"""Mandarin text to Kokoro phonemes, labelled by pinyin initial and final for the mouth.

A clause is read in five steps: traditional characters become simplified ones (OpenCC's t2s
table, opencc-purepy: jieba's and pypinyin's phrase dictionaries are simplified, so 銀行 was
cut into two characters and read yin2 xing2); numbers become words (``zh_text.read_numbers``);
jieba cuts the Chinese into words (with their parts of speech, for tone sandhi: 你好 is read
ni2 hao3); pypinyin (with its large phrase dictionary) gives each character's pinyin, mended
by the rules of ``zh_readings`` where a word's use decides it (还钱 huan2,
睡不着 zhao2, 慢慢地 de5, 想想 xiang2 xiang5); misaki's pinyin → IPA table gives the sounds,
in the phoneme set Kokoro v1.0 was trained on (tones as arrows). English words inside the
line (“我喜欢 Python”) are read by espeak-ng (Piper's own copy, en-us) and mapped to Kokoro's
English phonemes, so they are spoken rather than dropped.

Every result is a ``Unit``: a label the mouth understands and the Kokoro phoneme characters
it spans. Labels are pinyin initials ("zh", "b"), finals with their tone digit ("ang3", "ü2";
the i of zi/ci/si is "ii", of zhi/chi/shi/ri "iii"), IPA phones of English words ("aɪ", "ˈ"),
" " between words, and punctuation marks.
The voice times each unit from the model's own per-character durations.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass

from pipelines.speech.timing import MISAKI_TO_IPA
from pipelines.speech.zh_readings import read_after_sandhi, read_before_sandhi
from pipelines.speech.zh_text import read_numbers
from pipelines.text import simplified_chinese

logger = logging.getLogger(__name__)

#: The word gap label.
GAP = " "
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_PIECES = re.compile(rf"([{_HAN}]+)|([A-Za-z][A-Za-z'’\-]*(?:\s+[A-Za-z][A-Za-z'’\-]*)*)|(\S)")
#: Chinese and other punctuation → the marks Kokoro reads as pauses.
_PUNCTUATION = {
    "，": ",", "、": ",", "。": ".", "．": ".", "！": "!", "？": "?", "：": ":", "；": ";",
    "…": "…", "—": "—", ",": ",", ".": ".", "!": "!", "?": "?", ":": ":", ";": ";",
}  # fmt: skip
#: espeak-ng IPA (en-us) → Kokoro's English phoneme letters (longest first).
_ESPEAK_TO_KOKORO = (
    ("aɪ", "I"), ("aʊ", "W"), ("eɪ", "A"), ("oʊ", "O"), ("ɔɪ", "Y"), ("dʒ", "ʤ"), ("tʃ", "ʧ"),
    ("ɜːɹ", "ɜɹ"), ("ɜː", "ɜɹ"), ("ɚ", "əɹ"), ("ɐ", "ə"), ("r", "ɹ"), ("x", "k"), ("ç", "k"),
    ("ɬ", "l"), ("ɾ", "T"), ("ʔ", "t"), ("ː", ""), ("o", "ɔ"), ("g", "ɡ"),
)  # fmt: skip


@dataclass(frozen=True)
class Unit:
    """A stretch of the line the mouth shapes as one: an initial, a final, a phone, a pause.

    Attributes:
        label: Pinyin initial ("zh"), final with tone digit ("ang3"), IPA phone of an English
            word, GAP, or a punctuation mark.
        phonemes: The Kokoro phoneme characters it is read with (each one model token).
    """

    label: str
    phonemes: str


class MandarinPhonemizer:
    """Clause text → Units; loads jieba, pypinyin's phrase dictionary and espeak-ng once.

    Args:
        vocabulary: The Kokoro phoneme characters the model reads; others are dropped.

    Raises:
        ImportError: misaki[zh] (jieba, pypinyin, cn2an) or opencc-purepy is not installed.
    """

    def __init__(self, vocabulary: frozenset[str]) -> None:
        from pipelines.zh_dictionaries import load_reader_dictionaries

        load_reader_dictionaries()  # jieba's and pypinyin's tables, from the model cache
        import cn2an  # noqa: F401  (loaded here, not on the first line)
        import jieba.posseg  # noqa: F401
        from misaki.tone_sandhi import ToneSandhi

        simplified_chinese("")  # loads OpenCC's table here, not on the first line

        self.vocabulary = vocabulary
        self._sandhi = ToneSandhi()
        self._english_lock = threading.Lock()
        self._espeak_ready = False

    def units(self, clause: str) -> list[Unit]:
        """The clause as labelled units, in order (numbers read, English words kept).

        Args:
            clause: Mandarin text, usually one clause, in simplified or traditional characters;
                may hold English words and digits.

        Returns:
            Units with at least one phoneme character each; empty when nothing is sayable.
        """
        text = read_numbers(simplified_chinese(clause))
        units: list[Unit] = []
        for han, latin, other in _PIECES.findall(text):
            if han:
                pieces = self._chinese(han)
            elif latin:
                pieces = self._english(latin)
            else:
                mark = _PUNCTUATION.get(other, "")
                pieces = [Unit(mark, mark)] if mark else []
            if pieces and units and units[-1].label != GAP and pieces[0].label not in PAUSE_MARKS:
                units.append(Unit(GAP, GAP))
            units.extend(pieces)
        return [u for u in (self._known(unit) for unit in units) if u.phonemes]

    def _known(self, unit: Unit) -> Unit:
        return Unit(unit.label, "".join(ch for ch in unit.phonemes if ch in self.vocabulary))

    # ----------------------------------------------------------------- Chinese
    def _chinese(self, han: str) -> list[Unit]:
        units: list[Unit] = []
        for syllables in self.pinyin(han):
            if units:
                units.append(Unit(GAP, GAP))
            for syllable in syllables:
                units.extend(syllable_units(syllable))
        return units

    def pinyin(self, han: str) -> list[list[str]]:
        """How a run of Chinese characters is read: each word's syllables, tones as spoken.

        Args:
            han: Simplified Chinese characters only (no digits, letters or punctuation).

        Returns:
            Per jieba word, its pinyin syllables with a tone digit (TONE3, 5 = neutral),
            after the tone sandhi and the rules of ``zh_readings``.
        """
        import jieba.posseg as psg
        from pypinyin import Style, lazy_pinyin

        cut = [(word, tag) for word, tag in psg.lcut(han)]
        try:
            words = [(word, tag) for word, tag in self._sandhi.pre_merge_for_modify(cut)]
        except IndexError:
            # misaki reads an empty final for a character pypinyin has no syllable for
            # (龩): the words are read as jieba cut them, without misaki's merges.
            logger.debug("Tone-sandhi merges skipped for %r", han)
            words = cut
        dictionary = [
            lazy_pinyin(word, style=Style.TONE3, neutral_tone_with_five=True) for word, _ in words
        ]
        read_before_sandhi(cut, words, dictionary)
        readings = [
            self._sandhi.modified_tone(word, part_of_speech, list(syllables))
            if len(syllables) == len(word)
            else list(syllables)
            for (word, part_of_speech), syllables in zip(words, dictionary, strict=True)
        ]
        read_after_sandhi(cut, words, readings, dictionary)
        return readings

    # ----------------------------------------------------------------- English
    def _english(self, words: str) -> list[Unit]:
        ipa = self._espeak(words)
        units: list[Unit] = []
        for word in ipa.split():
            if units:
                units.append(Unit(GAP, GAP))
            kokoro = word
            for old, new in _ESPEAK_TO_KOKORO:
                kokoro = kokoro.replace(old, new)
            units.extend(Unit(MISAKI_TO_IPA.get(ch, ch), ch) for ch in kokoro)
        return units

    def _espeak(self, words: str) -> str:
        """espeak-ng's en-us IPA of English words (stress marks kept), words space-separated."""
        from piper import espeakbridge
        from piper.phonemize_espeak import ESPEAK_DATA_DIR

        with self._english_lock:
            if not self._espeak_ready:
                espeakbridge.initialize(str(ESPEAK_DATA_DIR))
                self._espeak_ready = True
            espeakbridge.set_voice("en-us")
            clauses = espeakbridge.get_phonemes(words)
        return " ".join(phonemes for phonemes, _, _ in clauses)


#: The punctuation labels (pauses).
PAUSE_MARKS = frozenset(_PUNCTUATION.values())
_APICAL = {"z": "ii", "c": "ii", "s": "ii", "zh": "iii", "ch": "iii", "sh": "iii", "r": "iii"}


def syllable_units(syllable: str) -> list[Unit]:
    """One pinyin syllable ("zhang1", "er4", "n2") as its initial and final units.

    Args:
        syllable: Pinyin with a tone digit 1-5 (5 = neutral); anything else (a character
            pypinyin has no reading for) gives no units.

    Returns:
        [initial, final] units, or one unit for a syllable with no initial (我 → "uo3").
    """
    from misaki.transcription import pinyin_to_ipa
    from misaki.zh import ZHG2P
    from pypinyin.contrib.tone_convert import to_finals, to_initials, to_normal

    if not re.fullmatch(r"[a-zü]+[1-5]", syllable.replace("v", "ü")):
        logger.debug("No pinyin reading for %r; skipped", syllable)
        return []
    try:
        sounds = next(iter(pinyin_to_ipa(syllable)))
    except (ValueError, StopIteration, AssertionError):
        logger.debug("No IPA for the pinyin %r; skipped", syllable)
        return []
    tone = syllable[-1]
    parts = [ZHG2P.retone(part).replace(chr(815), "") for part in sounds]
    plain = to_normal(syllable)
    initial = to_initials(plain, strict=True)
    final = to_finals(plain, strict=True, v_to_u=True) or plain
    if final == "i" and initial in _APICAL:
        final = _APICAL[initial]  # the buzzing i of zi (ii) and zhi (iii), not the i of yi
    if initial and len(parts) > 1:
        return [Unit(initial, parts[0]), Unit(final + tone, "".join(parts[1:]))]
    return [Unit(final + tone, "".join(parts))]
