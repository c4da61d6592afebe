"""Face motion planned from real Piper speech (the offline voice), checked against its audio."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import butter, sosfiltfilt

from pipelines.errors import BadInputError
from pipelines.motion.planner import (
    DEFAULT_LEAD_S,
    Utterance,
    frame_count,
    phoneme_events,
    plan_face_motion,
)
from pipelines.motion.visemes import PHONEME_LABEL_DELAY_S, REST_SHAPE, phone_segments
from pipelines.protocols import Voice
from pipelines.types import MOODS, FaceMotion, Phoneme, Speech

FPS = 25
CURVES = ("jaw_open", "lip_round", "lip_wide", "lip_press", "lip_bite", "blink", "smile", "brow")
RANGES = {
    "jaw_open": (0, 1),
    "lip_round": (0, 1),
    "lip_wide": (-1, 1),
    "lip_press": (0, 1),
    "lip_bite": (0, 1),
    "blink": (0, 1),
    "smile": (0, 1),
    "brow": (-1, 1),
}
SENTENCES = (
    "Hello there! Nice to meet you, my friend. How are you today?",
    "I never thought I would see the ocean again, but here we are, standing on the beach.",
    "Please remember to buy milk, bread and some fresh apples on your way home.",
)


@pytest.fixture(scope="module")
def voice():
    from pipelines.speech.piper_voice import PiperSpeech

    return PiperSpeech()


@pytest.fixture(scope="module")
def hello(voice) -> Speech:
    return voice.synthesize(SENTENCES[0], Voice())


def speaker_motion(speech: Speech, **options) -> FaceMotion:
    n_frames = frame_count(speech.duration, FPS)
    return plan_face_motion(0, n_frames, FPS, utterances=[Utterance(0.0, speech)], **options)


def speech_band_envelope(speech: Speech, n_frames: int, fps: int = FPS) -> np.ndarray:
    """Log energy of the 300-3000 Hz band in 40 ms windows centred on each frame, 0..1."""
    sos = butter(4, [300, 3000], btype="bandpass", fs=speech.sample_rate, output="sos")
    power = sosfiltfilt(sos, speech.audio.astype(np.float64)) ** 2
    half = int(0.02 * speech.sample_rate)
    centres = (np.arange(n_frames) * speech.sample_rate / fps).astype(int)
    energy = np.array([power[max(0, c - half) : c + half].mean() for c in centres])
    level = 10 * np.log10(energy + 1e-12)
    return np.clip((level - np.percentile(level, 97) + 30) / 30, 0, 1)


def leading_lag(mouth: np.ndarray, sound: np.ndarray, max_lag: int = 6) -> float:
    """Frames by which mouth leads sound (negative: trails), from the cross-correlation peak,
    refined to a fraction of a frame by a parabola through the peak."""
    a, b = mouth - mouth.mean(), sound - sound.mean()
    lags = np.arange(-max_lag, max_lag + 1)
    corr = np.array(
        [
            np.dot(a[max(0, -k) : len(a) - max(0, k)], b[max(0, k) : len(b) - max(0, -k)])
            for k in lags
        ]
    )
    i = int(np.argmax(corr))
    offset = 0.0
    if 0 < i < len(corr) - 1:
        y0, y1, y2 = corr[i - 1 : i + 2]
        offset = 0.5 * (y0 - y2) / (y0 - 2 * y1 + y2)
    return float(lags[i] + offset)


def check_well_formed(motion: FaceMotion, n_frames: int) -> None:
    for name in CURVES:
        curve = getattr(motion, name)
        assert curve.dtype == np.float32, name
        assert curve.shape == (n_frames,), name
        assert np.isfinite(curve).all(), name
        low, high = RANGES[name]
        assert curve.min() >= low and curve.max() <= high, name
    assert motion.head.dtype == np.float32
    assert motion.head.shape == (n_frames, 3)
    assert np.isfinite(motion.head).all()


def test_frame_count() -> None:
    assert frame_count(2.0, 25) == 50
    assert frame_count(2.03, 25) == 51
    assert frame_count(0.001, 25) == 1


@pytest.mark.parametrize("text", SENTENCES)
def test_mouth_leads_the_sound_by_one_to_two_frames(voice, text: str) -> None:
    speech = voice.synthesize(text, Voice())
    motion = speaker_motion(speech)
    envelope = speech_band_envelope(speech, motion.n_frames)
    lag = leading_lag(motion.jaw_open, envelope)
    assert 0.8 <= lag <= 2.2, f"mouth leads the sound by {lag:.2f} frames"
    assert round(lag) in (1, 2)
    # Without the lead, the mouth is on the sound: proves the lead comes from lead_s.
    in_step = leading_lag(speaker_motion(speech, lead_s=0.0).jaw_open, envelope)
    assert -0.5 <= in_step <= 0.6, f"without lead the lag is {in_step:.2f} frames"
    assert np.corrcoef(speaker_motion(speech, lead_s=0.0).jaw_open, envelope)[0, 1] > 0.35


def test_mouth_closes_in_the_pause_between_sentences(voice) -> None:
    speech = voice.synthesize("I am here. You are there.", Voice())
    motion = speaker_motion(speech)
    phonemes = speech.phonemes
    stop = next(i for i, p in enumerate(phonemes) if p.symbol == ".")
    pause_start, pause_end = phonemes[stop].start, phonemes[stop + 1].end
    assert pause_end - pause_start >= 0.2
    times = np.arange(motion.n_frames) / FPS
    # The mouth may start opening for the next word lead_s (+ label delay) before its sound.
    inside = (times >= pause_start) & (times <= pause_end - 0.15)
    assert inside.sum() >= 3
    assert motion.jaw_open[inside].max() < 0.05
    assert motion.jaw_open.max() > 0.3  # while the mouth does open for the words
    # The lips touch in the pause (the renderer seals lips the photo shows parted). They begin
    # to leave for the next word (You) earlier than the jaw moves (its coarticulation rises ahead
    # of it), and Piper samples its durations anew each run (VITS noise), so a frame 0.15 s
    # ahead of the word once read 0.139: the lips are looked at until 0.2 s before it.
    pressed = (times >= pause_start) & (times <= pause_end - 0.2)
    assert pressed.sum() >= 3
    assert motion.lip_press[pressed].min() >= REST_SHAPE[3] - 0.01


def test_the_m_of_mama_closes_the_lips(voice) -> None:
    speech = voice.synthesize("Mama.", Voice())
    motion = speaker_motion(speech)
    ms = [p for p in speech.phonemes if p.symbol == "m"]
    assert len(ms) == 2
    for m in ms:
        # The lips articulate the m lead_s (plus Piper's label delay) before it sounds.
        centre = (m.start + m.end) / 2 - DEFAULT_LEAD_S - PHONEME_LABEL_DELAY_S
        frame = round(centre * FPS)
        assert motion.lip_press[frame] > 0.5, f"m at {centre:.2f} s"
        assert motion.jaw_open[frame] < 0.15, f"m at {centre:.2f} s"
    vowel = next(p for p in speech.phonemes if "ɑ" in p.symbol)
    frame = round(((vowel.start + vowel.end) / 2 - DEFAULT_LEAD_S) * FPS)
    assert motion.jaw_open[frame] > 0.35


def test_speaker_curves_are_well_formed_for_every_mood(hello) -> None:
    n_frames = frame_count(hello.duration, FPS)
    for mood in MOODS:
        motion = speaker_motion(hello, mood=mood)
        check_well_formed(motion, n_frames)
        assert motion.face_index == 0


def test_same_seed_same_motion_other_seed_other_motion(hello) -> None:
    first, again = speaker_motion(hello, seed=7), speaker_motion(hello, seed=7)
    other = speaker_motion(hello, seed=8)
    for name in (*CURVES, "head"):
        assert np.array_equal(getattr(first, name), getattr(again, name)), name
    # The lips follow the speech; only the listener's breath depends on the seed.
    assert np.abs(first.jaw_open - other.jaw_open).max() < 0.015
    assert not np.array_equal(first.head, other.head)


def test_still_keeps_the_head_still_but_not_the_face(hello) -> None:
    motion = speaker_motion(hello, still=True)
    assert not motion.head.any()
    assert motion.jaw_open.max() > 0.3
    moving = speaker_motion(hello)
    assert np.array_equal(motion.jaw_open, moving.jaw_open)
    assert np.array_equal(motion.blink, moving.blink)


def test_head_moves_smoothly_and_nods_while_speaking(hello) -> None:
    motion = speaker_motion(hello)
    head = motion.head.astype(np.float64)
    assert np.abs(head).max() < 5.0
    assert np.abs(np.diff(head, axis=0)).max() < 0.8  # degrees per frame
    assert np.abs(np.diff(head, n=2, axis=0)).max() < 0.4  # degrees per frame squared
    assert head[:, 1].min() < -1.0  # at least one nod of a degree or more
    assert np.abs(head[0]).max() < 1e-3  # starts from the photo's own pose


def test_listener_keeps_the_mouth_closed() -> None:
    motion = plan_face_motion(1, 30 * FPS, FPS, mood="happy", seed=3)
    check_well_formed(motion, 30 * FPS)
    # The video opens on the photo's own mouth; the lips' rest contact eases in.
    assert motion.lip_press[0] < 0.01
    assert np.all(np.diff(motion.lip_press[:15]) >= -1e-6)
    assert motion.lip_press[15:].min() == pytest.approx(REST_SHAPE[3], abs=1e-3)
    assert motion.face_index == 1
    assert motion.jaw_open.max() < 0.05
    assert motion.lip_round.max() == 0 and motion.lip_bite.max() == 0
    assert motion.blink.max() == pytest.approx(1.0)
    assert np.abs(motion.head).max() > 0.3  # idle motion, not a frozen face


def test_mood_sets_smile_and_brows_on_top_of_the_photo_smile(hello) -> None:
    def settled(mood: str, base: float = 0.0) -> FaceMotion:
        return plan_face_motion(0, 5 * FPS, FPS, mood=mood, base_smile=base)

    late = slice(2 * FPS, None)
    happy, neutral, sad = settled("happy"), settled("neutral"), settled("sad")
    assert 0.5 <= happy.smile[late].mean() <= 0.7
    assert 0.05 <= neutral.smile[late].mean() <= 0.15
    assert sad.smile[late].max() == 0.0
    assert sad.brow[late].mean() == pytest.approx(-0.4, abs=0.05)
    assert settled("surprised").brow[late].mean() == pytest.approx(0.6, abs=0.05)
    assert settled("angry").brow[late].mean() == pytest.approx(-0.6, abs=0.05)
    # A smiling photo only gets what it lacks: 0.8 + 0.6 is clamped to 1, so 0.2 is added.
    assert settled("happy", base=0.8).smile[late].max() == pytest.approx(0.2, abs=1e-6)
    assert settled("happy", base=1.0).smile.max() == 0.0
    assert settled("neutral", base=0.3).smile[late].mean() == pytest.approx(0.1, abs=0.01)
    assert settled("sad", base=0.3).smile.max() == 0.0
    excited = settled("excited")
    assert np.abs(excited.head).max() > np.abs(sad.head).max()
    assert happy.smile[0] == pytest.approx(0.0, abs=1e-6)  # fades in from the photo


def test_brows_rise_on_emphasis(hello) -> None:
    brow = speaker_motion(hello).brow
    assert brow.max() > 0.1  # neutral mood holds 0; accents raise it


def test_speech_past_the_end_is_cut_and_turns_are_placed(hello) -> None:
    n_frames = 4 * FPS
    late = Utterance(3.5, hello)
    motion = plan_face_motion(0, n_frames, FPS, utterances=[late])
    check_well_formed(motion, n_frames)
    assert motion.jaw_open[: 3 * FPS].max() < 0.05  # silent until its turn
    assert motion.jaw_open[3 * FPS :].max() > 0.2
    beyond = plan_face_motion(0, n_frames, FPS, utterances=[Utterance(10.0, hello)])
    assert beyond.jaw_open.max() < 0.05


def test_two_turns_of_one_face(hello) -> None:
    gap_start = hello.duration
    second = np.ceil((gap_start + 2.0) * FPS) / FPS  # on a frame, so both turns sample alike
    n_frames = frame_count(second + hello.duration, FPS)
    turns = [Utterance(0.0, hello), Utterance(second, hello)]
    motion = plan_face_motion(0, n_frames, FPS, utterances=turns)
    check_well_formed(motion, n_frames)
    first = motion.jaw_open[: int(gap_start * FPS)]
    between = motion.jaw_open[int((gap_start + 0.3) * FPS) : int((second - 0.3) * FPS)]
    later = motion.jaw_open[int(second * FPS) :]
    assert first.max() > 0.3 and later.max() > 0.3
    assert between.max() < 0.05
    assert np.corrcoef(first, later[: len(first)])[0, 1] > 0.95


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(BadInputError):
        plan_face_motion(0, 0, FPS)
    with pytest.raises(BadInputError):
        plan_face_motion(0, 10, FPS, mood="bored")  # type: ignore[arg-type]


def timed(symbols: list[str], step: float, start: float) -> list[Phoneme]:
    return [Phoneme(s, start + i * step, start + (i + 1) * step) for i, s in enumerate(symbols)]


def test_events_take_accents_from_stress_marks() -> None:
    phonemes = [
        Phoneme(" ", 0.0, 0.1),
        Phoneme("h", 0.1, 0.15),
        Phoneme("ə", 0.15, 0.2),
        Phoneme("l", 0.2, 0.25),
        Phoneme("ˈoʊ", 0.25, 0.4),
        Phoneme(".", 0.4, 0.5),
        Phoneme(" ", 0.5, 0.8),
        Phoneme("ˌ", 0.8, 0.85),
        Phoneme("s", 0.85, 0.9),  # a stress mark before a consonant: the next vowel is stressed
        Phoneme("ɛ", 0.9, 1.0),
        Phoneme(" ", 1.0, 1.1),
    ]
    audio = np.zeros(int(1.1 * 16000), np.float32)
    events = phoneme_events(phone_segments(phonemes), audio, 16000)
    delay = PHONEME_LABEL_DELAY_S
    assert np.allclose(events.accents, [(0.25 - delay, 1.0), (0.9 - delay, 0.5)])
    assert len(events.spans) == 2
    assert events.spans[0] == pytest.approx((0.1 - delay, 0.4 - delay))
    assert events.spans[1][0] == pytest.approx(0.8 - delay)
    assert [round(a + delay, 3) for a, _ in events.pauses] == [0.0, 0.4, 1.0]


def test_events_without_stress_marks_pick_long_loud_vowels() -> None:
    rate = 16000
    t = np.arange(int(1.0 * rate)) / rate
    loud = (t > 0.5 + PHONEME_LABEL_DELAY_S) * 0.1 * np.sin(2 * np.pi * 200 * t)
    audio = (0.01 * np.sin(2 * np.pi * 200 * t) + loud).astype(np.float32)
    phonemes = timed(["t", "ə", "t", "ɑ", "t", "ɪ"], step=0.1, start=0.2)
    accents = phoneme_events(phone_segments(phonemes), audio, rate).accents
    assert [round(a + PHONEME_LABEL_DELAY_S, 3) for a, _ in accents] == [0.5, 0.7]
    assert max(accents, key=lambda a: a[1])[1] == 1.0


# --- The user's own recording: no phonemes, the mouth follows the audio. ---


@pytest.fixture(scope="module")
def recording(data_dir) -> Speech:
    import soundfile

    samples, rate = soundfile.read(data_dir / "english_speech_16k.wav", dtype="float32")
    if samples.ndim == 2:
        samples = samples.mean(axis=1)
    return Speech(samples, rate)


def silent_frames(envelope: np.ndarray, margin: int = 3) -> np.ndarray:
    """Frames whose neighbourhood (+-margin frames) is all near the clip's noise floor."""
    quiet = envelope <= 0.0
    padded = np.pad(quiet, margin, constant_values=False)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * margin + 1)
    return windows.all(axis=1)


