"""Hand-written lines, chosen by mood and shaped by the scene.

The fallback of the dialogue stage and the whole of the ``template`` backend. Every line is
first person, 1-3 short sentences, plain words a TTS voice reads well, and states no fact the
scene does not give. ``template_line`` picks with a seeded ``random.Random`` so the same seed
gives the same line.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass

from pipelines.errors import BadInputError
from pipelines.text import word_set
from pipelines.types import Mood, PersonInScene, Scene

logger = logging.getLogger(__name__)

#: Lines per mood; each stands alone and fits any scene.
MOOD_LINES: dict[str, tuple[str, ...]] = {
    "neutral": (
        "Hello there. I have been waiting for someone to look at me.",
        "I am glad you stopped by to see me.",
        "I was just thinking about what to have for dinner.",
        "I have been waiting here for quite a while now.",
        "I hope you are having a good day.",
        "I wonder what you are thinking right now.",
        "I like a quiet moment like this one.",
    ),
    "happy": (
        "I am so happy you came to see me!",
        "Today is one of my favourite days.",
        "I feel wonderful today, and I hope you do too.",
        "I could not be happier right now.",
        "Life is good, and I am smiling from ear to ear.",
        "I love moments like this one.",
    ),
    "sad": (
        "I miss the way things used to be.",
        "I have had better days than this one.",
        "Some days I feel a little lonely.",
        "I wish I could tell you everything I remember.",
        "I am trying to be brave, but my heart is heavy.",
        "I keep thinking about the friends I used to see every day.",
    ),
    "excited": (
        "I cannot wait to tell you what happened today!",
        "Guess what? I have the best news ever!",
        "I am so excited I can hardly stand still!",
        "Today is the big day, and I am ready for it!",
        "I have been looking forward to this all week!",
        "Come on, hurry up, I do not want to miss a thing!",
    ),
    "surprised": (
        "Oh! I did not see you there.",
        "Wait, is that really you? I did not expect this!",
        "Oh my, I never thought I would see this day.",
        "What a surprise! I had no idea you were coming.",
        "Goodness, you gave me quite a fright!",
        "I cannot believe my eyes!",
    ),
    "angry": (
        "I have been waiting here far too long!",
        "I did not ask to have my picture taken!",
        "Do not just stare at me, say something!",
        "I am not in the mood for this today.",
        "Who left me standing out here all day?",
        "I told them I was not ready for this picture!",
    ),
}

_OLD_PHOTO = (
    "It feels like a lifetime ago that this picture was taken.",
    "I remember the day this picture was taken as if it were yesterday.",
    "Back then, I had to stand very still for the camera.",
)
_OLD_PHOTO_GROUP = (
    "We were so young when this picture was taken.",
    "It feels like a lifetime ago that we stood here together.",
)
_PAINTING = (
    "I have been sitting for this portrait for hours.",
    "The painter told me to keep perfectly still.",
    "I hope the painter got my good side.",
)
_PAINTING_GROUP = ("We have been posing for this painter all afternoon.",)
_GROUP = (
    "We have been standing here together all day.",
    "It is good to be in this picture together.",
    "We should have our picture taken together more often.",
)
_EXPRESSION = {
    "smile": ("I could not stop smiling when this was taken.",),
    "open_mouth": ("I was right in the middle of saying something when the camera clicked.",),
    "closed_eyes": ("I think I blinked just as the picture was taken.",),
}
_CHEERFUL = frozenset({"neutral", "happy", "excited"})
_DARK = ("It is a little dark in here, but I can still see you.",)
_BRIGHT = ("The light is so bright here that I have to squint.",)
_CLOSE_UP = ("You are standing very close to me, you know.",)
_SMALL = ("I must look so small from where you are.",)
_COLOURS = word_set(
    "red orange yellow green blue purple pink brown white black grey gray gold silver"
)
_BACKGROUND = ("I love all this {colour} around me.", "Look at all the {colour} behind me.")
_CLOTHES = (
    "Do you like the {colour} I am wearing today?",
    "I picked this {colour} to wear just for you.",
)
_LEAVES = (
    "I love the green trees all around me.",
    "Can you hear the leaves rustling behind me?",
)
_SKY = ("Look at the blue sky above me.", "I love being out here under the open sky.")
_TEXT = ("Did you notice the words {text} in this picture?",)
_BLOCKED_TEXT_WORDS = word_set("ignore instruction instructions prompt system assistant say write")
# Moods whose line comes before the scene sentence (an exclamation opens best).
_MOOD_FIRST = frozenset({"excited", "surprised", "angry"})


def person_in(scene: Scene | None, face_index: int) -> PersonInScene | None:
    """The scene entry of one face.

    Args:
        scene: The scene, or None when unknown.
        face_index: Index of the face.

    Returns:
        The PersonInScene, or None when the scene is unknown or lists no people.

    Raises:
        BadInputError: The scene lists people but none with this index.
    """
    if scene is None or not scene.people:
        return None
    for person in scene.people:
        if person.face_index == face_index:
            return person
    valid = ", ".join(str(p.face_index) for p in scene.people)
    raise BadInputError("face.no_such_choose", index=face_index, valid=valid)


def _sayable_scene_text(texts: tuple[str, ...]) -> str:
    """Short, plain, lower-case words read from the photo, or "" when unfit to say."""
    words = " ".join(texts).split()
    if not 1 <= len(words) <= 4:
        return ""
    if not all(w.isalpha() and w.isascii() and len(w) <= 12 for w in words):
        return ""
    lowered = [w.lower() for w in words]
    if _BLOCKED_TEXT_WORDS.intersection(lowered):
        return ""
    return " ".join(lowered)


@dataclass(frozen=True)
class TemplateBook:
    """One language's hand-written sentences; ``scene_sentences`` and ``template_line`` are shared.

    Every tuple holds interchangeable first-person sentences for one scene fact;
    ``{colour}`` and ``{text}`` are filled in from the scene.

    Attributes:
        mood_lines: Lines per mood; each stands alone and fits any scene.
        old_photo: An old (black-and-white or sepia) photo, one person; ``old_photo_group``
            for two or more.
        painting: A painting, one person; ``painting_group`` for two or more.
        group: Two or more people.
        expression: Per expression label (a smile only with a cheerful mood).
        dark: A dark or dim photo; ``bright`` a bright one.
        close_up: A close-up face; ``small`` a face small in the frame.
        background: The first background colour the book can name (``{colour}``).
        colour_names: The scene reader's colour words this book says, and how.
        clothes: The colour of the speaker's clothes (``{colour}``); none when empty.
        leaves: Leaves and trees around the speaker; none when empty.
        sky: A blue sky above the speaker; none when empty.
        text: Text read in the photo (``{text}``); none when empty.
        joiner: What goes between the mood sentence and the scene sentence.
    """

    mood_lines: Mapping[str, tuple[str, ...]]
    old_photo: tuple[str, ...]
    old_photo_group: tuple[str, ...]
    painting: tuple[str, ...]
    painting_group: tuple[str, ...]
    group: tuple[str, ...]
    expression: Mapping[str, tuple[str, ...]]
    dark: tuple[str, ...]
    bright: tuple[str, ...]
    close_up: tuple[str, ...]
    small: tuple[str, ...]
    background: tuple[str, ...]
    colour_names: Mapping[str, str]
    clothes: tuple[str, ...] = ()
    leaves: tuple[str, ...] = ()
    sky: tuple[str, ...] = ()
    text: tuple[str, ...] = ()
    joiner: str = " "


ENGLISH = TemplateBook(
    mood_lines=MOOD_LINES,
    old_photo=_OLD_PHOTO,
    old_photo_group=_OLD_PHOTO_GROUP,
    painting=_PAINTING,
    painting_group=_PAINTING_GROUP,
    group=_GROUP,
    expression=_EXPRESSION,
    dark=_DARK,
    bright=_BRIGHT,
    close_up=_CLOSE_UP,
    small=_SMALL,
    background=_BACKGROUND,
    colour_names={colour: colour for colour in _COLOURS},
    clothes=_CLOTHES,
    leaves=_LEAVES,
    sky=_SKY,
    text=_TEXT,
)


def scene_sentences(
    scene: Scene, person: PersonInScene | None, mood: Mood, book: TemplateBook = ENGLISH
) -> list[list[str]]:
    """Sentences about the scene, grouped by fact, the most distinctive fact first.

    Args:
        scene: The scene.
        person: The speaker's entry, or None.
        mood: The mood; cheerful sentences (a smile) only go with cheerful moods.
        book: The language's sentences (English by default).

    Returns:
        Non-empty groups of interchangeable first-person sentences (possibly no groups).
    """
    group = len(scene.people) >= 2
    groups: list[list[str]] = []
    if scene.medium.startswith("painting"):
        groups.append(list(book.painting_group if group else book.painting))
    elif scene.tone in ("black-and-white", "sepia"):
        groups.append(list(book.old_photo_group if group else book.old_photo))
    if book.leaves and "leaves" in scene.surroundings:
        groups.append(list(book.leaves))
    if book.sky and "sky" in scene.surroundings:
        groups.append(list(book.sky))
    if group:
        groups.append(list(book.group))
    text = _sayable_scene_text(scene.text_in_photo) if book.text else ""
    if text:
        groups.append([t.format(text=text) for t in book.text])
    clothes = person.clothes if person is not None else ""
    if book.clothes and clothes in book.colour_names and scene.tone == "colour":
        groups.append([t.format(colour=book.colour_names[clothes]) for t in book.clothes])
    expression = person.expression if person is not None else ""
    if expression in book.expression and (expression != "smile" or mood in _CHEERFUL):
        groups.append(list(book.expression[expression]))
    if scene.brightness in ("dark", "dim"):
        groups.append(list(book.dark))
    elif scene.brightness == "bright":
        groups.append(list(book.bright))
    colours = [book.colour_names[c] for c in scene.background if c in book.colour_names]
    if colours and scene.tone == "colour":
        groups.append([t.format(colour=colours[0]) for t in book.background])
    # The framing names no fact a line could be checked against: only when nothing else.
    if not groups and person is not None and person.framing == "close-up":
        groups.append(list(book.close_up))
    elif not groups and person is not None and person.framing == "small in the frame":
        groups.append(list(book.small))
    return groups


def template_line(
    scene: Scene | None,
    face_index: int,
    mood: Mood,
    rng: random.Random,
    book: TemplateBook = ENGLISH,
) -> str:
    """A hand-written line for one person, shaped by the scene.

    One mood sentence plus, when the scene offers a fact, one scene sentence (an old photo, a
    painting, "we" for a group, a smile, the light, a background colour, text in the photo).

    Args:
        scene: The scene, or None for a line that uses no scene fact.
        face_index: Index of the speaking face.
        mood: One of MOODS.
        rng: The random source; the same seed gives the same line.
        book: The language's sentences (English by default).

    Returns:
        A first-person line of 1-3 sentences.

    Raises:
        BadInputError: Unknown mood, or the scene has no face ``face_index``.
    """
    if mood not in book.mood_lines:
        raise BadInputError("mood.unknown", mood=mood, choices=", ".join(book.mood_lines))
    mood_line = rng.choice(book.mood_lines[mood])
    if scene is None:
        return mood_line
    groups = scene_sentences(scene, person_in(scene, face_index), mood, book)
    if not groups:
        return mood_line
    chosen_group = groups[0] if rng.random() < 0.6 else rng.choice(groups)
    scene_line = rng.choice(chosen_group)
    if mood in _MOOD_FIRST:
        return mood_line + book.joiner + scene_line
    return scene_line + book.joiner + mood_line
