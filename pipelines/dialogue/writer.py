"""The dialogue stage: what a person in the photo says.

``DialogueWriter`` asks a chat backend for a short first-person line that fits the scene and the
mood, validates every candidate (``pipelines.dialogue.checks.validate_line``) and falls back to a
hand-written template line (``pipelines.dialogue.templates``) when no candidate passes. A line the
user typed always wins.

A backend that can continue a begun reply (``supports_prefill``: the Qwen backend,
``pipelines.dialogue.qwen``) gets a worked example and a first-person start ("I", "我") and
writes English or Chinese (``lang``); the grammar-bound SmolLM2 backend writes English only
(Chinese lines then come from ``pipelines.dialogue.templates_zh``, never from English).
Every candidate must also agree with the scene reader (``pipelines.dialogue.scene_checks``),
state no feeling its mood contradicts (``pipelines.dialogue.mood_checks``), name at least one
fact the reader found (``pipelines.dialogue.scene_facts``: each try is asked to mention a
different one) and differ from what the other faces of the photo, and the faces of the last
photos, already said.

Chat backends: ``SmolLM2Chat`` (``pipelines.dialogue.llama_chat``) runs the bundled
SmolLM2-135M-Instruct GGUF (or any GGUF file) through llama.cpp (``xllamacpp``);
``TemplateChat`` runs no model at all.
"""

from __future__ import annotations

import logging
import random
import threading
import zlib
from collections import deque
from collections.abc import Sequence
from typing import Any, ClassVar

from pipelines.dialogue.checks import inspect_line_in, validate_line
from pipelines.dialogue.focus_opening import focus_opening
from pipelines.dialogue.llama_chat import SmolLM2Chat, smollm2_model_path
from pipelines.dialogue.mood_checks import contradicts_mood
from pipelines.dialogue.prompt import build_messages, copies_an_example, line_grammar
from pipelines.dialogue.prompt_worked import worked_example_lines, worked_messages
from pipelines.dialogue.scene_checks import (
    contradicts_scene,
    repeats_another,
    talks_about_someone_in_the_picture,
)
from pipelines.dialogue.scene_facts import (
    SceneFact,
    focus_for_try,
    mentions_a_fact,
    speakable_facts,
    wrong_clothes_colour,
)
from pipelines.dialogue.templates import person_in, template_line
from pipelines.dialogue.templates_zh import template_line_zh
from pipelines.errors import BadInputError, TalkingPhotoError
from pipelines.protocols import ChatBackend
from pipelines.text import normalize_line
from pipelines.types import MOODS, Line, LineSource, Mood, Scene

logger = logging.getLogger(__name__)

__all__ = [
    "DialogueWriter",
    "SmolLM2Chat",
    "TemplateChat",
    "build_messages",
    "photo_seed",
    "smollm2_model_path",
    "template_line",
    "validate_line",
]


class TemplateChat:
    """The model-free dialogue backend.

    ``DialogueWriter`` recognises it and writes hand-made template lines from the scene directly
    (``pipelines.dialogue.templates.template_line``). ``complete`` itself ignores the messages and
    returns a scene-agnostic neutral template line chosen by the seed, so it is honest about
    not reading anything.
    """

    name: ClassVar[str] = "template"

    def complete(
        self, messages: Sequence[dict[str, str]], *, max_tokens: int, temperature: float, seed: int
    ) -> str:
        """A neutral first-person line picked by ``seed``; the other arguments are ignored."""
        del messages, max_tokens, temperature
        return template_line(None, 0, "neutral", random.Random(seed))


def typed_line(user_text: str, face_index: int, mood: Mood, max_chars: int, lang: str) -> Line:
    """The line the user typed, normalised; no chat model is needed for it.

    Raises:
        BadInputError: The text has nothing to say.
        LimitExceeded: The text is longer than ``max_chars``.
    """
    return Line(face_index, normalize_line(user_text, max_chars), mood, "user", lang)


