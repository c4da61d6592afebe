"""Tests of pipelines.video.encode (MP4 writing) and pipelines.video.subtitles (SRT writing).

Every video written here is decoded again with PyAV (a test-only dependency) and checked for
codecs, lengths, frame content, the AI-generated label and the corner mark.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import soundfile
from PIL import Image

from pipelines.errors import TalkingPhotoError
from pipelines.types import Cue
from pipelines.video.encode import AI_COMMENT, VideoEncodeError, write_video
from pipelines.video.subtitles import format_srt, format_timestamp, split_cue, write_srt
from tests.media_measures import Decoded, decode, psnr

FPS = 25


def ramp_frames(n_frames: int, height: int, width: int) -> list[np.ndarray]:
    """Colour ramps: red grows left to right, green top to bottom, blue with time."""
    red = np.linspace(20, 235, width)[None, :]
    green = np.linspace(20, 235, height)[:, None]
    frames = []
    for index in range(n_frames):
        blue = np.full((height, width), 30.0 + 4.0 * index)
        rgb = np.stack(np.broadcast_arrays(red, green, blue), axis=-1)
        frames.append(np.rint(rgb).astype(np.uint8))
    return frames


def corner_mask(height: int, width: int) -> np.ndarray:
    """True in the bottom-right corner where the mark may be: bottom 15 %, right 45 %."""
    mask = np.zeros((height, width), bool)
    mask[int(height * 0.85) :, int(width * 0.55) :] = True
    return mask


def sine(seconds: float, rate: int, freq: float = 440.0) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def rms_envelope(samples: np.ndarray, rate: int, window: float = 0.04) -> np.ndarray:
    size = round(window * rate)
    usable = len(samples) // size * size
    return np.sqrt(np.mean(samples[:usable].reshape(-1, size) ** 2, axis=1))


# --- fixtures: each encodes one video once per module -------------------------------------------

RAMP_H, RAMP_W, RAMP_N = 240, 320, 50  # 2.0 s


@pytest.fixture(scope="module")
def ramp(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[np.ndarray], Decoded, Path]:
    """Watermarked colour ramps with 1.6 s of mono 16 kHz sine (padded to 2.0 s)."""
    frames = ramp_frames(RAMP_N, RAMP_H, RAMP_W)
    path = tmp_path_factory.mktemp("ramp") / "ramp.mp4"
    written = write_video(
        iter(frames),
        n_frames=RAMP_N,
        fps=FPS,
        audio=sine(1.6, 16000),
        sample_rate=16000,
        path=path,
        metadata={"title": "Ramp test"},
    )
    return frames, decode(written), written


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[np.ndarray], Decoded]:
    """The same ramps without a mark; 3 s of stereo int16 44.1 kHz audio (cut to 2.0 s)."""
    frames = ramp_frames(RAMP_N, RAMP_H, RAMP_W)
    tone = (sine(3.0, 44100) * 32767).astype(np.int16)
    stereo = np.stack([tone, tone // 2], axis=1)
    path = tmp_path_factory.mktemp("plain") / "plain.mp4"
    write_video(
        frames,
        n_frames=RAMP_N,
        fps=FPS,
        audio=stereo,
        sample_rate=44100,
        path=path,
        watermark=None,
        metadata={"comment": "Made in a test"},
    )
    return frames, decode(path)


@pytest.fixture(scope="module")
def photo(
    tmp_path_factory: pytest.TempPathFactory, examples: Path, data_dir: Path
) -> tuple[list[np.ndarray], np.ndarray, int, Decoded]:
    """A real photo cropped to an odd size (375 x 499), with 3 s of real speech."""
    pixels = np.asarray(Image.open(examples / "einstein_bw.jpg").convert("RGB"))[:499, :375]
    assert pixels.shape == (499, 375, 3)
    speech, rate = soundfile.read(data_dir / "english_speech_16k.wav", dtype="float32")
    speech = speech.mean(axis=1)[: 3 * rate]  # downmix, first 3 s
    n_frames = round(len(speech) / rate * FPS)
    # A slow horizontal drift so consecutive frames differ.
    frames = [np.roll(pixels, index // 5, axis=1) for index in range(n_frames)]
    originals = [frame.copy() for frame in frames]
    path = tmp_path_factory.mktemp("photo") / "nested" / "einstein.mp4"
    write_video(
        frames, n_frames=n_frames, fps=FPS, audio=speech, sample_rate=rate, path=path, crf=20
    )
    for frame, original in zip(frames, originals, strict=True):
        assert np.array_equal(frame, original), "write_video modified the caller's frame"
    return frames, speech, rate, decode(path)


# --- stream format ---------------------------------------------------------------------------


def test_streams_are_browser_playable_h264_and_aac(ramp) -> None:
    _, decoded, path = ramp
    assert decoded.video_codec == "h264"
    assert decoded.profile == "High"
    assert decoded.pix_fmt == "yuv420p"
    assert (decoded.width, decoded.height) == (RAMP_W, RAMP_H)
    # BT.709 matrix, primaries and transfer (FFmpeg code 1 each), limited range (1): tagged so
    # that browsers convert back to the RGB that was sent.
    assert decoded.colour_tags == (1, 1, 1, 1)
    assert decoded.audio_codec == "aac"
    assert decoded.audio_rate == 48000  # 16 kHz input is resampled
    data = path.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat"), "moov atom not moved to the front"


def test_lengths_match_frames_and_audio(ramp, plain, photo) -> None:
    for decoded, n_frames in ((ramp[1], RAMP_N), (plain[1], RAMP_N), (photo[3], 75)):
        assert len(decoded.frames) == n_frames
        assert decoded.video_duration == pytest.approx(n_frames / FPS, abs=1e-6)
        assert abs(decoded.audio_duration - decoded.video_duration) <= 1.0 / FPS


def test_decoded_frames_match_sent_frames_outside_the_corner(ramp) -> None:
    frames, decoded, _ = ramp
    outside = ~corner_mask(RAMP_H, RAMP_W)
    for index, (sent, got) in enumerate(zip(frames, decoded.frames, strict=True)):
        assert psnr(sent[outside], got[outside]) > 30, f"frame {index}"
    # Frame order is kept: frame 10 matches sent frame 10 better than sent frame 20.
    assert psnr(frames[10], decoded.frames[10]) > psnr(frames[20], decoded.frames[10]) + 5


def test_watermark_drawn_in_the_corner_only(ramp, plain) -> None:
    frames, decoded, _ = ramp
    corner = corner_mask(RAMP_H, RAMP_W)
    for index in (0, RAMP_N // 2, RAMP_N - 1):
        diff = np.abs(decoded.frames[index].astype(int) - frames[index].astype(int)).max(axis=2)
        assert (diff[corner] > 40).sum() > 100, "no visible mark in the corner"
        assert (diff[~corner] > 40).sum() == 0, "pixels changed outside the corner"
    # Without a mark the corner round-trips like the rest of the frame.
    plain_frames, plain_decoded = plain
    assert psnr(plain_frames[5][corner], plain_decoded.frames[5][corner]) > 30


def test_ai_generated_comment_always_written(ramp, plain, photo) -> None:
    assert ramp[1].metadata["comment"] == AI_COMMENT
    assert ramp[1].metadata["title"] == "Ramp test"
    assert photo[3].metadata["comment"] == AI_COMMENT  # metadata=None
    comment = plain[1].metadata["comment"]
    assert "Made in a test" in comment
    assert "AI-generated with Talking Photo" in comment


def test_short_audio_padded_with_silence(ramp) -> None:
    audio = ramp[1].audio
    rate = ramp[1].audio_rate
    tone = audio[int(0.2 * rate) : int(1.5 * rate)]
    tail = audio[int(1.65 * rate) : int(1.95 * rate)]
    assert np.sqrt(np.mean(tone**2)) == pytest.approx(0.3 / np.sqrt(2), rel=0.1)
    assert np.sqrt(np.mean(tail**2)) < 0.005


def test_speech_survives_in_time(photo) -> None:
    _, speech, rate, decoded = photo
    sent = rms_envelope(speech, rate)
    got = rms_envelope(decoded.audio, decoded.audio_rate)
    n = min(len(sent), len(got))
    assert n >= len(sent) - 1
    correlation = np.corrcoef(sent[:n], got[:n])[0, 1]
    assert correlation > 0.95
    # Shifting by two windows (80 ms) fits worse: the audio is not delayed or advanced.
    assert correlation > np.corrcoef(sent[: n - 2], got[2:n])[0, 1]


def test_odd_photo_padded_to_even_without_scaling(photo) -> None:
    frames, _, _, decoded = photo
    assert (decoded.width, decoded.height) == (376, 500)
    outside = ~corner_mask(499, 375)
    for index in (0, 37, 74):
        got = decoded.frames[index]
        assert psnr(frames[index][outside], got[:499, :375][outside]) > 30
    # The extra column and row repeat the edge, they are not black.
    last = decoded.frames[0]
    assert np.abs(last[:400, 375].astype(int) - last[:400, 374].astype(int)).mean() < 6
    assert np.abs(last[499, :150].astype(int) - last[498, :150].astype(int)).mean() < 6


# --- errors ----------------------------------------------------------------------------------


def small_frames(count: int) -> list[np.ndarray]:
    return ramp_frames(count, 64, 96)


def encode_small(frames, n_frames: int, path: Path) -> Path:
    return write_video(
        frames,
        n_frames=n_frames,
        fps=FPS,
        audio=sine(n_frames / FPS, 16000),
        sample_rate=16000,
        path=path,
    )


def test_small_video_encodes(tmp_path: Path) -> None:
    out = encode_small(small_frames(10), 10, tmp_path / "ok.mp4")
    assert len(decode(out).frames) == 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.mp4"]  # no temporary files left


def test_too_few_frames_raises_and_leaves_no_file(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="yielded 9 frames; expected 10"):
        encode_small(iter(small_frames(9)), 10, tmp_path / "short.mp4")
    assert list(tmp_path.iterdir()) == []


def test_too_many_frames_raises_and_leaves_no_file(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="more than the expected 10 frames"):
        encode_small(iter(small_frames(11)), 10, tmp_path / "long.mp4")
    assert list(tmp_path.iterdir()) == []


def test_failing_frame_source_cleans_up(tmp_path: Path) -> None:
    class DrawingFailed(Exception):
        pass

    def frames():
        yield from small_frames(4)
        raise DrawingFailed("renderer broke")

    with pytest.raises(DrawingFailed):
        encode_small(frames(), 10, tmp_path / "broken.mp4")
    assert list(tmp_path.iterdir()) == []


def test_frame_of_another_size_rejected(tmp_path: Path) -> None:
    frames = [*small_frames(3), np.zeros((64, 98, 3), np.uint8)]
    with pytest.raises(ValueError, match="Frame 3 has shape"):
        encode_small(frames, 4, tmp_path / "mixed.mp4")
    assert list(tmp_path.iterdir()) == []


def test_existing_file_kept_when_encoding_fails(tmp_path: Path) -> None:
    target = tmp_path / "keep.mp4"
    target.write_bytes(b"previous video")
    with pytest.raises(RuntimeError):
        encode_small(small_frames(3), 10, target)
    assert target.read_bytes() == b"previous video"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.mp4"]


def test_unwritable_directory_gives_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(VideoEncodeError, match="Cannot write the video to") as caught:
        encode_small(small_frames(2), 2, blocker / "out.mp4")
    assert isinstance(caught.value, TalkingPhotoError)
    assert isinstance(caught.value, RuntimeError)


def test_ffmpeg_failure_reports_its_error_output(tmp_path: Path) -> None:
    too_wide = [np.zeros((2, 40000, 3), np.uint8)] * 2  # beyond what libx264 accepts
    with pytest.raises(VideoEncodeError, match="invalid width x height") as caught:
        encode_small(too_wide, 2, tmp_path / "wide.mp4")
    assert "ffmpeg" in caught.value.message
    assert list(tmp_path.iterdir()) == []


def test_ffmpeg_error_output_is_shown_without_its_colours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AV_LOG_FORCE_COLOR", "1")  # ffmpeg colours its errors as on a terminal
    too_wide = [np.zeros((2, 40000, 3), np.uint8)] * 2
    with pytest.raises(VideoEncodeError, match="invalid width x height") as caught:
        encode_small(too_wide, 2, tmp_path / "wide.mp4")
    assert "\x1b" not in caught.value.message and "31m" not in caught.value.message


# --- subtitles -------------------------------------------------------------------------------


def test_srt_format(tmp_path: Path) -> None:
    cues = [Cue("Hello there.", 0.0, 1.25), Cue("Grüße, 世界!", 1.25, 3661.5)]
    path = write_srt(cues, tmp_path / "sub" / "a.srt")
    assert path.read_bytes().decode("utf-8") == (
        "1\n00:00:00,000 --> 00:00:01,250\nHello there.\n\n"
        "2\n00:00:01,250 --> 01:01:01,500\nGrüße, 世界!\n"
    )


def test_srt_empty_cues_write_empty_file(tmp_path: Path) -> None:
    path = write_srt([], tmp_path / "empty.srt")
    assert path.exists()
    assert path.read_text(encoding="utf-8") == ""
    assert format_srt([Cue("   ", 0.0, 1.0)]) == ""


def test_long_cue_split_with_proportional_timing() -> None:
    words = "The quick brown fox jumps over the lazy dog and keeps on running far away"
    text = f"{words} {words} {words}."
    pieces = split_cue(Cue(text, 2.0, 12.0))
    assert len(pieces) > 1
    for lines, _, _ in pieces:
        assert 1 <= len(lines) <= 2
        assert all(len(line) <= 42 for line in lines)
    assert " ".join(" ".join(lines) for lines, _, _ in pieces) == text
    assert pieces[0][1] == 2.0
    assert pieces[-1][2] == pytest.approx(12.0)
    for (_, _, end), (_, start, _) in itertools.pairwise(pieces):
        assert start == end  # back to back, no gaps or overlaps
    total_chars = sum(len("".join(lines)) for lines, _, _ in pieces)
    for lines, start, end in pieces:
        assert end - start == pytest.approx(10.0 * len("".join(lines)) / total_chars)
    srt = format_srt([Cue(text, 2.0, 12.0), Cue("Bye.", 12.0, 13.0)])
    blocks = srt.strip("\n").split("\n\n")
    assert [block.split("\n")[0] for block in blocks] == [str(i) for i in range(1, len(pieces) + 2)]


def test_word_longer_than_a_line_is_broken() -> None:
    pieces = split_cue(Cue("x" * 100, 0.0, 1.0))
    assert all(len(line) <= 42 for lines, _, _ in pieces for line in lines)
    assert "".join("".join(lines) for lines, _, _ in pieces) == "x" * 100


def test_timestamp_rounding() -> None:
    assert format_timestamp(0.0006) == "00:00:00,001"
    assert format_timestamp(59.9999) == "00:01:00,000"
    assert format_timestamp(-1.0) == "00:00:00,000"
