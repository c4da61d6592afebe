"""The web app attacked over plain HTTP: server files, other sessions, big uploads, bad values.

Each test sends what a hostile client would send, by hand (``tests.raw_http``), to the app
launched on localhost around the session's real pipeline.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio.utils import get_upload_folder

from tests import raw_http

pytestmark = pytest.mark.slow

#: 128 random bits (32 hex digits) right before the extension of a served file's name.
RANDOM_NAME = re.compile(r"-[0-9a-f]{32}\.[a-z0-9]+$")
FILE_MARK = {"_type": "gradio.FileData"}


@pytest.fixture(scope="module")
def photo(app_url: str, examples: Path) -> dict[str, Any]:
    """A real photo, uploaded the way the browser uploads it."""
    return raw_http.upload(app_url, examples / "smiling_woman_256.png")


def _render_values(photo: Any, **changes: Any) -> dict[str, Any]:
    """/render's API parameters by name, in order, with some changed."""
    values = {
        "photo": photo,
        "speaker": None,
        "text": "Hello there.",
        "audio": None,
        "mood": "neutral",
        "rate": 1.0,
        "pitch": 0,
        "still": False,
        "seed": 0,
        "consent": True,
        "captions": False,
        "voice": "auto",
        "speech_lang": "auto",
    }
    values.update(changes)
    return values


def _render_args(photo: Any, **changes: Any) -> list[Any]:
    """/render's API parameters, in order, with some changed."""
    return list(_render_values(photo, **changes).values())


