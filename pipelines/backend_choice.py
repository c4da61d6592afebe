"""Backend choices given on the command line, applied on top of the settings.

``--backend dialogue=transformers-chat`` sets ``Settings.dialogue_backend``;
``--option transformers-chat.model=Qwen/Qwen2.5-1.5B-Instruct`` sets one constructor option in
``Settings.backend_options`` (values are read as YAML scalars: ``true``, ``3``, ``0.5``, text).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from pipelines import registry
from pipelines.config import Settings
from pipelines.errors import BadInputError


def apply_backend_choices(
    settings: Settings, backends: Sequence[str] = (), options: Sequence[str] = ()
) -> Settings:
    """Settings with the command line's backend choices and options applied.

    Args:
        settings: The settings from the file (or the defaults).
        backends: "stage=name" items.
        options: "name.key=value" items.

    Returns:
        New settings (the given ones are not changed).

    Raises:
        BadInputError: A malformed item, an unknown stage or an unknown backend name.
    """
    changes: dict[str, Any] = {}
    for item in backends:
        stage, separator, name = item.partition("=")
        stage, name = stage.strip(), name.strip()
        if not separator or not stage or not name:
            raise BadInputError(
                f"--backend takes STAGE=NAME (e.g. dialogue=template), got {item!r}."
            )
        if stage not in registry.STAGES:
            raise BadInputError(
                f"Unknown stage {stage!r} in --backend; stages are: {', '.join(registry.STAGES)}."
            )
        names = [spec.name for spec in registry.specs(stage)]
        if name not in names:
            raise BadInputError(
                f"Unknown {stage} backend {name!r}; choose one of: {', '.join(names)}."
            )
        changes[f"{stage}_backend"] = name
    merged = {name: dict(values) for name, values in settings.backend_options.items()}
    for item in options:
        target, separator, raw = item.partition("=")
        backend, dot, key = target.strip().partition(".")
        if not separator or not dot or not backend or not key:
            raise BadInputError(
                f"--option takes NAME.KEY=VALUE (e.g. transformers-chat.model=Qwen/Qwen2.5-"
                f"0.5B-Instruct), got {item!r}."
            )
        merged.setdefault(backend, {})[key] = _scalar(raw)
    if options:
        changes["backend_options"] = merged
    return dataclasses.replace(settings, **changes) if changes else settings


def _scalar(raw: str) -> Any:
    """A command-line value as YAML reads it ("true" -> True, "3" -> 3), else the text."""
    import yaml

    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw
    return raw if value is None else value
