"""Many chat sessions at once, by id, each with its own memory, for a web app.

The app calls ``start`` once per chat (it returns the id to keep, e.g. in ``gr.State``) and
``ask`` or ``ask_stream`` once per question. Sessions expire when idle and are capped in
number; a closed or expired session's memory is gone with it. Answer files stay in the output
folder (the app's own clean-up removes old outputs).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.chat.replies import ChatEvent, ChatReply
from pipelines.chat.session import ChatSession
from pipelines.errors import BadInputError
from pipelines.types import Mood

if TYPE_CHECKING:
    from pipelines.pipeline import AudioSource, PhotoSource, StopCheck, TalkingPhotoPipeline

logger = logging.getLogger(__name__)


class ChatSessions:
    """Chat sessions by id, for a web app: each keeps its own memory until it expires.

    A session expires ``ttl_s`` seconds after its last use; when ``max_sessions`` are open,
    starting another closes the least recently used one. Safe to use from many threads; the
    questions of one session are answered one at a time.

    Args:
        pipeline: Shared by every session.
        max_sessions: Most sessions kept at once.
        ttl_s: Seconds a session is kept after its last use.
        output_dir: Folder of the answers' files; None uses the pipeline's output folder.
    """

    def __init__(
        self,
        pipeline: TalkingPhotoPipeline,
        *,
        max_sessions: int = 32,
        ttl_s: float = 1800.0,
        output_dir: str | Path | None = None,
    ) -> None:
        if max_sessions < 1 or ttl_s <= 0:
            raise ValueError("max_sessions must be >= 1 and ttl_s > 0.")
        self.pipeline = pipeline
        self.max_sessions = max_sessions
        self.ttl_s = float(ttl_s)
        self.output_dir = Path(output_dir) if output_dir is not None else None
        self._sessions: OrderedDict[str, tuple[ChatSession, float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """Number of open (unexpired) sessions."""
        with self._lock:
            self._sweep(time.monotonic())
            return len(self._sessions)

    def __contains__(self, session_id: object) -> bool:
        """Whether a session is open (unexpired); unlike ``get``, this does not count as use."""
        with self._lock:
            self._sweep(time.monotonic())
            return session_id in self._sessions

    def start(
        self,
        photo_source: PhotoSource,
        face_index: int | None = None,
        persona_name: str | None = None,
        mood: Mood = "neutral",
        *,
        seed: int = 0,
    ) -> str:
        """Opens a session with the person ``face_index`` of the photo; returns its id.

        Raises:
            TalkingPhotoError: The photo cannot be read, has no face, or no such face.
        """
        session_id = secrets.token_hex(16)  # 128 random bits
        session = ChatSession(
            self.pipeline,
            photo_source,
            face_index,
            persona_name,
            mood,
            seed=seed,
            session_id=session_id[:12],
        )
        with self._lock:
            now = time.monotonic()
            self._sweep(now)
            while len(self._sessions) >= self.max_sessions:
                self._sessions.popitem(last=False)
                logger.info("Closed the least recently used chat session to make room")
            self._sessions[session_id] = (session, now)
        return session_id

    def get(self, session_id: str) -> ChatSession:
        """The session, marked as used now.

        Raises:
            BadInputError: No such session, or it expired.
        """
        with self._lock:
            now = time.monotonic()
            self._sweep(now)
            entry = self._sessions.get(session_id)
            if entry is None:
                raise BadInputError("chat.ended")
            self._sessions[session_id] = (entry[0], now)
            self._sessions.move_to_end(session_id)
            return entry[0]

    def ask(
        self,
        session_id: str,
        question: str | None = None,
        *,
        audio: AudioSource | None = None,
        output_dir: str | Path | None = None,
    ) -> ChatReply:
        """Asks the session's person a typed or recorded question (see ``ChatSession.ask``).

        Args:
            session_id: What ``start`` returned.
            question: The typed question.
            audio: Or the recorded question (English).
            output_dir: Folder of this answer's files; None uses the registry's folder.

        Raises:
            BadInputError: No such session (or it expired), or an empty question.
        """
        folder = output_dir or self.output_dir
        return self.get(session_id).ask(question, audio=audio, output_dir=folder)

    def ask_stream(
        self,
        session_id: str,
        question: str | None = None,
        *,
        audio: AudioSource | None = None,
        output_dir: str | Path | None = None,
        should_stop: StopCheck | None = None,
    ) -> Iterator[ChatEvent]:
        """Asks step by step (see ``ChatSession.ask_stream``; arguments as for ``ask``).

        Raises:
            BadInputError: No such session (or it expired); raised at once, not when iterated.
        """
        session = self.get(session_id)
        folder = output_dir or self.output_dir
        return session.ask_stream(question, audio=audio, output_dir=folder, should_stop=should_stop)

    def transcript(self, session_id: str) -> list[dict[str, str]]:
        """The session's remembered turns as chat messages (see ``ChatSession.transcript``)."""
        return self.get(session_id).transcript()

    def clear(self, session_id: str) -> None:
        """Forgets a session's conversation but keeps the session."""
        self.get(session_id).clear()

    def close(self, session_id: str) -> None:
        """Ends a session and forgets its memory (unknown ids are ignored)."""
        with self._lock:
            self._sessions.pop(session_id, None)

    def _sweep(self, now: float) -> None:
        expired = [key for key, (_, used) in self._sessions.items() if now - used > self.ttl_s]
        for key in expired:
            del self._sessions[key]
        if expired:
            logger.info("Closed %d idle chat session(s)", len(expired))
