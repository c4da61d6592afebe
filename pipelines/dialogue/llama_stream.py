"""A llama.cpp chat completion read piece by piece, as the model writes it.

``xllamacpp.Server.handle_chat_completions`` streams a request with ``"stream": true`` by calling
a callback with each OpenAI-style chunk ({"choices": [{"delta": {"content": "..."}}]}) on the
calling thread, and stops when the callback returns True (the server then cancels the rest of
the generation). ``stream_chat_completion`` runs that call on a worker thread and hands the
text pieces to the caller as an iterator, so the caller can act on the first sentence (speak
it) while the model is still writing the next one.

``PromptCache`` keeps each visitor's cached prompt theirs: llama.cpp keeps the prompt it read
last, and with cache reuse it also moves matching runs of it into a new prompt. Those runs were
computed after the earlier prompt's own text (another visitor's photo and questions), so a
request may use the cache only when the request before it had the same owner.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from pipelines.errors import TalkingPhotoError

logger = logging.getLogger(__name__)

#: Seconds to wait for the worker to let go of the server after the reader stopped early.
_JOIN_TIMEOUT_S = 30.0


@dataclass
class PromptCache:
    """A llama.cpp server's prompt cache: whose it is, and what the last request took from it.

    One per server, used under its lock.

    Attributes:
        owner: Who sent the last request (a chat session's id; None: nobody in particular,
            e.g. a line: two such requests may be two visitors', so neither uses the cache).
        last_counts: llama.cpp's own counts for the last request: "prompt_n" prompt tokens
            read, "cache_n" taken from the cache.
    """

    owner: str | None = None
    last_counts: dict[str, int] = field(default_factory=dict)

    def admit(self, request: dict[str, Any], owner: str | None) -> dict[str, Any]:
        """The request as it may run now: with ``cache_prompt`` only after its owner's own.

        Call it under the server's lock, just before the request runs; every request (cached
        or not) becomes the cache's owner, since the server keeps what it read last. A request
        without an owner never uses the cache.
        """
        previous, self.owner = self.owner, owner
        self.last_counts = {}
        if request.get("cache_prompt") and (owner is None or owner != previous):
            return dict(request, cache_prompt=False)
        return request

    def record(self, timings: Any) -> None:
        """Keeps llama.cpp's counts from a response's or a last chunk's "timings"."""
        if isinstance(timings, dict):
            self.last_counts = {
                key: int(timings[key]) for key in ("prompt_n", "cache_n") if key in timings
            }


def _error_text(detail: Any) -> str:
    if isinstance(detail, dict):
        detail = detail.get("message", detail)
    return str(detail)


def stream_chat_completion(
    server: Any,
    lock: threading.Lock,
    request: dict[str, Any],
    cache: PromptCache | None = None,
    owner: str | None = None,
) -> Generator[str, None, None]:
    """Yields the text of a chat completion in the pieces llama.cpp writes it (tokens).

    The server and its lock are held by a worker thread for the whole generation. Closing
    the generator early (``close()``, or dropping it) stops the generation at the next token.

    Args:
        server: An ``xllamacpp.Server``.
        lock: Serialises the calls to that server.
        request: An OpenAI-style chat completion request; "stream" is set to True.
        cache: Whose prompt the server holds; None: ``cache_prompt`` is sent as it is.
        owner: Who asks (see ``PromptCache``).

    Yields:
        Non-empty pieces of the reply text, in order; joined they are the whole reply.

    Raises:
        TalkingPhotoError: llama.cpp refused the request or failed while writing.
    """
    pieces: queue.Queue[tuple[str, str]] = queue.Queue()
    stop = threading.Event()

    def on_chunk(chunk: Any) -> bool:
        if not isinstance(chunk, dict) or "error" in chunk:
            detail = chunk.get("error") if isinstance(chunk, dict) else chunk
            pieces.put(("error", _error_text(detail)))
            return True
        if cache is not None and "timings" in chunk:
            cache.record(chunk["timings"])
        for choice in chunk.get("choices") or ():
            content = (choice.get("delta") or {}).get("content")
            if isinstance(content, str) and content:
                pieces.put(("text", content))
        return stop.is_set()

    def generate() -> None:
        try:
            with lock:
                if not stop.is_set():
                    admitted = cache.admit(request, owner) if cache is not None else request
                    server.handle_chat_completions(dict(admitted, stream=True), on_chunk)
        except (ValueError, RuntimeError) as error:
            pieces.put(("error", str(error)))
        finally:
            pieces.put(("end", ""))

    worker = threading.Thread(target=generate, name="llama-stream", daemon=True)
    worker.start()
    try:
        while True:
            kind, text = pieces.get()
            if kind == "end":
                return
            if kind == "error":
                raise TalkingPhotoError("chat_model.failed", detail=text)
            yield text
    finally:
        stop.set()
        worker.join(_JOIN_TIMEOUT_S)
        if worker.is_alive():
            logger.warning("The chat model did not stop within %.0f s", _JOIN_TIMEOUT_S)
