"""Voices in the web app, called through gradio_client: the dropdown's names, preview, render.

Real photos and every real model behind the app; pitch is measured on what the app returns.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import soundfile

from pipelines.speech.catalogue import voice_choices, voice_names
from tests.launched_app import launched_app
from tests.media_measures import median_f0, stream_facts
from ui.strings import voice_choices as dropdown_choices


@pytest.fixture(scope="module")
def client(pipeline) -> Iterator[object]:
    from gradio_client import Client

    with launched_app(pipeline) as url:
        yield Client(url, verbose=False)


def _pitch(path: str | Path) -> float:
    audio, rate = soundfile.read(str(path), dtype="float32")
    return median_f0(audio if audio.ndim == 1 else audio.mean(axis=1), rate)


def test_the_dropdown_offers_auto_and_every_voice_in_both_languages() -> None:
    for lang in ("en", "zh"):
        choices = dropdown_choices(lang)
        assert [value for _, value in choices] == ["auto", *voice_names()]
        assert len({label for label, _ in choices}) == len(choices)
    assert dict((v, k) for k, v in dropdown_choices("zh"))["en-child"].startswith("英语 · 童声")
    assert dict((v, k) for k, v in dropdown_choices("en"))["en-child"].startswith("English")


@pytest.mark.slow
def test_preview_speaks_each_voice_and_refuses_unknown_ones(client, examples: Path) -> None:
    from gradio_client import handle_file

    pitches = {}
    for name in ("en-male", "en-child"):
        wav = client.predict(name, 1.0, 0, None, None, "en", api_name="/preview_voice")
        pitches[name] = _pitch(wav)
    assert pitches["en-child"] > 240 > 150 > pitches["en-male"], pitches
    # "auto" with a woman's photo previews the voice her face gets.
    photo = handle_file(str(examples / "woman_waterfall.jpg"))
    wav = client.predict("auto", 1.0, 0, photo, None, "en", api_name="/preview_voice")
    assert _pitch(wav) > 165
    with pytest.raises(Exception, match="en-female") as refused:
        client.predict("robot", 1.0, 0, None, None, "en", api_name="/preview_voice")
    for name in voice_choices():
        assert name in str(refused.value)


@pytest.mark.slow
def test_render_and_talk_take_a_voice_and_old_calls_still_work(client, examples: Path) -> None:
    from gradio_client import handle_file

    photo = handle_file(str(examples / "einstein_bw.jpg"))
    video, downloads, _, _ = client.predict(
        photo=photo,
        speaker=None,
        text="Hello there, nice to meet you.",
        audio=None,
        mood="neutral",
        rate=1.0,
        pitch=0,
        still=True,
        seed=0,
        consent=True,
        voice="en-child",
        api_name="/render",
    )
    wav = next(f for f in downloads if f.endswith(".wav"))
    assert _pitch(wav) > 240  # the child's voice, though Einstein's face would get a man's
    assert stream_facts(video)["audio_codec"] == "aac"
    # /talk without a voice (as before it existed): auto gives Einstein a man's voice.
    talked = client.predict(photo, "Good evening.", None, "neutral", api_name="/talk")
    assert stream_facts(talked)["video_codec"] == "h264"
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    for endpoint in ("/render", "/talk", "/preview_voice"):
        assert "voice" in [p["parameter_name"] for p in api[endpoint]["parameters"]], endpoint
