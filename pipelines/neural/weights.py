"""Where a neural backend's weights are, and how ``fetch-models`` downloads them.

A model is named either by a local path (a folder as written by ``save_pretrained``, or a file)
or by a Hugging Face repository id ("Qwen/Qwen2.5-0.5B-Instruct"). A repository counts as
present when a snapshot of it is in the local Hugging Face cache; it is then loaded from that
folder, so loading never touches the network. Nothing here downloads except ``download_repo``,
which only ``talking-photo fetch-models`` calls.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from pipelines.errors import BackendUnavailable, TalkingPhotoError

logger = logging.getLogger(__name__)

_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[\w.\-]+$")
#: Files never needed to load a model with transformers or diffusers in PyTorch.
IGNORED_WEIGHT_FILES: tuple[str, ...] = (
    "*.h5",
    "*.msgpack",
    "*.onnx",
    "*.onnx_data",
    "*.ot",
    "*.ckpt",
    "*.tflite",
    "*.gguf",
    "onnx/*",
    "openvino/*",
)
_PICKLED: tuple[str, ...] = ("*.bin", "*.pt", "*.pth")


def fetch_hint(backend: str) -> str:
    """The sentence that tells how to get a backend's weights."""
    return (
        f"download them with `talking-photo fetch-models --backend {backend}` on a machine "
        "with internet, or point the backend at a local folder"
    )


def is_repo_id(model: str) -> bool:
    """Whether ``model`` reads as "owner/name" rather than as a path that exists."""
    return bool(_REPO_ID.match(model)) and not Path(model).expanduser().exists()


def hub_cache_dir() -> Path:
    """The Hugging Face hub cache folder (HF_HUB_CACHE / HF_HOME aware)."""
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def expected_location(model: str) -> str:
    """Where the weights of ``model`` are looked for, for messages."""
    if is_repo_id(model):
        return str(hub_cache_dir() / ("models--" + model.replace("/", "--")))
    return str(Path(model).expanduser())


def resolve_model(model: str) -> Path | None:
    """The local folder or file holding ``model``, or None when it is not on this machine.

    Args:
        model: A local path, or a Hugging Face repository id looked up in the local cache only.

    Returns:
        The path, or None.
    """
    path = Path(model).expanduser()
    if path.exists():
        return path
    if not is_repo_id(model):
        return None
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(model, local_files_only=True))
    except (OSError, ValueError) as error:  # LocalEntryNotFoundError is both
        logger.debug("%s is not in the Hugging Face cache: %s", model, error)
        return None


def missing_model(model: str, what: str, backend: str) -> str | None:
    """A reason when the weights of ``model`` are not on this machine, else None.

    Args:
        model: Local path or repository id.
        what: What the weights are, e.g. "the chat model".
        backend: Registry name of the backend, for the fetch hint.
    """
    if not model:
        return f"needs a model: set backend_options[{backend!r}]['model']"
    if resolve_model(model) is not None:
        return None
    return (
        f"needs weights for {what} {model!r} at {expected_location(model)}: {fetch_hint(backend)}"
    )


def require_model(model: str, what: str, backend: str) -> Path:
    """The local path of ``model``.

    Raises:
        BackendUnavailable: It is not on this machine; the message says where it is expected
            and how to download it.
    """
    path = resolve_model(model) if model else None
    if path is None:
        reason = missing_model(model, what, backend)
        raise BackendUnavailable(f"The {backend} backend {reason}.")
    return path


def download_repo(
    repo_id: str,
    *,
    allow_patterns: Sequence[str] | None = None,
    ignore_patterns: Sequence[str] = IGNORED_WEIGHT_FILES,
) -> str:
    """Downloads a repository snapshot into the Hugging Face cache (``fetch-models`` only).

    When the repository has .safetensors weights, its pickled duplicates (.bin, .pt, .pth)
    are not downloaded.

    Args:
        repo_id: "owner/name".
        allow_patterns: Only files matching these globs (None: all but the ignored ones).
        ignore_patterns: Files to skip.

    Returns:
        The snapshot folder.

    Raises:
        TalkingPhotoError: The download failed (no network, HF_HUB_OFFLINE set, no such
            repository, a gated repository without a token).
    """
    import httpx
    from huggingface_hub import snapshot_download

    logger.info("Downloading %s into %s", repo_id, hub_cache_dir())
    allowed = list(allow_patterns) if allow_patterns else None
    try:
        # Pickled weights are skipped first; they are fetched only when the repository turns
        # out to have no .safetensors (then the second call downloads just those).
        folder = snapshot_download(
            repo_id, allow_patterns=allowed, ignore_patterns=[*ignore_patterns, *_PICKLED]
        )
        if not any(Path(folder).rglob("*.safetensors")):
            folder = snapshot_download(
                repo_id, allow_patterns=allowed, ignore_patterns=list(ignore_patterns) or None
            )
    except (OSError, ValueError, httpx.HTTPError) as error:
        raise _download_error(repo_id, error) from error
    return folder


def download_file(repo_id: str, filename: str) -> str:
    """Downloads one file of a repository into the Hugging Face cache (``fetch-models`` only).

    Raises:
        TalkingPhotoError: The download failed.
    """
    import httpx
    from huggingface_hub import hf_hub_download

    try:
        return hf_hub_download(repo_id, filename)
    except (OSError, ValueError, httpx.HTTPError) as error:
        raise _download_error(f"{repo_id}/{filename}", error) from error


def _download_error(what: str, error: Exception) -> TalkingPhotoError:
    text = str(error).strip()
    detail = text.splitlines()[0] if text else type(error).__name__
    return TalkingPhotoError("download.hub_failed", what=what, detail=detail)


class HubModelWeights:
    """Weights checks for a backend whose ``model`` option is a Hub repository id or a folder.

    Gives the ``missing_weights`` and ``fetch_weights`` classmethods that
    ``registry.BackendSpec.weights`` asks for.

    Attributes:
        name: The backend's registry name (named in the hint to fetch the weights).
        default_model: The model used when the options name none.
        model_what: What the model is, for messages ("the chat model").
        hub_files: Patterns of the repository files to download; None: all but
            ``IGNORED_WEIGHT_FILES``.
    """

    name: ClassVar[str]
    default_model: ClassVar[str]
    model_what: ClassVar[str]
    hub_files: ClassVar[tuple[str, ...] | None] = None

    @classmethod
    def missing_weights(cls, options: dict[str, Any]) -> str | None:
        """Why the configured model cannot load here (None when its weights are present)."""
        return missing_model(options.get("model", cls.default_model), cls.model_what, cls.name)

    @classmethod
    def fetch_weights(cls, options: dict[str, Any]) -> list[str]:
        """Downloads the configured model into the Hugging Face cache (nothing for a folder)."""
        model = options.get("model", cls.default_model)
        if not is_repo_id(model):
            return []
        return [download_repo(model, allow_patterns=cls.hub_files)]
