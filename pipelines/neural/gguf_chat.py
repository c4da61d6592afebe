"""Any GGUF chat model through llama.cpp: the SmolLM2 backend pointed at another file.

``GGUFChat`` is ``pipelines.dialogue.writer.SmolLM2Chat`` (grammar-constrained, reproducible) with
the model chosen by path, or by a repository id and file name looked up in the local Hugging
Face cache, e.g. ``{"gguf": {"repo_id": "Qwen/Qwen2.5-1.5B-Instruct-GGUF", "filename":
"qwen2.5-1.5b-instruct-q4_k_m.gguf"}}``. It never downloads.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, ClassVar

from pipelines.dialogue.writer import SmolLM2Chat
from pipelines.errors import BackendUnavailable
from pipelines.neural.weights import download_file, expected_location, fetch_hint

logger = logging.getLogger(__name__)


class GGUFChat(SmolLM2Chat):
    """A GGUF chat model run by llama.cpp (``xllamacpp``), loaded once.

    Attributes:
        name: Registry name.
    """

    name: ClassVar[str] = "gguf"

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        repo_id: str | None = None,
        filename: str | None = None,
        **options: Any,
    ) -> None:
        """Loads the model.

        Args:
            model_path: A GGUF file.
            repo_id: Or a repository on the Hugging Face hub whose ``filename`` is in the
                local cache.
            filename: The GGUF file in that repository.
            **options: ``SmolLM2Chat`` options (n_ctx, n_threads, top_p, repeat_penalty,
                reproducible).

        Raises:
            BackendUnavailable: No model named, or its file is not on this machine.
        """
        path = _local_file(model_path, repo_id, filename)
        if path is None:
            reason = self.missing_weights(
                {"model_path": model_path, "repo_id": repo_id, "filename": filename}
            )
            raise BackendUnavailable(f"The gguf backend {reason}.")
        super().__init__(path, **options)

    @classmethod
    def missing_weights(cls, options: dict[str, Any]) -> str | None:
        """Why the configured GGUF file cannot load here (None when it is present)."""
        model_path, repo_id = options.get("model_path"), options.get("repo_id")
        filename = options.get("filename")
        if not model_path and not (repo_id and filename):
            return (
                "needs a GGUF chat model: set backend_options['gguf'] to "
                "{'model_path': '/path/model.gguf'} or {'repo_id': ..., 'filename': ...}"
            )
        if _local_file(model_path, repo_id, filename) is not None:
            return None
        where = str(model_path) if model_path else f"{expected_location(repo_id)} ({filename})"
        return f"needs weights for the GGUF chat model at {where}: {fetch_hint(cls.name)}"

    @classmethod
    def fetch_weights(cls, options: dict[str, Any]) -> list[str]:
        """Downloads ``filename`` of ``repo_id`` into the Hugging Face cache."""
        repo_id, filename = options.get("repo_id"), options.get("filename")
        if not (repo_id and filename):
            return []
        return [download_file(repo_id, filename)]


def _local_file(
    model_path: str | Path | None, repo_id: str | None, filename: str | None
) -> Path | None:
    """The GGUF file on this machine, or None."""
    if model_path:
        path = Path(model_path).expanduser()
        return path if path.is_file() else None
    if not (repo_id and filename):
        return None
    from huggingface_hub import try_to_load_from_cache

    cached = try_to_load_from_cache(repo_id, filename)
    return Path(cached) if isinstance(cached, str) else None