def test_recording_moves_the_mouth_with_its_energy(recording) -> None:
    motion = speaker_motion(recording)
    check_well_formed(motion, motion.n_frames)
    envelope = speech_band_envelope(recording, motion.n_frames)
    lag = leading_lag(motion.jaw_open, envelope)
    assert 0.8 <= lag <= 2.2, f"mouth leads the sound by {lag:.2f} frames"
    k = round(lag)
    aligned = np.corrcoef(motion.jaw_open[:-k], envelope[k:])[0, 1]
    assert aligned > 0.6
    assert np.corrcoef(speaker_motion(recording, lead_s=0.0).jaw_open, envelope)[0, 1] > 0.6
    assert 0.4 <= motion.jaw_open.max() <= 0.7


def test_recording_silences_close_the_mouth(recording) -> None:
    motion = speaker_motion(recording)
    silent = silent_frames(speech_band_envelope(recording, motion.n_frames))
    assert silent.sum() >= 5  # the clip has two pauses of ~0.3 s
    assert motion.jaw_open[silent].max() < 0.03
    assert motion.lip_press[silent].min() > 0.1


def test_quiet_and_loud_recordings_move_alike(recording) -> None:
    loud = speaker_motion(recording)
    quiet = speaker_motion(Speech(recording.audio * 0.03, recording.sample_rate))
    assert np.abs(loud.jaw_open - quiet.jaw_open).max() < 0.02


def test_background_noise_does_not_open_the_mouth(recording) -> None:
    rng = np.random.default_rng(0)
    hiss = rng.normal(0.0, 0.02, len(recording.audio)).astype(np.float32)  # SNR ~20 dB
    noisy = Speech(recording.audio + hiss, recording.sample_rate)
    motion = speaker_motion(noisy)
    silent = silent_frames(speech_band_envelope(recording, motion.n_frames))
    assert motion.jaw_open[silent].max() < 0.05
    assert motion.jaw_open.max() > 0.4


def test_recording_lip_shape_is_modest(recording) -> None:
    motion = speaker_motion(recording)
    assert motion.lip_wide.std() > 0.02 and motion.lip_round.std() > 0.02
    assert np.abs(motion.lip_wide).max() <= 0.3 + 1e-6
    assert motion.lip_round.max() <= 0.3 + 1e-6
    assert motion.lip_bite.max() == 0.0


def test_silent_recording_keeps_the_mouth_shut() -> None:
    silence = Speech(np.zeros(16000, np.float32), 16000)
    motion = speaker_motion(silence)
    assert motion.jaw_open.max() < 0.05
