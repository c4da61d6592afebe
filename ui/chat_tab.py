"""The Chat tab: ask a person in the photo a question, typed or spoken; they answer on video.

Layout and events only; the functions behind them are in ``ui/chat_handlers.py``. Who answers
is the face chosen in the app's left column; choosing another face or photo ends the chat.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from pipelines import MOODS
from ui.chat_handlers import ChatHandlers
from ui.consent import consent_box
from ui.photo_column import SharedInputs
from ui.strings import mood_choices, tr

#: Plays each sentence's WAV as it arrives, one after another, in a player of the page's own
#: (a gr.Audio would start over at every new value). A turn's first sentence ("-s1.wav") stops
#: whatever is still playing; the whole answer's WAV, sent last, is left for the visitor to replay.
PLAY_SENTENCES_JS = """
(voice) => {
  const url = voice && voice.url;
  if (!url || !/-s\\d+\\.wav$/.test(url)) return [];
  const state = window.chatVoice ??= {queue: [], player: new Audio()};
  const next = () => {
    const following = state.queue.shift();
    if (following) { state.player.src = following; state.player.play().catch(() => {}); }
  };
  state.player.onended = next;
  if (/-s1\\.wav$/.test(url)) { state.queue = []; state.player.pause(); }
  state.queue.push(url);
  if (state.player.paused || state.player.ended) next();
  return [];
}
"""


class ChatTab:
    """Builds the Chat tab inside the current ``gr.Tabs``; ``wire`` connects its events."""

    def __init__(self) -> None:
        def text(key: str) -> str:
            return tr("en", key)

        with gr.Tab(text("tab_chat"), id="chat", elem_id="tab-chat") as self.tab:
            self.status = gr.Markdown(text("chat_hint"), elem_id="chat-status")
            with gr.Row():
                self.name = gr.Textbox(
                    label=text("chat_name"), placeholder=text("chat_name_hint"), max_length=40
                )
                self.mood = gr.Dropdown(mood_choices("en"), value=MOODS[0], label=text("mood"))
            self.consent = consent_box("chat-consent")
            self.start = gr.Button(text("chat_start"), elem_id="chat-start")
            with gr.Row(equal_height=False):
                self.history = gr.Chatbot(
                    label=text("chat_history"), height=320, scale=3, elem_id="chat-history"
                )
                self.video = gr.Video(
                    label=text("chat_video"),
                    interactive=False,
                    autoplay=False,  # the voice below has already said the answer
                    height=320,
                    scale=2,
                    elem_id="chat-video",
                )
            # The answer's voice: each sentence plays as soon as it is spoken (see
            # PLAY_SENTENCES_JS), long before the video; then the whole answer, to replay.
            self.voice = gr.Audio(
                label=text("chat_voice"),
                type="filepath",
                interactive=False,
                elem_id="chat-voice",
            )
            # Usable once a chat has started (``ui.chat_handlers.asking``); until then the
            # box says how to begin and Ask cannot be pressed.
            self.question = gr.Textbox(
                label=text("chat_question"),
                placeholder=text("chat_question_before"),
                max_length=300,
                interactive=False,
                elem_id="chat-question",
            )
            self.audio = gr.Audio(
                label=text("chat_audio"),
                sources=["microphone", "upload"],
                type="filepath",
                elem_id="chat-audio",
            )
            with gr.Row():
                self.ask = gr.Button(
                    text("chat_ask"),
                    variant="primary",
                    scale=3,
                    interactive=False,
                    elem_id="chat-ask",
                )
                self.clear = gr.Button(text("chat_clear"), scale=1, elem_id="chat-clear")
            # For gradio_client users: the answer as text, and the id of the chat.
            self.answer = gr.Textbox(label="answer", visible=False)
            self.session_id = gr.Textbox(label="session_id", visible=False)

    def wire(self, handlers: ChatHandlers, shared: SharedInputs) -> None:
        """Connects the tab's events to the handlers (API: chat_start, chat_ask, chat_clear)."""
        self.start.click(
            handlers.chat_start,
            [
                shared.photo,
                shared.speaker,
                self.name,
                self.mood,
                self.consent,
                shared.lang,
                shared.backends,
            ],
            [self.session_id],
            api_name="chat_start",
            api_description=(
                "Starts a chat with a person in the photo and returns its session id; pass it "
                "to /chat_ask and /chat_clear from the same client (the id works only in the "
                "Gradio session that started the chat). face: 0 = the leftmost face "
                "(None: the largest); name: their name, if you know it; mood: one of "
                + ", ".join(MOODS)
                + ". consent must be true: you have the right to animate the photo. A chat "
                "idle for an hour is closed."
            ),
            preprocess=False,
            concurrency_limit=2,
            concurrency_id="suggest",
        ).success(
            handlers.chat_started,
            [shared.speaker, self.name, shared.lang],
            [self.history, self.video, self.status, self.question, self.ask],
            queue=False,
            api_visibility="private",
        )
        ask_inputs = [self.session_id, self.question, self.audio, shared.lang]
        ask_outputs = [self.answer, self.video, self.history, self.voice]
        for trigger, api in ((self.ask.click, "chat_ask"), (self.question.submit, None)):
            trigger(
                handlers.chat_ask,
                ask_inputs,
                ask_outputs,
                api_name=api,
                api_visibility="public" if api else "private",
                api_description=(
                    "One turn of a chat: question (typed) or audio (a recording in English, used "
                    "when question is empty). Returns the answer, the MP4 of the person saying "
                    "it, the conversation so far as chat messages, and the answer's WAV (the "
                    "page plays it sentence by sentence before the video is ready)."
                ),
                preprocess=False,
                concurrency_limit=1,
                concurrency_id="chat",
            ).success(
                handlers.clear_question,
                None,
                [self.question, self.audio],
                queue=False,
                api_visibility="private",
            )
        self.voice.change(
            None,
            [self.voice],
            None,
            js=PLAY_SENTENCES_JS,
            queue=False,
            api_visibility="private",
        )
        self.clear.click(
            handlers.chat_clear,
            [self.session_id],
            [self.history],
            api_name="chat_clear",
            api_description="Forgets the chat's conversation; the chat stays open.",
            queue=False,
        )
        # Another face or another photo ends the chat and frees its memory.
        shared.speaker.change(
            handlers.chat_close,
            [self.session_id, shared.lang],
            [self.session_id, self.history, self.video, self.status, self.question, self.ask],
            queue=False,
            api_visibility="private",
        )

    def refresh_status(self, handlers: ChatHandlers, shared: SharedInputs) -> dict[str, Any]:
        """Arguments of the event that rewrites the status line after a language change."""
        return {
            "fn": handlers.chat_status,
            "inputs": [self.session_id, shared.speaker, self.name, shared.lang],
            "outputs": [self.status, self.question, self.ask],
            "queue": False,
            "api_visibility": "private",
        }

    def relabel(self, lang: str) -> list[tuple[Any, dict[str, Any]]]:
        """(component, update) pairs that put the tab in a language.

        Not the status line nor the question's placeholder: they depend on the chat (see
        ``refresh_status``).
        """
        keys: list[tuple[Any, dict[str, str]]] = [
            (self.tab, {"label": "tab_chat"}),
            (self.name, {"label": "chat_name", "placeholder": "chat_name_hint"}),
            (self.consent, {"label": "consent"}),
            (self.start, {"value": "chat_start"}),
            (self.history, {"label": "chat_history"}),
            (self.video, {"label": "chat_video"}),
            (self.voice, {"label": "chat_voice"}),
            (self.question, {"label": "chat_question"}),  # its placeholder: refresh_status
            (self.audio, {"label": "chat_audio"}),
            (self.ask, {"value": "chat_ask"}),
            (self.clear, {"value": "chat_clear"}),
        ]
        pairs = [
            (component, {prop: tr(lang, key) for prop, key in props.items()})
            for component, props in keys
        ]
        pairs.append((self.mood, {"label": tr(lang, "mood"), "choices": mood_choices(lang)}))
        return pairs
