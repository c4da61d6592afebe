"""The app's left column: the photo, the examples, the faces found and who speaks.

Every tab reads these (``SharedInputs``); the faces are found once per photo and drawn as a
numbered overview that the visitor clicks to choose the speaker. The consent box is not here:
each tab has its own, next to its action (``ui.consent``).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from pipelines import Face, Photo, TalkingPhotoError, TalkingPhotoPipeline
from ui import inputs as check
from ui.backends_panel import BackendPanel, PipelinePool
from ui.faces_overview import FacesOverview, draw_faces, face_at, faces_overview
from ui.feedback import friendly_errors, pipeline_for
from ui.folders import RequestFolders
from ui.strings import example_photos, tr

logger = logging.getLogger(__name__)


@dataclass
class SharedInputs:
    """Components of the app's left column and states that every tab reads.

    Attributes:
        photo: The photo (a gr.Image of type "filepath").
        speaker: The faces picker's dropdown (a face index).
        faces_state: The faces overview state (a FacesOverview or None).
        faces_image: The faces overview picture (who is highlighted depends on the tab).
        lang: The interface language state.
        backends: The backend choice state (``ui.backends_panel.BackendPanel.choice``).
    """

    photo: Any
    speaker: Any
    faces_state: Any
    lang: Any
    backends: Any
    faces_image: Any = None


#: Browser sessions whose last photo is remembered (so a repeated change is not re-detected).
MAX_REMEMBERED_SESSIONS = 256
#: Longest wait, in seconds, for the detection a repeated change waits for.
REPEAT_WAIT_SECONDS = 120.0

#: The faces view: the overview picture, the speaker choices and the overview state.
FacesAnswer = tuple[str | None, dict[str, Any], FacesOverview | None]


@dataclass
class _Detection:
    """One session's latest photo, and whether its faces have been found (or refused)."""

    key: tuple[str, ...]
    done: threading.Event = field(default_factory=threading.Event)


class FacePreparer:
    """Prepares the faces' animation while the visitor types, one photo at a time.

    Preparing is only a head start (a render prepares what it still needs), so it runs on one
    shared worker thread outside Gradio's queue, and photos that arrive while ``max_waiting``
    are already waiting are skipped instead of queued: a burst of uploads costs at most one
    thread and a bounded backlog.

    Args:
        max_waiting: How many photos may wait behind the one being prepared.
    """

    def __init__(self, max_waiting: int = 2) -> None:
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prepare-faces")
        self.max_waiting = max_waiting
        self._slots = threading.BoundedSemaphore(max_waiting + 1)

    def submit(
        self, pipeline: TalkingPhotoPipeline, photo: Photo, faces: Sequence[Face]
    ) -> Future[None] | None:
        """Queues the faces of ``photo`` for preparing; None when the backlog is full."""
        if not self._slots.acquire(blocking=False):
            logger.info("Faces not prepared ahead: %d photos already waiting", self.max_waiting)
            return None
        return self._worker.submit(self._prepare, pipeline, photo, tuple(faces))

    def _prepare(
        self, pipeline: TalkingPhotoPipeline, photo: Photo, faces: tuple[Face, ...]
    ) -> None:
        try:
            pipeline.prepare_animation(photo, faces)
        except TalkingPhotoError as error:  # the render that needs the animator says it
            logger.info("The faces were not prepared ahead: %s", error.message)
        finally:
            self._slots.release()


#: The app's one face preparer (one thread for every visitor).
FACE_PREPARER = FacePreparer()


def _session(request: gr.Request | None) -> str:
    """The browser session of a request ("" when unknown)."""
    return str(getattr(request, "session_hash", None) or "")


