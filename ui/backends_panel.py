"""Choosing a backend per stage in the web app: what can run here, and one pipeline per choice.

The "Advanced" panel offers, per stage, the registered backends (``pipelines.registry``) that
can run here, each by a plain name and what it changes for the video (``ui.backend_words``);
the others are listed under a folded "Why are some choices missing?" with a plain reason, and
their technical reason goes to the server log. A choice that cannot run here (through the API)
falls back to the stage's offline default (the visitor is told). Each distinct choice gets its
own pipeline, created on first use and kept, so a model is loaded once per choice, never per
request; the number of pipelines is capped, and a choice beyond the cap is served by the
configured pipeline.

A backend that answers "ready?" by contacting a server (REMOTE_BACKENDS: ``openai``) is asked
only when whoever runs the app configured it (its options in ``Settings.backend_options``, or
it is the configured backend): neither building the panel nor a visitor's choice opens a
connection.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import gradio as gr

from pipelines import TalkingPhotoPipeline
from pipelines.registry import RENDER_STAGES as STAGES
from pipelines.registry import availability, default_name, specs
from ui.backend_words import choice_label, plain_name, why_not_html
from ui.strings import tr

logger = logging.getLogger(__name__)

#: A backend per stage: stage name -> backend name.
BackendChoice = dict[str, str]

#: Most pipelines kept at once (the configured one included); each holds its own models.
MAX_PIPELINES = 4
#: Backends whose readiness check contacts a server.
REMOTE_BACKENDS = frozenset({"openai"})
#: Why an unconfigured remote backend is not ready (it was not contacted).
NOT_CONFIGURED = "needs a model server set up by whoever runs this app (none is configured)"


@dataclass(frozen=True)
class BackendStatus:
    """Whether one registered backend can run here.

    Attributes:
        stage: The stage it serves.
        name: Its registry name.
        ready: Its packages are installed and its weights are on disk (or its server answers).
        reason: "ready", or what is missing (in English, from the backend itself).
    """

    stage: str
    name: str
    ready: bool
    reason: str


def backend_status(
    settings_options: Mapping[str, Any], stage: str, name: str, configured: str = ""
) -> BackendStatus:
    """Checks one backend now (packages, weights on disk; nothing is downloaded).

    Args:
        settings_options: ``Settings.backend_options`` (constructor options by backend name).
        stage: One of ``pipelines.registry.RENDER_STAGES``.
        name: A registered backend of that stage.
        configured: The stage's configured backend. A REMOTE_BACKENDS backend is contacted
            only when it is this one or has options in ``settings_options``.
    """
    if name in REMOTE_BACKENDS and name != configured and name not in settings_options:
        return BackendStatus(stage, name, False, NOT_CONFIGURED)
    spec = next(s for s in specs(stage) if s.name == name)
    ready, reason = availability(spec, dict(settings_options.get(name, {})))
    return BackendStatus(stage, name, ready, reason)


def all_statuses(
    settings_options: Mapping[str, Any], configured: Mapping[str, str] | None = None
) -> dict[str, tuple[BackendStatus, ...]]:
    """Every registered backend of every stage, checked now, the offline default first.

    Args:
        settings_options: ``Settings.backend_options``.
        configured: The configured backend per stage (see ``backend_status``).
    """
    return {
        stage: tuple(
            backend_status(settings_options, stage, s.name, (configured or {}).get(stage, ""))
            for s in specs(stage)
        )
        for stage in STAGES
    }


def configured_choice(pipeline: TalkingPhotoPipeline) -> BackendChoice:
    """The backends the pipeline's settings name, per stage."""
    return {stage: pipeline.settings.backend_name(stage) for stage in STAGES}


class PipelinePool:
    """One pipeline per distinct backend choice, created on first use and kept.

    Args:
        base: The configured pipeline; it serves its own choice, and every choice once
            ``max_pipelines`` pipelines exist.
        max_pipelines: Most pipelines kept, ``base`` included.
    """

    def __init__(self, base: TalkingPhotoPipeline, max_pipelines: int = MAX_PIPELINES) -> None:
        self.base = base
        self.max_pipelines = max(1, int(max_pipelines))
        self._pipelines: dict[tuple[str, ...], TalkingPhotoPipeline] = {
            self._key(configured_choice(base)): base
        }
        self._lock = threading.Lock()

    @staticmethod
    def _key(choice: Mapping[str, str]) -> tuple[str, ...]:
        return tuple(choice[stage] for stage in STAGES)

    def resolve(
        self, wanted: Mapping[str, Any] | None
    ) -> tuple[BackendChoice, list[BackendStatus]]:
        """The choice that will run: each wanted backend if it can run here, else the default.

        Args:
            wanted: Backend name per stage; missing stages, empty or unknown names keep the
                configured backend.

        Returns:
            (the choice, the statuses of the wanted backends that cannot run and were
            replaced by their stage's offline default).
        """
        choice = configured_choice(self.base)
        replaced: list[BackendStatus] = []
        for stage in STAGES:
            name = str((wanted or {}).get(stage) or "")
            if not name or name == choice[stage]:
                continue
            if name not in {s.name for s in specs(stage)}:
                logger.warning("ignoring an unknown %s backend", stage)  # the name is user text
                continue
            options = self.base.settings.backend_options
            status = backend_status(options, stage, name, choice[stage])
            if status.ready:
                choice[stage] = name
            else:
                choice[stage] = default_name(stage)
                replaced.append(status)
        return choice, replaced

    def get(self, wanted: Mapping[str, Any] | None) -> tuple[TalkingPhotoPipeline, bool]:
        """The pipeline for a backend choice (see ``resolve``).

        Returns:
            (the pipeline, False when the choice needed a new pipeline but ``max_pipelines``
            exist already, so the configured pipeline serves it instead).
        """
        choice, _ = self.resolve(wanted)
        key = self._key(choice)
        with self._lock:
            pipeline = self._pipelines.get(key)
            if pipeline is not None:
                return pipeline, True
            if len(self._pipelines) >= self.max_pipelines:
                logger.warning(
                    "%d pipelines exist; serving %s with the configured one",
                    len(self._pipelines),
                    key,
                )
                return self.base, False
            changes = {f"{stage}_backend": name for stage, name in choice.items()}
            pipeline = TalkingPhotoPipeline(dataclasses.replace(self.base.settings, **changes))
            self._pipelines[key] = pipeline
            logger.info("created a pipeline for the backends %s", ", ".join(key))
            return pipeline, True

    def __len__(self) -> int:
        """Number of pipelines kept."""
        with self._lock:
            return len(self._pipelines)


