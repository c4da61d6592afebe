"""Where the neural backends run: CUDA in half precision when there is a GPU, else the CPU.

Also ``gpu_task``: on a Hugging Face ZeroGPU Space (the ``spaces`` package is installed) a
function that needs the GPU must be wrapped in ``spaces.GPU``; everywhere else the wrapper
changes nothing. Importing this module imports neither torch nor spaces.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from pipelines.errors import BackendUnavailable

logger = logging.getLogger(__name__)

Function = TypeVar("Function", bound=Callable[..., Any])

#: Seconds of GPU a ZeroGPU Space grants one call of a ``gpu_task`` function by default.
DEFAULT_GPU_SECONDS = 60


def choose_device(requested: str | None = None) -> tuple[str, Any]:
    """The torch device and dtype a backend should load its model with.

    Args:
        requested: "cpu", "cuda", "cuda:1", "mps", or None / "auto" to pick: CUDA when
            ``torch.cuda.is_available()``, else the CPU.

    Returns:
        (device string, torch dtype): float16 on CUDA, float32 elsewhere (half precision is
        slow or unsupported on CPUs).

    Raises:
        BackendUnavailable: torch is not installed, or CUDA was asked for and there is none.
    """
    try:
        import torch
    except ImportError as error:
        raise BackendUnavailable(
            "The neural backends need PyTorch: pip install -e '.[neural]'"
        ) from error
    choice = (requested or "auto").strip().lower()
    if choice == "auto":
        choice = "cuda" if torch.cuda.is_available() else "cpu"
    if choice.startswith("cuda") and not torch.cuda.is_available():
        raise BackendUnavailable(
            f"Device {requested!r} was asked for but torch sees no CUDA GPU here; "
            "use device='cpu' or leave it unset."
        )
    dtype = torch.float16 if choice.startswith("cuda") else torch.float32
    logger.info("Neural backend device: %s (%s)", choice, dtype)
    return choice, dtype


def gpu_task(function: Function | None = None, *, duration: int = DEFAULT_GPU_SECONDS) -> Any:
    """Marks a function that runs on the GPU, for ZeroGPU Spaces; a no-op elsewhere.

    Usable bare (``@gpu_task``) or with a duration (``@gpu_task(duration=120)``).

    Args:
        function: The function to wrap.
        duration: Seconds of GPU one call may hold on a ZeroGPU Space.

    Returns:
        ``spaces.GPU(duration=...)(function)`` when the ``spaces`` package is installed,
        else the function unchanged.
    """

    def wrap(inner: Function) -> Function:
        if importlib.util.find_spec("spaces") is None:
            return inner
        import spaces

        return spaces.GPU(duration=duration)(inner)

    if function is not None:
        return wrap(function)
    return wrap
