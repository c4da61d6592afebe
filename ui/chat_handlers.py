"""The functions behind the Chat tab: start a chat with a face, ask, clear, close.

Every chat is a ``ui.chat_rooms.ChatSessions`` session, named by a random 128-bit id
(the page keeps it; a ``gradio_client`` user passes it with each call) and bound to the Gradio
session that started it: the id used from any other session (another browser tab, another
client) is answered as if the chat did not exist, so a leaked id reads or clears nothing. A
session remembers its conversation until it is cleared, closed (a new photo or another face),
or idle for longer than the app keeps its outputs. Each answer's files go into their own
request folder, swept like every other output.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import gradio as gr

from pipelines import MOODS, BadInputError, TalkingPhotoPipeline
from pipelines.chat.replies import ChatReply
from pipelines.dialogue.content import name_problem
from ui import inputs as check
from ui.backends_panel import PipelinePool
from ui.cancel import stoppable_stream
from ui.chat_rooms import ChatSessions
from ui.feedback import (
    friendly_errors,
    notice_sentence,
    pipeline_for,
    require_photo,
    user_error,
)
from ui.folders import RequestFolders
from ui.strings import tr

logger = logging.getLogger(__name__)

#: What ``ChatSessions.start`` returns: 32 lowercase hex digits (128 random bits).
_SESSION_ID = re.compile(r"[0-9a-f]{32}")
#: Longest persona name, in characters (the name box's own limit).
MAX_NAME_CHARS = 40
#: Most chats open at once per backend choice; starting one more closes the least recent.
MAX_CHATS = 64

#: A chat history as a gr.Chatbot shows it: {"role": "user" | "assistant", "content": text}.
History = list[dict[str, str]]


def asking(started: bool, lang: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Updates of the question box and Ask: usable only once a chat has started.

    Before a chat starts the question box says how to begin, and Ask cannot be pressed.
    """
    hint = tr(lang, "chat_question_hint" if started else "chat_question_before")
    return gr.update(interactive=started, placeholder=hint), gr.update(interactive=started)


class ChatRooms:
    """The open chats of every visitor, over the pipelines of their backend choices.

    Args:
        idle_seconds: A chat idle this long is closed and its memory freed.
        max_chats: Most chats open at once per pipeline.
    """

    def __init__(self, idle_seconds: float, max_chats: int = MAX_CHATS) -> None:
        self.idle_seconds = float(idle_seconds)
        self.max_chats = int(max_chats)
        self._by_pipeline: dict[TalkingPhotoPipeline, ChatSessions] = {}
        self._owners: dict[str, str] = {}
        self._lock = threading.Lock()

    def start(
        self,
        pipeline: TalkingPhotoPipeline,
        photo: str,
        face_index: int | None,
        name: str | None,
        mood: str,
        owner: str,
    ) -> str:
        """Opens a chat with a face of the photo; returns its id.

        Args:
            pipeline: The pipeline of the visitor's backend choice.
            photo: The photo's path.
            face_index: Who answers (None: the largest face).
            name: The persona's name, if given.
            mood: One of MOODS.
            owner: The Gradio session that may use the chat (``gr.Request.session_hash``).

        Raises:
            TalkingPhotoError: The photo cannot be read, has no face, or no such face.
        """
        with self._lock:
            sessions = self._by_pipeline.get(pipeline)
            if sessions is None:
                sessions = ChatSessions(
                    pipeline, max_sessions=self.max_chats, ttl_s=self.idle_seconds
                )
                self._by_pipeline[pipeline] = sessions
        session_id = sessions.start(photo, face_index, name, mood)  # type: ignore[arg-type]
        with self._lock:
            self._owners[session_id] = owner
        self._forget_closed()
        return session_id

    def find(self, session_id: str, owner: str) -> ChatSessions | None:
        """The sessions that hold this open chat, or None.

        None when the id is unknown, closed or expired, or when ``owner`` is not the Gradio
        session that started the chat: the caller cannot tell these apart.
        """
        if not _SESSION_ID.fullmatch(session_id or ""):
            return None
        with self._lock:
            if self._owners.get(session_id) != owner:
                return None
            registries = list(self._by_pipeline.values())
        for sessions in registries:
            try:
                sessions.get(session_id)
            except BadInputError:
                continue
            return sessions
        return None

    def close(self, session_id: str, owner: str) -> None:
        """Ends a chat of ``owner`` and frees its memory (other ids are ignored)."""
        sessions = self.find(session_id, owner)
        if sessions is not None:
            sessions.close(session_id)
        self._forget_closed()

    def _forget_closed(self) -> None:
        """Drops the owners of chats that were closed or expired."""
        with self._lock:
            registries = list(self._by_pipeline.values())
            owners = list(self._owners)
        open_ids = {key for key in owners if any(key in sessions for sessions in registries)}
        with self._lock:
            for session_id in owners:
                if session_id not in open_ids:
                    self._owners.pop(session_id, None)

    def __len__(self) -> int:
        """Number of open chats."""
        with self._lock:
            registries = list(self._by_pipeline.values())
        return sum(len(sessions) for sessions in registries)


