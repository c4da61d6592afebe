"""Checks and cleans a line written by a chat model before anyone hears it.

A tiny model invents names, narrates in the third person, talks about being an assistant,
repeats itself and leaks hashtags or emoji. ``validate_line`` accepts only English, first-person
lines of 1-3 whole sentences and 3-30 words, cleaned of wrapping quotes, speaker labels, emoji
and cut-off tails; ``inspect_line`` also says why a line was refused.
"""

from __future__ import annotations

import re
import unicodedata

from pipelines.text import (
    SENTENCE_END,
    SPACE_BEFORE_PUNCT,
    TAG,
    WHITESPACE,
    remove_unsayable,
    split_sentences,
    word_set,
)

#: Fewest words in an accepted line.
MIN_WORDS = 3
#: Most words in an accepted line.
MAX_WORDS = 30
#: Most sentences in an accepted line.
MAX_SENTENCES = 3

_QUOTE_PAIRS = (('"', '"'), ("“", "”"), ("'", "'"), ("‘", "’"), ("«", "»"))
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")
_FIRST_PERSON = re.compile(
    r"\b(?:I|I'm|I've|I'll|I'd|me|my|mine|myself|we|we're|we've|we'll|us|our|ours|ourselves)\b",
    flags=re.IGNORECASE,
)
_LINK = re.compile(
    r"(?:https?://|www\.|\b[\w.+-]+@[\w-]+\.\w|(?:^|\s)[#@]\w|\.(?:com|org|net|io|ly)\b)",
    flags=re.IGNORECASE,
)
_MARKUP = re.compile(r"[<>{}\[\]*_`|\\~^=]|\b(?:\w+):\s*$")
_META = re.compile(
    r"\b(?:as an ai|ai model|language model|an ai\b|assistant|chatbot|prompt|instructions?|"
    r"photo description|scene facts?|description|the user|user's|system message|"
    r"here is|here's (?:a|the|my) (?:line|reply|response|answer)|here to help|"
    r"how (?:can|may) i (?:help|assist)|i (?:cannot|can't|can not) (?:help|assist|comply|provide)|"
    r"i'm sorry, but|ignore|mood:)",
    flags=re.IGNORECASE,
)
_NARRATION = re.compile(
    r"^(?:(?:he|she)(?:'s)?\s+(?:is|was|are|were|has|had|looks?|seems?|stands?|sits?|"
    r"smiles?|wears?|holds?|appears?)\b"
    r"|(?:the|this|that|a|an|in the|in this)\s+(?:\w+\s+)?(?:man|woman|person|people|girl|boy|"
    r"lady|gentleman|child|couple|photo|photograph|image|picture|painting|portrait|scene|"
    r"figure|subject)s?\b)",
    flags=re.IGNORECASE,
)
_SPEAKER_LABEL = re.compile(r"^(?:[A-Z][\w']*(?: [A-Z0-9][\w']*)?)\s*:\s+")
_NAME_ALLOWED = word_set(
    "I I'm I've I'll I'd God Mom Dad Mum Grandma Grandpa OK TV Christmas Easter Halloween "
    "Thanksgiving New Year Monday Tuesday Wednesday Thursday Friday Saturday Sunday January "
    "February March April May June July August September October November December"
)
_TITLES = word_set("mr mrs ms miss dr sir madam lady lord aunt uncle prof")
# Words that repeat naturally; a repeated word trigram made only of these is not repetition.
_STOP_WORDS = word_set(
    "i i'm i've i'll i'd me my we us our you your it it's this that a an the to of and or but "
    "in on at for with so not no is am are was were be been have has had do did can could "
    "would will just very"
)
_DANGLING = word_set(
    "a an the my our your his her their to of and or but with for in on at by from as so that "
    "than very is am are was were be"
)


def _strip_wrapping_quotes(text: str) -> str:
    """Removes quotes that wrap the whole line, repeatedly."""
    changed = True
    while changed and len(text) >= 2:
        changed = False
        for opening, closing in _QUOTE_PAIRS:
            if text.startswith(opening) and text.endswith(closing):
                text = text[len(opening) : len(text) - len(closing)].strip()
                changed = True
    return text


def _quotes_balanced(text: str) -> bool:
    pairs = (("“", "”"), ("(", ")"), ("«", "»"))
    return text.count('"') % 2 == 0 and all(text.count(a) == text.count(b) for a, b in pairs)


def _drop_unfinished_tail(sentences: list[str]) -> list[str]:
    """Drops a trailing fragment that was cut off (no end punctuation) or ends it with '.'."""
    if not sentences or sentences[-1][-1] in SENTENCE_END:
        return sentences
    if len(sentences) > 1:
        return sentences[:-1]
    words = _WORD.findall(sentences[-1])
    if not words or words[-1].lower() in _DANGLING:
        return []
    return [sentences[-1].rstrip(",;: -") + "."]


