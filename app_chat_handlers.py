"""The functions behind the Chat tab: start a chat with a face, ask, clear, close.

Every chat is a ``pipelines.chat.rooms.ChatSessions`` session, named by a random 128-bit id
that only its visitor holds (the page keeps it; a ``gradio_client`` user passes it with each
call). A session remembers its conversation until it is cleared, closed (a new photo or another
face), or idle for longer than the app keeps its outputs. Each answer's files go into their own
request folder, swept like every other output.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import gradio as gr

from app_backends import PipelinePool
from app_handlers import friendly_errors, pipeline_for, require_photo, user_error
from app_support import RequestFolders, chosen_faces, tr, uploaded_path
from pipelines import MOODS, BadInputError, TalkingPhotoPipeline
from pipelines.chat.rooms import ChatSessions
from pipelines.chat.session import ChatReply

logger = logging.getLogger(__name__)

#: What ``ChatSessions.start`` returns: 32 lowercase hex digits (uuid4).
_SESSION_ID = re.compile(r"[0-9a-f]{32}")
#: Most chats open at once per backend choice; starting one more closes the least recent.
MAX_CHATS = 64

#: A chat history as a gr.Chatbot shows it: {"role": "user" | "assistant", "content": text}.
History = list[dict[str, str]]


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
        self._lock = threading.Lock()

    def start(
        self,
        pipeline: TalkingPhotoPipeline,
        photo: str,
        face_index: int | None,
        name: str | None,
        mood: str,
    ) -> str:
        """Opens a chat with a face of the photo; returns its id.

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
        return sessions.start(photo, face_index, name, mood)  # type: ignore[arg-type]

    def find(self, session_id: str) -> ChatSessions | None:
        """The sessions that hold this open chat, or None (unknown, closed or expired)."""
        if not _SESSION_ID.fullmatch(session_id or ""):
            return None
        with self._lock:
            registries = list(self._by_pipeline.values())
        for sessions in registries:
            try:
                sessions.get(session_id)
            except BadInputError:
                continue
            return sessions
        return None

    def close(self, session_id: str) -> None:
        """Ends a chat and frees its memory (unknown ids are ignored)."""
        sessions = self.find(session_id)
        if sessions is not None:
            sessions.close(session_id)

    def __len__(self) -> int:
        """Number of open chats."""
        with self._lock:
            registries = list(self._by_pipeline.values())
        return sum(len(sessions) for sessions in registries)


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
    ) -> str:
        """Starts a chat with a face of the photo (None: the largest); returns the session id."""
        path = require_photo(photo, lang)
        if not consent:
            raise user_error(lang, "error_consent")
        pipeline = pipeline_for(self.pool, backends, lang)
        faces = chosen_faces(face)
        persona = " ".join((name or "").split()) or None
        with friendly_errors(lang, "starting a chat"):
            session_id = self.rooms.start(
                pipeline, path, faces[0] if faces else None, persona, mood or MOODS[0]
            )
        logger.info("started a chat (%d open)", len(self.rooms))
        return session_id

    def chat_ask(
        self, session_id: str | None, question: str | None, audio: Any, lang: str = "en"
    ) -> Iterator[tuple[str, str | None, History, Any]]:
        """Answers a typed question (or, when none is typed, the recorded one).

        Each sentence's WAV is sent as soon as it is spoken, the first while the rest is still
        being written, so the page plays the answer long before its video is rendered.

        Yields:
            (answer so far, video path or None, history, WAV path or ``gr.skip()``): one with each
            spoken sentence (its WAV, for the streamed voice), one when the whole answer is
            written, and the last with the video and the whole answer's WAV. ``gradio_client``
            gets the last.
        """
        sessions = self.rooms.find(session_id or "")
        if sessions is None:
            raise user_error(lang, "error_chat_ended")
        typed = " ".join((question or "").split())
        recorded = None if typed else uploaded_path(audio)
        if not typed and recorded is None:
            raise user_error(lang, "error_no_question")
        earlier = sessions.transcript(str(session_id))
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
                    str(session_id), typed or None, audio=recorded, output_dir=folder
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
        yield reply.text, str(reply.video), sessions.transcript(str(session_id)), str(reply.audio)

    def chat_clear(self, session_id: str | None) -> History:
        """Forgets the chat's conversation (the chat stays open); returns the empty history."""
        sessions = self.rooms.find(session_id or "")
        if sessions is not None:
            sessions.clear(str(session_id))
        return []

    def chat_close(
        self, session_id: str | None, lang: str = "en"
    ) -> tuple[str, History, None, str]:
        """Ends the chat (a new photo or another face): id, history, video and hint emptied."""
        if session_id:
            self.rooms.close(session_id)
        return "", [], None, tr(lang, "chat_hint")

    def chat_started(
        self, face: Any, name: str | None, lang: str = "en"
    ) -> tuple[History, None, str]:
        """After a start: an empty history, no video, and who the visitor talks with."""
        return [], None, self._talking_with(face, name, lang)

    def chat_status(
        self, session_id: str | None, face: Any, name: str | None, lang: str = "en"
    ) -> str:
        """The status line in the visitor's language: who they talk with, or how to start."""
        if self.rooms.find(session_id or "") is None:
            return tr(lang, "chat_hint")
        return self._talking_with(face, name, lang)

    def _talking_with(self, face: Any, name: str | None, lang: str) -> str:
        faces = chosen_faces(face)
        who = " ".join((name or "").split()) or (
            tr(lang, "chat_who", number=faces[0] + 1) if faces else tr(lang, "chat_who_largest")
        )
        return tr(lang, "chat_started", who=who)

    def clear_question(self) -> tuple[str, None]:
        """Empties the question box and the recording after a question was asked."""
        return "", None
