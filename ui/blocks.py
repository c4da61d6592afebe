"""The whole web app: the header, the photo column, three tabs and the language switch.

``build_demo(pipeline)`` lays the parts out and wires them; each part is a class of its own
(``PhotoColumn``, ``SingleTab``, ``GroupTab``, ``ChatTab``, ``BackendPanel``) with a
``relabel(code)`` that gives its strings in another language, so switching between English and
简体中文 updates every visible string at once. ``launch_options`` holds what Gradio 6 takes at
launch: theme, CSS, the upload limit and the request guard.
"""

from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from pipelines import Limits, TalkingPhotoPipeline
from ui import accessibility, resets
from ui.backends_panel import PipelinePool
from ui.chat_handlers import ChatHandlers, ChatRooms
from ui.chat_tab import ChatTab
from ui.consent import keep_in_step
from ui.faces_overview import FacesOverview
from ui.folders import RequestFolders, keep_seconds_from_env, queue_size_from_env
from ui.group_handlers import GroupHandlers
from ui.group_tab import GroupTab
from ui.http_guard import RequestGuard, quiet_preprocessing
from ui.photo_column import FacesHandlers, PhotoColumn
from ui.render_jobs import RenderJobs
from ui.single_handlers import SingleHandlers
from ui.single_tab import SingleTab, TalkEndpoint
from ui.strings import CSS, LANGUAGES, tr

logger = logging.getLogger(__name__)

#: Switches the language of Gradio's own words (Record, Clear, Settings, the footer) with the
#: interface's: Gradio's settings panel does it with ``changeLocale`` of its core module, which
#: the page has already loaded (a fresh import of the same address gives the same module).
#: Gradio 6 titles each toast with its kind in English ("Error", "Warning") whatever title the
#: server sent, so the toasts' titles are put in the interface's words as they appear.
#: Without that module only Gradio's words stay in the browser's language.
GRADIO_LOCALE_JS = """
async (code) => {
  const titles = __TITLES__;
  window.talkingPhotoTitles = titles[code] || titles.en;
  const retitle = (root) => root.querySelectorAll?.(".toast-title").forEach((title) => {
    const kind = [...title.classList].find((name) => name in window.talkingPhotoTitles);
    const text = [...title.childNodes].find((node) => node.nodeType === Node.TEXT_NODE);
    if (kind && text) text.data = window.talkingPhotoTitles[kind] + " ";
  });
  if (!window.talkingPhotoToasts) {
    window.talkingPhotoToasts = new MutationObserver(() => retitle(document));
    window.talkingPhotoToasts.observe(document.body, { childList: true, subtree: true });
  }
  retitle(document);
  const core = performance.getEntriesByType("resource").map((entry) => entry.name)
    .find((name) => /\\/assets\\/core-[\\w-]+\\.js$/.test(name));
  if (core) {
    const module = await import(core);
    if (typeof module.changeLocale === "function") {
      module.changeLocale(code === "zh" ? "zh-CN" : "en");
    }
  }
  return code;
}
""".replace(
    "__TITLES__",
    json.dumps(
        {
            code: {
                "error": tr(code, "error_title"),
                "warning": tr(code, "warning_title"),
                "info": tr(code, "warning_title"),
            }
            for code in LANGUAGES
        },
        ensure_ascii=False,
    ),
)


def _wire_across_tabs(
    column: PhotoColumn,
    faces_handlers: FacesHandlers,
    single_tab: SingleTab,
    group_tab: GroupTab,
    chat_tab: ChatTab,
) -> None:
    """What the tabs share: the faces overview's highlight, one consent, a new photo's reset."""
    for tab in (single_tab.tab, chat_tab.tab):  # they highlight the speaker, Group its people
        tab.select(
            faces_handlers.show_choice,
            [column.faces_state, column.speaker],
            [column.faces_image],
            queue=False,
            api_visibility="private",
        )
    keep_in_step([single_tab.consent, group_tab.consent, chat_tab.consent], column.photo)
    # A new photo: the results and the script of the old one leave the screen.
    stale = [*single_tab.results, *group_tab.results, (group_tab.table, "table")]
    resets.clear_on(column.photo.change, stale)


