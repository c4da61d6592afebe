"""Cancelling: a render, a conversation or a chat answer stops at its next stage or frame.

The stop check is a real callable that turns true after a given number of questions, so the
point where the work stops is exact and does not depend on the machine's speed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines import Cancelled, RenderRequest, TalkingPhotoPipeline
from pipelines.chat.session import ChatSession
from pipelines.conversation import Turn
from pipelines.conversation.render import render_conversation

pytestmark = pytest.mark.slow


class StopAfter:
    """A ``should_stop`` that answers False ``checks`` times, then True; counts the questions."""

    def __init__(self, checks: int) -> None:
        self.checks = checks
        self.asked = 0

    def __call__(self) -> bool:
        self.asked += 1
        return self.asked > self.checks


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("checks", [0, 3, 30])
def test_a_render_stops_where_asked_and_leaves_no_file(
    pipeline: TalkingPhotoPipeline, examples: Path, tmp_path: Path, checks: int
) -> None:
    # 0: before the first stage; 3: between stages; 30: among the frames (after ~20 of them).
    stop = StopAfter(checks)
    request = RenderRequest(
        examples / "einstein_bw.jpg", text="Hello there, how are you?", output=tmp_path / "v.mp4"
    )
    with pytest.raises(Cancelled):
        pipeline.render(request, should_stop=stop)
    assert stop.asked == checks + 1  # not asked again once it said stop
    assert _files(tmp_path) == []


def test_a_render_that_is_never_stopped_asks_at_every_stage_and_frame(
    pipeline: TalkingPhotoPipeline, examples: Path, tmp_path: Path
) -> None:
    stop = StopAfter(10**9)
    result = pipeline.render(
        RenderRequest(examples / "einstein_bw.jpg", text="Hello.", output=tmp_path / "v.mp4"),
        should_stop=stop,
    )
    n_frames = round(result.duration * pipeline.settings.fps)
    assert stop.asked >= n_frames + 2 * 6  # each frame, and each stage's start and end
    assert result.video.is_file()


def test_a_conversation_stops_between_turns_and_leaves_no_file(
    pipeline: TalkingPhotoPipeline, examples: Path, tmp_path: Path
) -> None:
    turns = [Turn(0, "Did you bring the tickets?"), Turn(1, "They are in my pocket.")]
    stop = StopAfter(7)  # faces (2), scene (2), dialogue (2), then the first turn's voice
    with pytest.raises(Cancelled):
        render_conversation(
            pipeline,
            examples / "two_people.jpg",
            turns,
            output=tmp_path / "c.mp4",
            should_stop=stop,
        )
    assert _files(tmp_path) == []


def test_a_chat_answer_stops_and_is_not_remembered(
    pipeline: TalkingPhotoPipeline, examples: Path, tmp_path: Path
) -> None:
    session = ChatSession(pipeline, examples / "mona_lisa.jpg", persona_name="Lisa")
    stop = StopAfter(2)  # the start, before writing, then the first sentence is not spoken
    with pytest.raises(Cancelled):
        for _ in session.ask_stream("Where are you?", output_dir=tmp_path, should_stop=stop):
            pass
    assert session.memory == ()
    assert _files(tmp_path) == []
