"""The web app as a Python user meets it: launched on localhost, called through gradio_client.

Real photos, real speech and every real offline model behind the app; nothing is mocked.
"""

from __future__ import annotations

import os
import re
import string
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile

import app
from tests.launched_app import launched_app
from tests.media_measures import stream_facts
from ui.faces_overview import face_at, faces_overview
from ui.folders import RequestFolders
from ui.strings import LANGUAGES

REQUEST_FOLDER = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(scope="module")
def client(pipeline) -> Iterator[object]:
    """A gradio_client connected to the app, launched around the session's pipeline."""
    from gradio_client import Client

    with launched_app(pipeline) as url:
        yield Client(url, verbose=False)


def _request_folders(output_dir: Path) -> set[Path]:
    return {p for p in output_dir.iterdir() if p.is_dir() and REQUEST_FOLDER.fullmatch(p.name)}


def _render(client, photo: Path, **options: object) -> tuple:
    from gradio_client import handle_file

    arguments = {
        "speaker": None,
        "text": "",
        "audio": None,
        "mood": "neutral",
        "rate": 1.0,
        "pitch": 0,
        "still": False,
        "seed": 0,
        "consent": True,
    }
    arguments.update(options)
    return client.predict(photo=handle_file(str(photo)), api_name="/render", **arguments)


# --------------------------------------------------------------------- the full flow
@pytest.mark.slow
def test_faces_then_render_gives_an_h264_aac_mp4_with_matching_lengths(
    client, pipeline, examples: Path
) -> None:
    from gradio_client import handle_file

    photo = examples / "smiling_woman_256.png"
    overview, speaker = client.predict(handle_file(str(photo)), api_name="/faces")
    assert Path(overview).is_file()
    assert [value for _, value in speaker["choices"]] == [0]
    assert speaker["value"] == 0

    output_dir = Path(pipeline.settings.output_dir)
    before = _request_folders(output_dir)
    line = "Hello there, nice to meet you."
    video, downloads, transcript, summary = _render(
        client, photo, speaker=speaker["value"], text=line, mood="happy", pitch=2
    )

    facts = stream_facts(video)
    assert facts["video_codec"] == "h264"
    assert facts["audio_codec"] == "aac"
    assert abs(facts["video_seconds"] - facts["audio_seconds"]) <= 1.0 / facts["fps"]
    assert facts["video_seconds"] > 1.0
    assert "AI-generated" in facts["comment"]
    assert transcript == line
    assert "s of video" in summary
    assert sorted(Path(f).suffix for f in downloads) == [".mp4", ".srt", ".wav"]
    subtitles = next(Path(f) for f in downloads if f.endswith(".srt"))
    assert "nice to meet you" in subtitles.read_text(encoding="utf-8")

    # The render wrote into a fresh private folder named by 128 random bits, and its files
    # carry the same random id (Gradio serves them by their names).
    created = _request_folders(output_dir) - before
    rendered = [f for f in created if any(f.glob("talking-photo-*.mp4"))]
    assert len(rendered) == 1
    folder = rendered[0]
    assert {p.name for p in folder.iterdir()} == {
        f"talking-photo-{folder.name}.mp4",
        f"talking-photo-{folder.name}.wav",
        f"talking-photo-{folder.name}.srt",
    }


@pytest.mark.slow
def test_two_people_are_both_offered_and_the_larger_is_chosen(client, examples: Path) -> None:
    from gradio_client import handle_file

    _, speaker = client.predict(handle_file(str(examples / "two_people.jpg")), api_name="/faces")
    labels = [label for label, _ in speaker["choices"]]
    assert [value for _, value in speaker["choices"]] == [0, 1]
    assert labels[0].startswith("Person 1") and "left" in labels[0]
    assert labels[1].startswith("Person 2") and "right" in labels[1]
    # The right face is the larger one (box area 25662 against 24023 square pixels).
    assert speaker["value"] == 1


