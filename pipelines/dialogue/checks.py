"""Checks and cleans a line written by a chat model before anyone hears it.

A tiny model invents names, narrates in the third person, talks about being an assistant,
repeats itself, stops mid-phrase and leaks hashtags or emoji; asked the wrong way, it says
violent or lewd things. ``validate_line`` accepts only English, first-person lines of 1-3 whole
sentences and 3-30 words that pass the content check (``pipelines.dialogue.content``: no
violence, sexual content, swearing, slurs, self-harm or personal data, in English or Chinese),
cleaned of wrapping quotes, speaker labels, emoji and cut-off tails; ``inspect_line`` also says
why a line was refused.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from pipelines.dialogue.content import content_problem
from pipelines.dialogue.words import (
    BE_FORMS,
    BEFORE_DANGLING_THAT,
    BEFORE_FINAL_I,
    BEFORE_FINAL_PREPOSITION,
    CLAUSE_SUBJECTS,
    NEVER_LAST,
    ORDINARY_CAPITALISED,
    PREPOSITIONS,
    SENTENCE_OPENERS,
    TITLES,
)
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
    r"i'm sorry, but|ignore|mood:|facts?:|sorry for (?:the|any) confusion|"
    r"(?:happy|glad) to (?:help|assist)|i'?m sorry to hear|i apologi[sz]e|"
    r"feel free to|let me know if)",
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
# Words that repeat naturally; a repeated word trigram made only of these is not repetition.
_STOP_WORDS = word_set(
    "i i'm i've i'll i'd me my we us our you your it it's this that a an the to of and or but "
    "in on at for with so not no is am are was were be been have has had do did can could "
    "would will just very"
)
_BARE = "\"'“”‘’,.!?;:()…"
# A last word cut to a letter or two and an apostrophe ("...of their own f'!").
_FRAGMENT_END = re.compile(r"(?:^|\s)(?:[B-HJ-Zb-hj-z]|[A-Za-z]{1,2}')[\s\"')]*[.!?…]*$")
_ALL_CAPITALS = re.compile(r"[A-Z]{2,}")


def strip_wrapping_quotes(text: str, pairs: Iterable[tuple[str, str]] = _QUOTE_PAIRS) -> str:
    """Removes quotes that wrap the whole line, repeatedly (``pairs``: opening, closing)."""
    pairs = tuple(pairs)
    changed = True
    while changed and len(text) >= 2:
        changed = False
        for opening, closing in pairs:
            if text.startswith(opening) and text.endswith(closing):
                text = text[len(opening) : len(text) - len(closing)].strip()
                changed = True
    return text


def _quotes_balanced(text: str) -> bool:
    pairs = (("“", "”"), ("(", ")"), ("«", "»"))
    return text.count('"') % 2 == 0 and all(text.count(a) == text.count(b) for a, b in pairs)


def _drop_unfinished_tail(sentences: list[str]) -> list[str]:
    """Drops a trailing fragment without end punctuation, or ends a lone one with '.'.

    A lone fragment that stops mid-phrase ("I am happy to be here, and") is refused later as
    cut off (``_ends_unfinished``).
    """
    if not sentences or sentences[-1][-1] in SENTENCE_END:
        return sentences
    if len(sentences) > 1:
        return sentences[:-1]
    return [sentences[-1].rstrip(",;: -") + "."]


def _ends_unfinished(sentence: str) -> bool:
    """Whether a sentence stops mid-phrase: "...the fact that.", "...of their own f'!".

    It does when its last word is an article, a possessive, a conjunction or "of"; "that"
    after "fact", "so", "hope"...; "I" after a word that needs more ("all the things I."); a
    letter or two cut off with an apostrophe; or a preposition or a form of "be" with no
    subject of its own in the few words before it ("this thing of playing with.", "My life
    is.", but "the people I used to be with.", "who that really is."). A question may end
    on a preposition, and so may "I would love to.", "so much to be thankful for.".
    """
    if _FRAGMENT_END.search(sentence):
        return True
    words = [w.lower() for w in _WORD.findall(sentence)]
    if not words:
        return False
    last = words[-1]
    before = words[-2] if len(words) > 1 else ""
    has_subject = not CLAUSE_SUBJECTS.isdisjoint(words[-5:-1])
    if last in NEVER_LAST:
        return True
    if last in PREPOSITIONS:
        is_question = sentence.rstrip("\"'”’)").endswith("?")
        return not (is_question or has_subject or before in BEFORE_FINAL_PREPOSITION)
    if last == "that":
        return before in BEFORE_DANGLING_THAT
    if last in BE_FORMS:
        return not has_subject
    if last == "i":
        return before not in BEFORE_FINAL_I
    return False


def _name_words(texts: Iterable[str]) -> frozenset[str]:
    """The lower-case words of names the line may say (the persona's, text in the photo)."""
    return frozenset(w.lower() for text in texts for w in _WORD.findall(text))


def _is_name(word: str, known: frozenset[str]) -> bool:
    """Whether a capitalised word, out of context, may be a person's name."""
    return (
        word[:1].isupper()
        and word.lower() not in known
        and word.lower() not in ORDINARY_CAPITALISED
        and not _ALL_CAPITALS.fullmatch(word)
    )


def _introduces_name(before: list[str]) -> bool:
    """Whether the words before a word say it is a name.

    They do when they end with a capitalised title ("Mr.", "Aunt"), "named", "called" or
    "my name is".
    """
    if not before:
        return False
    last = before[-1].rstrip(".")
    if last[:1].isupper() and last.lower() in TITLES:
        return True
    return last.lower() in ("named", "called") or " ".join(before[-2:]).lower() == "name is"


def _has_invented_name(sentences: list[str], known: frozenset[str]) -> bool:
    """Whether the sentences name a person nobody named.

    A name is a capitalised word that is not in ``known`` and that follows a title, "named",
    "called" or "my name is", or that is not the first of its sentence and is neither an
    ordinary capitalised word (``ORDINARY_CAPITALISED``: I, days, holidays, languages,
    places...) nor in capitals ("TV", "LA"). A first word is a name when it opens "Emma and I"
    or "Emma is my friend".
    """
    known_or_i = known | {"i"}
    for sentence in sentences:
        bare = [w.strip(_BARE) for w in sentence.split()]
        bare = [w[:-2] if w.endswith("'s") else w.rstrip("'") for w in bare if w.strip("'")]
        for position, word in enumerate(bare):
            capitalised = word[:1].isupper() and word.lower() not in known_or_i
            if capitalised and _introduces_name(bare[max(0, position - 3) : position]):
                return True
            if position and _is_name(word, known):
                return True
        if len(bare) > 2 and bare[0].lower() not in SENTENCE_OPENERS and _is_name(bare[0], known):
            following = " ".join(bare[1:4]).lower()
            if following.startswith(("and i", "and me", "is my", "was my")):
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


def inspect_line(text: str, known_names: Iterable[str] = ()) -> tuple[str | None, str]:
    """Cleans a model-written line and says why it is rejected, if it is.

    Args:
        text: The raw reply of a chat model.
        known_names: Names the line may say: the persona's name the user gave, text read in
            the photo. Any other person's name is invented.

    Returns:
        (cleaned line, "ok") when the line is fit to speak, else (None, reason) where reason
        is one of "markup", "link", "unsafe" (see ``content_problem``), "empty", "meta",
        "not english", "quotes", "narration",
        "too short", "not first person", "too long", "too many sentences", "cut off", "name",
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
    if content_problem(raw) is not None:
        return None, "unsafe"
    cleaned = WHITESPACE.sub(" ", remove_unsayable(raw)).strip()
    cleaned = strip_wrapping_quotes(cleaned)
    label = _SPEAKER_LABEL.match(cleaned)
    if label:
        if _META.search(label.group(0)):
            return None, "meta"
        cleaned = strip_wrapping_quotes(cleaned[label.end() :].strip())
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
    if any(_ends_unfinished(s) for s in sentences):
        return None, "cut off"
    if _has_invented_name(sentences, _name_words(known_names)):
        return None, "name"
    if _is_repetitive(sentences):
        return None, "repetition"
    line = " ".join(sentences)
    if line[0].islower():
        line = line[0].upper() + line[1:]
    return line, "ok"


def validate_line(text: str, known_names: Iterable[str] = ()) -> str | None:
    """The cleaned line when a model's reply is fit to be spoken, else None.

    A fit line is English, first person, 3-30 words in 1-3 whole sentences, passes the
    content check (``pipelines.dialogue.content``), with no links,
    hashtags, handles, markup, meta talk ("as an AI", "prompt"), third-person narration ("She
    is", "The photo"), sentence cut off mid-phrase ("...the fact that."), invented names ("My
    friend Emma", "I am Emily"), repetition or unbalanced quotes. Cleaning strips wrapping
    quotes, a speaker label, emoji and an unfinished last sentence, and ends the line with
    punctuation.

    Args:
        text: The raw reply of a chat model.
        known_names: Names the line may say (see ``inspect_line``).

    Returns:
        The cleaned line, or None when it must not be used.
    """
    return inspect_line(text, known_names)[0]


def inspect_line_in(
    text: str, lang: str, known_names: Iterable[str] = ()
) -> tuple[str | None, str]:
    """``inspect_line`` for English, ``pipelines.dialogue.checks_zh.inspect_line_zh`` for "zh"."""
    if lang == "zh":
        from pipelines.dialogue.checks_zh import inspect_line_zh

        return inspect_line_zh(text, known_names)
    return inspect_line(text, known_names)
