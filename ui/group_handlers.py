"""The functions behind the Group tab: write a conversation, edit its turns, render it.

The conversation is a table of turns, one row each: the number of the person who speaks (as
drawn on the photo, 1 = leftmost) and what they say. ``converse_script`` asks the dialogue model
for one; the visitor reorders, edits, adds, deletes and reassigns turns; ``converse`` and
``converse_stream`` (``ui.group_render``) render the table.
"""

from __future__ import annotations

import logging
import math
import queue
import re
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import gradio as gr

from pipelines import MOODS, Cancelled
from pipelines.conversation import (
    MAX_SCRIPT_TURNS,
    MAX_WRITTEN_TURNS,
    MIN_WRITTEN_TURNS,
    Script,
    parse_script,
    parse_script_text,
)
from pipelines.conversation.writer import write_conversation
from ui import inputs as check
from ui.backends_panel import PipelinePool
from ui.faces_overview import FacesOverview, default_participants, draw_faces
from ui.feedback import friendly_errors, pipeline_for, require_photo, user_error
from ui.group_render import GroupRendering
from ui.render_jobs import RenderJobs
from ui.strings import tr

logger = logging.getLogger(__name__)

#: Column headers of the turns table (the person as numbered on the photo, their line).
TABLE_HEADERS = ("person", "text")

_NUMBER = re.compile(r"\d+")
#: One row of the turns table: [person number, text].
Row = list[Any]


# --------------------------------------------------------------------- the turns table
def table_rows(table: Any) -> list[Row]:
    """The rows of the turns table, empty rows dropped.

    Args:
        table: What Gradio passes for a Dataframe with ``preprocess=False`` (a mapping with
            "data"), a list of rows, or a pandas DataFrame.

    Returns:
        [person, text] rows as given (cells not yet checked).
    """
    if isinstance(table, Mapping):
        table = table.get("data") or []
    elif hasattr(table, "values") and hasattr(table, "columns"):  # a pandas DataFrame
        table = table.values.tolist()
    rows: list[Row] = []
    for row in table or []:
        cells = list(row)[:2] + [None] * (2 - len(list(row)[:2]))
        if any(not _is_blank(cell) for cell in cells):
            rows.append(cells)
    return rows


def _is_blank(cell: Any) -> bool:
    if cell is None:
        return True
    if isinstance(cell, float) and math.isnan(cell):
        return True
    return isinstance(cell, str) and not cell.strip()


def _person_number(cell: Any) -> int | None:
    """The person number in a cell: 2, 2.0, "2", "Person 2" -> 2; None when there is none."""
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int):
        return cell
    if isinstance(cell, float):
        return int(cell) if cell.is_integer() else None
    match = _NUMBER.search(str(cell or ""))
    return int(match.group()) if match else None


def turns_from_table(table: Any, n_faces: int, max_chars: int, lang: str) -> Script:
    """Checks the table and turns it into a script (faces numbered from 0).

    Raises:
        gr.Error: The table is empty or too long, or a row names no person of the photo.
        BadInputError, LimitExceeded: A text is empty or too long (from ``parse_script``).
    """
    rows = table_rows(table)
    if not rows:
        raise user_error(lang, "error_script_empty")
    if len(rows) > MAX_SCRIPT_TURNS:
        raise user_error(lang, "error_script_long", turns=len(rows), most=MAX_SCRIPT_TURNS)
    items = []
    for number, (person, text) in enumerate(rows, 1):
        face = _person_number(person)
        if face is None or not 1 <= face <= n_faces:
            raise user_error(lang, "error_turn_person", turn=number, faces=n_faces)
        items.append({"face": face - 1, "text": "" if _is_blank(text) else str(text)})
    return parse_script(items, n_faces=n_faces, max_chars=max_chars, where="The conversation")


def script_rows(script: Script) -> list[Row]:
    """A script as table rows: [person number (1 = leftmost), text]."""
    return [[turn.face_index + 1, turn.text] for turn in script]


def _faces_in(overview: FacesOverview | None) -> int:
    return len(overview.indices) if overview is not None else 2


