"""Burned-in captions (pipelines.video.captions): where and when they show, their font and layout.

Videos are encoded for real and decoded again with PyAV; fonts are the system's own.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipelines import RenderRequest, TalkingPhotoPipeline
from pipelines.timeline import Turn, lay_out
from pipelines.types import Cue, Speech
from pipelines.video.captions import (
    KNOWN_CJK_FONTS,
    CaptionTrack,
    draw_caption,
    font_covers,
    join_srt_lines,
    load_caption_font,
    wrap_to_width,
)
from pipelines.video.encode import write_video
from pipelines.video.subtitles import split_cue
from tests.media_measures import decode, psnr, srt_cue_texts

FPS = 25
#: Rows from this fraction of the height down hold the caption band; rows above never change.
BAND_TOP = 0.7
#: PSNR (dB) above which two decoded images count as the same picture (codec noise only).
SAME_DB = 38.0
#: PSNR (dB) below which a region clearly shows something else.
CHANGED_DB = 25.0


def system_has_cjk_font() -> bool:
    """Whether a font that draws Chinese is installed (asked of fontconfig, not of our code)."""
    if any(Path(font.path).is_file() for font in KNOWN_CJK_FONTS):
        return True
    try:
        listed = subprocess.run(
            ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, check=False
        )
    except OSError:
        return False
    return bool(listed.stdout.strip())


def bands(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(above, band): the rows above BAND_TOP and the rows from it down."""
    split = int(frame.shape[0] * BAND_TOP)
    return frame[:split], frame[split:]