@pytest.mark.slow
def test_talk_endpoint_renders_a_video_from_python(client, examples: Path) -> None:
    from gradio_client import handle_file

    video = client.predict(
        handle_file(str(examples / "lowres_240p.jpg")),
        "Good evening, everyone.",
        0,
        "neutral",
        api_name="/talk",
    )
    facts = stream_facts(video)
    assert (facts["video_codec"], facts["audio_codec"]) == ("h264", "aac")
    assert abs(facts["video_seconds"] - facts["audio_seconds"]) <= 1.0 / facts["fps"]


@pytest.mark.slow
def test_a_full_queue_answers_busy_at_once_and_loses_nothing(pipeline, examples: Path) -> None:
    """Five calls at once, one render at a time and one waiting place: the rest hear "busy"."""
    from gradio_client import Client, handle_file
    from gradio_client.utils import QueueError

    with launched_app(pipeline, queue_size=1) as url:
        client = Client(url, verbose=False)
        photo = handle_file(str(examples / "woman_waterfall.jpg"))
        jobs = [
            client.submit(photo, f"Hello number {n}.", None, "neutral", api_name="/talk")
            for n in range(5)
        ]
        videos, busy = [], []
        for job in jobs:
            try:
                videos.append(job.result(timeout=180))
            except QueueError as error:
                busy.append(str(error))
    assert videos and busy, (videos, busy)
    assert all("Queue is full" in message for message in busy), busy
    assert all(stream_facts(video)["video_codec"] == "h264" for video in videos)


@pytest.mark.slow
def test_render_burns_captions_only_when_asked(client, examples: Path) -> None:
    from tests.media_measures import decode, psnr

    photo = examples / "smiling_woman_256.png"
    line = "Hello there, nice to meet you."
    plain, _, _, _ = _render(client, photo, text=line)  # called as before captions existed
    captioned, _, transcript, _ = _render(client, photo, text=line, captions=True)
    assert transcript == line
    first_plain, first_captioned = decode(Path(plain)).frames[0], decode(Path(captioned)).frames[0]
    band = int(first_plain.shape[0] * 0.7)  # the caption sits below this row
    assert psnr(first_plain[band:], first_captioned[band:]) < 25.0
    assert psnr(first_plain[:band], first_captioned[:band]) > 38.0


@pytest.mark.slow
def test_own_voice_sets_the_length_of_the_video(client, examples: Path, data_dir: Path) -> None:
    from gradio_client import handle_file

    speech = data_dir / "english_speech_16k.wav"
    video, _, transcript, _ = _render(
        client, examples / "smiling_woman_256.png", audio=handle_file(str(speech))
    )
    facts = stream_facts(video)
    assert facts["video_seconds"] == pytest.approx(soundfile.info(str(speech)).duration, abs=0.05)
    assert transcript.strip()  # what was heard, or a note that it is the user's own recording


@pytest.mark.slow
def test_suggest_writes_a_line_for_the_chosen_face(client, pipeline, examples: Path) -> None:
    from gradio_client import handle_file

    line = client.predict(
        photo=handle_file(str(examples / "two_people.jpg")),
        speaker=1,
        mood="happy",
        seed=3,
        api_name="/suggest",
    )
    assert isinstance(line, str)
    assert 0 < len(line) <= pipeline.settings.limits.max_text_chars
    assert any(ch.isalpha() for ch in line)


# --------------------------------------------------------------------- friendly errors
@pytest.mark.slow
def test_a_dog_photo_gets_the_no_face_message_not_a_traceback(client, examples: Path) -> None:
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    dog = examples / "shiba_dog.jpg"
    with pytest.raises(AppError, match="No human face") as found:
        client.predict(handle_file(str(dog)), api_name="/faces")
    assert "Traceback" not in str(found.value)
    with pytest.raises(AppError, match="No human face"):
        _render(client, dog, text="Woof.")


