"""Talking Photo web app: a Gradio Blocks UI over the pipeline (no pipeline logic here).

Run ``python app.py`` and open http://127.0.0.1:7860. ``from app import demo`` gives the app;
``build_demo(pipeline)`` builds one around any pipeline (the tests give theirs a temporary
output folder). Pipeline errors become friendly ``gr.Error`` messages, pipeline progress drives
``gr.Progress`` (see ``app_handlers.py``); strings, the faces overview and the per-request
output folders are in ``app_support.py``; the strings themselves in ``assets/ui_text.yaml``.

The photo, the faces and the consent box sit on the left; beside them three tabs: one person
speaks (laid out here), the Group tab (``app_group.py``, ``app_group_handlers.py``) and the
Chat tab (``app_chat.py``, ``app_chat_handlers.py``). The Advanced panel chooses a backend per
stage (``app_backends.py``). A chat's memory lasts until it is cleared, closed (another face or
photo) or idle for TALKING_PHOTO_KEEP_MINUTES.

What a public app needs (``docs/security.md``): Gradio's analytics are off and the app opens no
network connection; uploads over the upload limit are refused at the door (``max_file_size``),
and so are oversized or foreign request bodies (``app_http_guard.py``); every parameter is
checked once, at the edge (``app_inputs.py``); a cancelled or abandoned request stops its
render (``app_cancel.py``); results are served under names that carry 128 random bits, and a
chat answers only the Gradio session that started it.

Environment:
    TALKING_PHOTO_OUTPUTS: Folder that holds one output folder per request (default ./outputs).
    TALKING_PHOTO_KEEP_MINUTES: Minutes outputs and uploads are kept before deletion (default 60).
    TALKING_PHOTO_QUEUE_SIZE: Requests that may wait for a render before "busy" (default 20).
    GRADIO_SERVER_NAME, GRADIO_SERVER_PORT: Where ``python app.py`` listens.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from app_backends import BackendPanel, PipelinePool
from app_chat import ChatTab
from app_chat_handlers import ChatHandlers, ChatRooms
from app_group import GroupTab
from app_group_handlers import GroupHandlers
from app_handlers import Handlers, RenderJobs
from app_http_guard import RequestGuard, quiet_preprocessing
from app_support import (
    CSS,
    LANGUAGES,
    FacesOverview,
    RequestFolders,
    SharedInputs,
    example_photos,
    keep_seconds_from_env,
    mood_choices,
    queue_size_from_env,
    tr,
)
from pipelines import MOODS, Limits, Settings, TalkingPhotoPipeline

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent
OUTPUT_DIR = Path(os.environ.get("TALKING_PHOTO_OUTPUTS", ROOT / "outputs")).resolve()


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
    handlers = Handlers(pool, jobs)
    group_handlers = GroupHandlers(pool, jobs)
    chat_handlers = ChatHandlers(pool, folders, ChatRooms(idle_seconds=keep))
    sweep = max(1, int(folders.sweep_every))

    def text(key: str) -> str:
        return tr("en", key)

    with gr.Blocks(
        title=text("page_title"),
        delete_cache=(sweep, max(1, int(keep))),
        analytics_enabled=False,  # Gradio's analytics and version check call api.gradio.app
    ) as demo:
        lang = gr.State("en")
        # The faces overview (a photo of at most 960 px plus boxes), freed after `keep` seconds.
        faces_state = gr.State(None, time_to_live=keep)
        voice_mode = gr.State(None)
        with gr.Row(elem_id="header", equal_height=True):
            with gr.Column(scale=4, min_width=320):
                header = gr.Markdown(text("header"))
            with gr.Column(scale=1, min_width=240):
                language = gr.Radio(
                    [(LANGUAGES[code]["name"], code) for code in LANGUAGES],
                    value="en",
                    label=text("language"),
                    elem_id="language",
                )
        with gr.Row(equal_height=False):
            with gr.Column(scale=1):
                step_photo = gr.Markdown(text("step_photo"), elem_classes="step")
                photo = gr.Image(
                    label=text("photo"),
                    type="filepath",
                    image_mode=None,
                    sources=["upload", "clipboard", "webcam"],
                    height=300,
                )
                examples = gr.Examples(
                    [[str(path)] for path in example_photos()],
                    inputs=[photo],
                    label=text("examples"),
                    examples_per_page=10,
                    elem_id="examples",
                )
                step_faces = gr.Markdown(text("step_faces"), elem_classes="step")
                faces_image = gr.Image(
                    label=text("faces"),
                    interactive=False,
                    height=300,
                    buttons=["fullscreen"],
                    elem_id="faces",
                )
                speaker = gr.Dropdown(
                    choices=[],
                    value=None,
                    label=text("speaker"),
                    info=text("speaker_info"),
                    interactive=True,
                    elem_id="speaker",
                )
                consent = gr.Checkbox(label=text("consent"), elem_id="consent")
                backend_panel = BackendPanel(pool)
            with gr.Column(scale=1), gr.Tabs(elem_id="modes"):
                with gr.Tab(text("tab_single"), id="single", elem_id="tab-single") as tab_single:
                    step_words = gr.Markdown(text("step_words"), elem_classes="step")
                    with gr.Row():
                        mood = gr.Dropdown(mood_choices("en"), value=MOODS[0], label=text("mood"))
                        rate = gr.Slider(0.6, 1.6, value=1.0, step=0.05, label=text("rate"))
                        pitch = gr.Slider(-6, 6, value=0, step=1, label=text("pitch"))
                    with gr.Tabs():
                        with gr.Tab(text("tab_text")) as tab_text:
                            line = gr.Textbox(
                                label=text("text"),
                                placeholder=text("text_placeholder"),
                                lines=3,
                                elem_id="line",
                            )
                            suggest = gr.Button(text("suggest"), size="sm")
                        with gr.Tab(text("tab_voice")) as tab_voice:
                            audio = gr.Audio(
                                label=text("audio"),
                                sources=["upload", "microphone"],
                                type="filepath",
                            )
                    with gr.Accordion(text("more"), open=False) as more, gr.Row():
                        still = gr.Checkbox(label=text("still"))
                        captions = gr.Checkbox(label=text("captions"), elem_id="captions")
                        seed = gr.Number(value=0, precision=0, label=text("seed"))
                    with gr.Row():
                        generate = gr.Button(
                            text("generate"), variant="primary", scale=3, elem_id="generate"
                        )
                        cancel = gr.Button(
                            text("cancel"), variant="stop", scale=1, elem_id="cancel"
                        )
                    step_result = gr.Markdown(text("step_result"), elem_classes="step")
                    video = gr.Video(
                        label=text("video"), interactive=False, height=300, elem_id="video"
                    )
                    transcript = gr.Textbox(
                        label=text("transcript"), interactive=False, lines=2, elem_id="transcript"
                    )
                    summary = gr.Markdown(label="summary", show_label=False, elem_id="summary")
                    downloads = gr.File(
                        label=text("downloads"),
                        file_count="multiple",
                        interactive=False,
                        visible=False,
                        elem_id="downloads",
                    )
                group_tab = GroupTab()
                chat_tab = ChatTab()
        footer = gr.Markdown(text("footer"), elem_id="footer")
        with gr.Group(visible=False):  # inputs/outputs of the API-only "talk" endpoint
            talk_photo = gr.File(label="photo")
            talk_text = gr.Textbox(label="text")
            talk_face = gr.Number(label="face_index", precision=0, value=None)
            talk_mood = gr.Textbox(label="mood", value=MOODS[0])
            talk_video = gr.File(label="video")
            talk_button = gr.Button("talk")

        # ---- events
        faces_outputs = [faces_image, speaker, faces_state]
        photo.change(
            handlers.clear_faces,
            None,
            faces_outputs,
            queue=False,
            api_name="clear_faces",
            api_visibility="private",
        ).then(
            handlers.find_faces,
            [photo, lang, backend_panel.choice],
            faces_outputs,
            api_name="faces",
            preprocess=False,
            concurrency_limit=4,
            concurrency_id="faces",
        )
        faces_image.select(
            handlers.pick_face,
            [faces_state],
            [speaker, faces_image],
            api_name="pick",
            api_visibility="private",
        )
        speaker.input(
            handlers.show_choice,
            [faces_state, speaker],
            [faces_image],
            api_name="show_choice",
            api_visibility="private",
        )
        suggest.click(
            handlers.suggest_line,
            [photo, speaker, mood, seed, lang, backend_panel.choice],
            [line],
            api_name="suggest",
            preprocess=False,
            concurrency_limit=2,
            concurrency_id="suggest",
        )
        tab_text.select(
            handlers.text_tab, None, [voice_mode], api_name="text_tab", api_visibility="private"
        )
        tab_voice.select(
            handlers.voice_tab, None, [voice_mode], api_name="voice_tab", api_visibility="private"
        )
        generate_event = generate.click(
            handlers.render,
            [
                photo,
                speaker,
                line,
                audio,
                mood,
                rate,
                pitch,
                still,
                seed,
                consent,
                voice_mode,
                lang,
                backend_panel.choice,
                captions,  # last, so API calls written before it still work
            ],
            [video, downloads, transcript, summary],
            api_name="render",
            preprocess=False,
            concurrency_limit=1,
            concurrency_id="render",
        )
        generate_event.success(
            handlers.show_downloads,
            None,
            [downloads],
            queue=False,
            api_name="show_downloads",
            api_visibility="private",
        )
        cancel.click(
            handlers.cancel,
            None,
            None,
            cancels=[generate_event],
            queue=False,
            api_name="cancel",
            api_visibility="private",
        )
        talk_button.click(
            handlers.talk,
            [talk_photo, talk_text, talk_face, talk_mood, backend_panel.choice],
            [talk_video],
            api_name="talk",
            api_description=(
                "Photo in, talking MP4 out. Calling it confirms you have the right to animate "
                "the photo. text: the line (empty: the app writes one); face_index: which face "
                "speaks, 0 = leftmost (None: the largest); mood: one of " + ", ".join(MOODS) + "."
            ),
            preprocess=False,
            concurrency_limit=1,
            concurrency_id="render",
        )
        shared = SharedInputs(photo, speaker, faces_state, consent, lang, backend_panel.choice)
        group_tab.wire(group_handlers, shared, handlers.cancel)
        chat_tab.wire(chat_handlers, shared)
        backend_panel.wire(lang)

        # ---- language: every visible string comes from assets/ui_text.yaml
        keyed: list[tuple[Any, dict[str, str]]] = [
            (header, {"value": "header"}),
            (language, {"label": "language"}),
            (step_photo, {"value": "step_photo"}),
            (photo, {"label": "photo"}),
            (examples.dataset, {"label": "examples"}),
            (step_faces, {"value": "step_faces"}),
            (faces_image, {"label": "faces"}),
            (tab_single, {"label": "tab_single"}),
            (step_words, {"value": "step_words"}),
            (rate, {"label": "rate"}),
            (pitch, {"label": "pitch"}),
            (tab_text, {"label": "tab_text"}),
            (tab_voice, {"label": "tab_voice"}),
            (line, {"label": "text", "placeholder": "text_placeholder"}),
            (suggest, {"value": "suggest"}),
            (audio, {"label": "audio"}),
            (more, {"label": "more"}),
            (still, {"label": "still"}),
            (captions, {"label": "captions"}),
            (seed, {"label": "seed"}),
            (consent, {"label": "consent"}),
            (generate, {"value": "generate"}),
            (cancel, {"value": "cancel"}),
            (step_result, {"value": "step_result"}),
            (video, {"label": "video"}),
            (transcript, {"label": "transcript"}),
            (downloads, {"label": "downloads"}),
            (footer, {"value": "footer"}),
        ]

        def localized(code: str) -> list[tuple[Any, dict[str, Any]]]:
            """(component, new properties) of every translated component but the speaker."""
            pairs = [
                (component, {prop: tr(code, key) for prop, key in props.items()})
                for component, props in keyed
            ]
            pairs.append((mood, {"label": tr(code, "mood"), "choices": mood_choices(code)}))
            return (
                pairs
                + group_tab.relabel(code)
                + chat_tab.relabel(code)
                + backend_panel.relabel(code)
            )

        def switch_language(code: str, overview: FacesOverview | None, chosen: Any) -> list[Any]:
            code = code if code in LANGUAGES else "en"
            updates = [gr.update(**props) for _, props in localized(code)]
            speakers = {"label": tr(code, "speaker"), "info": tr(code, "speaker_info")}
            if overview is not None:
                speakers |= {"choices": overview.speaker_choices(code), "value": chosen}
            return [*updates, gr.update(**speakers), code]

        language.change(
            switch_language,
            [language, faces_state, speaker],
            [component for component, _ in localized("en")] + [speaker, lang],
            queue=False,
            api_name="language",
            api_visibility="private",
        ).then(**chat_tab.refresh_status(chat_handlers, shared))
    # api_open=False: no direct POST to /gradio_api/run/<name> may skip the queue (and with it
    # the one-render-at-a-time limit); Gradio opens that door by default outside Spaces.
    demo.queue(
        default_concurrency_limit=1,
        max_size=queue_size or queue_size_from_env(),
        api_open=False,
    )
    quiet_preprocessing(demo)
    return demo


def launch_options(output_dir: Path = OUTPUT_DIR, limits: Limits | None = None) -> dict[str, Any]:
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
        "theme": gr.themes.Soft(primary_hue="indigo", secondary_hue="pink"),
        "css": CSS,
        "allowed_paths": [] if any(folder.is_relative_to(r) for r in readable) else [str(folder)],
        "max_file_size": (limits or Limits()).max_upload_bytes,
        "app_kwargs": {"middleware": [Middleware(RequestGuard)]},
    }


PIPELINE = TalkingPhotoPipeline(Settings(output_dir=OUTPUT_DIR))
demo = build_demo(PIPELINE)


if __name__ == "__main__":
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per HTTP request otherwise
    # Load every model in the background so the first visitor does not wait for it.
    threading.Thread(target=PIPELINE.warm_up, name="warm-up", daemon=True).start()
    demo.launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        **launch_options(OUTPUT_DIR, PIPELINE.settings.limits),
    )
