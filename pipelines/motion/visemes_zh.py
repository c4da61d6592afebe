"""Mandarin mouth shapes: pinyin initials and finals as viseme targets.

The Mandarin voice labels its timings with pinyin (``pipelines.speech.zh_phonemes``): an
initial ("b", "zh", "x") and a final with its tone digit ("ang3", "iao4", "ü2"). Initials are
one target each: b/p/m close the lips, f tucks the lower lip under the teeth, zh/ch/sh/r
round and push the lips forward, j/q/x and z/c/s spread them, d/t/n/l and g/k/h leave the
shape to the vowels around them. A final is the sequence of targets the mouth passes
through, each with its share of the final's time: "ai" opens wide then spreads, "ao" opens
then rounds, "uo" starts rounded and opens, "ian" spreads, opens half and closes to the
tongue's n. Coarticulation, smoothing and the lead over the sound are the same as for
English (``pipelines.motion.visemes``); symbols that are not pinyin (the IPA of English words
inside a Chinese line) are read with the English table.
"""

from __future__ import annotations

from pipelines.motion.visemes import Viseme, english_visemes, make_viseme

# Vowels and codas finals are made of: (category, jaw_open, lip_round, lip_wide).
_PARTS: dict[str, Viseme] = {
    "a": make_viseme("open", 0.65, 0.0, 0.2),  # 啊: wide open
    "o": make_viseme("rounded", 0.4, 0.75, -0.25),  # 我 (w)o: open-mid, rounded
    "e": make_viseme("schwa", 0.35, 0.0, 0.1),  # 饿 ɤ: mid, unrounded
    "ê": make_viseme("wide", 0.3, 0.0, 0.5),  # 也 (i)e, 月 (ü)e: mid front, spread
    "ə": make_viseme("schwa", 0.3, 0.0, 0.05),  # the e of en/eng
    "i": make_viseme("wide", 0.15, 0.0, 0.8),  # 一: spread
    "u": make_viseme("rounded", 0.22, 1.0, -0.4),  # 五: tight round
    "ʊ": make_viseme("rounded", 0.3, 0.8, -0.3),  # the o of ong
    "ü": make_viseme("rounded", 0.2, 0.9, -0.3),  # 鱼: rounded, tongue forward
    "er": make_viseme("schwa", 0.3, 0.3, -0.05),  # 二
    "ii": make_viseme("wide", 0.12, 0.0, 0.35),  # the i of zi/ci/si: teeth close, spread
    "iii": make_viseme("rhotic", 0.15, 0.3, -0.05),  # the i of zhi/chi/shi/ri
    "j": make_viseme("palatal", 0.12, 0.0, 0.55),  # glide i-
    "w": make_viseme("labiovelar", 0.12, 0.95, -0.4),  # glide u-
    "ɥ": make_viseme("labiovelar", 0.12, 0.9, -0.3),  # glide ü-
    "n": make_viseme("alveolar", 0.12, 0.0, 0.05),  # coda -n
    "ŋ": make_viseme("velar", 0.2, 0.0, 0.0),  # coda -ng
    "m": make_viseme("bilabial", 0.0, 0.0, 0.0),  # 呣
}

#: Initials: one target each.
INITIALS: dict[str, Viseme] = {
    **{s: make_viseme("bilabial", 0.0, 0.0, 0.0) for s in ("b", "p", "m")},
    "f": make_viseme("labiodental", 0.08, 0.0, 0.0),
    **{s: make_viseme("alveolar", 0.1, 0.0, 0.05) for s in ("d", "t", "n")},
    "l": make_viseme("alveolar", 0.18, 0.0, 0.05),
    **{s: make_viseme("velar", 0.18, 0.0, 0.0) for s in ("g", "k", "h")},
    **{s: make_viseme("palatal", 0.1, 0.0, 0.6) for s in ("j", "q", "x")},
    **{s: make_viseme("postalveolar", 0.1, 0.6, -0.2) for s in ("zh", "ch", "sh")},
    "r": make_viseme("rhotic", 0.12, 0.55, -0.15),
    **{s: make_viseme("alveolar", 0.06, 0.0, 0.2) for s in ("z", "c", "s")},
}

