"""The Group tab: the people in the photo talk with each other, in one video.

Layout and events only; the functions behind them are in ``ui/group_handlers.py`` and
``ui/group_render.py``. The photo and the faces overview are the ones in the app's left column;
the consent box sits right above Render. Render streams the video into the player while it
renders; ``/converse``, the same render for API clients, answers with the whole MP4 and is
wired to a hidden button.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from pipelines import MOODS
from pipelines.conversation.casting import MAX_WRITTEN_TURNS, MIN_WRITTEN_TURNS
from ui import resets
from ui.consent import consent_box
from ui.group_handlers import TABLE_HEADERS, GroupHandlers
from ui.photo_column import SharedInputs
from ui.strings import mood_choices, tr
from ui.video_stream import segment_player


class GroupTab:
    """Builds the Group tab inside the current ``gr.Tabs``; ``wire`` connects its events."""

    def __init__(self) -> None:
        def text(key: str) -> str:
            return tr("en", key)

        with gr.Tab(text("tab_group"), id="group", elem_id="tab-group") as self.tab:
            self.intro = gr.Markdown(text("group_intro"))
            self.participants = gr.CheckboxGroup(
                choices=[], value=[], label=text("group_people"), elem_id="group-people"
            )
            with gr.Row():
                self.turns = gr.Slider(
                    MIN_WRITTEN_TURNS,
                    MAX_WRITTEN_TURNS,
                    value=4,
                    step=1,
                    label=text("group_turns"),
                    elem_id="group-turns",
                )
                self.mood = gr.Dropdown(mood_choices("en"), value=MOODS[0], label=text("mood"))
                self.seed = gr.Number(value=0, precision=0, label=text("group_seed"))
            self.write = gr.Button(text("group_write"), elem_id="group-write")
            self.table = gr.Dataframe(
                headers=list(TABLE_HEADERS),  # the API's keys; relabel() gives 中文 its own
                datatype=["number", "str"],
                column_count=2,
                interactive=True,
                wrap=True,
                column_widths=["18%", "82%"],
                label=text("group_table"),
                elem_id="group-script",
            )
            with gr.Row():
                self.up = gr.Button(text("group_up"), size="sm", elem_id="group-up")
                self.down = gr.Button(text("group_down"), size="sm", elem_id="group-down")
                self.add = gr.Button(text("group_add"), size="sm", elem_id="group-add")
                self.delete = gr.Button(text("group_delete"), size="sm", elem_id="group-delete")
            with gr.Accordion(text("group_paste"), open=False) as self.paste:
                self.pasted = gr.Textbox(
                    lines=4,
                    label=text("group_pasted"),
                    placeholder=text("group_pasted_hint"),
                    elem_id="group-pasted",
                )
                self.load = gr.Button(text("group_load"), size="sm", elem_id="group-load")
            with gr.Row():
                self.still = gr.Checkbox(label=text("still"))
                self.captions = gr.Checkbox(label=text("captions"), elem_id="group-captions")
            self.consent = consent_box("group-consent")
            with gr.Row():
                self.render = gr.Button(
                    text("group_render"), variant="primary", scale=3, elem_id="group-render"
                )
                self.cancel = gr.Button(text("cancel"), variant="stop", scale=1)
            self.video = segment_player(  # plays while the rest renders
                label=text("group_video"),
                interactive=False,
                height=300,
                elem_id="group-video",
                autoplay=True,
            )
            self.summary = gr.Markdown(label="summary", show_label=False, elem_id="group-summary")
            self.downloads = gr.File(
                label=text("downloads"),
                file_count="multiple",
                interactive=False,
                visible=False,
                elem_id="group-downloads",
            )
            # The row the visitor clicked last (inside the tab: a Tabs holds only tabs).
            self.selected = gr.State(None)
            with gr.Group(visible=False):  # /converse for API clients: the whole MP4 at once
                self.api_video = gr.Video(label="video", interactive=False)
                self.api_render = gr.Button("converse")
        #: The results of a render, with how each is emptied (``ui.resets``).
        self.results = [(self.video, "video"), (self.downloads, "files"), (self.summary, "text")]

    def wire(self, handlers: GroupHandlers, shared: SharedInputs, cancel: Any) -> None:
        """Connects the tab's events to the handlers.

        Args:
            handlers: The Group handlers.
            shared: The photo, faces, consent, language and backend choice.
            cancel: The function that stops this browser session's render.
        """
        self._wire_writing(handlers, shared)
        self._wire_render(handlers, shared, cancel)
        self._wire_script_edits(handlers, shared)

    def _wire_writing(self, handlers: GroupHandlers, shared: SharedInputs) -> None:
        """Write: the script written turn by turn into the table, Render locked meanwhile."""
        # Render (and Write) cannot be pressed while the script is being written; the turns
        # stream into the table as they are written.
        writing = self.write.click(
            lambda: (gr.update(interactive=False), gr.update(interactive=False)),
            None,
            [self.write, self.render],
            queue=False,
            api_visibility="private",
        ).then(
            handlers.converse_script,
            [
                shared.photo,
                self.turns,
                self.mood,
                self.seed,
                shared.lang,
                shared.backends,
                self.participants,  # last, so API calls written before it still work
            ],
            [self.table],
            api_name="converse_script",
            api_description=(
                "Writes a conversation between the people in the photo (two or more faces): "
                "turns 2-8, mood one of " + ", ".join(MOODS) + ". Returns the turns as a "
                "table with the columns person (1 = the leftmost face) and text; edit it and "
                "pass it to /converse. participants: the face indices that take part (0 = the "
                "leftmost); None: the faces fully inside the photo and not tiny."
            ),
            preprocess=False,
            concurrency_limit=2,
            concurrency_id="suggest",
            show_progress="minimal",
        )
        writing.success(lambda: None, None, [self.selected], queue=False, api_visibility="private")
        resets.clear_after_failure(writing, [(self.table, "table")])
        writing.then(
            lambda: (gr.update(interactive=True), gr.update(interactive=True)),
            None,
            [self.write, self.render],
            queue=False,
            api_visibility="private",
        )

    def _wire_render(self, handlers: GroupHandlers, shared: SharedInputs, cancel: Any) -> None:
        """Render (streamed to the page), its API twin /converse, and Cancel."""
        conversation = [
            shared.photo,
            self.table,
            self.mood,
            self.still,
            self.seed,
            self.consent,
            shared.lang,
            shared.backends,
            self.captions,  # last, so API calls written before it still work
        ]
        render_event = resets.clear_before(self.render.click, self.results).then(
            handlers.converse_stream,
            conversation,
            [self.video, self.downloads, self.summary],
            api_name="converse_stream",
            api_visibility="private",
            preprocess=False,
            concurrency_limit=1,
            concurrency_id="render",
            show_progress_on=[self.video],  # one progress bar, where the video will be
        )
        api_render = self.api_render.click(
            handlers.converse,
            conversation,
            [self.api_video, self.downloads, self.summary],
            api_name="converse",
            api_description=(
                "Renders a conversation into one MP4 (a voice per person, the listeners idle, "
                "an AI-generated mark). script: the table /converse_script returns, or "
                '{"headers": ["person", "text"], "data": [[1, "Hello!"], [2, "Hi."]]} (person '
                "1 = the leftmost face). consent must be true: you have the right to animate "
                "the photo. captions (default false) burns the subtitles, each turn's speaker "
                "first, into the video. Returns the video, [MP4, WAV, SRT] and a summary."
            ),
            preprocess=False,
            concurrency_limit=1,
            concurrency_id="render",
        )
        resets.clear_after_failure(render_event, self.results)
        render_event.success(
            lambda: gr.update(visible=True),
            None,
            [self.downloads],
            queue=False,
            api_visibility="private",
        )
        stop = self.cancel.click(
            cancel,
            None,
            None,
            cancels=[render_event, api_render],
            queue=False,
            api_visibility="private",
        )
        resets.clear_on(stop.then, self.results)  # the streamed part of a stopped video goes too

    def _wire_script_edits(self, handlers: GroupHandlers, shared: SharedInputs) -> None:
        """A typed script read into the table; a turn selected, moved, added or deleted."""
        self.load.click(
            handlers.script_from_text,
            [self.pasted, shared.lang],
            [self.table],
            api_name="script_from_text",
            api_description=(
                "Reads a typed script into the turns table: one turn per line ('1: Hello!', "
                "person 1 = the leftmost face), or the JSON/YAML list of "
                '{"face": 0, "text": "..."} that `talking-photo converse --script` reads '
                "(faces from 0)."
            ),
            queue=False,
        )
        self.table.select(
            handlers.select_turn, None, [self.selected], queue=False, api_visibility="private"
        )
        edits = (
            (self.up, handlers.move_up, [self.table, self.selected]),
            (self.down, handlers.move_down, [self.table, self.selected]),
            (self.add, handlers.add_turn, [self.table, self.selected, shared.faces_state]),
            (self.delete, handlers.delete_turn, [self.table, self.selected]),
        )
        for button, edit, inputs in edits:
            button.click(
                edit,
                inputs,
                [self.table, self.selected],
                queue=False,
                preprocess=False,
                api_visibility="private",
            )

    def wire_participants(self, handlers: GroupHandlers, shared: SharedInputs) -> None:
        """Who takes part: offered for each new photo, shown on the faces overview.

        The overview highlights the participants while the Group tab is open (and the speaker
        on the other tabs, see ``ui.blocks``).
        """
        shared.faces_state.change(
            handlers.participant_choices,
            [shared.faces_state, shared.lang],
            [self.participants],
            queue=False,
            api_visibility="private",
        )
        for trigger in (self.participants.input, self.tab.select):
            trigger(
                handlers.show_participants,
                [shared.faces_state, self.participants],
                [shared.faces_image],
                queue=False,
                api_visibility="private",
            )

    def relabel(self, lang: str) -> list[tuple[Any, dict[str, Any]]]:
        """(component, update) pairs that put the tab in a language."""
        keys: list[tuple[Any, str, str]] = [
            (self.tab, "label", "tab_group"),
            (self.intro, "value", "group_intro"),
            (self.participants, "label", "group_people"),
            (self.turns, "label", "group_turns"),
            (self.seed, "label", "group_seed"),
            (self.write, "value", "group_write"),
            (self.up, "value", "group_up"),
            (self.down, "value", "group_down"),
            (self.add, "value", "group_add"),
            (self.delete, "value", "group_delete"),
            (self.paste, "label", "group_paste"),
            (self.load, "value", "group_load"),
            (self.still, "label", "still"),
            (self.captions, "label", "captions"),
            (self.consent, "label", "consent"),
            (self.render, "value", "group_render"),
            (self.cancel, "value", "cancel"),
            (self.video, "label", "group_video"),
            (self.downloads, "label", "downloads"),
        ]
        pairs = [(component, {prop: tr(lang, key)}) for component, prop, key in keys]
        pairs += [
            (self.mood, {"label": tr(lang, "mood"), "choices": mood_choices(lang)}),
            (
                self.table,
                {
                    "label": tr(lang, "group_table"),
                    "headers": [tr(lang, "table_person"), tr(lang, "table_text")],
                },
            ),
            (
                self.pasted,
                {"label": tr(lang, "group_pasted"), "placeholder": tr(lang, "group_pasted_hint")},
            ),
        ]
        return pairs