def writes_in(chat: ChatBackend, lang: str) -> bool:
    """Whether a chat backend writes lines in ``lang`` itself.

    Never the template backend; Chinese only a model that continues a begun reply
    (``supports_prefill``: Qwen), not the grammar-bound SmolLM2.
    """
    if isinstance(chat, TemplateChat):
        return False
    return lang != "zh" or bool(getattr(chat, "supports_prefill", False))


# ---------------------------------------------------------------------------------------------
# The stage
# ---------------------------------------------------------------------------------------------


class DialogueWriter:
    """Writes the line a person in the photo says.

    Attributes:
        chat: The chat backend that proposes lines.
        attempts: Candidates asked for before falling back to a template.
        max_tokens: Token budget of one candidate.
        temperature: Sampling temperature of the candidates.
    """

    def __init__(
        self,
        chat: ChatBackend,
        *,
        attempts: int = 3,
        max_tokens: int = 48,
        temperature: float = 0.7,
        use_grammar: bool = True,
        open_with_focus: bool = True,
    ) -> None:
        """Keeps the backend and the sampling settings.

        Args:
            chat: Any ChatBackend; a TemplateChat makes every line a template line.
            attempts: Candidates to try (each with its own seed) before the template.
            max_tokens: Most tokens per candidate.
            temperature: Sampling temperature.
            use_grammar: Constrain candidates with ``line_grammar`` when the backend supports it.
            open_with_focus: With a grammar, fix the first words of each try to name the fact
                it is asked about (``focus_opening``); otherwise the mood's openers.
        """
        self.chat = chat
        self.attempts = attempts
        self.max_tokens = max_tokens
        self.temperature = temperature
        self._use_grammar = use_grammar and bool(getattr(chat, "supports_grammar", False))
        self._open_with_focus = open_with_focus
        self._said: dict[tuple[Any, ...], dict[int, str]] = {}
        self._recent: deque[tuple[tuple[Any, ...], int, str]] = deque(maxlen=_RECENT_LINES)
        self._said_lock = threading.Lock()

    def write(
        self,
        scene: Scene | None,
        face_index: int,
        mood: Mood,
        *,
        seed: int = 0,
        user_text: str | None = None,
        max_chars: int = 600,
        lang: str = "en",
    ) -> Line:
        """The line the person ``face_index`` says.

        Args:
            scene: What the photo shows (None only with ``user_text``).
            face_index: Index of the speaking face (a ``PersonInScene.face_index``).
            mood: One of MOODS.
            seed: Makes the choice reproducible: the same inputs and seed give the same line.
            user_text: A line the user typed; when not None it is normalised and used as is
                (an empty string is an error, pass None to have a line written).
            max_chars: Longest line in characters.
            lang: The language of the line, "en" or "zh".

        Returns:
            The Line, with source "user", "model" or "template".

        Raises:
            BadInputError: Unknown mood, no such face, or user text with nothing to say.
            LimitExceeded: The user text is longer than ``max_chars``.
        """
        if mood not in MOODS:
            raise BadInputError("mood.unknown", mood=mood, choices=", ".join(MOODS))
        if user_text is not None:
            return typed_line(user_text, face_index, mood, max_chars, lang)
        if scene is None:
            raise ValueError("a line is written from a scene: pass the scene or user_text")
        if lang not in ("en", "zh"):
            raise BadInputError("language.unknown", lang=lang, choices="en, zh")
        person_in(scene, face_index)  # raises BadInputError for a face that is not there
        others = self._said_by_others(scene, face_index)
        text: str | None = None
        source: LineSource = "model"
        if writes_in(self.chat, lang):
            text = self._model_line(scene, face_index, mood, seed, max_chars, lang, others)
        if text is None:
            text, source = self._template(scene, face_index, mood, seed, lang, others), "template"
        self._remember(scene, face_index, text)
        return Line(face_index=face_index, text=text, mood=mood, source=source, lang=lang)

    def raw_candidate(
        self, scene: Scene, face_index: int, mood: Mood, *, seed: int = 0, lang: str = "en"
    ) -> str:
        """The model's first candidate, unchecked (for benchmarks of the checks)."""
        facts = speakable_facts(scene, face_index)
        focus = focus_for_try(facts, self._focus_seed(seed, face_index, mood), 0)
        pick = self._opening_pick(scene, seed, face_index, 0)
        messages, options = self._prompt(scene, face_index, mood, lang, focus, pick)
        reply = self.chat.complete(
            messages,
            max_tokens=self.max_tokens,
            temperature=self.temperature,
            seed=self._seed(seed, face_index, 0),
            **options,
        )
        return self._with_prefill(reply, messages)

    def _prompt(
        self,
        scene: Scene,
        face_index: int,
        mood: Mood,
        lang: str,
        focus: SceneFact | None,
        pick: int = 0,
    ) -> tuple[list[dict[str, str]], dict[str, Any]]:
        """The messages and backend options of one try.

        A prefill backend (Qwen) gets the worked example; a grammar-bound one (SmolLM2) gets
        a grammar whose first words name ``focus`` (``focus_opening``, chosen by ``pick``).
        """
        if getattr(self.chat, "supports_prefill", False):
            return worked_messages(scene, face_index, mood, lang, focus), {}
        options: dict[str, Any] = {}
        if self._use_grammar:
            opening = focus_opening(mood, focus, pick) if self._open_with_focus else None
            options["grammar"] = line_grammar(mood, opening)
        return build_messages(scene, face_index, mood, focus), options

    @staticmethod
    def _opening_pick(scene: Scene, seed: int, face_index: int, attempt: int) -> int:
        """Chooses a try's first words: differs between photos, faces and tries."""
        return photo_seed(scene, seed, face_index) + attempt * 5

    @staticmethod
    def _focus_seed(seed: int, face_index: int, mood: Mood) -> int:
        """Picks the first try's fact: differs between faces and moods of one photo."""
        return seed + face_index + MOODS.index(mood)

    @staticmethod
    def _seed(seed: int, face_index: int, attempt: int) -> int:
        return (seed * 1009 + face_index * 104_729 + attempt * 7919) & 0x7FFFFFFF

    @staticmethod
    def _with_prefill(reply: str, messages: list[dict[str, str]]) -> str:
        """The reply with the begun assistant turn in front of it, if llama.cpp left it off."""
        if messages[-1]["role"] != "assistant":
            return reply
        start = messages[-1]["content"]
        return reply if reply.startswith(start) else start + reply

    def _model_line(
        self,
        scene: Scene,
        face_index: int,
        mood: Mood,
        seed: int,
        max_chars: int,
        lang: str,
        others: Sequence[str],
    ) -> str | None:
        """The first valid candidate of the chat backend, or None when none passes.

        Each try is asked to mention another scene fact, and must mention at least one.
        """
        facts = speakable_facts(scene, face_index)
        focus_seed = self._focus_seed(seed, face_index, mood)
        for attempt in range(self.attempts):
            focus = focus_for_try(facts, focus_seed, attempt)
            pick = self._opening_pick(scene, seed, face_index, attempt)
            messages, options = self._prompt(scene, face_index, mood, lang, focus, pick)
            try:
                reply = self.chat.complete(
                    messages,
                    max_tokens=self.max_tokens,
                    temperature=self.temperature,
                    seed=self._seed(seed, face_index, attempt),
                    **options,
                )
            except TalkingPhotoError as error:
                logger.warning("The chat backend failed (%s); using a template line.", error)
                return None
            reply = self._with_prefill(reply, messages)
            line, reason = check_candidate(reply, scene, lang, others, max_chars, facts, mood=mood)
            if line is not None:
                logger.debug("Candidate %d accepted", attempt)
                return line
            logger.debug("Candidate %d rejected (%s): %r", attempt, reason, reply)
        logger.info("No valid line from %s after %d tries", self.chat.name, self.attempts)
        return None

    def _template(
        self, scene: Scene, face_index: int, mood: Mood, seed: int, lang: str, others: Sequence[str]
    ) -> str:
        """A hand-written line in ``lang``, redrawn (up to 16 times) if another face said it.

        The draw is seeded by the photo and the face as well as ``seed``, so photos with the
        same seed do not all fall back to the same sentences.
        """
        rng = random.Random(photo_seed(scene, seed, face_index))
        pick = template_line_zh if lang == "zh" else template_line
        text = pick(scene, face_index, mood, rng)
        for _ in range(16):
            if not repeats_another(text, others):
                break
            text = pick(scene, face_index, mood, rng)
        return text

    def _said_by_others(self, scene: Scene, face_index: int) -> list[str]:
        """What the other faces of this photo said, and the faces of the last other photos."""
        key = _scene_key(scene)
        with self._said_lock:
            said = self._said.get(key, {})
            here = [text for face, text in said.items() if face != face_index]
            elsewhere = [text for k, face, text in self._recent if k != key]
            return here + elsewhere

    def _remember(self, scene: Scene, face_index: int, text: str) -> None:
        key = _scene_key(scene)
        with self._said_lock:
            self._recent.append((key, face_index, text))
            said = self._said.pop(key, {})
            said[face_index] = text
            self._said[key] = said
            while len(self._said) > _SAID_SCENES:
                self._said.pop(next(iter(self._said)))