class FacesHandlers:
    """Finding the faces of a new photo and choosing the speaker among them.

    The faces of a photo are found once: when the same photo arrives again in the same browser
    session (the same example clicked twice, a repeated change event), the faces view is left
    as it is, without running the detector again or repeating its error.

    Args:
        pool: The pipelines by backend choice.
        folders: Where the overview pictures are written (under names with 128 random bits).
    """

    def __init__(self, pool: PipelinePool, folders: RequestFolders) -> None:
        self.pool = pool
        self.folders = folders
        self._latest: OrderedDict[str, _Detection] = OrderedDict()
        self._lock = threading.Lock()

    def clear_faces(self) -> FacesAnswer:
        """Empties the faces view."""
        return None, gr.update(choices=[], value=None), None

    def clear_for(
        self,
        photo: Any,
        lang: str = "en",
        backends: Mapping[str, Any] | None = None,
        request: gr.Request | None = None,
    ) -> tuple[Any, ...]:
        """Empties the faces view while a new photo is read; leaves it for the same photo."""
        path = check.uploaded_file(photo, "photo", lang)
        if path is not None and self._latest_of(request, self._key(path, lang, backends)):
            return gr.skip(), gr.skip(), gr.skip()
        return self.clear_faces()

    def find_faces(
        self,
        photo: Any,
        lang: str = "en",
        backends: Mapping[str, Any] | None = None,
        request: gr.Request | None = None,
    ) -> tuple[Any, ...]:
        """Finds the faces: returns the numbered overview, the speaker choices and the state.

        The same photo again in the same session changes nothing (``gr.skip()``).
        """
        path = check.uploaded_file(photo, "photo", lang)
        session = _session(request)
        if path is None:
            with self._lock:
                self._latest.pop(session, None)
            return self.clear_faces()
        key = self._key(path, lang, backends)
        with self._lock:
            latest = self._latest.get(session) if session else None
            repeat = latest is not None and latest.key == key
            if not repeat:
                latest = _Detection(key)
                if session:
                    self._latest[session] = latest
                    self._latest.move_to_end(session)
                    while len(self._latest) > MAX_REMEMBERED_SESSIONS:
                        self._latest.popitem(last=False)
        assert latest is not None
        if repeat:
            latest.done.wait(REPEAT_WAIT_SECONDS)
            return gr.skip(), gr.skip(), gr.skip()  # shown already, error included
        try:
            pipeline = pipeline_for(self.pool, backends, lang)
            with friendly_errors(lang, "finding faces"):
                loaded = pipeline.load_photo(path)
                faces = pipeline.detect_faces(loaded)
                overview = faces_overview(loaded, faces)
            FACE_PREPARER.submit(pipeline, loaded, faces)
            logger.info("found %d face(s)", len(overview.indices))
            choices = gr.update(choices=overview.speaker_choices(lang), value=overview.largest)
            return self._overview_file(overview, [overview.largest]), choices, overview
        finally:
            latest.done.set()

    @staticmethod
    def _key(path: str, lang: str, backends: Mapping[str, Any] | None) -> tuple[str, ...]:
        return (path, lang, repr(sorted((backends or {}).items())))

    def _latest_of(self, request: gr.Request | None, key: tuple[str, ...]) -> bool:
        """Whether ``key`` is the photo this session's faces were last found for."""
        with self._lock:
            latest = self._latest.get(_session(request))
        return latest is not None and latest.key == key

    def show_choice(self, overview: FacesOverview | None, speaker: Any) -> str | None:
        """Redraws the overview with the chosen speaker highlighted."""
        if overview is None:
            return None
        index = check.face_index(speaker, "speaker", "en")
        return self._overview_file(overview, [] if index is None else [index])

    def pick_face(
        self, overview: FacesOverview | None, event: gr.SelectData
    ) -> tuple[dict[str, Any], Any]:
        """Chooses the face the user clicked on: the speaker and the redrawn overview."""
        if overview is None or not isinstance(event.index, list | tuple) or len(event.index) < 2:
            return gr.update(), gr.update()
        x, y = (check.number(v, "index", "en", -1e6, 1e6, 0.0) for v in event.index[:2])
        index = face_at(overview, x, y)
        if index is None:
            return gr.update(), gr.update()
        return gr.update(value=index), self._overview_file(overview, [index])

    def _overview_file(self, overview: FacesOverview, chosen: list[int]) -> str:
        """The overview drawn into a file whose name carries 128 random bits."""
        return self.folders.image_file(draw_faces(overview, chosen), "faces")


