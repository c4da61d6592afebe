"""Mandarin from end to end with the real models: the command line, Python and gradio_client.

Each video's soundtrack is transcribed by the multilingual whisper and compared with the line
(character error rate); subtitles, the language setting and the Chinese mouth are checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines import RenderRequest, TalkingPhotoPipeline
from pipelines.errors import BadInputError
from pipelines.speech.asr import character_error_rate, listen
from pipelines.text import resolve_language
from tests.cli_process import run_cli
from tests.launched_app import launched_app
from tests.media_measures import srt_cue_texts, stream_facts
from ui.strings import spoken_language

LINE = "你好，我在这里站了很久，今天终于可以跟你说话了。"


def test_lang_auto_follows_the_text_and_the_interface() -> None:
    assert resolve_language("auto", LINE) == "zh"
    assert resolve_language("auto", "我喜欢 Python and coffee。") == "zh"
    assert resolve_language("auto", "Hello there.") == "en"
    assert resolve_language("zh", "Hello there.") == "zh"
    assert resolve_language("auto", None, default="zh") == "zh"
    with pytest.raises(BadInputError, match="auto, en, zh"):
        resolve_language("fr", LINE)
    # The app: "auto" follows a typed line; with no line the 中文 interface speaks Chinese.
    assert spoken_language("auto", None, "zh") == "zh"
    assert spoken_language("auto", "Hello.", "zh") == "auto"
    assert spoken_language("auto", None, "en") == "en"
    assert spoken_language("en", None, "zh") == "en"


@pytest.mark.slow
def test_cli_render_says_a_chinese_line_lip_synced_with_chinese_subtitles(
    examples: Path, tmp_path: Path
) -> None:
    out = tmp_path / "zh.mp4"
    done = run_cli("render", str(examples / "einstein_bw.jpg"), "--say", LINE, "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert LINE in done.stdout and "zh-" in done.stdout  # a Mandarin voice spoke it
    facts = stream_facts(out)
    assert (facts["video_codec"], facts["audio_codec"]) == ("h264", "aac")
    assert abs(facts["video_seconds"] - facts["audio_seconds"]) <= 1.0 / facts["fps"]
    cues = srt_cue_texts(out.with_suffix(".srt"), joiner="")
    assert cues == ["你好，我在这里站了很久，", "今天终于可以跟你说话了。"]
    heard = listen(out.with_suffix(".wav"))
    assert heard.lang == "zh"
    assert character_error_rate(LINE, heard.text) <= 0.15, heard.text


@pytest.mark.slow
def test_cli_lang_zh_has_the_mandarin_voice_speak(examples: Path, tmp_path: Path) -> None:
    out = tmp_path / "zh.mp4"
    done = run_cli(
        "render",
        str(examples / "smiling_woman_256.png"),
        "--lang",
        "zh",
        "--say",
        "我三岁的时候就会说 OK。",
        "--captions",
        "-o",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert re.search(r"speaks as zh-(female|neutral|child)", done.stdout), done.stdout
    assert srt_cue_texts(out.with_suffix(".srt"), joiner="") == ["我三岁的时候就会说 OK。"]
    done = run_cli("render", str(examples / "einstein_bw.jpg"), "--lang", "fr", "--say", "Salut")
    assert done.returncode == 2 and "invalid choice" in done.stderr


@pytest.mark.slow
def test_python_render_of_a_long_chinese_line_gives_short_subtitles(
    pipeline: TalkingPhotoPipeline, examples: Path, tmp_path: Path
) -> None:
    text = (
        "昨天下午我们一起去了公园，看见很多孩子在草地上放风筝。还有几位老人在树下下棋，非常安静。"
    )
    result = pipeline.render(
        RenderRequest(examples / "mona_lisa.jpg", text=text, output=tmp_path / "long.mp4")
    )
    assert result.lines[0].lang == "zh"
    cues = srt_cue_texts(result.subtitles, joiner="")
    assert len(cues) >= 4 and all(len(cue) <= 16 for cue in cues)
    assert "".join(cues) == text


@pytest.fixture(scope="module")
def client(pipeline: TalkingPhotoPipeline) -> Iterator[object]:
    from gradio_client import Client

    with launched_app(pipeline) as url:
        yield Client(url, verbose=False)


@pytest.mark.slow
def test_gradio_client_renders_chinese_text_through_render_and_talk(client, examples: Path) -> None:
    from gradio_client import handle_file

    photo = handle_file(str(examples / "smiling_woman_256.png"))
    video, downloads, transcript, _ = client.predict(
        photo=photo,
        speaker=None,
        text="你好，很高兴见到你。",
        audio=None,
        mood="happy",
        rate=1.0,
        pitch=0,
        still=False,
        seed=0,
        consent=True,
        speech_lang="zh",
        api_name="/render",
    )
    assert transcript == "你好，很高兴见到你。"
    subtitles = next(Path(f) for f in downloads if f.endswith(".srt"))
    assert "很高兴见到你" in subtitles.read_text(encoding="utf-8")
    heard = listen(next(f for f in downloads if f.endswith(".wav")))
    assert heard.lang == "zh" and character_error_rate("你好很高兴见到你", heard.text) <= 0.25
    talked = client.predict(photo, "我在这里等你。", 0, "neutral", "auto", api_name="/talk")
    facts = stream_facts(talked)
    assert abs(facts["video_seconds"] - facts["audio_seconds"]) <= 1.0 / facts["fps"]
    assert Path(video).is_file()


@pytest.mark.slow
def test_a_chinese_conversation_gives_each_person_a_mandarin_voice(
    pipeline: TalkingPhotoPipeline, examples: Path, tmp_path: Path
) -> None:
    from pipelines.conversation import Turn

    script = [Turn(0, "你好，今天天气真好。"), Turn(1, "是啊，我们出去走走吧。")]
    result = pipeline.converse(
        examples / "two_people.jpg", script, output=tmp_path / "talk.mp4", lang="auto"
    )
    assert [line.lang for line in result.lines] == ["zh", "zh"]
    assert all(name.startswith("zh-") for name in result.voices.values()), result.voices
    assert set(result.voices) == {0, 1}  # two men: both zh-male, set apart by pitch
    assert "是啊" in result.subtitles.read_text(encoding="utf-8")
