"""The one-line API (``pipelines.load`` and the pipeline's render, converse and chat), the one
render path, cancellation and the typed backend seam, with the real offline models."""

from __future__ import annotations

import inspect
import threading
from pathlib import Path

import pytest

import pipelines
from pipelines import BadInputError, Cancelled, TalkingPhotoPipeline
from pipelines.protocols import (
    AnimatorBackend,
    ChatBackend,
    FaceBackend,
    SceneBackend,
    SpeechBackend,
)
from pipelines.registry import RENDER_STAGES, STAGES, default_name
from tests.media_measures import stream_facts

pytestmark = pytest.mark.slow


def test_load_gives_the_offline_stack_and_refuses_unknown_settings(tmp_path: Path) -> None:
    tp = pipelines.load(output_dir=tmp_path, dialogue_backend="template")
    assert tp.settings.dialogue_backend == "template"
    assert tp.settings.faces_backend == default_name("faces") == "mediapipe"
    with pytest.raises(BadInputError, match="valid settings are"):
        pipelines.load(dialog_backend="template")


def test_render_takes_a_photo_and_keywords(pipeline: TalkingPhotoPipeline, examples: Path) -> None:
    result = pipeline.render(examples / "einstein_bw.jpg", text="Good morning to you all.")
    assert result.lines[0].text == "Good morning to you all."
    assert result.lines[0].source == "user"
    facts = stream_facts(result.video)
    assert facts["video_codec"] == "h264" and facts["audio_codec"] == "aac"


def test_converse_and_chat_use_the_same_render_path(
    pipeline: TalkingPhotoPipeline, examples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipelines.render as render_module

    calls: list[str] = []
    real = render_module.render_timeline

    def counting(*args, **kwargs):
        calls.append(kwargs.get("subject", ""))
        return real(*args, **kwargs)

    monkeypatch.setattr(render_module, "render_timeline", counting)
    # Each caller looks the function up where it was imported from: patch those names too.
    import pipelines.chat.session as chat_module
    import pipelines.conversation.render as conversation_module

    monkeypatch.setattr(conversation_module, "render_timeline", counting)
    monkeypatch.setattr(chat_module, "render_timeline", counting)

    script = (pipelines.Turn(0, "Are you ready?"), pipelines.Turn(1, "Almost. One more minute."))
    talk = pipeline.converse(examples / "two_people.jpg", script)
    assert [line.text for line in talk.lines] == [turn.text for turn in script]
    chat = pipeline.chat(examples / "mona_lisa.jpg", name="Lisa", warm=False)
    reply = chat.ask("Hello, who are you?")
    assert reply.video.is_file() and reply.text
    one = pipeline.render(examples / "woman_waterfall.jpg", text="Hello there.")
    assert one.video.is_file()
    assert calls == ["The conversation", "The answer", "The spoken line"]


def test_a_set_cancel_token_stops_the_render_at_the_next_frame(
    pipeline: TalkingPhotoPipeline, examples: Path, tmp_path: Path
) -> None:
    cancel = threading.Event()
    seen: list[str] = []

    def progress(stage: str, fraction: float) -> None:
        seen.append(stage)
        if stage == "animate" and fraction > 0.5:
            cancel.set()  # the user pressed Cancel while frames were being drawn

    out = tmp_path / "cancelled.mp4"
    with pytest.raises(Cancelled):
        pipeline.render(
            examples / "einstein_bw.jpg",
            progress,
            should_stop=cancel.is_set,
            text="This line is long enough to be cancelled halfway through the animation.",
            output=out,
        )
    assert "animate" in seen and "done" not in seen
    assert not out.exists()
    assert not list(tmp_path.glob("*.part.mp4")) and not list(tmp_path.glob("*.audio.wav"))


def test_a_cancel_token_set_before_the_render_stops_it_at_once(
    pipeline: TalkingPhotoPipeline, examples: Path
) -> None:
    cancel = threading.Event()
    cancel.set()
    stages: list[str] = []
    with pytest.raises(Cancelled):
        pipeline.render(
            examples / "einstein_bw.jpg",
            lambda s, f: stages.append(s),
            should_stop=cancel.is_set,
            text="Hi.",
        )
    assert stages == []


def test_each_stage_backend_implements_its_protocol(pipeline: TalkingPhotoPipeline) -> None:
    protocols = {
        "faces": FaceBackend,
        "scene": SceneBackend,
        "dialogue": ChatBackend,
        "speech": SpeechBackend,
        "animator": AnimatorBackend,
    }
    assert set(protocols) == set(RENDER_STAGES)
    for stage, protocol in protocols.items():
        backend = pipeline.backend(stage)  # type: ignore[call-overload]
        for name, _ in inspect.getmembers(protocol, inspect.isfunction):
            if name.startswith("_"):
                continue
            assert callable(getattr(backend, name, None)), f"{stage} backend lacks {name}"
        assert isinstance(type(backend).name, str)
    assert "portrait" in STAGES
    with pytest.raises(pipelines.BackendUnavailable, match="stages are"):
        pipeline.backend("voice")  # type: ignore[call-overload]


def test_a_typed_line_is_spoken_while_the_faces_are_found(
    pipeline: TalkingPhotoPipeline, examples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: dict[str, str] = {}
    real_speak, real_detect = pipeline.speak, pipeline.detect_faces
    started = threading.Event()

    def speak(text, voice=None):
        threads["speech"] = threading.current_thread().name
        started.set()
        return real_speak(text, voice)

    def detect(photo):
        # The voice has started before the faces are looked for (it does not need them).
        assert started.wait(30), "the voice did not start while the faces were being found"
        threads["faces"] = threading.current_thread().name
        return real_detect(photo)

    monkeypatch.setattr(pipeline, "speak", speak)
    monkeypatch.setattr(pipeline, "detect_faces", detect)
    # A named voice can start at once; "auto" waits for the face it has to fit.
    result = pipeline.render(
        examples / "einstein_bw.jpg", text="Two things at once.", voice="en-male"
    )
    assert result.lines[0].text == "Two things at once."
    assert threads["speech"] != threads["faces"]


def test_the_readmes_first_python_snippet_runs(tmp_path: Path) -> None:
    import re
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    snippet = re.search(r"```python\n(.*?)```", readme, re.S)
    assert snippet and "pipelines.load()" in snippet.group(1)
    code = snippet.group(1).replace(
        "pipelines.load()", f"pipelines.load(output_dir={str(tmp_path)!r})"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    printed = done.stdout.split()
    assert printed[0].endswith(".mp4") and printed[1].endswith(".wav")
    assert printed[2].endswith(".srt") and printed[3].endswith(".mp4")
    assert all(Path(path).is_file() for path in printed)
