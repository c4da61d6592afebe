"""A line's first words, naming the fact it was asked to speak of, for a grammar-bound model.

SmolLM2-135M reads "Mention the grey behind you." and mostly ignores it (benchmarks: 42 % of
its lines fell back to templates). A grammar-bound model can be made to start its line with
the fact instead: ``focus_opening`` builds an opening such as "I miss the grey behind me" from
a mood verb and a first-person phrase for the fact, and ``pipelines.dialogue.prompt.line_grammar``
fixes those words, leaving the model the rest of the sentence. ``pick`` (a seed from the photo,
the face and the try) chooses among a few verbs and phrases, so two photos with the same fact
and mood seldom open alike.
"""

from __future__ import annotations

from pipelines.dialogue.scene_facts import SceneFact

#: Openings per mood that take a noun phrase ("I love " + "my smile").
FOCUS_VERBS: dict[str, tuple[str, ...]] = {
    "neutral": ("I like ", "I keep looking at ", "I'm thinking about ", "I notice "),
    "happy": ("I love ", "I'm so glad about ", "I really like ", "I adore "),
    "sad": ("I miss ", "I feel sad about ", "I worry about ", "I remember "),
    "excited": ("I can't wait to show you ", "I'm thrilled about ", "I'm excited about "),
    "surprised": ("I can't believe ", "Oh, I never noticed ", "I'm surprised by "),
    "angry": ("I hate ", "I'm tired of ", "I'm fed up with ", "I'm angry about "),
}
#: First-person noun phrases per fact kind; ``{word}`` is the fact's first word (its colour).
FOCUS_PHRASES: dict[str, tuple[str, ...]] = {
    "clothes": ("my {word} clothes", "wearing {word}", "this {word} I'm wearing"),
    "medium": ("being painted", "this painting of me", "sitting for this portrait"),
    "old": ("this old photo", "how old this photo is", "the years since this old photo"),
    "leaves": ("the trees around me", "these green leaves", "the forest behind me"),
    "sky": ("the sky above me", "this blue sky", "the open sky over me"),
    "smile": ("my smile", "smiling like this", "this smile of mine"),
    "together": ("being here together", "standing together like this", "our time together"),
    "background": ("the {word} behind me", "so much {word} around me", "this {word} backdrop"),
    # "dark", the word people use, in every phrase ("the shadows here" named no fact a reader
    # of the line would check).
    "dark": ("the dark", "how dark it is here", "the dark around me"),
    "bright": ("this bright light", "how bright it is here", "the light on me"),
}


def _phrases(fact: SceneFact) -> tuple[str, ...]:
    if fact.kind == "light":
        return FOCUS_PHRASES["dark" if "dark" in fact.words_en else "bright"]
    return FOCUS_PHRASES.get(fact.kind, ())


def focus_opening(mood: str, fact: SceneFact | None, pick: int) -> str | None:
    """The first words of a line in ``mood`` that name ``fact``, or None when there are none.

    Args:
        mood: One of MOODS.
        fact: The fact the line is asked to speak of (None: no opening).
        pick: Any non-negative whole number; chooses the verb and the phrase.

    Returns:
        E.g. "I'm tired of wearing black" (no trailing space or full stop).
    """
    if fact is None or mood not in FOCUS_VERBS:
        return None
    phrases = _phrases(fact)
    if not phrases:
        return None
    verbs = FOCUS_VERBS[mood]
    verb = verbs[pick % len(verbs)]
    phrase = phrases[(pick // len(verbs)) % len(phrases)]
    return verb + phrase.format(word=fact.words_en[0] if fact.words_en else "")