class PhotoColumn:
    """Builds the left column inside the current layout; ``wire`` connects its events.

    Args:
        pool: The pipelines by backend choice (for the Advanced panel).
        keep_seconds: How long the faces overview state is kept.
    """

    def __init__(self, pool: PipelinePool, keep_seconds: float) -> None:
        def text(key: str) -> str:
            return tr("en", key)

        # The faces overview (a photo of at most 960 px plus boxes), freed after a while.
        self.faces_state = gr.State(None, time_to_live=keep_seconds)
        self.step_photo = gr.Markdown(text("step_photo"), elem_classes="step")
        self.photo = gr.Image(
            label=text("photo"),
            type="filepath",
            image_mode=None,
            sources=["upload", "clipboard", "webcam"],
            height=300,
            elem_id="photo",
        )
        self.examples = gr.Examples(
            [[str(path)] for path in example_photos()],
            inputs=[self.photo],
            label=text("examples"),
            examples_per_page=10,
            elem_id="examples",
        )
        self.step_faces = gr.Markdown(text("step_faces"), elem_classes="step")
        self.faces_image = gr.Image(
            label=text("faces"),
            interactive=False,
            height=300,
            buttons=["fullscreen"],
            elem_id="faces",
        )
        self.speaker = gr.Dropdown(
            choices=[],
            value=None,
            label=text("speaker"),
            info=text("speaker_info"),
            interactive=True,
            elem_id="speaker",
        )
        self.backend_panel = BackendPanel(pool)

    def shared(self, lang: Any) -> SharedInputs:
        """What the tabs read from this column, with the interface language state."""
        return SharedInputs(
            self.photo,
            self.speaker,
            self.faces_state,
            lang,
            self.backend_panel.choice,
            self.faces_image,
        )

    def wire(self, handlers: FacesHandlers, lang: Any) -> None:
        """Finds the faces of each new photo and lets the visitor choose who speaks."""
        # Gradio's example click puts back the photo's first properties, its English label
        # among them: give it the label of the visitor's language again.
        self.examples.load_input_event.then(
            lambda code: gr.update(label=tr(code, "photo")),
            [lang],
            [self.photo],
            queue=False,
            api_visibility="private",
        )
        outputs = [self.faces_image, self.speaker, self.faces_state]
        self.photo.change(
            handlers.clear_for,
            [self.photo, lang, self.backend_panel.choice],
            outputs,
            preprocess=False,
            queue=False,
            api_name="clear_faces",
            api_visibility="private",
        ).then(
            handlers.find_faces,
            [self.photo, lang, self.backend_panel.choice],
            outputs,
            api_name="faces",
            preprocess=False,
            concurrency_limit=4,
            concurrency_id="faces",
        )
        self.faces_image.select(
            handlers.pick_face,
            [self.faces_state],
            [self.speaker, self.faces_image],
            api_name="pick",
            api_visibility="private",
            # A click on another face while the last one is drawn is kept, not dropped.
            trigger_mode="always_last",
        )
        self.speaker.input(
            handlers.show_choice,
            [self.faces_state, self.speaker],
            [self.faces_image],
            api_name="show_choice",
            api_visibility="private",
        )
        self.backend_panel.wire(lang)

    def relabel(self, code: str) -> list[tuple[Any, dict[str, Any]]]:
        """(component, new properties) of this column's strings in language ``code``.

        The speaker dropdown is relabelled by the app itself: its choices depend on the photo.
        """
        keyed: list[tuple[Any, dict[str, str]]] = [
            (self.step_photo, {"value": "step_photo"}),
            (self.photo, {"label": "photo"}),
            (self.examples.dataset, {"label": "examples"}),
            (self.step_faces, {"value": "step_faces"}),
            (self.faces_image, {"label": "faces"}),
        ]
        pairs = [
            (component, {prop: tr(code, key) for prop, key in props.items()})
            for component, props in keyed
        ]
        return pairs + self.backend_panel.relabel(code)