#: Finals (pinyin, strict, ü written ü): the parts the mouth passes through, with shares.
_FINALS: dict[str, tuple[tuple[str, float], ...]] = {
    "a": (("a", 1.0),),
    "o": (("o", 1.0),),
    "e": (("e", 1.0),),
    "ê": (("ê", 1.0),),
    "er": (("er", 1.0),),
    "ai": (("a", 0.55), ("i", 0.45)),
    "ei": (("ê", 0.5), ("i", 0.5)),
    "ao": (("a", 0.55), ("u", 0.45)),
    "ou": (("o", 0.5), ("u", 0.5)),
    "an": (("a", 0.7), ("n", 0.3)),
    "en": (("ə", 0.6), ("n", 0.4)),
    "ang": (("a", 0.7), ("ŋ", 0.3)),
    "eng": (("ə", 0.6), ("ŋ", 0.4)),
    "ong": (("ʊ", 0.65), ("ŋ", 0.35)),
    "i": (("i", 1.0),),
    "ii": (("ii", 1.0),),
    "iii": (("iii", 1.0),),
    "ia": (("j", 0.3), ("a", 0.7)),
    "ie": (("j", 0.3), ("ê", 0.7)),
    "iao": (("j", 0.25), ("a", 0.4), ("u", 0.35)),
    "iou": (("j", 0.25), ("o", 0.35), ("u", 0.4)),
    "ian": (("j", 0.25), ("ê", 0.45), ("n", 0.3)),
    "in": (("i", 0.65), ("n", 0.35)),
    "iang": (("j", 0.25), ("a", 0.5), ("ŋ", 0.25)),
    "ing": (("i", 0.6), ("ŋ", 0.4)),
    "iong": (("j", 0.25), ("ʊ", 0.45), ("ŋ", 0.3)),
    "u": (("u", 1.0),),
    "ua": (("w", 0.3), ("a", 0.7)),
    "uo": (("w", 0.35), ("o", 0.65)),
    "uai": (("w", 0.25), ("a", 0.4), ("i", 0.35)),
    "uei": (("w", 0.3), ("ê", 0.35), ("i", 0.35)),
    "uan": (("w", 0.25), ("a", 0.45), ("n", 0.3)),
    "uen": (("w", 0.3), ("ə", 0.4), ("n", 0.3)),
    "uang": (("w", 0.25), ("a", 0.5), ("ŋ", 0.25)),
    "ueng": (("w", 0.3), ("ə", 0.4), ("ŋ", 0.3)),
    "ü": (("ü", 1.0),),
    "üe": (("ɥ", 0.3), ("ê", 0.7)),
    "üan": (("ɥ", 0.25), ("ê", 0.45), ("n", 0.3)),
    "ün": (("ü", 0.6), ("n", 0.4)),
    # Syllabic nasals (嗯 n, 呣 m, 哼 hng) and the interjection 哟 io.
    "n": (("n", 1.0),),
    "ng": (("ŋ", 1.0),),
    "m": (("m", 1.0),),
    "hm": (("m", 1.0),),
    "hng": (("ŋ", 1.0),),
    "io": (("j", 0.3), ("o", 0.7)),
}
FINALS: dict[str, tuple[tuple[Viseme, float], ...]] = {
    final: tuple((_PARTS[part], share) for part, share in parts) for final, parts in _FINALS.items()
}
TONES = frozenset("12345")


def mandarin_visemes(base: str) -> tuple[tuple[Viseme, float], ...] | None:
    """The targets of one Mandarin phoneme label (see ``pipelines.motion.visemes``).

    Args:
        base: A pinyin initial ("zh"), a final with or without its tone digit ("iao4"), or
            an IPA phone of an English word.

    Returns:
        (viseme, share of the time) in order, or None when neither pinyin nor English IPA
        knows the whole symbol.
    """
    if base in INITIALS:
        return ((INITIALS[base], 1.0),)
    final = base[:-1] if base[-1:] in TONES else base
    if final in FINALS:
        return FINALS[final]
    return english_visemes(base)
