"""The scene's facts rendered as one grammatical English sentence.

For example: "A black-and-white photo of one person in a close-up, with a neutral expression,
against a grey and black background." or "A colour photo of two people in a portrait, the one
on the left smiling and the one on the right with a neutral expression, against an orange and
blue background, with the word 'OPEN' visible."
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pipelines.types import PersonInScene

#: At most this many OCR strings are quoted in the sentence.
MAX_QUOTED = 3
_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_EXPRESSIONS = {
    "smile": "smiling",
    "open_mouth": "with an open mouth",
    "closed_eyes": "with eyes closed",
    "neutral": "with a neutral expression",
}
_FRAMINGS = {
    "close-up": "in a close-up",
    "portrait": "in a portrait",
    "small in the frame": "small in the frame",
}


def number_word(count: int) -> str:
    """'no', 'one' ... 'ten', then digits."""
    return _NUMBERS[count] if 0 <= count < len(_NUMBERS) else str(count)


def join_words(words: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def with_article(phrase: str) -> str:
    """'a blue ...' or 'an orange ...'."""
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


def _expression(label: str) -> str:
    return _EXPRESSIONS.get(label, _EXPRESSIONS["neutral"])


def _people_clause(people: Sequence[PersonInScene]) -> str:
    """'of one person in a close-up, smiling' and the like (empty for no people)."""
    count = len(people)
    noun = "person" if count == 1 else "people"
    parts = [f"of {number_word(count)} {noun}"]
    framings = {person.framing for person in people}
    if len(framings) == 1:
        parts[0] += " " + _FRAMINGS.get(framings.pop(), "")
    labels = [person.expression for person in people]
    if count == 1:
        parts.append(_expression(labels[0]))
    elif len(set(labels)) == 1:
        parts.append(("both " if count == 2 else "all ") + _expression(labels[0]))
    elif count <= 3:
        places = ["on the left", "on the right"] if count == 2 else ["on the left"]
        if count == 3:
            places += ["in the middle", "on the right"]
        parts.append(
            join_words(
                [
                    f"the one {place} {_expression(label)}"
                    for place, label in zip(places, labels, strict=True)
                ]
            )
        )
    else:
        tally = Counter(labels).most_common()
        parts.append(join_words([f"{number_word(n)} {_expression(label)}" for label, n in tally]))
    return ", ".join(part.strip() for part in parts)


def _quoted(texts: Sequence[str]) -> str:
    single_word = len(texts) == 1 and " " not in texts[0]
    noun = "the word" if single_word else "the words"
    return f"{noun} {join_words([repr_text(t) for t in texts])}"


def repr_text(text: str) -> str:
    """Text in single quotes for the sentence (inner quotes made typographic)."""
    return "'" + text.replace("'", "\u2019") + "'"


def scene_sentence(
    people: Sequence[PersonInScene],
    tone: str,
    brightness: str,
    medium: str,
    background: Sequence[str],
    text_in_photo: Sequence[str],
    surroundings: Sequence[str] = (),
) -> str:
    """One English sentence built only from the scene's facts.

    Args:
        people: The people, left to right.
        tone: "colour", "black-and-white" or "sepia".
        brightness: "dark", "dim", "normal" or "bright" (only the first, second and fourth
            are mentioned).
        medium: "photo" or "painting or drawing".
        background: Background colour words, most common first.
        text_in_photo: Text read from the photo.
        surroundings: What surrounds the people ("leaves": mentioned as leaves and trees;
            "sky": as a blue sky).

    Returns:
        A sentence that starts with a capital and ends with a full stop.
    """
    adjectives = [brightness] if brightness in ("dark", "dim", "bright") else []
    subject = with_article(" ".join([*adjectives, tone, medium]))
    clauses = []
    if people:
        clauses.append(_people_clause(people))
    else:
        clauses.append("with no people in it")
    colours = join_words(list(background))
    if colours:
        clauses.append(
            f"against {with_article(colours)} background" if people else f"mostly {colours}"
        )
    if "leaves" in surroundings:
        clauses.append("with green leaves and trees around")
    if "sky" in surroundings:
        clauses.append("under a blue sky")
    if text_in_photo:
        clauses.append(f"with {_quoted(list(text_in_photo)[:MAX_QUOTED])} visible")
    sentence = subject + " " + clauses[0]
    if len(clauses) > 1:
        sentence += ", " + ", ".join(clauses[1:])
    return sentence[0].upper() + sentence[1:] + "."
