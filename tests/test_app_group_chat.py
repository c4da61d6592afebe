"""The Group and Chat tabs and the backend choice, as a Python user meets them.

The app is launched on localhost around the session's real offline pipeline and called through
gradio_client: conversations written and rendered, chats held over several calls with a session
id, spoken questions transcribed. Nothing is mocked.
"""

from __future__ import annotations

import itertools
import re
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from pipelines import Cancelled
from pipelines.speech.asr import word_error_rate
from tests.media_measures import stream_facts
from ui.backends_panel import PipelinePool
from ui.group_handlers import GroupHandlers, table_rows, turns_from_table

SESSION_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(scope="module")
def client(app_url: str) -> Any:
    from gradio_client import Client

    return Client(app_url, verbose=False)


@pytest.fixture(scope="module")
def two_people(examples: Path) -> Path:
    return examples / "two_people.jpg"


def _messages(history: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(role, text) of each chat message, whatever shape the Chatbot gives its content in."""
    messages = []
    for message in history:
        content = message["content"]
        if isinstance(content, list):
            content = " ".join(part.get("text", "") for part in content if isinstance(part, dict))
        messages.append((message["role"], str(content)))
    return messages


# --------------------------------------------------------------------- group conversations
@pytest.fixture(scope="module")
def written(client, two_people: Path) -> dict[str, Any]:
    from gradio_client import handle_file

    return client.predict(
        photo=handle_file(str(two_people)),
        turns=4,
        mood="happy",
        seed=0,
        api_name="/converse_script",
    )


@pytest.mark.slow
def test_converse_script_writes_turns_for_both_people(written: dict[str, Any]) -> None:
    assert written["headers"] == ["person", "text"]
    rows = written["data"]
    assert len(rows) == 4
    assert {int(person) for person, _ in rows} == {1, 2}  # person 1 = the leftmost face
    assert all(int(a[0]) != int(b[0]) for a, b in itertools.pairwise(rows))
    assert all(isinstance(text, str) and any(ch.isalpha() for ch in text) for _, text in rows)


@pytest.mark.slow
def test_an_edited_conversation_renders_to_an_h264_aac_mp4(
    client, two_people: Path, written: dict[str, Any]
) -> None:
    from gradio_client import handle_file

    rows = [list(row) for row in written["data"][:2]]
    rows.reverse()  # reordered
    rows.append([2, "And I brought the sandwiches."])  # added, for the person on the right
    script = {"headers": written["headers"], "data": rows}
    video, files, summary = client.predict(
        photo=handle_file(str(two_people)),
        script=script,
        mood="happy",
        still=False,
        seed=0,
        consent=True,
        api_name="/converse",
    )
    facts = stream_facts(video)
    assert (facts["video_codec"], facts["audio_codec"]) == ("h264", "aac")
    assert abs(facts["video_seconds"] - facts["audio_seconds"]) <= 1.0 / facts["fps"]
    assert "AI-generated" in facts["comment"]
    assert sorted(Path(f).suffix for f in files) == [".mp4", ".srt", ".wav"]
    wav = next(Path(f) for f in files if f.endswith(".wav"))
    assert facts["video_seconds"] == pytest.approx(soundfile.info(str(wav)).duration, abs=0.05)
    subtitles = next(Path(f) for f in files if f.endswith(".srt")).read_text(encoding="utf-8")
    assert "Person 2: And I brought the sandwiches." in subtitles
    assert subtitles.index(f"Person {rows[0][0]}:") < subtitles.index("Person 2: And I brought")
    assert summary.startswith("3 turns")


@pytest.mark.slow
def test_a_conversation_with_captions_shows_them_while_someone_speaks(
    client, two_people: Path
) -> None:
    from gradio_client import handle_file

    from tests.media_measures import decode, psnr, srt_cue_times

    script = {"headers": ["person", "text"], "data": [[1, "Hello there."], [2, "Hi, you."]]}
    video, files, _ = client.predict(
        photo=handle_file(str(two_people)),
        script=script,
        still=True,
        consent=True,
        captions=True,
        api_name="/converse",
    )
    subtitles = next(Path(f) for f in files if f.endswith(".srt")).read_text(encoding="utf-8")
    (start1, end1), (start2, _) = srt_cue_times(subtitles)
    frames = decode(Path(video))
    band = int(frames.frames[0].shape[0] * 0.7)  # the caption sits below this row

    def band_at(seconds: float) -> np.ndarray:
        return frames.frames[int(seconds * frames.fps)][band:]

    gap = band_at(end1 + 1.5 / frames.fps)
    assert psnr(gap, band_at(start2 - 1.5 / frames.fps)) > 38.0  # nothing shown between turns
    assert psnr(band_at((start1 + end1) / 2), gap) < 25.0


@pytest.mark.slow
def test_conversations_are_refused_with_a_reason(client, two_people: Path, examples: Path) -> None:
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    photo = handle_file(str(two_people))
    script = {"headers": ["person", "text"], "data": [[1, "Hello."], [2, "Hi."]]}
    arguments = {"mood": "neutral", "still": False, "seed": 0, "api_name": "/converse"}
    with pytest.raises(AppError, match="right to animate"):
        client.predict(photo=photo, script=script, consent=False, **arguments)
    wrong = {"headers": ["person", "text"], "data": [[1, "Hello."], [3, "Hi."]]}
    with pytest.raises(AppError, match=r"Turn 2: .* from 1 to 2"):
        client.predict(photo=photo, script=wrong, consent=True, **arguments)
    with pytest.raises(AppError, match="conversation is empty"):
        client.predict(photo=photo, script={"headers": [], "data": []}, consent=True, **arguments)
    with pytest.raises(AppError, match="at least two people") as one_face:
        client.predict(
            photo=handle_file(str(examples / "einstein_bw.jpg")),
            turns=2,
            mood="neutral",
            seed=0,
            api_name="/converse_script",
        )
    assert "Traceback" not in str(one_face.value)


@pytest.mark.slow
def test_a_visitor_who_leaves_stops_the_writing_before_its_next_turn(
    pipeline, two_people: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ui.group_handlers
    from ui.folders import RequestFolders
    from ui.render_jobs import RenderJobs

    turns_begun: list[int | None] = []  # who speaks next, at each turn the writer begins
    outcome: list[BaseException | None] = []
    write = ui.group_handlers.write_conversation

    def watched(*args: Any, on_turn: Any, **kwargs: Any) -> Any:
        def noted(done: Any, face: int | None) -> None:
            turns_begun.append(face)
            on_turn(done, face)

        try:
            script = write(*args, on_turn=noted, **kwargs)
        except BaseException as error:
            outcome.append(error)
            raise
        outcome.append(None)
        return script

    monkeypatch.setattr(ui.group_handlers, "write_conversation", watched)
    handlers = GroupHandlers(PipelinePool(pipeline), RenderJobs(RequestFolders(tmp_path, 60)))
    steps = handlers.converse_script(str(two_people), 8, "neutral", 0)
    assert "Reading" in next(steps)[0][1]
    assert "turn 1 of 8" in next(steps)[-1][1]
    steps.close()  # the page was closed while turn 1 was written
    writer = next(t for t in threading.enumerate() if t.name == "write-conversation")
    writer.join(timeout=300)
    assert not writer.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled), outcome
    assert len(turns_begun) == 2, f"one turn written after the page left, not {turns_begun}"


@pytest.mark.slow
def test_a_typed_or_json_script_fills_the_table(client) -> None:
    typed = client.predict(
        text="1: Do you remember this day?\n2: Of course I do.", api_name="/script_from_text"
    )
    assert typed["data"] == [[1, "Do you remember this day?"], [2, "Of course I do."]]
    as_json = client.predict(
        text='[{"face": 1, "text": "Hello!"}, {"face": 0, "text": "Hi."}]',
        api_name="/script_from_text",
    )
    assert as_json["data"] == [[2, "Hello!"], [1, "Hi."]]  # the CLI's script: faces from 0


def test_the_turns_table_accepts_what_people_type_in_it() -> None:
    table = {
        "headers": ["person", "text"],
        "data": [["Person 2", " Hello   there. "], [1.0, "Hi!"], ["", None], [None, ""]],
    }
    assert table_rows(table) == [["Person 2", " Hello   there. "], [1.0, "Hi!"]]
    turns = turns_from_table(table, n_faces=2, max_chars=600, lang="en")
    assert [(t.face_index, t.text) for t in turns] == [(1, "Hello there."), (0, "Hi!")]


# --------------------------------------------------------------------- chat
@pytest.fixture(scope="module")
def chat_id(client, two_people: Path) -> str:
    from gradio_client import handle_file

    return client.predict(
        photo=handle_file(str(two_people)),
        face=1,
        name="Anna",
        mood="happy",
        consent=True,
        api_name="/chat_start",
    )


def _ask(client, session_id: str, question: str = "", audio: Any = None) -> tuple:
    return client.predict(
        session_id=session_id, question=question, audio=audio, api_name="/chat_ask"
    )


@pytest.mark.slow
def test_a_chat_remembers_each_turn_until_it_is_cleared(client, chat_id: str) -> None:
    assert SESSION_ID.fullmatch(chat_id)
    first = "My name is Tom. Please remember it."
    answer, video, history, voice = _ask(client, chat_id, first)
    assert _messages(history) == [("user", first), ("assistant", answer)]
    facts = stream_facts(video)
    assert (facts["video_codec"], facts["audio_codec"]) == ("h264", "aac")
    # The voice the page played sentence by sentence, as one WAV: the video's soundtrack.
    assert soundfile.info(voice).duration == pytest.approx(facts["audio_seconds"], abs=0.1)
    assert abs(facts["video_seconds"] - facts["audio_seconds"]) <= 1.0 / facts["fps"]
    assert "AI-generated" in facts["comment"]

    # One call per turn with the session id: the second turn is asked with the first in memory
    # (the memory is what the person's next prompt replays; see tests/test_chat.py).
    second = "What is my name?"
    answer2, _, history, _ = _ask(client, chat_id, second)
    assert _messages(history) == [
        ("user", first),
        ("assistant", answer),
        ("user", second),
        ("assistant", answer2),
    ]

    assert client.predict(session_id=chat_id, api_name="/chat_clear") == []
    third = "How are you today?"
    answer3, _, history, _ = _ask(client, chat_id, third)
    assert _messages(history) == [("user", third), ("assistant", answer3)]


@pytest.mark.slow
def test_chats_do_not_see_each_other(client, chat_id: str, two_people: Path) -> None:
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    secret = "My favourite colour is green."
    _ask(client, chat_id, secret)
    other = client.predict(
        photo=handle_file(str(two_people)),
        face=0,
        name="",
        mood="neutral",
        consent=True,
        api_name="/chat_start",
    )
    assert SESSION_ID.fullmatch(other) and other != chat_id
    _, _, history, _ = _ask(client, other, "Hello, who are you?")
    assert len(history) == 2
    assert all("green" not in text for _, text in _messages(history))
    with pytest.raises(AppError, match="chat has ended"):
        _ask(client, "0" * 32, "Hello?")
    with pytest.raises(AppError, match="right to animate"):
        client.predict(
            photo=handle_file(str(two_people)),
            face=0,
            name="",
            mood="neutral",
            consent=False,
            api_name="/chat_start",
        )


@pytest.mark.slow
def test_a_spoken_question_is_transcribed_and_answered(
    client, chat_id: str, data_dir: Path, english_reference: str
) -> None:
    from gradio_client import handle_file

    speech = handle_file(str(data_dir / "english_speech_16k.wav"))
    answer, video, history, _ = _ask(client, chat_id, "", speech)
    role, heard = _messages(history)[-2]
    assert role == "user"
    assert word_error_rate(english_reference, heard) <= 0.25
    assert _messages(history)[-1] == ("assistant", answer)
    assert stream_facts(video)["video_seconds"] > 0.5


# --------------------------------------------------------------------- backend choice
@pytest.mark.slow
def test_choosing_a_backend_that_cannot_run_falls_back_to_the_default(app_url: str) -> None:
    from gradio_client import Client

    client = Client(app_url, verbose=False)  # its own session: the choice stays with it
    names = {"faces": "mediapipe", "scene": "heuristic", "speech": "piper", "animator": "mesh-warp"}
    # gguf needs a model file that no setting names here.
    assert client.predict(dialogue="gguf", **names, api_name="/backends") == (
        "mediapipe",
        "heuristic",
        "smollm2",
        "piper",
        "mesh-warp",
    )
    chosen = client.predict(dialogue="template", **names, api_name="/backends")
    assert chosen[2] == "template"


def test_each_backend_choice_gets_one_pipeline_loaded_once(pipeline) -> None:
    pool = PipelinePool(pipeline, max_pipelines=2)
    assert pool.get(None) == (pipeline, True)
    assert pool.get({"dialogue": "smollm2"}) == (pipeline, True)  # the configured choice

    template, honoured = pool.get({"dialogue": "template"})
    assert honoured and template is not pipeline
    assert template.settings.dialogue_backend == "template"
    assert template.settings.output_dir == pipeline.settings.output_dir
    assert pool.get({"dialogue": "template"})[0] is template  # kept, not created again

    choice, replaced = pool.resolve({"dialogue": "gguf"})
    assert choice["dialogue"] == "smollm2"
    assert [(s.name, s.ready) for s in replaced] == [("gguf", False)]
    assert "GGUF" in replaced[0].reason
    assert pool.get({"dialogue": "gguf"})[0] is pipeline

    full = PipelinePool(pipeline, max_pipelines=1)
    assert full.get({"dialogue": "template"}) == (pipeline, False)
    assert len(full) == 1
