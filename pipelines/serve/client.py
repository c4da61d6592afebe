"""A client of the render service, with the pipeline's own ``render`` signature.

``RemoteRenderer(url).render(request, progress=..., should_stop=...)`` sends a
``pipelines.RenderRequest`` to ``POST <url>/render`` and writes the MP4, WAV and SRT at the
request's ``output``, returning a ``RenderResult``; a pipeline error on the replica comes back
as the same ``TalkingPhotoError`` subclass. Only the standard library is used (``http.client``,
which ``urllib`` itself uses); it imports no Ray.

While the replica renders, ``should_stop`` is asked every 0.1 s; when it turns true the
connection is closed, which makes Serve cancel the render on the replica, and ``Cancelled``
is raised here.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import logging
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipelines.errors import BackendUnavailable, BadInputError, Cancelled
from pipelines.serve.protocol import decode_result, encode_request, error_from_body
from pipelines.types import RenderResult

logger = logging.getLogger(__name__)

#: Environment variable naming the render service's URL (see ``url_from_env``).
SERVE_URL_ENV = "TALKING_PHOTO_RAY_SERVE"


def url_from_env(environ: dict[str, str] | None = None) -> str | None:
    """The render service URL from TALKING_PHOTO_RAY_SERVE, or None when it is not set.

    Raises:
        BadInputError: The value is not an http(s) URL.
    """
    import os

    raw = (os.environ if environ is None else environ).get(SERVE_URL_ENV, "").strip()
    if not raw:
        return None
    if _http_parts(raw) is None:
        raise BadInputError(f"{SERVE_URL_ENV} must be an http(s) URL, e.g. http://127.0.0.1:8000.")
    return raw.rstrip("/")


def _http_parts(url: str) -> urllib.parse.SplitResult | None:
    """The parts of an http(s) URL with a host name, or None for anything else."""
    parts = urllib.parse.urlsplit(url)
    return parts if parts.scheme in ("http", "https") and parts.hostname else None


def _file_bytes(source: Any, what: str) -> bytes:
    """The bytes of a photo or recording given as a path, bytes or an RGB array."""
    if isinstance(source, bytes):
        return source
    if isinstance(source, str | Path):
        return Path(source).read_bytes()
    try:
        from PIL import Image

        buffer = io.BytesIO()
        Image.fromarray(source).save(buffer, format="PNG")
        return buffer.getvalue()
    except (TypeError, ValueError, AttributeError):
        raise BadInputError(f"The {what} must be a path, bytes or an RGB array.") from None


class RemoteRenderer:
    """Renders on a Ray Serve deployment instead of in this process.

    Args:
        url: The service, e.g. "http://127.0.0.1:8000".
        timeout: Seconds to wait for an answer before giving up.
    """

    def __init__(self, url: str, timeout: float = 900.0) -> None:
        parts = _http_parts(url)
        if parts is None:
            raise BadInputError(f"The render service URL {url!r} is not an http(s) URL.")
        self.url = url.rstrip("/")
        self._parts = parts
        self.timeout = timeout
        #: Which replica rendered the last request of this thread (for logs and tests).
        self.last_replica = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        https = self._parts.scheme == "https"
        kind = http.client.HTTPSConnection if https else http.client.HTTPConnection
        return kind(self._parts.hostname, self._parts.port, timeout=self.timeout)

    def render(
        self,
        request: Any,
        progress: Callable[[str, float], None] | None = None,
        *,
        should_stop: Callable[[], bool] | None = None,
    ) -> RenderResult:
        """Renders a ``RenderRequest`` on the service; its files are written at ``output``.

        Args:
            request: The request; its ``output`` must name the MP4 to write.
            progress: Called with ("faces", 0.05) when sent and ("video", 1.0) when done.
            should_stop: Asked every 0.1 s while waiting; True closes the connection (the
                replica stops its render) and raises ``Cancelled``.

        Raises:
            TalkingPhotoError: The replica's own error (same class), ``Cancelled``, or
                ``BackendUnavailable`` when the service cannot be reached.
        """
        if request.output is None:
            raise BadInputError("A remote render needs the output path of its video.")
        audio = None if request.audio is None else _file_bytes(request.audio, "recording")
        body = json.dumps(encode_request(request, _file_bytes(request.photo, "photo"), audio))
        stop = should_stop or (lambda: False)
        if stop():
            raise Cancelled()
        if progress is not None:
            progress("faces", 0.05)
        status, answer = self._post(body.encode("utf-8"), stop)
        if status != 200:
            raise error_from_body(answer)
        result, replica = decode_result(answer, Path(request.output))
        self.last_replica.name = replica
        if progress is not None:
            progress("video", 1.0)
        return result

    def _post(self, body: bytes, stop: Callable[[], bool]) -> tuple[int, dict[str, Any]]:
        """Sends the body on a worker thread; the caller's thread watches ``stop``."""
        connection = self._connection()
        outcome: dict[str, Any] = {}

        def exchange() -> None:
            try:
                path = f"{self._parts.path.rstrip('/')}/render"
                connection.request(
                    "POST", path, body=body, headers={"Content-Type": "application/json"}
                )
                response = connection.getresponse()
                outcome["status"], outcome["data"] = response.status, response.read()
            except (OSError, http.client.HTTPException) as error:
                outcome["error"] = error

        worker = threading.Thread(target=exchange, name="remote-render", daemon=True)
        worker.start()
        deadline = time.monotonic() + self.timeout
        while worker.is_alive():
            worker.join(0.1)
            if worker.is_alive() and (stop() or time.monotonic() > deadline):
                _hang_up(connection)
                worker.join(5)
                if stop():
                    raise Cancelled()
                raise BackendUnavailable(
                    f"The render service did not answer within {self.timeout:.0f} s."
                )
        connection.close()
        if "error" in outcome:
            failure = outcome["error"]
            reason = getattr(failure, "strerror", None) or type(failure).__name__
            raise BackendUnavailable(
                f"The render service at {self.url} cannot be reached: {reason}."
            )
        try:
            answer = json.loads(outcome["data"])
        except (json.JSONDecodeError, UnicodeDecodeError):
            answer = {"message": f"The render service answered HTTP {outcome['status']}."}
        return int(outcome["status"]), answer


def _hang_up(connection: http.client.HTTPConnection) -> None:
    """Closes the connection under the waiting thread, so the server sees the client leave."""
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    connection.close()
