"""Group conversations with the real offline models on real two-person photos."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile

from pipelines import BadInputError, LimitExceeded, Settings, TalkingPhotoPipeline
from pipelines.config import Limits
from pipelines.conversation import (
    Turn,
    assign_voices,
    load_script,
    parse_script,
    parse_script_text,
    render_conversation,
)
from pipelines.conversation.chinese import check_turn_zh
from pipelines.conversation.writer import (
    CONVERSATION_TEMPLATES,
    check_turn,
    echoes,
    shares_run,
    speaking_order,
    write_conversation,
)
from pipelines.dialogue.checks import validate_line
from pipelines.dialogue.checks_zh import inspect_line_zh
from pipelines.faces import faces_to_animate
from pipelines.faces.mediapipe_faces import MediaPipeFaces
from pipelines.render import check_length
from pipelines.timeline import lay_out, speaker_label
from pipelines.types import Photo
from tests.media_measures import decode, median_f0
from tests.scenes import couple_scene

SCRIPT = (
    Turn(0, "Do you remember the day we took this picture?"),
    Turn(1, "Of course I do. It rained the whole afternoon."),
    Turn(0, "I still have that old umbrella."),
)
SRT_BLOCK = re.compile(
    r"\d+\n(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})\n(.+?)(?:\n\n|\n?$)",
    re.DOTALL,
)


# --------------------------------------------------------------------- helpers
def _read_srt(path: Path) -> list[tuple[float, float, str]]:
    cues = []
    for match in SRT_BLOCK.finditer(path.read_text(encoding="utf-8")):
        h1, m1, s1, ms1, h2, m2, s2, ms2 = (int(g) for g in match.groups()[:8])
        start = h1 * 3600 + m1 * 60 + s1 + ms1 / 1000
        end = h2 * 3600 + m2 * 60 + s2 + ms2 / 1000
        cues.append((start, end, " ".join(match.group(9).split())))
    return cues


def _lip_gaps(frames: list[np.ndarray], centres: list[tuple[float, float]]) -> np.ndarray:
    """(T, n) inner-lip gap (mesh points 13-14) of each face, re-detected on every frame.

    The gap is divided by the face's eye distance (mesh points 33-263) so faces of different
    sizes compare; NaN where the face was not found.
    """
    detector = MediaPipeFaces()
    gaps = np.full((len(frames), len(centres)), np.nan)
    for t, frame in enumerate(frames):
        found = detector.detect(Photo(np.ascontiguousarray(frame)))
        for k, (cx, cy) in enumerate(centres):
            if not found:
                continue
            face = min(found, key=lambda f: np.hypot(f.box.center[0] - cx, f.box.center[1] - cy))
            points = face.landmarks[:, :2]
            eyes = float(np.linalg.norm(points[33] - points[263]))
            gaps[t, k] = float(np.linalg.norm(points[13] - points[14])) / max(eyes, 1e-6)
    return gaps


def _spread(values: np.ndarray) -> float:
    values = values[np.isfinite(values)]
    return float(np.percentile(values, 95) - np.percentile(values, 5))


# --------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def two_people(pipeline: TalkingPhotoPipeline, examples: Path):
    photo = pipeline.load_photo(examples / "two_people.jpg")
    faces = pipeline.detect_faces(photo)
    return photo, faces, pipeline.describe_scene(photo, faces)


@pytest.fixture(scope="module")
def rendered(pipeline: TalkingPhotoPipeline, examples: Path, tmp_path_factory):
    """The three-turn script rendered on both two-person photos, with re-measured lip gaps."""
    out = tmp_path_factory.mktemp("conversation")
    results = {}
    for name in ("two_people.jpg", "couple_red_carpet.jpg"):
        stages: list[str] = []
        result = render_conversation(
            pipeline,
            examples / name,
            SCRIPT,
            output=out / f"{name}.mp4",
            progress=lambda stage, fraction, seen=stages: seen.append(stage),
        )
        video = decode(result.video)
        centres = [f.box.center for f in result.faces[:2]]
        gaps = _lip_gaps(video.frames, centres)
        results[name] = (result, video.frames, video.fps, video.audio_duration, gaps, stages)
    return results


# --------------------------------------------------------------------- scripts
def test_scripts_load_from_json_and_yaml(tmp_path: Path) -> None:
    as_json = tmp_path / "script.json"
    turns = [{"face": 0, "text": "Hello   there 👋"}, {"face": 1, "text": "Hi!"}]
    as_json.write_text(json.dumps(turns))
    as_yaml = tmp_path / "script.yaml"
    as_yaml.write_text("- face: 1\n  text: Good <b>morning</b>.\n- face: 0\n  text: Morning!\n")
    assert load_script(as_json, n_faces=2) == (Turn(0, "Hello there"), Turn(1, "Hi!"))
    assert load_script(as_yaml) == (Turn(1, "Good morning."), Turn(0, "Morning!"))
    wrapped = tmp_path / "wrapped.yml"
    wrapped.write_text("turns:\n  - {face: 0, text: One.}\n")
    assert load_script(wrapped) == (Turn(0, "One."),)


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ('[{"face": 2, "text": "Hi"}]', ".json", "no face 2; the photo has 2 face"),
        ('[{"face": 0, "text": "   "}]', ".json", "Turn 1: Please type something"),
        ('[{"face": "left", "text": "Hi"}]', ".json", "whole number"),
        ('[{"face": true, "text": "Hi"}]', ".json", "whole number"),
        ('[{"text": "Hi"}]', ".json", 'needs a "face"'),
        ('{"face": 0, "text": "Hi"}', ".json", "must be a list of turns"),
        ("[]", ".json", "has 0 turns"),
        ('[{"face": 0, "text": "Hi"', ".json", "not valid JSON"),
        ("- face: 0\n  text: [unclosed", ".yaml", "not valid YAML"),
    ],
)
def test_bad_scripts_are_refused_with_a_clear_message(
    tmp_path: Path, content: str, suffix: str, message: str
) -> None:
    path = tmp_path / f"script{suffix}"
    path.write_text(content)
    with pytest.raises(BadInputError, match=re.escape(message)):
        load_script(path, n_faces=2)


def test_typed_scripts_number_people_as_the_app_shows_them() -> None:
    typed = "1: Do you remember this day?\n\nPerson 2 - Of course I do.\n1) Good."
    assert parse_script_text(typed, n_faces=2) == (
        Turn(0, "Do you remember this day?"),
        Turn(1, "Of course I do."),
        Turn(0, "Good."),
    )
    assert parse_script_text('[{"face": 1, "text": "Hi."}]') == (Turn(1, "Hi."),)
    with pytest.raises(BadInputError, match="no person 3 in this photo"):
        parse_script_text("3: Hello.", n_faces=2)
    with pytest.raises(BadInputError, match="Line 2 of the script"):
        parse_script_text("1: Hello.\nHi there.")
    with pytest.raises(BadInputError, match="numbered from 1"):
        parse_script_text("0: Hello.")
    with pytest.raises(BadInputError, match="empty"):
        parse_script_text("  \n ")


def test_script_limits_turn_count_and_length(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match="13 turns"):
        parse_script([{"face": 0, "text": "Hi."}] * 13)
    with pytest.raises(LimitExceeded, match="Turn 2"):
        parse_script([{"face": 0, "text": "Hi."}, {"face": 1, "text": "x" * 50}], max_chars=40)
    with pytest.raises(BadInputError, match="does not exist"):
        load_script(tmp_path / "missing.yaml")


# --------------------------------------------------------------------- voices and timeline
def test_each_person_gets_a_distinct_voice_every_time(
    pipeline: TalkingPhotoPipeline, two_people
) -> None:
    _, faces, _ = two_people
    voices = assign_voices(faces)
    assert voices == assign_voices(faces) == assign_voices([1, 0])
    assert set(voices) == {0, 1} and voices[0] != voices[1]
    many = assign_voices(list(range(8)))
    assert len({(v.pitch_semitones, v.rate) for v in many.values()}) == 8
    # Measured: the voice set higher sounds clearly higher (Piper varies its intonation from
    # one synthesis to the next, so each voice's pitch is pooled over two syntheses).
    text = "Hello there, it is so good to see you again. I have been waiting all morning."
    pitches = []
    for index in (0, 1):
        speeches = [pipeline.speak(text, voices[index]) for _ in range(2)]
        audio = np.concatenate([speech.audio for speech in speeches])
        pitches.append(median_f0(audio, speeches[0].sample_rate))
    semitones = 12 * np.log2(pitches[1] / pitches[0])
    assert voices[1].pitch_semitones - voices[0].pitch_semitones == 6
    assert 3.0 < semitones < 8.0, pitches


def test_turns_are_laid_out_one_after_another(pipeline: TalkingPhotoPipeline) -> None:
    speeches = [pipeline.speak(t.text) for t in SCRIPT]
    timeline = lay_out(SCRIPT, speeches, gap_s=0.5, names={1: "Grandma"})
    rate = timeline.sample_rate
    lengths = [len(s.audio) for s in speeches]
    assert len(timeline.audio) == sum(lengths) + 2 * round(0.5 * rate)
    assert timeline.starts[1] == pytest.approx(lengths[0] / rate + 0.5, abs=1 / rate)
    assert [u.start for u in timeline.utterances[0]] == [timeline.starts[0], timeline.starts[2]]
    assert timeline.cues[0].text.startswith("Person 1: ")
    assert all(c.text.startswith("Grandma: ") for c in timeline.cues if "rained" in c.text)
    second = [c for c in timeline.cues if c.text.startswith("Grandma")]
    assert second[0].start == pytest.approx(timeline.starts[1] + speeches[1].cues[0].start)
    assert speaker_label(3) == "Person 4"


def test_limits_on_faces_and_length_are_enforced(two_people) -> None:
    _, faces, _ = two_people
    assert [f.index for f in faces_to_animate(faces, [1], max_faces=1)] == [1]
    with pytest.raises(LimitExceeded, match="at most 1 faces"):
        faces_to_animate(faces, [0, 1], max_faces=1)
    short = TalkingPhotoPipeline(Settings(limits=Limits(max_video_seconds=5)))
    check_length(4.9, short.settings, "The conversation")
    with pytest.raises(LimitExceeded, match="limit is 5 s"):
        check_length(6.0, short.settings, "The conversation")


# --------------------------------------------------------------------- writing
def test_every_template_turn_is_a_valid_first_person_line() -> None:
    for mood, kinds in CONVERSATION_TEMPLATES.items():
        for lines in kinds.values():
            for line in lines:
                assert validate_line(line) == line, (mood, line)


def test_turn_checks_refuse_echoes_and_copies() -> None:
    before = (Turn(0, "I love the sea air here."),)
    assert echoes("I love the sea air.", before[0].text)
    assert not echoes("Me too, I could stay all day.", before[0].text)
    assert shares_run("Yes, I remember that day well.", "yes I remember that day")
    assert check_turn("I love the sea air here, really.", before, 600)[0] is None
    assert check_turn("Yes, I remember that day. We laughed a lot.", before, 600)[1] == (
        "copied an example"
    )
    assert check_turn("Me too, I could stay all day.", before, 600) == (
        "Me too, I could stay all day.",
        "ok",
    )


def test_a_turn_may_not_state_a_feeling_its_mood_contradicts() -> None:
    turn = "Me too, I feel so happy here."
    assert check_turn(turn, (), 600, mood="happy") == (turn, "ok")
    assert check_turn(turn, (), 600, mood="sad")[1] == "contradicts the mood: I feel so happy"
    scene = couple_scene(("grey", "red"))
    said = "我也这么觉得，我今天特别开心！"
    assert check_turn_zh(said, scene, (), 600, "happy") == (said, "ok")
    assert check_turn_zh(said, scene, (), 600, "angry")[1] == "contradicts the mood: 开心"


def test_turn_checks_refuse_invented_names_and_cut_off_sentences() -> None:
    assert check_turn("Me too, I miss Emma so much.", (), 600)[1] == "name"
    assert check_turn("Yes, I know the fact that.", (), 600)[1] == "cut off"
    named = "Oh, I love the Rialto sign up there!"
    assert check_turn(named, (), 600)[1] == "name"
    assert check_turn(named, (), 600, scene_text=("RIALTO",)) == (named, "ok")


@pytest.mark.slow
def test_the_model_writes_an_alternating_valid_dialogue(
    pipeline: TalkingPhotoPipeline, two_people
) -> None:
    _, faces, scene = two_people
    turns = write_conversation(pipeline, scene, faces, n_turns=3, moods="happy", seed=3)
    assert [t.face_index for t in turns] == [0, 1, 0]
    assert any(turn.source == "model" for turn in turns)
    for turn in turns:
        assert validate_line(turn.text) is not None, turn
    assert len({t.text for t in turns}) == 3


def test_template_dialogue_without_a_model(two_people) -> None:
    _, faces, scene = two_people
    templates = TalkingPhotoPipeline(Settings(dialogue_backend="template"))
    turns = write_conversation(templates, scene, faces, n_turns=6, moods={1: "sad"}, seed=1)
    assert [t.face_index for t in turns] == [0, 1, 0, 1, 0, 1]
    assert {t.source for t in turns} == {"template"}
    assert len({t.text for t in turns}) == 6
    assert all(validate_line(t.text) is not None for t in turns)
    sad_lines = {line for lines in CONVERSATION_TEMPLATES["sad"].values() for line in lines}
    assert all(t.text in sad_lines for t in turns if t.face_index == 1)
    assert turns == write_conversation(templates, scene, faces, 6, {1: "sad"}, seed=1)
    # on_turn sees each turn coming (who speaks next) and the whole script at the end.
    reported: list[tuple[int, int | None]] = []
    write_conversation(
        templates,
        scene,
        faces,
        6,
        {1: "sad"},
        seed=1,
        on_turn=lambda done, speaking: reported.append((len(done), speaking)),
    )
    assert reported == [(0, 0), (1, 1), (2, 0), (3, 1), (4, 0), (5, 1), (6, None)]


def test_a_conversation_needs_two_people_and_2_to_8_turns(two_people) -> None:
    _, faces, _ = two_people
    with pytest.raises(BadInputError, match="at least two people"):
        speaking_order(faces[:1], 4, 8)
    with pytest.raises(BadInputError, match="between 2 and 8"):
        speaking_order(faces, 9, 8)


# --------------------------------------------------------------------- rendering
@pytest.mark.slow
@pytest.mark.parametrize("name", ["two_people.jpg", "couple_red_carpet.jpg"])
def test_render_is_one_video_of_the_timeline_with_attributed_subtitles(rendered, name) -> None:
    result, frames, fps, audio_seconds, _, stages = rendered[name]
    assert [line.face_index for line in result.lines] == [0, 1, 0]
    assert [line.text for line in result.lines] == [t.text for t in SCRIPT]
    assert stages[0] == "faces" and stages[-1] == "done"
    wav_seconds = soundfile.info(str(result.audio)).duration
    assert len(frames) == round(wav_seconds * fps)
    assert result.duration == pytest.approx(wav_seconds, abs=1 / fps)
    assert audio_seconds == pytest.approx(wav_seconds, abs=0.05)
    cues = _read_srt(result.subtitles)
    labels = [text.split(":")[0] for _, _, text in cues]
    assert labels[0] == "Person 1" and "Person 2" in labels
    spoken = {"Person 1": SCRIPT[0].text + SCRIPT[2].text, "Person 2": SCRIPT[1].text}
    for (start, end, text), (next_start, _, _) in zip(cues, [*cues[1:], (1e9, 0, "")], strict=True):
        label, said = text.split(": ", 1)
        assert said in spoken[label]
        assert start < end <= next_start + 1e-3
    assert cues[-1][1] <= wav_seconds + 0.05


@pytest.mark.slow
@pytest.mark.parametrize("name", ["two_people.jpg", "couple_red_carpet.jpg"])
def test_only_the_speaker_moves_their_mouth(rendered, name) -> None:
    result, frames, fps, _, gaps, _ = rendered[name]
    cues = _read_srt(result.subtitles)
    assert np.isfinite(gaps).mean() > 0.9  # both faces found again in nearly every frame
    for speaker, listener in ((0, 1), (1, 0)):
        label = f"Person {speaker + 1}"
        times = np.arange(len(frames)) / fps
        speaking = np.zeros(len(frames), bool)
        for start, end, text in cues:
            if text.startswith(label):
                speaking |= (times >= start) & (times < end)
        speaker_range = _spread(gaps[speaking, speaker])
        listener_range = _spread(gaps[speaking, listener])
        assert speaker_range > 0.05, (name, speaker)
        assert listener_range < 0.3 * speaker_range, (name, speaker, listener_range)


def test_template_dialogue_in_chinese(two_people) -> None:
    _, faces, scene = two_people
    templates = TalkingPhotoPipeline(Settings(dialogue_backend="template"))
    turns = write_conversation(templates, scene, faces, n_turns=4, moods="happy", seed=2, lang="zh")
    assert [t.face_index for t in turns] == [0, 1, 0, 1]
    assert len({t.text for t in turns}) == 4
    for turn in turns:
        assert turn.source == "template"
        assert inspect_line_zh(turn.text)[0] == turn.text, turn


def test_chinese_turn_checks_refuse_assistant_talk_and_repeats(two_people) -> None:
    _, _, scene = two_people
    said = [Turn(0, "我们一起站在这里真开心。", "model")]
    assert check_turn_zh("作为一个AI，我没有感情。", scene, said, 600)[0] is None
    assert check_turn_zh("我们一起站在这里真开心！", scene, said, 600)[1] == "said before"
    assert check_turn_zh("是啊，我也觉得今天特别好。", scene, said, 600)[0] is not None


@pytest.mark.slow
@pytest.mark.timeout(1800)  # two turns of the 1.5B model, up to three tries each
def test_the_model_writes_a_chinese_dialogue(pipeline: TalkingPhotoPipeline, two_people) -> None:
    _, faces, scene = two_people
    turns = write_conversation(pipeline, scene, faces, n_turns=2, moods="happy", seed=3, lang="zh")
    assert [t.face_index for t in turns] == [0, 1]
    for turn in turns:
        assert inspect_line_zh(turn.text)[0] == turn.text, turn