#: Scenes whose lines a writer remembers, to keep faces of one photo from saying the same.
_SAID_SCENES = 32
#: Lines of other photos a new line must not repeat (a run of 5 words) either.
_RECENT_LINES = 48


def _scene_key(scene: Scene) -> tuple[Any, ...]:
    return (scene.description, scene.people, scene.text_in_photo)


def photo_seed(scene: Scene, seed: int, face_index: int) -> int:
    """A seed of the photo's facts, the face and ``seed``: the template lines' random source.

    The same scene, face and seed always give the same number.
    """
    photo = zlib.crc32(repr(_scene_key(scene)).encode("utf-8"))
    return (photo + seed * 31 + face_index * 7) & 0x7FFFFFF


def check_candidate(
    reply: str,
    scene: Scene,
    lang: str,
    others: Sequence[str],
    max_chars: int,
    facts: Sequence[SceneFact] = (),
    mood: Mood = "neutral",
) -> tuple[str | None, str]:
    """(cleaned line, "ok") when a model's reply may be said in this scene, else (None, reason).

    On top of ``inspect_line_in`` (first person, no assistant talk, no narration at the start,
    complete, safe...), the line must not copy a prompt example, narrate someone in the
    picture, contradict the scene reader ("colour ...", "painting", "camera", a colour worn
    that is not the speaker's clothes colour), state a feeling its ``mood`` contradicts
    (``mood_checks``: 心情真好 for "sad"), name none of
    ``facts`` when there are some ("mentions no scene fact"), repeat a line another face said,
    or exceed ``max_chars``.
    """
    line, reason = inspect_line_in(reply, lang, known_names=scene.text_in_photo)
    if line is None:
        return None, reason
    if copies_an_example(line) or repeats_another(line, worked_example_lines()):
        return None, "copied an example"
    if talks_about_someone_in_the_picture(line):
        return None, "narration"
    contradiction = contradicts_scene(line, scene)
    if contradiction is not None:
        return None, f"contradicts the scene: {contradiction}"
    worn = wrong_clothes_colour(line, facts) if facts else None
    if worn is not None:
        return None, f"contradicts the scene: wears {worn}"
    feeling = contradicts_mood(line, mood, lang)
    if feeling is not None:
        return None, f"contradicts the mood: {feeling}"
    if not mentions_a_fact(line, facts):
        return None, "mentions no scene fact"
    if repeats_another(line, others):
        return None, "said by another face"
    if len(line) > max_chars:
        return None, "over max_chars"
    return line, "ok"
