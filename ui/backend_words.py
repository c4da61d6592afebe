"""What the Advanced panel says about each backend, in the visitor's words.

A visitor chooses how a step is done, not a Python package: each backend has a plain name and
what it changes for the video ("Better writer — better lines, and every Chinese line; about 5
times slower", in ``assets/ui_text.yaml`` as ``choice_<name>`` and ``choice_<name>_does``).
Only the choices that can run here are offered; the others are listed, folded, under "Why are
some choices missing?", each with one plain reason and, for whoever runs the app, the command
that installs or fetches what it needs. No server path, module name, Python syntax or error
text of the readiness check reaches the page: those go to the server log and the README.
"""

from __future__ import annotations

import html
import logging
from typing import Literal

from pipelines.registry import BackendSpec, missing_modules, specs
from ui.strings import LANGUAGES, tr

logger = logging.getLogger(__name__)

#: Backends that run a model file or voice file named in the settings of whoever runs the app.
OWN_FILE_BACKENDS = frozenset({"gguf", "piper-path"})
#: Backends that talk to a model server.
SERVER_BACKENDS = frozenset({"openai"})

WhyNot = Literal["software", "files", "own_file", "server"]


def choice_label(lang: str, name: str) -> str:
    """A choice as the dropdown shows it: its plain name, a dash, what it changes.

    A backend added by a plug-in (no words in ``ui_text.yaml``) shows its registry name.
    """
    table = LANGUAGES.get(lang, LANGUAGES["en"])
    title = table.get(f"choice_{name}", name)
    does = table.get(f"choice_{name}_does") or tr(lang, "choice_other_does")
    return f"{title} — {does}"


def plain_name(lang: str, name: str) -> str:
    """A backend's plain name ("Better writer"), or its registry name when it has none."""
    return LANGUAGES.get(lang, LANGUAGES["en"]).get(f"choice_{name}", name)


def spec_of(stage: str, name: str) -> BackendSpec:
    """The registry entry of a backend."""
    return next(spec for spec in specs(stage) if spec.name == name)


def why_not(spec: BackendSpec) -> WhyNot:
    """What keeps a backend from running here, as one of four plain kinds."""
    if missing_modules(spec):
        return "software"
    if spec.name in SERVER_BACKENDS:
        return "server"
    if spec.name in OWN_FILE_BACKENDS:
        return "own_file"
    return "files"


def admin_hint(spec: BackendSpec, kind: WhyNot) -> str:
    """What whoever runs the app does about it: a command, or where the README explains it."""
    if kind == "software":
        return spec.install_hint
    if kind == "files":
        return f"talking-photo fetch-models --backend {spec.name}"
    return ""


def why_not_html(lang: str, unavailable: list[tuple[str, str]]) -> str:
    """The folded "Why are some choices missing?" detail, as HTML for a gr.HTML.

    Args:
        lang: Interface language code.
        unavailable: (stage, backend name) of each backend that cannot run here.

    Returns:
        A ``<details>`` element: per backend its step, plain name, plain reason and the
        command for whoever runs the app (or a pointer to the README); "" when all can run.
    """
    if not unavailable:
        return ""
    items = []
    for stage, name in unavailable:
        spec = spec_of(stage, name)
        kind = why_not(spec)
        hint = admin_hint(spec, kind)
        admin = (
            f"<code>{html.escape(hint)}</code>"
            if hint
            else html.escape(tr(lang, "backends_see_readme"))
        )
        items.append(
            "<li>"
            f"<strong>{html.escape(tr(lang, f'backend_stage_{stage}'))} · "
            f"{html.escape(plain_name(lang, name))}</strong>{tr(lang, 'backends_colon')}"
            f"{html.escape(tr(lang, f'backends_why_{kind}'))}"
            f"<br><small>{html.escape(tr(lang, 'backends_for_admin'))} {admin}</small>"
            "</li>"
        )
    return (
        f'<details id="backends-why-not"><summary>{html.escape(tr(lang, "backends_why_not"))}'
        f"</summary><ul>{''.join(items)}</ul></details>"
    )
