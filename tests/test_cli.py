"""The command line, run as a user runs it: a subprocess with real photos."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.errors import NoFaceError
from tests.cli_process import run_cli


def test_faces_prints_json_for_every_face(examples: Path) -> None:
    done = run_cli("faces", str(examples / "two_people.jpg"))
    assert done.returncode == 0, done.stderr
    faces = json.loads(done.stdout)
    assert [f["index"] for f in faces] == [0, 1]
    assert faces[0]["box"][0] < faces[1]["box"][0], "faces are ordered left to right"
    for face in faces:
        assert set(face) >= {"index", "box", "expression", "pose"}


def test_a_photo_without_a_face_gives_one_line_and_exit_code_2(examples: Path) -> None:
    done = run_cli("faces", str(examples / "shiba_dog.jpg"))
    assert done.returncode == 2
    assert f"talking-photo: {NoFaceError().message}\n" in done.stderr
    assert "Traceback" not in done.stderr
    # MediaPipe's and TFLite's own start-up lines (written by native threads, sometimes after
    # ours) are dropped, so the message is all there is.
    assert done.stderr.strip().splitlines() == [f"talking-photo: {NoFaceError().message}"]


def test_verbose_keeps_the_native_libraries_output(examples: Path) -> None:
    done = run_cli("--verbose", "faces", str(examples / "shiba_dog.jpg"))
    assert done.returncode == 2
    assert f"talking-photo: {NoFaceError().message}\n" in done.stderr
    assert "INFO pipelines" in done.stderr  # our own logging
    assert "TensorFlow Lite" in done.stderr  # what the native code printed


def test_a_missing_photo_and_a_bad_mood_are_refused(tmp_path: Path, examples: Path) -> None:
    done = run_cli("render", str(tmp_path / "nope.jpg"), "--say", "Hi.")
    assert done.returncode == 2 and "does not exist" in done.stderr
    done = run_cli("render", str(examples / "einstein_bw.jpg"), "--mood", "grumpy")
    assert done.returncode == 2 and "invalid choice" in done.stderr


def test_with_lang_zh_the_command_line_s_own_refusals_are_chinese(tmp_path: Path) -> None:
    done = run_cli("render", str(tmp_path / "nope.jpg"), "--say", "你好。", "--lang", "zh")
    assert done.returncode == 2 and "照片" in done.stderr and "不存在" in done.stderr
    done = run_cli("render", "--say", "你好。", "--lang", "zh")
    assert done.returncode == 2 and "--describe" in done.stderr and "二者选一" in done.stderr


def test_not_an_image_is_refused_without_traceback(tmp_path: Path) -> None:
    fake = tmp_path / "photo.jpg"
    fake.write_text("this is not a photo", encoding="utf-8")
    done = run_cli("render", str(fake), "--say", "Hello.")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_backends_lists_every_stage() -> None:
    done = run_cli("backends")
    assert done.returncode == 0
    for stage in ("faces", "scene", "dialogue", "speech", "animator"):
        assert stage in done.stdout
    assert "(default)" in done.stdout


@pytest.mark.slow
def test_render_says_the_line_and_prints_where_outputs_went(examples: Path, tmp_path: Path) -> None:
    out = tmp_path / "hello.mp4"
    done = run_cli(
        "render", str(examples / "smiling_woman_256.png"), "--say", "Hello there!", "-o", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert f"video:     {out}" in done.stdout
    assert out.is_file() and out.with_suffix(".wav").is_file() and out.with_suffix(".srt").is_file()


@pytest.mark.slow
def test_render_with_captions_burns_the_line_into_the_bottom(
    examples: Path, tmp_path: Path
) -> None:
    from tests.media_measures import decode, psnr

    photo = str(examples / "smiling_woman_256.png")
    plain, captioned = tmp_path / "plain.mp4", tmp_path / "captioned.mp4"
    for out, extra in ((plain, []), (captioned, ["--captions"])):
        done = run_cli("render", photo, "--say", "Hello there!", "-o", str(out), *extra)
        assert done.returncode == 0, done.stderr
    first_plain, first_captioned = decode(plain).frames[0], decode(captioned).frames[0]
    band = int(first_plain.shape[0] * 0.7)  # the caption sits below this row
    assert psnr(first_plain[band:], first_captioned[band:]) < 25.0
    assert psnr(first_plain[:band], first_captioned[:band]) > 38.0