# --------------------------------------------------------------------- 1: server files
def test_a_server_file_named_in_a_request_is_never_read(
    app_url: str, photo: dict[str, Any], examples: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "server-secret.jpg"
    shutil.copy(examples / "einstein_bw.jpg", secret)  # an image the server has, with a face
    missing = tmp_path / "no-such-photo.jpg"
    shapes = {
        "no mark": lambda path: {"path": str(path)},
        "with mark": lambda path: {"path": str(path), "meta": FILE_MARK},
        "bare string": lambda path: str(path),
        "link": lambda path: {"path": "http://127.0.0.1:9/photo.jpg", "meta": FILE_MARK},
    }
    answers = {}
    for shape, build in shapes.items():
        for which, path in (("present", secret), ("missing", missing)):
            outcome = raw_http.call(app_url, "faces", [build(path)])
            assert outcome.kind != "complete", (shape, which, outcome)
            assert "server-secret" not in str(outcome.data)
            answers[shape, which] = (outcome.status, outcome.kind, outcome.message)
        # The answer says nothing about whether the path exists.
        assert answers[shape, "present"] == answers[shape, "missing"], shape
        assert answers[shape, "present"][2], f"{shape}: no message"

    # Every other input that takes a file: the recording, the chat's photo and question, /talk.
    passwd = {"path": "/etc/passwd", "meta": FILE_MARK}
    server_photo = {"path": str(secret)}
    for api_name, data in (
        ("render", _render_args(photo, audio=passwd)),
        ("render", _render_args(server_photo)),
        ("talk", [server_photo, "Hello.", None, "neutral", "auto", "auto"]),
        ("chat_start", [server_photo, None, "", "neutral", True]),
        ("chat_ask", ["0" * 32, "", {"path": str(secret)}]),
        ("converse_script", [server_photo, 2, "neutral", 0, None]),
    ):
        outcome = raw_http.call(app_url, api_name, data)
        assert outcome.kind != "complete", (api_name, outcome)


def test_only_files_in_the_upload_folder_or_the_examples_count_as_received(
    examples: Path, tmp_path: Path
) -> None:
    from ui.inputs import is_received_file

    outside = tmp_path / "outside.jpg"
    shutil.copy(examples / "einstein_bw.jpg", outside)
    upload_folder = Path(get_upload_folder())
    upload_folder.mkdir(parents=True, exist_ok=True)
    link = upload_folder / f"link-to-outside-{os.getpid()}.jpg"
    link.symlink_to(outside)
    try:
        assert not is_received_file(outside)
        assert not is_received_file(link)  # a link inside pointing outside is followed
        assert not is_received_file(upload_folder / ".." / "etc" / "passwd")
        assert is_received_file(examples / "einstein_bw.jpg")
    finally:
        link.unlink()


# --------------------------------------------------------------------- 2: links and sessions
def test_every_served_result_carries_128_random_bits_in_its_name(
    app_url: str, photo: dict[str, Any]
) -> None:
    faces = raw_http.call(app_url, "faces", [photo])
    assert faces.kind == "complete", faces
    rendered = raw_http.call(app_url, "render", _render_args(photo))
    assert rendered.kind == "complete", rendered
    video, downloads = rendered.data[0], rendered.data[1]
    served = [faces.data[0], video.get("video", video), *downloads]
    names = [Path(item["path"]).name for item in served]
    assert len(names) == 5
    for name in names:
        assert RANDOM_NAME.search(name), name


def test_a_chat_answers_only_the_session_that_started_it(app_url: str, examples: Path) -> None:
    owner, stranger = raw_http.Session(app_url), raw_http.Session(app_url)
    mona = raw_http.upload(app_url, examples / "mona_lisa.jpg")
    # Queue calls send every input, the server-side states too (as null).
    started = owner.call("chat_start", [mona, None, "Lisa", "neutral", True, None, None])
    assert started.kind == "complete", started
    chat_id = started.data[0]
    first = owner.call("chat_ask", [chat_id, "Where are you?", None, None])
    assert first.kind == "complete", first

    stolen = stranger.call("chat_ask", [chat_id, "What did they ask you?", None, None])
    unknown = stranger.call("chat_ask", ["f" * 32, "What did they ask you?", None, None])
    assert stolen.kind == "error" and stolen.message == unknown.message  # nothing to tell apart
    cleared = stranger.run("chat_clear", [chat_id])
    assert cleared.kind == "complete", cleared

    second = owner.call("chat_ask", [chat_id, "How are you today?", None, None])
    assert second.kind == "complete", second
    questions = [_text(m["content"]) for m in second.data[2] if m["role"] == "user"]
    assert questions == ["Where are you?", "How are you today?"]  # not cleared by the stranger


def _text(content: Any) -> str:
    """A chat message's text, whatever shape the Chatbot gives its content in."""
    if isinstance(content, list):
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


# --------------------------------------------------------------------- 4: upload size
def test_an_upload_over_the_limit_is_refused_at_the_door_and_not_stored(
    app_url: str, pipeline, tmp_path: Path
) -> None:
    limit = pipeline.settings.limits.max_upload_bytes
    big = tmp_path / "huge-holiday-photo.jpg"
    with big.open("wb") as handle:
        handle.truncate(limit + 2**20)  # 31 MiB of zeros, sparse on disk
    folder = Path(get_upload_folder())

    def stored() -> dict[Path, int]:
        files = folder.rglob("*") if folder.is_dir() else ()
        return {p: p.stat().st_size for p in files if p.is_file()}

    before = stored()
    with big.open("rb") as handle:
        answer = httpx.post(
            f"{app_url}gradio_api/upload",
            files={"files": (big.name, handle, "image/jpeg")},
            timeout=120,
        )
    assert answer.status_code == 413, answer.text
    kept = {path: size for path, size in stored().items() if path not in before}
    assert not [path for path, size in kept.items() if size > 2**20], kept

    small = tmp_path / "small.jpg"
    small.write_bytes(b"\xff\xd8" + bytes(1000))
    assert raw_http.upload(app_url, small)["path"]  # the door is open below the limit


# --------------------------------------------------------------------- 8: every parameter
def test_consent_must_be_a_real_true(app_url: str, photo: dict[str, Any]) -> None:
    for value in ("false", "no", "0", "true", 1, 0, None, [], {"checked": True}):
        outcome = raw_http.call(app_url, "render", _render_args(photo, consent=value))
        assert outcome.kind == "error", (value, outcome)
        assert "right to animate" in outcome.message, (value, outcome)
    started = raw_http.call(app_url, "chat_start", [photo, None, "", "neutral", "false"])
    assert started.kind == "error" and "right to animate" in started.message


@pytest.mark.parametrize(
    ("api_name", "change", "name"),
    [
        ("render", {"seed": "abc"}, "seed"),
        ("render", {"seed": 2**40}, "seed"),
        ("render", {"rate": "fast"}, "rate"),
        ("render", {"rate": 50}, "rate"),
        ("render", {"pitch": [1, 2]}, "pitch"),
        ("render", {"still": "yes"}, "still"),
        ("render", {"captions": 1}, "captions"),
        ("render", {"speaker": "x"}, "speaker"),
        ("render", {"speaker": -1}, "speaker"),
        ("render", {"mood": 5}, "mood"),
        ("render", {"mood": "furious"}, "mood"),
        ("render", {"text": 123}, "text"),
        ("render", {"photo": 42}, None),
        ("talk", {"face_index": "one"}, "face_index"),
        ("talk", {"mood": ["happy"]}, "mood"),
        ("talk", {"voice": "robot"}, "voice"),
        ("render", {"voice": 5}, "voice"),
        ("render", {"speech_lang": "fr"}, "speech_lang"),
        ("chat_start", {"name": "x" * 500}, "name"),
        ("converse_script", {"turns": 99}, "turns"),
        ("converse_script", {"participants": "0,1"}, "participants"),
        ("converse_script", {"participants": [0, "left"]}, "participants"),
        ("converse", {"script": {"data": [[1, {"path": "/etc/passwd"}]]}}, None),
        ("converse", {"script": "1: hello"}, None),
    ],
)
def test_a_value_of_the_wrong_type_or_range_gets_one_sentence(
    app_url: str, photo: dict[str, Any], api_name: str, change: dict[str, Any], name: str | None
) -> None:
    defaults: dict[str, dict[str, Any]] = {
        "render": _render_values(photo),
        "talk": {
            "photo": photo,
            "text": "Hi.",
            "face_index": None,
            "mood": "neutral",
            "voice": "auto",
            "lang": "auto",
        },
        "chat_start": {
            "photo": photo,
            "face": None,
            "name": "",
            "mood": "neutral",
            "consent": True,
        },
        "converse_script": {
            "photo": photo,
            "turns": 2,
            "mood": "neutral",
            "seed": 0,
            "participants": None,
        },
        "converse": {
            "photo": photo,
            "script": {"headers": ["person", "text"], "data": [[1, "Hi."], [2, "Hello."]]},
            "mood": "neutral",
            "still": False,
            "seed": 0,
            "consent": True,
            "captions": False,
        },
    }
    values = defaults[api_name] | change
    outcome = raw_http.call(app_url, api_name, list(values.values()))
    assert outcome.kind in ("error", "refused"), outcome
    message = outcome.message
    assert message and message != "None", outcome  # never {"error": null}
    assert message.count(". ") == 0 and message.endswith("."), message  # one sentence
    assert "Traceback" not in message
    if name is not None:
        assert message.startswith(f"{name} must be "), message
