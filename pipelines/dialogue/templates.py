"""Hand-written lines, chosen by mood and shaped by the scene.

The fallback of the dialogue stage and the whole of the ``template`` backend. Every line is
first person, 1-3 short sentences, plain words a TTS voice reads well, and states no fact the
scene does not give. ``template_line`` picks with a seeded ``random.Random`` so the same seed
gives the same line.
"""

from __future__ import annotations

import logging
import random

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
    raise BadInputError(f"There is no face number {face_index} in this photo; choose {valid}.")


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


def scene_sentences(scene: Scene, person: PersonInScene | None, mood: Mood) -> list[list[str]]:
    """Sentences about the scene, grouped by fact, the most distinctive fact first.

    Args:
        scene: The scene.
        person: The speaker's entry, or None.
        mood: The mood; cheerful sentences (a smile) only go with cheerful moods.

    Returns:
        Non-empty groups of interchangeable first-person sentences (possibly no groups).
    """
    group = len(scene.people) >= 2
    groups: list[list[str]] = []
    if scene.medium.startswith("painting"):
        groups.append(list(_PAINTING_GROUP if group else _PAINTING))
    elif scene.tone in ("black-and-white", "sepia"):
        groups.append(list(_OLD_PHOTO_GROUP if group else _OLD_PHOTO))
    if group:
        groups.append(list(_GROUP))
    text = _sayable_scene_text(scene.text_in_photo)
    if text:
        groups.append([t.format(text=text) for t in _TEXT])
    expression = person.expression if person is not None else ""
    if expression in _EXPRESSION and (expression != "smile" or mood in _CHEERFUL):
        groups.append(list(_EXPRESSION[expression]))
    if scene.brightness in ("dark", "dim"):
        groups.append(list(_DARK))
    elif scene.brightness == "bright":
        groups.append(list(_BRIGHT))
    colours = [c for c in scene.background if c in _COLOURS]
    if colours and scene.tone == "colour":
        groups.append([t.format(colour=colours[0]) for t in _BACKGROUND])
    if person is not None and person.framing == "close-up":
        groups.append(list(_CLOSE_UP))
    elif person is not None and person.framing == "small in the frame":
        groups.append(list(_SMALL))
    return groups


def template_line(scene: Scene | None, face_index: int, mood: Mood, rng: random.Random) -> str:
    """A hand-written line for one person, shaped by the scene.

    One mood sentence plus, when the scene offers a fact, one scene sentence (an old photo, a
    painting, "we" for a group, a smile, the light, a background colour, text in the photo).

    Args:
        scene: The scene, or None for a line that uses no scene fact.
        face_index: Index of the speaking face.
        mood: One of MOODS.
        rng: The random source; the same seed gives the same line.

    Returns:
        A first-person line of 1-3 sentences.

    Raises:
        BadInputError: Unknown mood, or the scene has no face ``face_index``.
    """
    if mood not in MOOD_LINES:
        raise BadInputError(f"Unknown mood {mood!r}; choose one of: {', '.join(MOOD_LINES)}.")
    mood_line = rng.choice(MOOD_LINES[mood])
    if scene is None:
        return mood_line
    groups = scene_sentences(scene, person_in(scene, face_index), mood)
    if not groups:
        return mood_line
    chosen_group = groups[0] if rng.random() < 0.6 else rng.choice(groups)
    scene_line = rng.choice(chosen_group)
    if mood in _MOOD_FIRST:
        return f"{mood_line} {scene_line}"
    return f"{scene_line} {mood_line}"
