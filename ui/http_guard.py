"""The door in front of the Gradio app: request bodies checked before Gradio reads them.

Gradio acts on some request bodies before any handler runs: a file object whose ``path`` is a
link makes the server download it (a visitor could make the app open connections anywhere);
one whose path is outside the upload folder makes Gradio log that path with a traceback; and
a JSON body of any size is read into memory. ``RequestGuard``, an ASGI middleware, answers
such requests itself, with one sentence and a 4xx status:

- a JSON body over MAX_JSON_BYTES: 413 (uploads are multipart and limited by Gradio's
  ``max_file_size``, which ``app.launch_options`` sets to the upload limit);
- a file object in ``data`` whose path is a link or not a file this app received
  (``ui.inputs.is_received_file``): 400, the same answer whether or not the path exists.

The handlers check every file again (``ui.inputs.uploaded_file``); this is the first of two
locks, not the only one.

Behind the door, Gradio checks each input against its component's data model before any
handler runs (a photo sent as a bare string, a table that is not a table). It answers such a
value with ``{"error": null}`` and prints the traceback, which quotes the value, to the log.
``quiet_preprocessing`` makes that one sentence, with nothing logged but the event's name.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

import gradio as gr

from ui.inputs import is_received_file, refusal

logger = logging.getLogger(__name__)

#: Largest JSON request body, in bytes (the longest inputs are a script table and a line).
MAX_JSON_BYTES = 1 * 2**20
#: What a refused request is told.
TOO_LARGE = "The request is larger than 1 MiB; upload files instead of sending them inline."
NOT_RECEIVED = "Files must be uploaded to this app first; paths and links are not read."

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_LINK_PREFIXES = ("http://", "https://", "ftp://", "file:", "data:", "//")


def file_paths(value: Any) -> Iterator[Any]:
    """The ``path`` of every file object (a mapping with a "path" key) nested in a value."""
    if isinstance(value, dict):
        if "path" in value:
            yield value["path"]
        for item in value.values():
            yield from file_paths(item)
    elif isinstance(value, list):
        for item in value:
            yield from file_paths(item)


def acceptable_path(path: Any) -> bool:
    """Whether a file object's path may reach Gradio: a received file, never a link."""
    if not isinstance(path, str) or path.lower().startswith(_LINK_PREFIXES):
        return False
    return is_received_file(path)


class RequestGuard:
    """ASGI middleware that refuses oversized JSON bodies and foreign file references.

    Args:
        app: The application behind it (Gradio's FastAPI app).
        max_json_bytes: Largest JSON body let through.
    """

    def __init__(self, app: ASGIApp, max_json_bytes: int = MAX_JSON_BYTES) -> None:
        self.app = app
        self.max_json_bytes = int(max_json_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Checks a POST body with JSON in it, then hands the request on (or answers it)."""
        if scope.get("type") != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v for k, v in scope.get("headers", [])}
        content_type = headers.get("content-type", b"").decode("latin-1").lower()
        if content_type.startswith("multipart/"):
            await self.app(scope, receive, send)  # an upload: Gradio's max_file_size applies
            return
        declared = headers.get("content-length", b"").decode("latin-1")
        if declared.isdigit() and int(declared) > self.max_json_bytes:
            await _answer(send, 413, TOO_LARGE)
            return
        body, complete = await _read_body(receive, self.max_json_bytes)
        if not complete:
            await _answer(send, 413, TOO_LARGE)
            return
        if not self._files_acceptable(body):
            logger.info("refused a request that named a file this app did not receive")
            await _answer(send, 400, NOT_RECEIVED)
            return
        await self.app(scope, _replay(body, receive), send)

    @staticmethod
    def _files_acceptable(body: bytes) -> bool:
        try:
            payload = json.loads(body) if body.strip() else None
        except (UnicodeDecodeError, ValueError):
            return True  # not JSON: Gradio refuses it itself
        data = payload.get("data") if isinstance(payload, dict) else None
        return all(acceptable_path(path) for path in file_paths(data))


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The request body, and False when it grew past ``limit`` bytes (reading stops there)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message.get("type") != "http.request":
            return b"".join(chunks), True
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", False
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that first gives the body already read, then defers to the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _answer(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode("ascii")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def quiet_preprocessing(demo: gr.Blocks) -> None:
    """Turns a failure of Gradio's own input checks into one sentence, logged without values.

    Gradio calls ``Blocks.preprocess_data`` for every event before the handler; the app's
    instance gets a wrapper that lets ``gr.Error`` through and answers anything else with
    ``error_malformed`` (no traceback: the values sent may be private).
    """
    checked = demo.preprocess_data

    async def preprocess_data(block_fn: Any, inputs: list[Any], state: Any, *args: Any) -> Any:
        try:
            return await checked(block_fn, inputs, state, *args)
        except gr.Error as error:  # e.g. a dropdown's "not in the list of choices"
            error.print_exception = False  # its message may quote the value sent
            raise
        except Exception as error:  # noqa: BLE001 - any malformed value gets the same answer
            name = getattr(block_fn, "api_name", None) or "an event"
            logger.info("refused malformed inputs of %s (%s)", name, type(error).__name__)
            raise refusal("en", "error_malformed") from None

    demo.preprocess_data = preprocess_data  # type: ignore[method-assign]