def build_demo(
    pipeline: TalkingPhotoPipeline,
    keep_seconds: float | None = None,
    queue_size: int | None = None,
) -> gr.Blocks:
    """Builds the web app around a pipeline.

    Args:
        pipeline: The pipeline of the configured backends; its ``settings.output_dir`` holds
            one folder per request. A visitor who chooses other backends (Advanced) gets a
            pipeline of their own choice, created once and shared.
        keep_seconds: How long outputs and uploads are kept; None reads
            TALKING_PHOTO_KEEP_MINUTES (default 60 minutes).
        queue_size: How many requests may wait for a render; one more is refused at once with
            Gradio's "queue is full" message (a clear "busy" answer, not a long wait). None
            reads TALKING_PHOTO_QUEUE_SIZE (default 20).

    Returns:
        The Blocks app, queued (renders one at a time), not launched.
    """
    keep = keep_seconds_from_env() if keep_seconds is None else float(keep_seconds)
    folders = RequestFolders(Path(pipeline.settings.output_dir), keep)
    folders.start()
    pool = PipelinePool(pipeline)
    jobs = RenderJobs(folders)
    single_handlers = SingleHandlers.from_env(pool, jobs)
    chat_handlers = ChatHandlers(pool, folders, ChatRooms(idle_seconds=keep))
    sweep = max(1, int(folders.sweep_every))

    with gr.Blocks(
        title=tr("en", "page_title"),
        delete_cache=(sweep, max(1, int(keep))),
        analytics_enabled=False,  # Gradio's analytics and version check call api.gradio.app
    ) as demo:
        lang = gr.State("en")
        with gr.Row(elem_id="header", equal_height=True):
            with gr.Column(scale=4, min_width=320):
                header = gr.Markdown(tr("en", "header"))
            with gr.Column(scale=1, min_width=240):
                language = gr.Radio(
                    [(LANGUAGES[code]["name"], code) for code in LANGUAGES],
                    value="en",
                    label=tr("en", "language"),
                    elem_id="language",
                )
        with gr.Row(equal_height=False):
            with gr.Column(scale=1):
                column = PhotoColumn(pool, keep)
            with gr.Column(scale=1), gr.Tabs(elem_id="modes"):
                single_tab = SingleTab()
                group_tab = GroupTab()
                chat_tab = ChatTab()
        footer = gr.Markdown(tr("en", "footer"), elem_id="footer")
        talk = TalkEndpoint()

        shared = column.shared(lang)
        faces_handlers = FacesHandlers(pool, folders)
        column.wire(faces_handlers, lang)
        single_tab.wire(single_handlers, shared)
        talk.wire(single_handlers, shared)
        group_handlers = GroupHandlers(pool, jobs)
        group_tab.wire(group_handlers, shared, single_handlers.cancel)
        group_tab.wire_participants(group_handlers, shared)
        chat_tab.wire(chat_handlers, shared)
        _wire_across_tabs(column, faces_handlers, single_tab, group_tab, chat_tab)

        def localized(code: str) -> list[tuple[Any, dict[str, Any]]]:
            """(component, new properties) of every translated component but the speaker."""
            own = [
                (header, {"value": tr(code, "header")}),
                (language, {"label": tr(code, "language")}),
                (footer, {"value": tr(code, "footer")}),
            ]
            parts = (column, single_tab, group_tab, chat_tab)
            return own + [pair for part in parts for pair in part.relabel(code)]

        def switch_language(code: str, overview: FacesOverview | None, chosen: Any) -> list[Any]:
            code = code if code in LANGUAGES else "en"
            updates = [gr.update(**props) for _, props in localized(code)]
            speakers = {"label": tr(code, "speaker"), "info": tr(code, "speaker_info")}
            if overview is not None:
                speakers |= {"choices": overview.speaker_choices(code), "value": chosen}
            return [*updates, gr.update(**speakers), code]

        language.change(
            switch_language,
            [language, column.faces_state, column.speaker],
            [component for component, _ in localized("en")] + [column.speaker, lang],
            queue=False,
            api_name="language",
            # Callable by clients (not listed): a client that switches to "zh" gets its
            # refusals and notes in Chinese, as the page does.
            api_visibility="undocumented",
        ).then(**chat_tab.refresh_status(chat_handlers, shared)).then(
            group_handlers.relabel_participants,
            [column.faces_state, group_tab.participants, lang],
            [group_tab.participants],
            queue=False,
            api_visibility="private",
        )
        # Gradio's own words (Record, Clear, Settings...) follow the interface language too.
        language.change(None, [language], None, js=GRADIO_LOCALE_JS, queue=False)
    # api_open=False: no direct POST to /gradio_api/run/<name> may skip the queue (and with it
    # the one-render-at-a-time limit); Gradio opens that door by default outside Spaces.
    demo.queue(
        default_concurrency_limit=1,
        max_size=queue_size or queue_size_from_env(),
        api_open=False,
    )
    quiet_preprocessing(demo)
    return demo


def launch_options(output_dir: Path, limits: Limits | None = None) -> dict[str, Any]:
    """Theme, CSS, paths and the door's checks for ``demo.launch``.

    Args:
        output_dir: The pipeline's output folder. Gradio copies each result into its own
            cache and serves only the copy; it may read results from the working folder and the
            temporary folder, so ``allowed_paths`` names the output folder only when it lies
            elsewhere (a folder in ``allowed_paths`` could be served directly).
        limits: The pipeline's limits: an upload over ``max_upload_bytes`` is refused by
            Gradio itself (HTTP 413) and never stored. None: the default limits.
    """
    folder = Path(output_dir).resolve()
    readable = (Path.cwd().resolve(), Path(tempfile.gettempdir()).resolve())
    return {
        "theme": accessibility.theme(),
        "css": CSS + accessibility.CSS + accessibility.POLISH_CSS,
        "head": accessibility.HEAD,
        "allowed_paths": [] if any(folder.is_relative_to(r) for r in readable) else [str(folder)],
        "max_file_size": (limits or Limits()).max_upload_bytes,
        "app_kwargs": {"middleware": [Middleware(RequestGuard)]},
        # Gradio's footer without its run-history link (the app keeps no runs in the browser,
        # and Gradio has no Chinese word for it).
        "footer_links": ["api", "gradio", "settings"],
    }
