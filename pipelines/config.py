"""Limits and defaults, in one place.

The pipeline enforces every limit itself (the UI and CLI only pass them on), so the same photo
is refused the same way from Python, the command line and the browser.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.errors import BackendUnavailable, BadInputError
from pipelines.registry import STAGES, Stage, default_name, specs

#: The Settings field that names each stage's backend.
_BACKEND_FIELDS: dict[Stage, str] = {stage: f"{stage}_backend" for stage in STAGES}


@dataclass(frozen=True)
class Limits:
    """Upper bounds on what one request may ask for."""

    # Largest upload accepted, in bytes (photo or audio file).
    max_upload_bytes: int = 30 * 1024 * 1024
    # Largest decoded image, in pixels; larger declared sizes are refused before decoding
    # (decompression bombs).
    max_image_pixels: int = 80_000_000
    # Photos are downscaled so that their longest side is at most this many pixels.
    max_working_side: int = 2048
    # Most faces animated at once; more faces are found but only this many move.
    max_faces: int = 8
    # Longest line of text, in characters, after normalisation.
    max_text_chars: int = 600
    # Longest audio accepted (user upload or synthesized), in seconds.
    max_audio_seconds: float = 60.0
    # Longest video written, in seconds.
    max_video_seconds: float = 90.0
    # Wall-clock budget of one stage, in seconds.
    stage_timeout_seconds: float = 180.0

    def __post_init__(self) -> None:
        """Refuses a limit that could never be met.

        Whole-number limits (bytes, pixels, faces, characters) must be at least 1; limits in
        seconds must be greater than 0 (``math.inf`` means no limit).

        Raises:
            BadInputError: A limit is not a number or is out of its range; the message names
                the limit, its allowed range and the value given.
        """
        for limit in dataclasses.fields(self):
            value = getattr(self, limit.name)
            if isinstance(limit.default, int):  # bytes, pixels, faces, characters
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise BadInputError(
                        f"The limit {limit.name} must be a whole number of at least 1; "
                        f"got {value!r}."
                    )
            elif (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or math.isnan(value)
                or value <= 0
            ):
                raise BadInputError(
                    f"The limit {limit.name} must be a number of seconds greater than 0; "
                    f"got {value!r}."
                )


@dataclass(frozen=True)
class Settings:
    """Which backend runs each stage, and how the output is encoded."""

    # Backend names per stage; see ``talking-photo backends`` for the choices. The defaults
    # are the registry's first backend of each stage (``pipelines.registry``).
    faces_backend: str = field(default_factory=lambda: default_name("faces"))
    scene_backend: str = field(default_factory=lambda: default_name("scene"))
    dialogue_backend: str = field(default_factory=lambda: default_name("dialogue"))
    speech_backend: str = field(default_factory=lambda: default_name("speech"))
    animator_backend: str = field(default_factory=lambda: default_name("animator"))
    portrait_backend: str = field(default_factory=lambda: default_name("portrait"))
    # Video frame rate, frames per second.
    fps: int = 25
    # H.264 constant rate factor (lower is better quality, larger files).
    crf: int = 18
    # Where outputs go when a request names no output path.
    output_dir: Path = Path("outputs")
    # Options passed to a backend's constructor, keyed by backend name,
    # e.g. {"transformers-chat": {"model": "Qwen/Qwen2.5-0.5B-Instruct"}}.
    backend_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)

    def backend_name(self, stage: Stage) -> str:
        """The backend chosen for a stage.

        Raises:
            BackendUnavailable: Not a stage; the message lists the stages.
        """
        if stage not in _BACKEND_FIELDS:
            raise BackendUnavailable(f"Unknown stage {stage!r}; stages are: {', '.join(STAGES)}.")
        return str(getattr(self, _BACKEND_FIELDS[stage]))

    def with_backends(self, backends: Sequence[str] = (), options: Sequence[str] = ()) -> Settings:
        """These settings with command-line style backend choices and options applied.

        ``"dialogue=transformers-chat"`` chooses a backend for a stage;
        ``"transformers-chat.model=Qwen/Qwen2.5-1.5B-Instruct"`` sets one constructor option
        (values are read as YAML scalars: ``true``, ``3``, ``0.5``, text).

        Args:
            backends: "stage=name" items.
            options: "name.key=value" items.

        Returns:
            New settings (these are not changed).

        Raises:
            BadInputError: A malformed item, an unknown stage or an unknown backend name.
        """
        changes: dict[str, Any] = {}
        for item in backends:
            stage, separator, name = (part.strip() for part in item.partition("="))
            if not separator or not stage or not name:
                raise BadInputError(
                    f"--backend takes STAGE=NAME (e.g. dialogue=template), got {item!r}."
                )
            if stage not in _BACKEND_FIELDS:
                raise BadInputError(
                    f"Unknown stage {stage!r} in --backend; stages are: {', '.join(STAGES)}."
                )
            names = [spec.name for spec in specs(stage)]
            if name not in names:
                raise BadInputError(
                    f"Unknown {stage} backend {name!r}; choose one of: {', '.join(names)}."
                )
            changes[_BACKEND_FIELDS[stage]] = name  # type: ignore[index]
        merged = {name: dict(values) for name, values in self.backend_options.items()}
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
        return dataclasses.replace(self, **changes) if changes else self

    def replaced(self, **changes: Any) -> Settings:
        """These settings with some fields changed, e.g. ``replaced(dialogue_backend="template")``.

        Raises:
            BadInputError: A name is not a field of Settings; the message lists the valid ones.
        """
        _check_setting_names(changes)
        return dataclasses.replace(self, **changes) if changes else self

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        """Builds settings from a plain mapping (e.g. parsed YAML).

        Args:
            data: Keys are field names of Settings; "limits" is a mapping of Limits fields.

        Returns:
            The settings, with defaults for every key not given.

        Raises:
            BadInputError: A key is not a known setting.
        """
        data = dict(data)
        _check_setting_names(data)
        limits_data = dict(data.pop("limits", {}) or {})
        limit_names = {f.name for f in dataclasses.fields(Limits)}
        bad_limits = sorted(set(limits_data) - limit_names)
        if bad_limits:
            raise BadInputError(
                f"Unknown limit(s) {', '.join(bad_limits)}; valid limits are "
                f"{', '.join(sorted(limit_names))}."
            )
        if "output_dir" in data:
            data["output_dir"] = Path(data["output_dir"])
        return cls(limits=Limits(**limits_data), **data)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Settings:
        """Reads settings from a YAML file (see ``from_dict`` for its keys)."""
        import yaml

        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
        if not isinstance(data, dict):
            raise BadInputError(f"The settings file {path} must hold a mapping of settings.")
        return cls.from_dict(data)


def _scalar(raw: str) -> Any:
    """A command-line value as YAML reads it ("true" -> True, "3" -> 3), else the text."""
    import yaml

    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw
    return raw if value is None else value


def _check_setting_names(data: dict[str, Any]) -> None:
    """Raises BadInputError naming the keys of ``data`` that are not Settings fields."""
    known = {f.name for f in dataclasses.fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise BadInputError(
            f"Unknown setting(s) {', '.join(unknown)}; valid settings are "
            f"{', '.join(sorted(known))}."
        )
