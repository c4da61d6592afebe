"""The ``converse`` and ``chat`` commands, run through ``pipelines.cli.main``."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from pipelines.cli.main import main


@pytest.mark.slow
def test_converse_renders_a_script_and_prints_it(
    examples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "script.yaml"
    script.write_text("- face: 1\n  text: Smile for the camera.\n- face: 0\n  text: I am!\n")
    out = tmp_path / "couple.mp4"
    code = main(["converse", str(examples / "couple_red_carpet.jpg"), "--script", str(script),
                 "-o", str(out), "--still"])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0
    assert 'face 1 (Person 2, user): "Smile for the camera."' in printed
    assert 'face 0 (Person 1, user): "I am!"' in printed
    assert f"video:     {out}" in printed
    assert out.is_file() and out.with_suffix(".srt").is_file() and out.with_suffix(".wav").is_file()


def test_converse_refuses_a_bad_script_with_exit_code_2(
    examples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "script.json"
    script.write_text('[{"face": 0}]')
    code = main(["converse", str(examples / "two_people.jpg"), "--script", str(script)])
    assert code == 2
    assert 'needs a "face"' in capsys.readouterr().err


def test_converse_needs_two_people(
    examples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["converse", str(examples / "woman_waterfall.jpg"), "-o", str(tmp_path / "x.mp4")])
    assert code == 2
    assert "at least two people" in capsys.readouterr().err


@pytest.mark.slow
def test_chat_answers_each_line_of_standard_input(
    examples: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Hello, how are you?\n\nnot asked\n"))
    code = main(["chat", str(examples / "smiling_woman_256.png"),
                 "--name", "Rose", "--output-dir", str(tmp_path)])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0
    assert printed.count('Rose: "') == 1  # the empty line ended the chat
    videos = list(tmp_path.glob("chat-*.mp4"))
    assert len(videos) == 1 and f"video: {videos[0]}" in printed


@pytest.mark.slow
def test_chat_takes_a_spoken_question_with_say(
    examples: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recording = Path(__file__).parent / "data" / "english_speech_16k.wav"
    monkeypatch.setattr("sys.stdin", io.StringIO(f"/say {recording}\n/say missing.wav\n"))
    code = main(["chat", str(examples / "smiling_woman_256.png"), "--output-dir", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 0
    assert 'you said: "The holidays are a time of celebrating' in captured.out
    assert captured.out.count("video: ") == 1
    assert "recording missing.wav does not exist" in captured.err


@pytest.mark.slow
def test_converse_with_captions_shows_each_turn_and_clears_between_turns(
    examples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.media_measures import decode, psnr, srt_cue_times

    script = tmp_path / "script.yaml"
    script.write_text("- face: 1\n  text: Smile for the camera.\n- face: 0\n  text: I am!\n")
    out = tmp_path / "captioned.mp4"
    code = main(["converse", str(examples / "couple_red_carpet.jpg"), "--script", str(script),
                 "-o", str(out), "--still", "--captions"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    srt = out.with_suffix(".srt").read_text(encoding="utf-8")
    assert "Person 2: Smile for the camera." in srt and "Person 1: I am!" in srt
    (start1, end1), (start2, end2) = srt_cue_times(srt)
    video = decode(out)
    fps = video.fps
    band = int(video.frames[0].shape[0] * 0.7)  # the caption sits below this row

    def band_at(seconds: float) -> np.ndarray:
        return video.frames[int(seconds * fps)][band:]

    gap_early, gap_late = band_at(end1 + 1.5 / fps), band_at(start2 - 1.5 / fps)
    assert psnr(gap_early, gap_late) > 38.0  # no caption in the gap: the band stays still
    for speaking in ((start1 + end1) / 2, (start2 + end2) / 2):
        assert psnr(band_at(speaking), gap_early) < 25.0