@pytest.mark.slow
def test_a_face_number_the_photo_lacks_is_named_as_such(client, examples: Path) -> None:
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    photo = handle_file(str(examples / "einstein_bw.jpg"))  # one face
    calls = (
        ("/suggest", (photo, 5, "neutral", 0)),
        ("/preview_voice", ("auto", 1.0, 0, photo, 5, "en")),
    )
    for api_name, values in calls:
        with pytest.raises(AppError, match="no face 5") as refused:
            client.predict(*values, api_name=api_name)
        assert "went wrong on our side" not in str(refused.value), api_name


@pytest.mark.slow
def test_generating_without_the_right_to_animate_is_refused(client, examples: Path) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="right to animate"):
        _render(client, examples / "smiling_woman_256.png", text="Hello.", consent=False)


@pytest.mark.slow
def test_a_file_that_is_not_a_photo_is_named_as_such(client, tmp_path: Path) -> None:
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    fake = tmp_path / "holiday.jpg"
    fake.write_text("this is a shopping list, not a photo\n" * 20, encoding="utf-8")
    with pytest.raises(AppError) as refused:
        client.predict(handle_file(str(fake)), api_name="/faces")
    message = str(refused.value).lower()
    assert "this file is not an image we can read" in message
    assert "went wrong on our side" not in message


@pytest.mark.slow
def test_too_long_text_and_audio_are_refused_with_the_limit(
    client, examples: Path, data_dir: Path, tmp_path: Path
) -> None:
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    photo = examples / "smiling_woman_256.png"
    with pytest.raises(AppError, match="limit is 600"):
        _render(client, photo, text="Hello there, my friend. " * 40)

    speech, rate = soundfile.read(str(data_dir / "english_speech_16k.wav"), dtype="float32")
    long_speech = tmp_path / "long_speech.wav"
    soundfile.write(str(long_speech), np.concatenate([speech] * 8), rate)  # 64 s of real speech
    with pytest.raises(AppError, match="limit is 60"):
        _render(client, photo, audio=handle_file(str(long_speech)))


# --------------------------------------------------------------------- pieces of the app
def test_every_language_has_every_string_with_the_same_placeholders() -> None:
    english = LANGUAGES["en"]
    assert set(LANGUAGES) >= {"en", "zh"}

    def placeholders(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    for code, table in LANGUAGES.items():
        assert set(table) == set(english), f"{code} misses or adds strings"
        for key, text in table.items():
            assert isinstance(text, str) and text.strip(), f"{code}.{key} is empty"
            assert placeholders(text) == placeholders(english[key]), f"{code}.{key}"


def test_old_request_folders_are_swept_and_nothing_else(tmp_path: Path) -> None:
    folders = RequestFolders(tmp_path, keep_seconds=60)
    old, fresh = folders.new(), folders.new()
    (old / "talking-photo.mp4").write_bytes(b"old")
    keep_me = tmp_path / "not-a-request"
    keep_me.mkdir()
    hour_ago = time.time() - 3600
    os.utime(old, (hour_ago, hour_ago))
    os.utime(keep_me, (hour_ago, hour_ago))

    assert folders.sweep() == 1
    assert not old.exists()
    assert fresh.is_dir() and keep_me.is_dir()
    assert REQUEST_FOLDER.fullmatch(fresh.name)


def test_clicking_on_a_face_picks_that_face(pipeline, examples: Path) -> None:
    photo = pipeline.load_photo(examples / "two_people.jpg")
    overview = faces_overview(photo, pipeline.detect_faces(photo))
    assert max(overview.image.shape[:2]) <= 960
    for index, (x0, y0, x1, y1) in zip(overview.indices, overview.boxes, strict=True):
        assert face_at(overview, (x0 + x1) / 2, (y0 + y1) / 2) == index
    assert face_at(overview, 0.0, 0.0) in overview.indices  # off every box: the nearest face


def test_gradio_may_read_only_the_output_folder_and_only_when_it_must(tmp_path: Path) -> None:
    assert app.launch_options(tmp_path)["allowed_paths"] == []  # under the temporary folder
    elsewhere = Path("/srv/talking-photo-outputs")
    assert app.launch_options(elsewhere)["allowed_paths"] == [str(elsewhere)]
    assert app.launch_options(tmp_path)["max_file_size"] == 30 * 2**20
