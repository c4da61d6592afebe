"""``talking-photo fetch-models``: downloads the weights the neural backends need.

Run it once on a machine with internet (or let a Hugging Face Space preload the repositories
listed in ``spaces_config.yaml``); afterwards every backend loads from the local caches and
never touches the network. Which model is fetched follows ``Settings.backend_options``, so
the same settings file drives both the download and the render.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipelines import registry
from pipelines.config import Settings
from pipelines.errors import BackendUnavailable, TalkingPhotoError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WeightedBackend:
    """A backend whose weights ``fetch-models`` can download.

    Attributes:
        stage: Its stage.
        name: Its registry name.
        target: "module:Class" of the class with ``missing_weights`` and ``fetch_weights``.
        requires: Modules its download (and the backend) needs.
        install_hint: How to install them.
    """

    stage: str
    name: str
    target: str
    requires: tuple[str, ...] = ()
    install_hint: str = ""


def weighted_backends(
    stages: Sequence[str] | None = None, names: Sequence[str] | None = None
) -> list[WeightedBackend]:
    """The backends that need downloaded weights, optionally filtered.

    Args:
        stages: Keep these stages only (``pipelines.registry.STAGES``); None keeps all.
        names: Keep these backend names only; None keeps all.

    Raises:
        BackendUnavailable: An unknown stage or name; the message lists the valid ones.
    """
    every = [
        WeightedBackend(spec.stage, spec.name, spec.target, spec.requires, spec.install_hint)
        for spec in registry.specs()
        if spec.weights
    ]
    valid_stages = sorted({b.stage for b in every})
    valid_names = [b.name for b in every]
    for stage in stages or ():
        if stage not in valid_stages:
            raise BackendUnavailable(
                f"No weights to fetch for stage {stage!r}; choose from {', '.join(valid_stages)}."
            )
    for name in names or ():
        if name not in valid_names:
            raise BackendUnavailable(
                f"No backend {name!r} with weights to fetch; choose from {', '.join(valid_names)}."
            )
    return [
        b for b in every if (not stages or b.stage in stages) and (not names or b.name in names)
    ]


def fetch_models(
    settings: Settings,
    stages: Sequence[str] | None = None,
    names: Sequence[str] | None = None,
) -> list[tuple[str, list[str], str]]:
    """Downloads the weights of the chosen backends, each as its settings configure it.

    Every chosen backend is tried; the failures are reported together at the end. A backend
    whose packages are not installed is skipped with a note, unless it was named in ``names``
    (then it is a failure).

    Args:
        settings: ``backend_options`` choose the models.
        stages: Only these stages (None: all).
        names: Only these backends (None: all).

    Returns:
        (backend name, downloaded paths, note) per backend that did not fail; the note says
        why nothing was fetched ("" when something was).

    Raises:
        TalkingPhotoError: One or more downloads failed; the message names each and why.
    """
    import importlib
    import importlib.util

    fetched: list[tuple[str, list[str], str]] = []
    failures: list[str] = []
    for backend in weighted_backends(stages, names):
        missing = [m for m in backend.requires if importlib.util.find_spec(m) is None]
        if missing:
            note = f"needs {', '.join(missing)}: {backend.install_hint}"
            if names:
                failures.append(f"{backend.name}: {note}")
            else:
                fetched.append((backend.name, [], f"skipped, {note}"))
            continue
        module_name, _, class_name = backend.target.partition(":")
        cls: Any = getattr(importlib.import_module(module_name), class_name)
        options = dict(settings.backend_options.get(backend.name, {}))
        logger.info("Fetching the weights of %s", backend.name)
        try:
            paths = cls.fetch_weights(options)
        except TalkingPhotoError as error:
            failures.append(f"{backend.name}: {error.message}")
            continue
        note = "" if paths else "nothing to fetch (named by path, or served elsewhere)"
        fetched.append((backend.name, [str(path) for path in paths], note))
    if failures:
        others = [f"{name}: {', '.join(paths) or note}" for name, paths, note in fetched]
        raise TalkingPhotoError(
            "download.some_failed",
            failures="\n  ".join(failures),
            others="\nThe others:\n  " + "\n  ".join(others) if others else "",
        )
    return fetched