class GroupHandlers(GroupRendering):
    """The functions the Group tab's events call (rendering: ``ui.group_render``).

    Args:
        pool: The pipelines by backend choice.
        jobs: Runs renders with progress and Cancel (shared with the single render).
    """

    def __init__(self, pool: PipelinePool, jobs: RenderJobs) -> None:
        self.pool = pool
        self.jobs = jobs

    # ------------------------------------------------------------------ writing
    def converse_script(
        self,
        photo: Any,
        turns: float | None,
        mood: str | None,
        seed: float | None = 0,
        lang: str = "en",
        backends: Mapping[str, Any] | None = None,
        participants: Any = None,
    ) -> Iterator[list[Row]]:
        """Writes a conversation between the people in the photo: rows [person, text].

        ``participants`` are the face indices that take part (0 = the leftmost); None or none
        ticked: the faces fully inside the photo and not tiny
        (``ui.faces_overview.default_participants``).

        Yields:
            The table as it is written: the turns so far and a last row saying which turn is
            being written (its person and "writing turn 2 of 4..."), then the whole
            conversation (what ``gradio_client`` gets). Closed early (the visitor left), the
            writing stops before its next turn.
        """
        n_turns = check.whole_number(
            turns, "turns", lang, MIN_WRITTEN_TURNS, MAX_WRITTEN_TURNS, default=4
        )
        mood = check.choice(mood, "mood", lang, MOODS, MOODS[0])
        seed_value = check.whole_number(seed, "seed", lang, *check.SEED_RANGE, default=0)
        chosen = check.face_indices(participants, "participants", lang)
        path = require_photo(photo, lang)
        pipeline = pipeline_for(self.pool, backends, lang)
        n_turns = n_turns or 4
        yield [[None, tr(lang, "group_reading")]]
        with friendly_errors(lang, "writing a conversation"):
            loaded = pipeline.load_photo(path)
            faces = pipeline.detect_faces(loaded)
            if len(faces) < 2:
                raise user_error(lang, "error_two_faces", faces=len(faces))
            scene = pipeline.describe_scene(loaded, faces)
            if chosen is None:
                chosen = set(default_participants(loaded, faces))
            talking = tuple(face for face in faces if face.index in chosen)
            if len(talking) < 2:
                raise user_error(lang, "error_two_participants")
            written: queue.Queue[tuple[Script, int | None] | Exception] = queue.Queue()
            left = threading.Event()  # the visitor left: the table is no longer read

            def next_turn(done: Script, face: int | None) -> None:
                if left.is_set():
                    raise Cancelled()
                written.put((done, face))

            def write() -> None:
                try:
                    write_conversation(
                        pipeline,
                        scene,
                        talking,
                        n_turns=n_turns,
                        moods=mood,
                        seed=seed_value or 0,
                        on_turn=next_turn,
                        # The model writes in the interface's language (中文: Chinese turns).
                        lang="zh" if lang == "zh" else "en",
                    )
                # The visitor's thread raises it (a friendly message, or the internal error).
                except Exception as error:  # noqa: BLE001
                    written.put(error)

            threading.Thread(target=write, name="write-conversation", daemon=True).start()
            try:
                while True:
                    step = written.get()
                    if isinstance(step, Exception):
                        raise step
                    script, speaking = step
                    if speaking is None:
                        break
                    writing = tr(lang, "group_writing", turn=len(script) + 1, turns=n_turns)
                    yield [*script_rows(script), [speaking + 1, writing]]
            finally:  # closed early (the page left): the writing stops before its next turn
                left.set()
        if any(turn.source == "template" for turn in script):
            gr.Warning(tr(lang, "warning_template_turns"), title=tr(lang, "warning_title"))
        logger.info("wrote a conversation of %d turns", len(script))
        yield script_rows(script)

    def script_from_text(self, text: str | None, lang: str = "en") -> list[Row]:
        """Reads a typed or pasted script into table rows (see ``parse_script_text``)."""
        text = check.text(text, "text", lang, 20_000)
        if not text.strip():
            raise user_error(lang, "error_script_empty")
        with friendly_errors(lang, "reading a pasted script"):
            script = parse_script_text(
                text or "", max_chars=self.pool.base.settings.limits.max_text_chars
            )
        return script_rows(script)

    # ------------------------------------------------------------------ who takes part
    def participant_choices(self, overview: FacesOverview | None, lang: str = "en") -> Any:
        """The "who takes part" boxes of a new photo: every face, the default ones ticked."""
        if overview is None:
            return gr.update(choices=[], value=[])
        return gr.update(choices=overview.speaker_choices(lang), value=list(overview.participants))

    def relabel_participants(
        self, overview: FacesOverview | None, participants: Any, lang: str = "en"
    ) -> Any:
        """The "who takes part" boxes in another language, the same ones ticked."""
        if overview is None:
            return gr.update()
        ticked = sorted(check.face_indices(participants, "participants", lang) or set())
        return gr.update(choices=overview.speaker_choices(lang), value=ticked)

    def show_participants(self, overview: FacesOverview | None, participants: Any) -> Any:
        """The faces overview with the people who take part highlighted."""
        if overview is None:
            return gr.update()
        chosen = check.face_indices(participants, "participants", "en") or set()
        return self.jobs.folders.image_file(draw_faces(overview, sorted(chosen)), "faces")

    # ------------------------------------------------------------------ editing the table
    def select_turn(self, event: gr.SelectData) -> int | None:
        """Remembers which turn (row) the visitor clicked."""
        index = event.index
        if isinstance(index, list | tuple) and index:
            return check.whole_number(index[0], "index", "en", 0, check.MAX_TABLE_ROWS)
        return None

    def move_up(self, table: Any, selected: int | None) -> tuple[list[Row], int | None]:
        """Moves the selected turn one place earlier."""
        return _move(_checked_rows(table), selected, -1)

    def move_down(self, table: Any, selected: int | None) -> tuple[list[Row], int | None]:
        """Moves the selected turn one place later."""
        return _move(_checked_rows(table), selected, +1)

    def add_turn(
        self, table: Any, selected: int | None, overview: FacesOverview | None
    ) -> tuple[list[Row], int]:
        """Adds an empty turn for the next person after the selected turn (or at the end)."""
        rows = _checked_rows(table)
        at = len(rows) if selected is None or not 0 <= selected < len(rows) else selected + 1
        before = _person_number(rows[at - 1][0]) if at > 0 else None
        person = (before % _faces_in(overview)) + 1 if before else 1
        rows.insert(at, [person, ""])
        return rows[:MAX_SCRIPT_TURNS], min(at, MAX_SCRIPT_TURNS - 1)

    def delete_turn(self, table: Any, selected: int | None) -> tuple[list[Row], None]:
        """Deletes the selected turn."""
        rows = _checked_rows(table)
        if selected is not None and 0 <= selected < len(rows):
            del rows[selected]
        return rows, None


def _checked_rows(table: Any) -> list[Row]:
    """The table's non-empty rows, once its shape and cell types are checked."""
    return table_rows(check.table_rows(table, "table", "en"))


def _move(rows: list[Row], selected: int | None, step: int) -> tuple[list[Row], int | None]:
    if selected is None or not 0 <= selected < len(rows):
        return rows, selected
    target = min(max(selected + step, 0), len(rows) - 1)
    rows[selected], rows[target] = rows[target], rows[selected]
    return rows, target