# --------------------------------------------------------------------- in the video
@pytest.fixture(scope="module")
def encoded_pair(examples: Path, tmp_path_factory: pytest.TempPathFactory):
    """A 2 s still of a real photo, encoded without and with a caption shown 0.4-1.2 s."""
    photo = Image.open(examples / "einstein_bw.jpg").convert("RGB").resize((320, 426))
    frame = np.asarray(photo)
    n_frames, rate = 2 * FPS, 16000
    audio = np.zeros(n_frames * rate // FPS, np.float32)
    out = tmp_path_factory.mktemp("captions")
    common = {"n_frames": n_frames, "fps": FPS, "audio": audio, "sample_rate": rate}
    plain = write_video([frame] * n_frames, path=out / "plain.mp4", **common)
    captioned = write_video(
        [frame] * n_frames,
        path=out / "captioned.mp4",
        captions=[Cue("Hello there, nice to meet you.", 0.4, 1.2)],
        **common,
    )
    return decode(plain), decode(captioned)


def test_a_caption_shows_in_the_bottom_band_exactly_while_its_cue_lasts(encoded_pair) -> None:
    plain, captioned = encoded_pair
    assert len(plain.frames) == len(captioned.frames) == 2 * FPS
    shown = range(10, 30)  # frames whose start time lies in [0.4, 1.2) s at 25 fps
    for index, (without, with_caption) in enumerate(
        zip(plain.frames, captioned.frames, strict=True)
    ):
        above_without, band_without = bands(without)
        above_with, band_with = bands(with_caption)
        assert psnr(above_without, above_with) > SAME_DB, f"frame {index} changed above the band"
        band_db = psnr(band_without, band_with)
        if index in shown:
            assert band_db < CHANGED_DB, f"frame {index} has no caption ({band_db:.1f} dB)"
        else:
            assert band_db > SAME_DB, f"frame {index} has a caption ({band_db:.1f} dB)"


def test_the_caption_is_white_text_with_a_dark_edge(encoded_pair) -> None:
    plain, captioned = encoded_pair
    _, band_without = bands(plain.frames[20])
    _, band_with = bands(captioned.frames[20])
    white = band_with.min(axis=-1) > 225
    assert white.sum() > 100  # the letters
    assert (band_without.min(axis=-1) > 225).sum() < 10  # the photo itself has no such white
    dark = band_with.max(axis=-1) < 40
    assert dark.sum() > (band_without.max(axis=-1) < 40).sum() + 100  # outline and band


@pytest.mark.slow
def test_a_rendered_line_is_captioned_only_when_asked(
    pipeline: TalkingPhotoPipeline, examples: Path, tmp_path: Path
) -> None:
    line = "Hello there, nice to meet you."
    results = [
        pipeline.render(
            RenderRequest(
                examples / "smiling_woman_256.png",
                text=line,
                captions=captions,
                output=tmp_path / f"captions-{captions}.mp4",
            )
        )
        for captions in (False, True)
    ]
    plain, captioned = (decode(result.video) for result in results)
    # Piper varies its timing a little from call to call, so the two renders can differ in
    # length and mouth shapes; the first frame, before any word, is the same in both.
    common = min(len(plain.frames), len(captioned.frames))
    for index in (0, common // 2, common - 1):  # the one cue lasts the whole line
        _, band_without = bands(plain.frames[index])
        _, band_with = bands(captioned.frames[index])
        assert psnr(band_without, band_with) < CHANGED_DB, f"frame {index} has no caption"
    above_without, _ = bands(plain.frames[0])
    above_with, _ = bands(captioned.frames[0])
    assert psnr(above_without, above_with) > SAME_DB
    subtitles = [result.subtitles.read_text(encoding="utf-8") for result in results]
    assert all(line in text for text in subtitles)  # the SRT is written either way


@pytest.mark.slow
def test_an_own_recording_is_captioned_with_what_whisper_heard(
    pipeline: TalkingPhotoPipeline,
    examples: Path,
    data_dir: Path,
    english_reference: str,
    tmp_path: Path,
) -> None:
    from pipelines.speech.asr import word_error_rate

    result = pipeline.render(
        RenderRequest(
            examples / "smiling_woman_256.png",
            audio=data_dir / "english_speech_16k.wav",
            captions=True,
            output=tmp_path / "own-voice.mp4",
        )
    )
    assert not any("no captions" in warning for warning in result.warnings)
    heard = " ".join(srt_cue_texts(result.subtitles))
    assert word_error_rate(english_reference, heard) <= 0.25, heard
    assert result.video.is_file()


# --------------------------------------------------------------------- fonts
@pytest.mark.skipif(not system_has_cjk_font(), reason="no Chinese font installed (fonts-noto-cjk)")
def test_chinese_captions_are_drawn_with_real_glyphs_not_boxes() -> None:
    assert font_covers(load_caption_font(24), "你好，世界")
    # Two missing glyphs look alike (the same empty box), so swapped characters would match.
    hello, swapped = draw_caption("你好", 320, 240), draw_caption("好你", 320, 240)
    assert hello is not None and swapped is not None
    assert hello.premultiplied.shape == swapped.premultiplied.shape
    assert not np.array_equal(hello.premultiplied, swapped.premultiplied)


def test_the_coverage_check_spots_a_font_without_chinese() -> None:
    from PIL import ImageFont

    try:
        dejavu = ImageFont.truetype("DejaVuSans.ttf", 24)
    except OSError:
        pytest.skip("DejaVu Sans is not installed")
    assert font_covers(dejavu, "Hello, world")
    assert not font_covers(dejavu, "你好")


# --------------------------------------------------------------------- layout
def test_lines_fit_the_width_and_keep_every_word() -> None:
    font = load_caption_font(20)
    english = "Imagination is more important than knowledge, for knowledge is limited."
    lines = wrap_to_width(english, font, 180)
    assert len(lines) > 1
    assert all(font.getlength(line) <= 180 for line in lines)
    assert " ".join(lines) == english

    long_word = "Pneumonoultramicroscopicsilicovolcanoconiosis"
    broken = wrap_to_width(long_word, font, 120)
    assert len(broken) > 1 and "".join(broken) == long_word
    assert all(font.getlength(line) <= 120 for line in broken)
    assert wrap_to_width("   ", font, 120) == []


def test_chinese_lines_break_between_characters_not_before_punctuation() -> None:
    font = load_caption_font(20)
    chinese = "你好，很高兴见到你。今天天气真好，我们去公园散步吧！"
    lines = wrap_to_width(chinese, font, 140)
    assert len(lines) > 1 and "".join(lines) == chinese
    assert not any(line[0] in "，。！" for line in lines)
    assert join_srt_lines(["你好你好", "世界"]) == "你好你好世界"
    assert join_srt_lines(["Hello", "world"]) == "Hello world"


@pytest.mark.parametrize(("width", "height"), [(512, 512), (200, 600), (900, 300), (40, 30)])
def test_a_long_caption_stays_inside_the_frame_and_above_the_mark(width: int, height: int) -> None:
    text = "A rather long caption that will never fit on one line of any reasonable frame."
    drawn = draw_caption(text, width, height)
    if drawn is None:  # only a frame too small to hold anything may draw nothing
        assert height < 100
        return
    h, w = drawn.inverse.shape[:2]
    assert drawn.x >= 0 and drawn.x + w <= width
    assert drawn.y >= 0 and drawn.y + h <= height * 0.95  # the corner mark sits below
    assert abs((drawn.x + w / 2) - width / 2) <= 1  # centred
    if width >= 200:
        assert w <= width * 0.9 + 1


def test_the_track_follows_the_srt_and_names_who_speaks() -> None:
    rate = 16000
    first = Speech(np.zeros(rate, np.float32), rate, cues=(Cue("Do you remember?", 0.0, 1.0),))
    long_text = " ".join(["Of course I do, it was the best day of our lives."] * 3)
    second = Speech(np.zeros(2 * rate, np.float32), rate, cues=(Cue(long_text, 0.0, 2.0),))
    timeline = lay_out(
        [Turn(0, "Do you remember?"), Turn(1, long_text)],
        [first, second],
        gap_s=0.5,
        names={1: "Anna"},
    )
    track = CaptionTrack(timeline.cues, FPS, 320, 240)
    assert track.text_at(0.5) == "Person 1: Do you remember?"
    assert track.text_at(1.25) is None  # the gap between the turns
    pieces = split_cue(timeline.cues[1])
    assert len(pieces) > 1
    for lines, start, end in pieces:
        assert track.text_at((start + end) / 2) == join_srt_lines(lines)
    assert track.text_at(pieces[0][1]).startswith("Anna: ")
    assert track.text_at(timeline.duration) is None
