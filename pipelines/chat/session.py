"""Chat with the photo: ask a person in it a question, hear and see them answer.

A ``ChatSession`` reads the photo once (faces and scene), remembers the conversation, and for
each question writes an in-character answer (``pipelines.chat.prompt``), speaks it sentence by
sentence and renders a short talking video of that face. ``ask_stream`` hands out each
sentence's audio as soon as it is spoken, then the video; ``ask`` waits for everything. With a
streaming chat backend the first sentence is spoken while the model still writes the rest
(``pipelines.chat.answer``), and llama.cpp keeps what it read of the conversation between
questions, so only the new question is read.
``ui.chat_rooms.ChatSessions`` keeps many sessions, by id, for a web app.
``transcribe`` turns a spoken question into text (``pipelines.speech.asr``).
"""

from __future__ import annotations

import dataclasses
import logging
import random
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.chat.answer import AnswerChunk, write_answer
from pipelines.chat.chinese import (
    chat_messages_zh,
    check_answer_zh,
    question_lang,
    template_answer_zh,
)
from pipelines.chat.clauses import speak_piece, spoken_pieces
from pipelines.chat.prompt import (
    PROMPT_MEMORY_TURNS,
    ChatTurn,
    answer_grammar,
    chat_messages,
    check_answer,
    template_answer,
)
from pipelines.chat.replies import ChatEvent, ChatReply
from pipelines.dialogue.content import name_problem
from pipelines.dialogue.templates import person_in
from pipelines.dialogue.writer import writes_in
from pipelines.errors import BadInputError, TalkingPhotoError
from pipelines.faces.selection import choose_face
from pipelines.protocols import StreamingChatBackend, Voice
from pipelines.render import render_timeline
from pipelines.render_run import RenderRun, StopCheck
from pipelines.requests import RenderOptions
from pipelines.speech.asr import listen, transcribe
from pipelines.text import (
    check_language,
    detect_language,
    normalize_line,
    resolve_language,
)
from pipelines.timeline import Turn, lay_out
from pipelines.types import MOODS, Line, LineSource, Mood

if TYPE_CHECKING:
    from pipelines.pipeline import AudioSource, PhotoSource, StopCheck, TalkingPhotoPipeline

logger = logging.getLogger(__name__)

__all__ = ["ChatEvent", "ChatReply", "ChatSession", "transcribe"]

#: Most remembered turns per session (a question and its answer are two).
MAX_MEMORY_TURNS = 12
#: Longest question, in characters.
MAX_QUESTION_CHARS = 300
#: The prompt replays the turns since a start that moves this many turns at a time, so
#: consecutive prompts share their beginning (which llama.cpp then does not read again); it
#: shows between PROMPT_MEMORY_TURNS - MEMORY_STEP + 2 and PROMPT_MEMORY_TURNS turns.
MEMORY_STEP = 4
#: Model candidates per answer before the hand-written fallback.
ATTEMPTS = 2
MAX_TOKENS = 40
TEMPERATURE = 0.6