def _has_invented_name(sentences: list[str]) -> bool:
    """Whether the sentences hold a person's name (two capitalised words, a title, "I'm Ann")."""
    for sentence in sentences:
        words = sentence.split()
        bare = [w.strip("\"'“”‘’,.!?;:()") for w in words]
        for position, word in enumerate(bare):
            if not word:
                continue
            if word.lower().rstrip(".") in _TITLES and position + 1 < len(bare):
                following = bare[position + 1]
                if following[:1].isupper() and following not in _NAME_ALLOWED:
                    return True
            if position + 1 >= len(bare):
                continue
            following = bare[position + 1]
            both_capitalised = word[:1].isupper() and following[:1].isupper()
            if both_capitalised and word not in _NAME_ALLOWED and following not in _NAME_ALLOWED:
                return True
            introduces = word.lower() in ("i'm", "named", "called") or (
                position >= 2
                and " ".join(bare[position - 2 : position + 1]).lower() == "my name is"
            )
            if introduces and following[:1].isupper() and following not in _NAME_ALLOWED:
                return True
    return False


def _is_repetitive(sentences: list[str]) -> bool:
    lowered = [s.lower().rstrip(SENTENCE_END) for s in sentences]
    if len(set(lowered)) < len(lowered):
        return True
    words = [w.lower() for w in _WORD.findall(" ".join(sentences))]
    trigrams = [
        tuple(words[i : i + 3])
        for i in range(len(words) - 2)
        if not _STOP_WORDS.issuperset(words[i : i + 3])
    ]
    if len(set(trigrams)) < len(trigrams):
        return True
    return any(words[i] == words[i + 1] == words[i + 2] for i in range(len(words) - 2))


def _looks_english(text: str) -> bool:
    # Plain English needs no letter outside ASCII; a tiny model's accents signal another language.
    letters = [ch for ch in text if ch.isalpha()]
    if not letters or not all(ch.isascii() for ch in letters):
        return False
    words = _WORD.findall(text)
    if any(len(w) > 18 for w in words):
        return False
    vowelless = sum(1 for w in words if len(w) > 3 and not re.search(r"[aeiouyAEIOUY]", w))
    return vowelless == 0


def inspect_line(text: str) -> tuple[str | None, str]:
    """Cleans a model-written line and says why it is rejected, if it is.

    Args:
        text: The raw reply of a chat model.

    Returns:
        (cleaned line, "ok") when the line is fit to speak, else (None, reason) where reason
        is one of "empty", "markup", "link", "meta", "not english", "quotes", "narration",
        "too short", "not first person", "too long", "too many sentences", "name",
        "repetition". The first problem found is reported; checks run in the order listed,
        and "empty" can also come from a cleaning step (e.g. a reply of only emoji).
    """
    if not isinstance(text, str):
        return None, "empty"
    raw = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'")
    if TAG.search(raw) or _MARKUP.search(raw.strip()):
        return None, "markup"
    if _LINK.search(raw):
        return None, "link"
    cleaned = WHITESPACE.sub(" ", remove_unsayable(raw)).strip()
    cleaned = _strip_wrapping_quotes(cleaned)
    label = _SPEAKER_LABEL.match(cleaned)
    if label:
        if _META.search(label.group(0)):
            return None, "meta"
        cleaned = _strip_wrapping_quotes(cleaned[label.end() :].strip())
    cleaned = SPACE_BEFORE_PUNCT.sub(r"\1", cleaned)
    if not cleaned or not any(ch.isalpha() for ch in cleaned):
        return None, "empty"
    if _META.search(cleaned):
        return None, "meta"
    if not _looks_english(cleaned):
        return None, "not english"
    if not _quotes_balanced(cleaned):
        return None, "quotes"
    sentences = _drop_unfinished_tail(split_sentences(cleaned))
    if not sentences:
        return None, "empty"
    if any(_NARRATION.match(s) for s in sentences):
        return None, "narration"
    word_count = len(_WORD.findall(" ".join(sentences)))
    if word_count < MIN_WORDS:
        return None, "too short"
    if not _FIRST_PERSON.search(" ".join(sentences)):
        return None, "not first person"
    if word_count > MAX_WORDS:
        return None, "too long"
    if len(sentences) > MAX_SENTENCES:
        return None, "too many sentences"
    if _has_invented_name(sentences):
        return None, "name"
    if _is_repetitive(sentences):
        return None, "repetition"
    line = " ".join(sentences)
    if line[0].islower():
        line = line[0].upper() + line[1:]
    return line, "ok"


def validate_line(text: str) -> str | None:
    """The cleaned line when a model's reply is fit to be spoken, else None.

    A fit line is English, first person, 3-30 words in 1-3 whole sentences, with no links,
    hashtags, handles, markup, meta talk ("as an AI", "prompt"), third-person narration ("She
    is", "The photo"), invented full names, repetition or unbalanced quotes. Cleaning strips
    wrapping quotes, a speaker label, emoji and a cut-off last sentence, and ends the line with
    punctuation.

    Args:
        text: The raw reply of a chat model.

    Returns:
        The cleaned line, or None when it must not be used.
    """
    return inspect_line(text)[0]