def _owner(request: gr.Request | None) -> str:
    """The Gradio session of a request (a browser tab, or one gradio_client ``Client``)."""
    return str(getattr(request, "session_hash", None) or "")


class ChatHandlers:
    """The functions the Chat tab's events call.

    Args:
        pool: The pipelines by backend choice (a chat keeps the one it started with).
        folders: Where each answer writes its files.
        rooms: The open chats.
    """

    def __init__(self, pool: PipelinePool, folders: RequestFolders, rooms: ChatRooms) -> None:
        self.pool = pool
        self.folders = folders
        self.rooms = rooms

    def chat_start(
        self,
        photo: Any,
        face: Any,
        name: str | None,
        mood: str | None,
        consent: bool,
        lang: str = "en",
        backends: Mapping[str, Any] | None = None,
        request: gr.Request | None = None,
    ) -> str:
        """Starts a chat with a face of the photo (None: the largest); returns the session id.

        The chat belongs to the Gradio session of ``request``; no other session can use it.
        """
        face_index = check.face_index(face, "face", lang)
        persona = " ".join(check.text(name, "name", lang, MAX_NAME_CHARS).split()) or None
        mood = check.choice(mood, "mood", lang, MOODS, MOODS[0])
        path = require_photo(photo, lang)
        check.consent_given(consent, lang)
        if name_problem(persona) is not None:
            raise user_error(lang, "error_name_refused")
        pipeline = pipeline_for(self.pool, backends, lang)
        with friendly_errors(lang, "starting a chat"):
            session_id = self.rooms.start(
                pipeline, path, face_index, persona, mood, owner=_owner(request)
            )
            sessions = self.rooms.find(session_id, _owner(request))
            note = sessions.get(session_id).voice_note if sessions is not None else ""
        if note:  # the face's voice could not be told: the neutral voice answers
            gr.Warning(notice_sentence(note, lang), title=tr(lang, "warning_title"))
        logger.info("started a chat (%d open)", len(self.rooms))
        return session_id

    @stoppable_stream
    def chat_ask(
        self,
        session_id: str | None,
        question: str | None,
        audio: Any,
        lang: str = "en",
        request: gr.Request | None = None,
        *,
        should_stop: Callable[[], bool],
    ) -> Iterator[tuple[str, str | None, History, Any]]:
        """Answers a typed question (or, when none is typed, the recorded one).

        Each sentence's WAV is sent as soon as it is spoken, the first while the rest is still
        being written, so the page plays the answer long before its video is rendered.
        ``should_stop`` (supplied by ``ui.cancel.stoppable_stream``) stops the answer between
        sentences and frames when the visitor cancels or leaves.

        Yields:
            (answer so far, video path or None, history, WAV path or ``gr.skip()``): one with each
            spoken sentence (its WAV, for the streamed voice), one when the whole answer is
            written, and the last with the video and the whole answer's WAV. ``gradio_client``
            gets the last.
        """
        chat_id = check.session_key(session_id, "session_id", lang)
        typed = " ".join(check.text(question, "question", lang).split())
        recorded = None if typed else check.uploaded_file(audio, "audio", lang)
        if not chat_id:
            raise user_error(lang, "error_chat_not_started")
        sessions = self.rooms.find(chat_id, _owner(request))
        if sessions is None:
            raise user_error(lang, "error_chat_ended")
        if not typed and recorded is None:
            raise user_error(lang, "error_no_question")
        earlier = sessions.transcript(chat_id)
        asked = typed or tr(lang, "chat_recorded_question")

        def so_far(answer: str) -> History:
            pending = [{"role": "user", "content": asked}]
            if answer:
                pending.append({"role": "assistant", "content": answer})
            return [*earlier, *pending]

        folder = self.folders.new()
        reply: ChatReply | None = None
        answer = ""
        try:
            with friendly_errors(lang, "answering a question"):
                steps = sessions.ask_stream(
                    chat_id,
                    typed or None,
                    audio=recorded,
                    output_dir=folder,
                    should_stop=should_stop,
                )
                for event in steps:
                    if event.kind == "audio" and event.audio is not None:
                        answer = event.text or answer
                        yield answer, None, so_far(answer), str(event.audio)
                    elif event.kind == "text":
                        answer = event.text
                        yield answer, None, so_far(answer), gr.skip()
                    elif event.kind == "video":
                        reply = event.reply
        finally:
            if reply is None:
                shutil.rmtree(folder, ignore_errors=True)
        assert reply is not None  # ask_stream always ends with the "video" event
        yield reply.text, str(reply.video), sessions.transcript(chat_id), str(reply.audio)

    def chat_clear(self, session_id: str | None, request: gr.Request | None = None) -> History:
        """Forgets the chat's conversation (the chat stays open); returns the empty history.

        An id that is not this session's own chat is ignored.
        """
        chat_id = check.session_key(session_id, "session_id", "en")
        sessions = self.rooms.find(chat_id, _owner(request))
        if sessions is not None:
            sessions.clear(chat_id)
        return []

    def chat_close(
        self, session_id: str | None, lang: str = "en", request: gr.Request | None = None
    ) -> tuple[Any, ...]:
        """Ends the chat (a new photo or another face).

        Returns the emptied id, history and video, the how-to-start hint, and the question box
        and Ask disabled until the next start.
        """
        chat_id = check.session_key(session_id, "session_id", lang)
        if chat_id:
            self.rooms.close(chat_id, _owner(request))
        return "", [], None, tr(lang, "chat_hint"), *asking(False, lang)

    def chat_started(self, face: Any, name: str | None, lang: str = "en") -> tuple[Any, ...]:
        """After a start: an empty history, no video, who they talk with, Ask enabled."""
        return [], None, self._talking_with(face, name, lang), *asking(True, lang)

    def chat_status(
        self,
        session_id: str | None,
        face: Any,
        name: str | None,
        lang: str = "en",
        request: gr.Request | None = None,
    ) -> tuple[Any, ...]:
        """The status line in the visitor's language, and the question box and Ask.

        The line says who they talk with, or how to start; the box and Ask are usable only
        while a chat is open.
        """
        chat_id = check.session_key(session_id, "session_id", lang)
        if self.rooms.find(chat_id, _owner(request)) is None:
            return tr(lang, "chat_hint"), *asking(False, lang)
        return self._talking_with(face, name, lang), *asking(True, lang)

    def _talking_with(self, face: Any, name: str | None, lang: str) -> str:
        index = check.face_index(face, "face", lang)
        typed = " ".join(check.text(name, "name", lang, MAX_NAME_CHARS).split())
        who = typed or (
            tr(lang, "chat_who", number=index + 1)
            if index is not None
            else tr(lang, "chat_who_largest")
        )
        return tr(lang, "chat_started", who=who)

    def clear_question(self) -> tuple[str, None]:
        """Empties the question box and the recording after a question was asked."""
        return "", None
