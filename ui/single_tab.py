"""The One person tab: the chosen face says a typed, suggested or recorded line.

Layout and events only; the functions behind them are in ``ui/single_handlers.py``. The photo
and the faces overview are the ones in the app's left column; the consent box sits right above
Generate. Generate streams the video into the player while it renders
(``SingleHandlers.render_stream``); ``/render``, the same render for API clients, answers with
the whole MP4 and is wired to a hidden button. The API-only ``/talk`` endpoint (photo and line
in, MP4 out) is built here too.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from pipelines import MOODS
from pipelines.speech.catalogue import AUTO
from pipelines.speech.catalogue import voice_choices as catalogue_choices
from ui import resets
from ui.consent import consent_box
from ui.photo_column import SharedInputs
from ui.single_handlers import PITCH_RANGE, RATE_RANGE, SingleHandlers
from ui.strings import mood_choices, speech_lang_choices, tr, voice_choices
from ui.video_stream import segment_player

CATALOGUE_CHOICES = catalogue_choices()
#: What the /talk endpoint says about itself in ``client.view_api()``.
TALK_DESCRIPTION = (
    "Photo in, talking MP4 out. Calling it confirms you have the right to animate the photo. "
    "text: the line (empty: the app writes one); face_index: which face speaks, 0 = leftmost "
    "(None: the largest); mood: one of "
    + ", ".join(MOODS)
    + "; voice: one of "
    + ", ".join(CATALOGUE_CHOICES)
    + " (auto, the default, fits the face); lang: the language spoken, auto (the line's; "
    "English when the app writes it), en or zh (Mandarin)."
)
#: What the /preview_voice endpoint says about itself.
PREVIEW_DESCRIPTION = (
    "A short sentence in a voice, as a WAV. voice: one of " + ", ".join(CATALOGUE_CHOICES) + "; "
    "rate and pitch as in /render; photo and speaker (optional) resolve auto from that face."
)


class SingleTab:
    """Builds the One person tab inside the current ``gr.Tabs``; ``wire`` connects its events."""

    def __init__(self) -> None:
        def text(key: str) -> str:
            return tr("en", key)

        with gr.Tab(text("tab_single"), id="single", elem_id="tab-single") as self.tab:
            # Which way the line comes: True once "use my own voice" was opened (inside the
            # tab: a Tabs holds only tabs).
            self.voice_mode = gr.State(None)
            self.step_words = gr.Markdown(text("step_words"), elem_classes="step")
            with gr.Row():
                self.mood = gr.Dropdown(mood_choices("en"), value=MOODS[0], label=text("mood"))
                self.speech_lang = gr.Dropdown(
                    speech_lang_choices("en"),
                    value="auto",
                    label=text("speech_lang"),
                    elem_id="speech-lang",
                )
                self.rate = gr.Slider(
                    *RATE_RANGE, value=1.0, step=0.05, label=text("rate"), elem_id="rate"
                )
                self.pitch = gr.Slider(
                    *PITCH_RANGE, value=0, step=1, label=text("pitch"), elem_id="pitch"
                )
            with gr.Row(equal_height=True):
                self.voice = gr.Dropdown(
                    voice_choices("en"), value=AUTO, label=text("voice"), scale=3, elem_id="voice"
                )
                self.preview = gr.Button(text("preview"), size="sm", scale=1, elem_id="preview")
                self.preview_audio = gr.Audio(
                    label=text("preview_audio"),
                    interactive=False,
                    autoplay=True,
                    scale=2,
                    elem_id="preview-audio",
                )
            with gr.Tabs():
                with gr.Tab(text("tab_text")) as self.tab_text:
                    self.line = gr.Textbox(
                        label=text("text"),
                        placeholder=text("text_placeholder"),
                        lines=3,
                        elem_id="line",
                    )
                    self.suggest = gr.Button(
                        text("suggest"), variant="secondary", size="md", elem_id="suggest"
                    )
                with gr.Tab(text("tab_voice")) as self.tab_voice:
                    self.audio = gr.Audio(
                        label=text("audio"),
                        sources=["upload", "microphone"],
                        type="filepath",
                        elem_id="own-voice",
                    )
            with gr.Accordion(text("more"), open=False) as self.more, gr.Row():
                self.still = gr.Checkbox(label=text("still"))
                self.captions = gr.Checkbox(label=text("captions"), elem_id="captions")
                self.seed = gr.Number(value=0, precision=0, label=text("seed"))
            self.consent = consent_box("consent")
            with gr.Row():
                self.generate = gr.Button(
                    text("generate"), variant="primary", scale=3, elem_id="generate"
                )
                self.cancel = gr.Button(text("cancel"), variant="stop", scale=1, elem_id="cancel")
            self.step_result = gr.Markdown(text("step_result"), elem_classes="step")
            # Streaming: segments of the video play while the rest renders.
            self.video = segment_player(
                label=text("video"),
                interactive=False,
                height=300,
                elem_id="video",
                autoplay=True,
            )
            self.transcript = gr.Textbox(
                label=text("transcript"), interactive=False, lines=2, elem_id="transcript"
            )
            self.summary = gr.Markdown(label="summary", show_label=False, elem_id="summary")
            self.downloads = gr.File(
                label=text("downloads"),
                file_count="multiple",
                interactive=False,
                visible=False,
                elem_id="downloads",
            )
            with gr.Group(visible=False):  # /render for API clients: the whole MP4 at once
                self.api_video = gr.Video(label="video", interactive=False)
                self.api_render = gr.Button("render")
        #: The results of a run, with how each is emptied (``ui.resets``).
        self.results = [
            (self.video, "video"),
            (self.downloads, "files"),
            (self.transcript, "text"),
            (self.summary, "text"),
        ]

    def wire(self, handlers: SingleHandlers, shared: SharedInputs) -> None:
        """Connects Suggest, Generate and Cancel to the handlers."""
        self.suggest.click(
            handlers.suggest_line,
            [
                shared.photo,
                shared.speaker,
                self.mood,
                self.seed,
                shared.lang,
                shared.backends,
                self.speech_lang,
            ],
            [self.line],
            api_name="suggest",
            preprocess=False,
            concurrency_limit=2,
            concurrency_id="suggest",
        )
        self.preview.click(
            handlers.preview_voice,
            [
                self.voice,
                self.rate,
                self.pitch,
                shared.photo,
                shared.speaker,
                shared.lang,
                shared.backends,
            ],
            [self.preview_audio],
            api_name="preview_voice",
            api_description=PREVIEW_DESCRIPTION,
            preprocess=False,
            concurrency_limit=2,
            concurrency_id="suggest",
        )
        # The open tab says whether the visitor's own voice is used; rate and pitch shape the
        # made voice only, so they hide while the own voice is used.
        for tab, own_voice, api_name in (
            (self.tab_text, False, "text_tab"),
            (self.tab_voice, True, "voice_tab"),
        ):
            tab.select(
                lambda own=own_voice: (own, gr.update(visible=not own), gr.update(visible=not own)),
                None,
                [self.voice_mode, self.rate, self.pitch],
                queue=False,
                api_name=api_name,
                api_visibility="private",
            )
        inputs = [
            shared.photo,
            shared.speaker,
            self.line,
            self.audio,
            self.mood,
            self.rate,
            self.pitch,
            self.still,
            self.seed,
            self.consent,
            self.voice_mode,
            shared.lang,
            shared.backends,
            self.captions,  # these last, so API calls written before them still work
            self.voice,
            self.speech_lang,
        ]
        concurrency_limit, concurrency_id = handlers.render_concurrency
        generate = resets.clear_before(self.generate.click, self.results).then(
            handlers.render_stream,
            inputs,
            [self.video, self.downloads, self.transcript, self.summary],
            api_name="render_stream",
            api_visibility="private",
            preprocess=False,
            concurrency_limit=concurrency_limit,
            concurrency_id=concurrency_id,
            show_progress_on=[self.video],  # one progress bar, where the video will be
        )
        api_render = self.api_render.click(
            handlers.render,
            inputs,
            [self.api_video, self.downloads, self.transcript, self.summary],
            api_name="render",
            preprocess=False,
            concurrency_limit=concurrency_limit,
            concurrency_id=concurrency_id,
        )
        resets.clear_after_failure(generate, self.results)
        generate.success(
            handlers.show_downloads,
            None,
            [self.downloads],
            queue=False,
            api_name="show_downloads",
            api_visibility="private",
        )
        stop = self.cancel.click(
            handlers.cancel,
            None,
            None,
            cancels=[generate, api_render],
            queue=False,
            api_name="cancel",
            api_visibility="private",
        )
        resets.clear_on(stop.then, self.results)  # the streamed part of a stopped video goes too

    def relabel(self, code: str) -> list[tuple[Any, dict[str, Any]]]:
        """(component, new properties) of this tab's strings in language ``code``."""
        keyed: list[tuple[Any, dict[str, str]]] = [
            (self.tab, {"label": "tab_single"}),
            (self.step_words, {"value": "step_words"}),
            (self.rate, {"label": "rate"}),
            (self.pitch, {"label": "pitch"}),
            (self.preview, {"value": "preview"}),
            (self.preview_audio, {"label": "preview_audio"}),
            (self.tab_text, {"label": "tab_text"}),
            (self.tab_voice, {"label": "tab_voice"}),
            (self.line, {"label": "text", "placeholder": "text_placeholder"}),
            (self.suggest, {"value": "suggest"}),
            (self.audio, {"label": "audio"}),
            (self.more, {"label": "more"}),
            (self.still, {"label": "still"}),
            (self.captions, {"label": "captions"}),
            (self.seed, {"label": "seed"}),
            (self.consent, {"label": "consent"}),
            (self.generate, {"value": "generate"}),
            (self.cancel, {"value": "cancel"}),
            (self.step_result, {"value": "step_result"}),
            (self.video, {"label": "video"}),
            (self.transcript, {"label": "transcript"}),
            (self.downloads, {"label": "downloads"}),
        ]
        pairs = [
            (component, {prop: tr(code, key) for prop, key in props.items()})
            for component, props in keyed
        ]
        pairs.append((self.mood, {"label": tr(code, "mood"), "choices": mood_choices(code)}))
        pairs.append((self.voice, {"label": tr(code, "voice"), "choices": voice_choices(code)}))
        pairs.append(
            (
                self.speech_lang,
                {"label": tr(code, "speech_lang"), "choices": speech_lang_choices(code)},
            )
        )
        return pairs


class TalkEndpoint:
    """The API-only ``/talk`` endpoint: hidden components, one event."""

    def __init__(self) -> None:
        with gr.Group(visible=False):
            self.photo = gr.File(label="photo")
            self.text = gr.Textbox(label="text")
            self.face = gr.Number(label="face_index", precision=0, value=None)
            self.mood = gr.Textbox(label="mood", value=MOODS[0])
            self.voice = gr.Textbox(label="voice", value=AUTO)
            self.lang = gr.Textbox(label="lang", value="auto")
            self.video = gr.File(label="video")
            self.button = gr.Button("talk")

    def wire(self, handlers: SingleHandlers, shared: SharedInputs) -> None:
        """Connects the endpoint to the handlers (as many renders at a time as Generate)."""
        concurrency_limit, concurrency_id = handlers.render_concurrency
        self.button.click(
            handlers.talk,
            [self.photo, self.text, self.face, self.mood, self.voice, self.lang, shared.backends],
            [self.video],
            api_name="talk",
            api_description=TALK_DESCRIPTION,
            preprocess=False,
            concurrency_limit=concurrency_limit,
            concurrency_id=concurrency_id,
        )
