"""Any OpenAI-compatible chat server: Ollama, vLLM, llama.cpp's llama-server, LM Studio, ...

Speaks the ``/v1/chat/completions`` protocol with the standard library's ``urllib``, so no
client package is needed. The server is asked for its model list when the backend is created;
a server that does not answer makes the backend unavailable (the pipeline then falls back to
the offline default) instead of failing later in the middle of a render.

The API key, when one is needed, is read from an environment variable (``OPENAI_API_KEY`` by
default), never from the settings file, and is never logged.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any, ClassVar
from urllib.parse import urlparse

from pipelines.errors import BackendUnavailable, TalkingPhotoError

logger = logging.getLogger(__name__)

#: Ollama's OpenAI-compatible endpoint on its default port.
DEFAULT_BASE_URL = "http://127.0.0.1:11434/v1"
#: Seconds to wait for the model list when the backend is created.
PROBE_TIMEOUT_S = 5.0
#: Longest server answer read, in bytes.
MAX_RESPONSE_BYTES = 4 * 1024 * 1024


class OpenAICompatibleChat:
    """A chat model behind an OpenAI-compatible HTTP endpoint.

    Attributes:
        name: Registry name.
        supports_grammar: True when ``grammar_field`` names the server's GBNF request field
            (llama.cpp's server: "grammar"); then ``DialogueWriter`` constrains the replies.
        base_url: The endpoint, ending in "/v1" for most servers.
        model: The model the server is asked for.
    """

    name: ClassVar[str] = "openai"

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        model: str = "",
        *,
        api_key_env: str = "OPENAI_API_KEY",
        timeout: float = 120.0,
        top_p: float = 0.9,
        grammar_field: str | None = None,
        check_server: bool = True,
    ) -> None:
        """Checks the server answers and picks the model.

        Args:
            base_url: http(s) URL of the API root, e.g. "http://127.0.0.1:11434/v1" (Ollama),
                "http://127.0.0.1:8000/v1" (vLLM), "http://127.0.0.1:8080/v1" (llama-server).
            model: Model name on the server; "" takes the first one the server lists.
            api_key_env: Environment variable holding the API key ("" for none). Sent as a
                Bearer token when set.
            timeout: Seconds one reply may take.
            top_p: Nucleus-sampling probability mass.
            grammar_field: Request field that takes a GBNF grammar ("grammar" for llama.cpp's
                server), or None when the server has none.
            check_server: Ask the server for its models now (off only for tests of requests).

        Raises:
            BackendUnavailable: The URL is not http(s), the server does not answer, or it lists
                no model and none was named.
        """
        parsed = urlparse(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise BackendUnavailable(
                f"The openai backend needs an http(s) base_url, got {base_url!r}."
            )
        self.base_url = base_url.rstrip("/")
        self._api_key = os.environ.get(api_key_env, "") if api_key_env else ""
        self._timeout = float(timeout)
        self._top_p = float(top_p)
        self._grammar_field = grammar_field
        self.supports_grammar = bool(grammar_field)
        self._lock = threading.Lock()
        self.model = model
        if check_server:
            self.model = self._checked_model(model)
        logger.info("Using chat model %r at %s", self.model, self.base_url)

    @classmethod
    def missing_weights(cls, options: dict[str, Any]) -> str | None:
        """Why the configured server cannot be used (None when it answers its model list)."""
        base_url = str(options.get("base_url", DEFAULT_BASE_URL))
        try:
            probe = cls(base_url, str(options.get("model", "")), check_server=False)
            probe._request("GET", "/models", None, PROBE_TIMEOUT_S)
        except (BackendUnavailable, TalkingPhotoError) as error:
            return (
                f"needs an OpenAI-compatible server at {base_url} ({error.message}): start one "
                "(ollama serve, vllm serve, llama-server) or set "
                "backend_options['openai']['base_url']"
            )
        return None

    @classmethod
    def fetch_weights(cls, options: dict[str, Any]) -> list[str]:
        """Nothing to fetch: the server holds the model."""
        del options
        return []

    def _checked_model(self, model: str) -> str:
        """The model to use, after asking the server what it serves."""
        try:
            listing = self._request("GET", "/models", None, PROBE_TIMEOUT_S)
        except TalkingPhotoError as error:
            raise BackendUnavailable(
                f"No OpenAI-compatible server answers at {self.base_url} ({error.message}). "
                "Start one (ollama serve, vllm serve, llama-server) or set "
                "backend_options['openai']['base_url']."
            ) from error
        names = [str(item.get("id")) for item in listing.get("data", []) if isinstance(item, dict)]
        if model:
            if names and model not in names:
                logger.warning("%s does not list %r (it lists %s)", self.base_url, model, names)
            return model
        if not names:
            raise BackendUnavailable(
                f"The server at {self.base_url} lists no model; set "
                "backend_options['openai']['model']."
            )
        return names[0]

    def complete(
        self,
        messages: Sequence[dict[str, str]],
        *,
        max_tokens: int,
        temperature: float,
        seed: int,
        grammar: str | None = None,
    ) -> str:
        """The assistant's reply to OpenAI-style messages.

        Args:
            messages: {"role", "content"} dicts.
            max_tokens: Most tokens to generate.
            temperature: Sampling temperature.
            seed: Sampling seed (servers that support it reproduce replies).
            grammar: GBNF grammar, sent only when the server takes one (``grammar_field``).

        Returns:
            The reply text (may be empty).

        Raises:
            TalkingPhotoError: The server failed, timed out or answered in another shape.
        """
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
            "max_tokens": int(max_tokens),
            "temperature": float(temperature),
            "top_p": self._top_p,
            "seed": int(seed) & 0x7FFFFFFF,
            "stream": False,
        }
        if grammar and self._grammar_field:
            body[self._grammar_field] = grammar
        with self._lock:
            response = self._request("POST", "/chat/completions", body, self._timeout)
        try:
            content = response["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError) as error:
            raise TalkingPhotoError("chat_server.bad_shape", url=self.base_url) from error
        return content if isinstance(content, str) else ""

    def _request(
        self, method: str, path: str, body: dict[str, Any] | None, timeout: float
    ) -> dict[str, Any]:
        """One JSON request; the parsed JSON object answered.

        Raises:
            TalkingPhotoError: Connection failure, timeout, an HTTP error status or non-JSON.
        """
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        request = urllib.request.Request(
            self.base_url + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                raw = answer.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as error:
            detail = error.read(500).decode("utf-8", "replace").strip()
            raise TalkingPhotoError(
                "chat_server.http", url=self.base_url, status=error.code, detail=detail
            ) from error
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            reason = getattr(error, "reason", error)
            raise TalkingPhotoError(
                "chat_server.unreachable", url=self.base_url, reason=str(reason)
            ) from error
        if len(raw) > MAX_RESPONSE_BYTES:
            raise TalkingPhotoError("chat_server.too_much", url=self.base_url)
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError as error:
            raise TalkingPhotoError("chat_server.not_json", url=self.base_url) from error
        if not isinstance(parsed, dict):
            raise TalkingPhotoError("chat_server.not_object", url=self.base_url)
        return parsed