# --------------------------------------------------------------------- the Advanced panel
def backend_choices(
    lang: str, statuses: tuple[BackendStatus, ...], configured: str = ""
) -> list[tuple[str, str]]:
    """Dropdown choices of one stage: (plain name — what it changes, backend name).

    Only the backends that can run here are offered (and the configured one, whatever it is).
    """
    return [
        (choice_label(lang, s.name), s.name) for s in statuses if s.ready or s.name == configured
    ]


def backend_notes(lang: str, statuses: Mapping[str, tuple[BackendStatus, ...]]) -> str:
    """HTML under the dropdowns: the folded "why not" of the backends that cannot run here."""
    return why_not_html(
        lang, [(s.stage, s.name) for stage in STAGES for s in statuses[stage] if not s.ready]
    )


class BackendPanel:
    """The Advanced panel: one dropdown per stage, the reasons, and the chosen backends.

    Build it inside a Blocks context; ``choice`` is the per-visitor state that every render,
    conversation and chat passes to ``PipelinePool.get``.

    Args:
        pool: Resolves choices and holds the pipelines.
    """

    def __init__(self, pool: PipelinePool) -> None:
        self.pool = pool
        configured = configured_choice(pool.base)
        self.configured = configured
        self.statuses = all_statuses(pool.base.settings.backend_options, configured)
        for stage in STAGES:  # the technical reasons are for the server log, not the page
            for status in self.statuses[stage]:
                if not status.ready:
                    logger.info(
                        "%s backend %s cannot run here: %s", stage, status.name, status.reason
                    )
        with gr.Accordion(tr("en", "backends"), open=False, elem_id="backends") as self.accordion:
            self.intro = gr.Markdown(tr("en", "backends_intro"))
            self.dropdowns = {
                stage: gr.Dropdown(
                    backend_choices("en", self.statuses[stage], configured[stage]),
                    value=configured[stage],
                    label=tr("en", f"backend_stage_{stage}"),
                    interactive=True,
                    elem_id=f"backend-{stage}",
                )
                for stage in STAGES
            }
            self.notes = gr.HTML(backend_notes("en", self.statuses), elem_id="backends-notes")
        self.choice = gr.State(configured)

    def wire(self, lang: gr.State) -> None:
        """Connects the dropdowns: a change resolves the choice (api_name "backends")."""
        dropdowns = [self.dropdowns[stage] for stage in STAGES]
        for dropdown in dropdowns:
            dropdown.input(
                self.choose,
                [*dropdowns, lang],
                [*dropdowns, self.choice],
                # Raw values: the API may name a backend the page does not offer.
                preprocess=False,
                api_name="backends" if dropdown is dropdowns[0] else None,
                api_visibility="public" if dropdown is dropdowns[0] else "private",
                api_description=(
                    "Chooses the backend of each stage for this client's later calls "
                    "(gradio_client keeps it per session). A backend that cannot run here is "
                    "replaced by the stage's offline default; returns the backends used."
                ),
                queue=False,
            )

    def choose(
        self,
        faces: str | None,
        scene: str | None,
        dialogue: str | None,
        speech: str | None,
        animator: str | None,
        lang: str = "en",
    ) -> list[Any]:
        """Resolves the dropdowns into the choice; warns about each backend that fell back."""
        wanted = dict(zip(STAGES, (faces, scene, dialogue, speech, animator), strict=True))
        choice, replaced = self.pool.resolve(wanted)
        for status in replaced:
            gr.Warning(
                tr(
                    lang,
                    "warning_backend_fallback",
                    stage=tr(lang, f"backend_stage_{status.stage}"),
                    name=plain_name(lang, status.name),
                    default=plain_name(lang, choice[status.stage]),
                ),
                title=tr(lang, "warning_title"),
            )
        return [*(choice[stage] for stage in STAGES), choice]

    def relabel(self, lang: str) -> list[tuple[Any, dict[str, Any]]]:
        """(component, update) pairs that put the panel in a language."""
        pairs: list[tuple[Any, dict[str, Any]]] = [
            (self.accordion, {"label": tr(lang, "backends")}),
            (self.intro, {"value": tr(lang, "backends_intro")}),
            (self.notes, {"value": backend_notes(lang, self.statuses)}),
        ]
        pairs += [
            (
                self.dropdowns[stage],
                {
                    "label": tr(lang, f"backend_stage_{stage}"),
                    "choices": backend_choices(lang, self.statuses[stage], self.configured[stage]),
                },
            )
            for stage in STAGES
        ]
        return pairs