class ChatSession:
    """A conversation with one person in one photo.

    Args:
        pipeline: Supplies every model and the limits.
        photo_source: Path, encoded bytes, or an (H, W, 3) uint8 RGB array.
        face_index: Who answers; None picks the largest face.
        persona_name: The person's name, if the user gave one (used in prompts and answers).
        mood: How they feel, one of MOODS.
        voice: How they sound; None or "auto" gives the voice that fits this face, the one
            they have in a group conversation (``TalkingPhotoPipeline.face_voices``).
        seed: Seed of the answers and the motion.
        session_id: A name for this session's files (a fresh one when None).
        cache_prompt: Let a streaming chat backend (llama.cpp) keep what it read of the
            prompt between questions, so it reads only what is new (the question) instead of
            the whole prompt (~0.8 s on 2 idle cores). The price: a reply then depends
            slightly on what the server read before, so the seed no longer pins its wording.
        warm: Call ``warm_up`` now, so the first question is answered as fast as the next.
        lang: The language of the answers: "en", "zh", or "auto" (the language each question
            was asked in, typed or spoken).

    Raises:
        BadInputError: The persona name holds a slur (``pipelines.dialogue.content``).
        TalkingPhotoError: The photo cannot be read, has no face, or no face ``face_index``.
    """

    def __init__(
        self,
        pipeline: TalkingPhotoPipeline,
        photo_source: PhotoSource,
        face_index: int | None = None,
        persona_name: str | None = None,
        mood: Mood = "neutral",
        *,
        voice: Voice | None = None,
        seed: int = 0,
        session_id: str | None = None,
        cache_prompt: bool = True,
        warm: bool = True,
        lang: str = "auto",
    ) -> None:
        self.lang = check_language(lang)
        if mood not in MOODS:
            raise BadInputError("mood.unknown", mood=mood, choices=", ".join(MOODS))
        name = " ".join((persona_name or "").split())[:40]
        if name_problem(name) is not None:
            raise BadInputError("name.refused")
        self.pipeline = pipeline
        self.reading = pipeline.read_photo(photo_source)
        self.photo, self.faces = self.reading.photo, self.reading.faces
        self.scene = self.reading.scene
        self.face = choose_face(self.faces, face_index)
        self.persona_name = name or None
        self.mood: Mood = mood
        voices, notes = pipeline.face_voices(
            self.photo, self.faces, {self.face.index: voice} if voice else None
        )
        self.voice = voices[self.face.index]
        #: Why the voice is not the one the face calls for ("" when it is).
        self.voice_note = notes.get(self.face.index, "")
        self.seed = seed
        self.session_id = session_id or uuid.uuid4().hex[:12]
        self._memory: list[ChatTurn] = []
        self._turns_since_clear = 0
        self._asked = 0
        self._lock = threading.Lock()
        self.cache_prompt = cache_prompt
        if warm:
            self.warm_up()

    # ----------------------------------------------------------------- memory
    @property
    def memory(self) -> tuple[ChatTurn, ...]:
        """The remembered turns, oldest first (at most MAX_MEMORY_TURNS)."""
        return tuple(self._memory)

    def transcript(self) -> list[dict[str, str]]:
        """The remembered turns as {"role": "user" | "assistant", "content": text} messages.

        That is the shape a ``gr.Chatbot`` shows.
        """
        return [{"role": turn.role, "content": turn.text} for turn in self._memory]

    def clear(self) -> None:
        """Forgets the conversation (the photo stays read)."""
        with self._lock:
            self._memory.clear()
            self._turns_since_clear = 0

    def prompt_messages(self, question: str, lang: str = "en") -> list[dict[str, str]]:
        """The chat prompt the model would get for this question now (memory included).

        ``lang`` "zh" gives the Chinese prompt (``pipelines.chat.chinese.chat_messages_zh``).
        """
        person = person_in(self.scene, self.face.index)
        build = chat_messages_zh if lang == "zh" else chat_messages
        return build(
            self.scene, person, self.mood, self.persona_name, self._prompt_memory(), question
        )

    def warm_up(self) -> None:
        """Speaks a word in this voice, and has the chat model read the prompt's fixed part.

        The speech model's first call is slow (~0.5 s more); the persona, the photo's facts and
        the examples come first in every prompt: read once here and kept (with
        ``cache_prompt`` and a streaming backend), the first question only costs its own
        words. A backend error is logged, not raised.
        """
        # A Chinese session warms the Mandarin voice, the Chinese chat model and its prompt.
        lang = "zh" if self.lang == "zh" else "en"
        try:
            voice = dataclasses.replace(self.voice, lang=lang)
            self.pipeline.speak("你好。" if lang == "zh" else "Hello.", voice)
        except TalkingPhotoError as error:
            logger.warning("Could not warm the speech model up (%s).", error)
        chat = self.pipeline.answer_model(lang)
        if not self.cache_prompt or not isinstance(chat, StreamingChatBackend):
            return
        started = time.perf_counter()
        try:
            messages = self.prompt_messages("", lang)
            asked = max(i for i, message in enumerate(messages) if message["role"] == "user")
            for _ in chat.stream(
                messages[:asked],
                max_tokens=1,
                temperature=0.0,
                seed=0,
                cache_prompt=True,
                cache_owner=self.session_id,
            ):
                pass
        except TalkingPhotoError as error:
            logger.warning("Could not warm the chat model up (%s).", error)
            return
        logger.info("Chat model read the session's prompt in %.2f s", time.perf_counter() - started)

    def answer_chunks(self, question: str, lang: str = "en") -> Iterator[AnswerChunk]:
        """Writes the answer to a question, its first part early (neither spoken nor remembered).

        Args:
            question: The visitor's question.
            lang: The language to answer in ("en", "zh"); the prompt asks for it, and the
                English opening grammar is only used for English.

        Yields:
            AnswerChunks (see ``pipelines.chat.answer.write_answer``); the last is final.
        """
        chinese = lang == "zh" or question_lang(question) == "zh"
        chat = self.pipeline.answer_model("zh" if chinese else "en")
        max_chars = self.pipeline.settings.limits.max_text_chars
        rng = random.Random(self.seed * 7 + self._asked)

        def fallback() -> str:
            if chinese:
                return template_answer_zh(question, self.mood, self.persona_name, rng)
            return template_answer(question, self.mood, self.persona_name, rng)

        # A Chinese question needs a model that writes Chinese (Qwen); SmolLM2 does not.
        if not writes_in(chat, "zh" if chinese else "en"):
            line = fallback()
            yield AnswerChunk(line, line, True, "template")
            return
        memory = tuple(self._memory)
        seeds = [
            (self.seed * 1009 + self._asked * 131 + attempt * 7919) & 0x7FFFFFFF
            for attempt in range(ATTEMPTS)
        ]
        messages = self.prompt_messages(question, "zh" if chinese else "en")
        if chinese:

            def check(reply: str) -> tuple[str | None, str]:
                return check_answer_zh(
                    reply, self.persona_name, memory, max_chars, self.scene, question
                )

            grammar = None
        else:

            def check(reply: str) -> tuple[str | None, str]:
                return check_answer(
                    reply, self.persona_name, memory, max_chars, self.scene.text_in_photo
                )

            grammar = answer_grammar(self.persona_name)
        yield from write_answer(
            chat,
            messages,
            check,
            seeds,
            fallback,
            max_tokens=MAX_TOKENS,
            temperature=TEMPERATURE,
            grammar=grammar if grammar and getattr(chat, "supports_grammar", False) else None,
            cache_prompt=self.cache_prompt,
            cache_owner=self.session_id,
        )

    def answer(self, question: str, lang: str = "en") -> tuple[str, LineSource]:
        """Writes the answer to a question (in ``lang``) without speaking or remembering it.

        Returns:
            (answer, "model" | "template").
        """
        for chunk in self.answer_chunks(question, lang):
            if chunk.final:
                return chunk.answer, chunk.source
        raise AssertionError("write_answer always ends with a final chunk")

    # ----------------------------------------------------------------- asking
    def ask(
        self,
        question: str | None = None,
        *,
        audio: AudioSource | None = None,
        output_dir: str | Path | None = None,
        should_stop: StopCheck | None = None,
    ) -> ChatReply:
        """Answers a question: text, speech and a talking video of the face.

        Args:
            question: What the visitor asks, typed.
            audio: Or the visitor's recorded question (English or Mandarin; transcribed
                first).
            output_dir: Folder of the files; None uses the pipeline's output folder.
            should_stop: See ``ask_stream``.

        Returns:
            The reply, with its latencies measured from the call.

        Raises:
            BadInputError: The question is empty, or no words were heard in the recording.
            LimitExceeded: The question or recording is too long.
            BackendUnavailable: A recording was given but the chat extra is not installed.
        """
        reply = None
        for event in self.ask_stream(
            question, audio=audio, output_dir=output_dir, should_stop=should_stop
        ):
            reply = event.reply or reply
        assert reply is not None  # ask_stream always ends with the "video" event
        return reply

    def ask_stream(
        self,
        question: str | None = None,
        *,
        audio: AudioSource | None = None,
        output_dir: str | Path | None = None,
        should_stop: StopCheck | None = None,
    ) -> Iterator[ChatEvent]:
        """Answers a question step by step: the text, each sentence's audio, then the video.

        The first sentence's WAV is written as soon as it is spoken, before the other
        sentences and the video, so a player can start while the rest is made. With a
        streaming chat backend the first sentence is spoken as soon as the model has written
        it, before the answer is complete: its "audio" event then comes before the "text"
        event (see ``pipelines.chat.answer`` for what happens when the rest fails the checks:
        the answer ends with what was already spoken). The question and answer are
        remembered once the video is done.

        Args:
            question: What the visitor asks, typed.
            audio: Or the visitor's recorded question (English or Mandarin; transcribed
                first, and the transcription time counts in the latencies).
            output_dir: Folder of the files; None uses the pipeline's output folder.
            should_stop: Asked before the answer is written, before each sentence is spoken
                and before every frame of the video; True stops with ``Cancelled`` (the
                question is then not remembered).

        Yields:
            ChatEvents: one "audio" per sentence, in order, and one "text" (the whole
            answer) before the audio of any sentence not yet spoken when it was settled;
            then one "video".

        Raises:
            BadInputError: The question is empty, or no words were heard in the recording.
            LimitExceeded: The question or recording is too long, or the answer's video
                would be.
            BackendUnavailable: A recording was given but the chat extra is not installed.
            Cancelled: ``should_stop`` returned True.
        """
        started = time.perf_counter()
        run = self.pipeline.new_run(should_stop=should_stop)
        run.check_cancelled()
        asked_in = ""
        if audio is not None:
            heard = listen(audio, self.pipeline.settings.limits)
            question, asked_in = heard.text, heard.lang
            if not question.strip():
                raise BadInputError("audio.no_words")
        question = normalize_line(question or "", MAX_QUESTION_CHARS)
        # The answer's language: the session's, else the one the question was asked in.
        lang = resolve_language(self.lang, question)
        if asked_in and self.lang == "auto":
            lang = asked_in
        with self._lock:
            yield from self._answer_steps(question, output_dir, started, run, lang)

    def _answer_steps(
        self,
        question: str,
        output_dir: str | Path | None,
        started: float,
        run: RenderRun,
        lang: str = "en",
    ) -> Iterator[ChatEvent]:
        from pipelines.audio import write_wav

        def elapsed() -> float:
            return time.perf_counter() - started

        folder = Path(output_dir or self.pipeline.settings.output_dir)
        folder.mkdir(parents=True, exist_ok=True)
        # 128 random bits in every file name: a web app may serve the files by their names.
        stem = folder / f"chat-{self.session_id}-{self._asked + 1:02d}-{secrets.token_hex(16)}"
        text, source = "", "model"
        sentences: list[str] = []
        speeches = []
        sentence_audio: list[Path] = []
        first_audio = 0.0
        run.check_cancelled()
        for chunk in self.answer_chunks(question, lang):
            if chunk.final:
                text, source = chunk.answer, chunk.source
                yield ChatEvent("text", text, elapsed())
            for sentence in spoken_pieces(chunk.text, first=not sentences):
                run.check_cancelled()
                number = len(sentences)
                speech = speak_piece(self.pipeline, sentence, self.voice)
                path = Path(
                    write_wav(f"{stem}-s{number + 1}.wav", speech.audio, speech.sample_rate)
                )
                sentences.append(sentence)
                speeches.append(speech)
                sentence_audio.append(path)
                spoken_at = elapsed()
                if number == 0:
                    first_audio = spoken_at
                yield ChatEvent(
                    "audio", chunk.answer, spoken_at, audio=path, sentence=number, said=sentence
                )
        turns = [Turn(self.face.index, sentence, source) for sentence in sentences]
        result = render_timeline(
            self.pipeline,
            run,
            self.reading,
            lay_out(turns, speeches, gap_s=0.0, label_cues=False),  # pieces end with a pause
            (Line(self.face.index, text, self.mood, source, detect_language(text)),),
            moods={face.index: self.mood for face in self.faces},
            options=RenderOptions(stem.with_suffix(".mp4"), seed=self.seed + self._asked),
            subject="The answer",
        )
        self._asked += 1
        self.remember(question, text)
        reply = ChatReply(
            text=text,
            question=question,
            video=result.video,
            audio=result.audio,
            first_audio_latency_s=first_audio,
            total_latency_s=elapsed(),
            source=source,
            sentence_audio=tuple(sentence_audio),
            lang=lang,
        )
        logger.info(
            "Answered in %.2f s (first audio after %.2f s)", reply.total_latency_s, first_audio
        )
        yield ChatEvent("video", text, reply.total_latency_s, audio=result.audio, reply=reply)

    def remember(self, question: str, answer: str) -> None:
        """Adds a question and its answer to the memory (``ask`` does this itself).

        Lets an app restore a conversation it kept, e.g. after the session expired.
        """
        self._memory.extend((ChatTurn("user", question), ChatTurn("assistant", answer)))
        del self._memory[:-MAX_MEMORY_TURNS]
        self._turns_since_clear += 2

    def _prompt_memory(self) -> list[ChatTurn]:
        """The remembered turns the prompt replays (the last; the start moves in MEMORY_STEPs)."""
        total = self._turns_since_clear
        start = 0
        if total > PROMPT_MEMORY_TURNS:
            start = -(-(total - PROMPT_MEMORY_TURNS) // MEMORY_STEP) * MEMORY_STEP
        shown = min(total - start, len(self._memory))
        return self._memory[len(self._memory) - shown :] if shown else []
