"""Viseme table, phone segmentation and coarticulation (pure numpy, no model)."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.motion.signal import INTERNAL_RATE, smooth, utterance_grid
from pipelines.motion.visemes import (
    CHANNELS,
    GAP,
    NEUTRAL,
    PAUSE,
    coarticulate,
    is_pause_symbol,
    phone_segments,
    phoneme_mouth,
    viseme_for,
)
from pipelines.types import Phoneme

JAW, ROUND, WIDE, PRESS, BITE = range(5)


def timed(symbols: list[str], step: float = 0.08, start: float = 0.0) -> list[Phoneme]:
    return [Phoneme(s, start + i * step, start + (i + 1) * step) for i, s in enumerate(symbols)]


@pytest.mark.parametrize("symbol", ["p", "b", "m"])
def test_bilabials_close_and_press(symbol: str) -> None:
    target = viseme_for(symbol).target
    assert target[PRESS] == 1.0
    assert target[JAW] <= 0.05


@pytest.mark.parametrize("symbol", ["f", "v"])
def test_labiodentals_bite(symbol: str) -> None:
    target = viseme_for(symbol).target
    assert target[BITE] == 1.0
    assert 0.0 < target[JAW] < 0.15


@pytest.mark.parametrize("symbol", ["o", "u", "uː", "ʊ", "ɔ", "ɔː", "w"])
def test_rounded_symbols_round(symbol: str) -> None:
    target = viseme_for(symbol).target
    assert target[ROUND] >= 0.6
    assert target[WIDE] < 0


@pytest.mark.parametrize("symbol", ["i", "iː", "ɪ", "e", "ɛ"])
def test_front_vowels_spread(symbol: str) -> None:
    target = viseme_for(symbol).target
    assert target[WIDE] >= 0.35
    assert target[ROUND] == 0.0
    assert 0.1 <= target[JAW] <= 0.45


@pytest.mark.parametrize("symbol", ["a", "ɑ", "ɑː", "æ", "ʌ"])
def test_open_vowels_open_the_jaw(symbol: str) -> None:
    assert viseme_for(symbol).target[JAW] >= 0.5


def test_open_vowels_open_wider_than_the_rest() -> None:
    open_jaw = min(viseme_for(s).target[JAW] for s in "aɑæ")
    others = "iɪeɛəɚoʊuθðtdnlszɹʃʒkɡŋhjw"
    assert all(viseme_for(s).target[JAW] < open_jaw for s in others)


def test_every_espeak_english_phone_has_a_viseme() -> None:
    phones = "pbmfvθðtdnlszɹrɾʃʒkɡŋhjwiɪeɛæaɑɒɔoʊuʌɐəɚɜᵻʔ"
    missing = [s for s in phones if viseme_for(s) is NEUTRAL]
    assert missing == []


def test_unknown_symbols_get_a_small_neutral_mouth() -> None:
    viseme = viseme_for("Q")
    assert viseme is NEUTRAL
    assert 0.0 < viseme.target[JAW] < 0.3


@pytest.mark.parametrize("symbol", [" ", ".", ",", "!", "?", "^", "$", "_", ";", "…"])
def test_pause_symbols(symbol: str) -> None:
    assert is_pause_symbol(symbol)
    assert viseme_for(symbol) is PAUSE
    assert PAUSE.target[JAW] == 0.0


def test_diacritics_and_length_marks_are_ignored() -> None:
    assert viseme_for("n̩") is viseme_for("n")
    assert viseme_for("iːʲ") is viseme_for("i")


def test_stress_mark_time_goes_to_the_next_phone_and_length_to_the_previous() -> None:
    segments = phone_segments(timed(["h", "ˈ", "a", "ː", "t"], step=0.05))
    assert [s.symbol for s in segments] == ["h", "aː", "t"]
    vowel = segments[1]
    assert vowel.start == pytest.approx(0.05)
    assert vowel.end == pytest.approx(0.20)
    assert vowel.stress == 1.0
    assert segments[0].stress == 0.0


def test_stress_inside_a_symbol_is_kept() -> None:
    segments = phone_segments(timed(["h", "ˌaɪ"]))
    assert segments[1].stress == 0.5


def test_multi_letter_symbols_split_in_time() -> None:
    segments = phone_segments([Phoneme("aʊ", 0.0, 0.2)])
    assert [s.symbol for s in segments] == ["a", "ʊ"]
    assert segments[0].end == pytest.approx(0.1)
    assert segments[1].viseme.category == "rounded"


def test_short_word_gaps_relax_and_long_pauses_close() -> None:
    phonemes = [
        Phoneme("^", 0.0, 0.05),
        Phoneme("h", 0.05, 0.1),
        Phoneme("a", 0.1, 0.2),
        Phoneme(" ", 0.2, 0.25),
        Phoneme("t", 0.25, 0.3),
        Phoneme(".", 0.3, 0.4),
        Phoneme(" ", 0.4, 0.6),
        Phoneme("i", 0.6, 0.7),
        Phoneme("$", 0.7, 0.72),
    ]
    segments = phone_segments(phonemes)
    visemes = [s.viseme for s in segments]
    assert visemes[0] is PAUSE  # the utterance's start always closes
    assert visemes[3] is GAP  # 50 ms word gap
    assert visemes[5] is PAUSE  # "." + " " merged: 300 ms
    assert segments[5].start == pytest.approx(0.3)
    assert segments[5].end == pytest.approx(0.6)
    assert visemes[-1] is PAUSE


def test_weak_consonant_takes_its_shape_from_its_neighbours() -> None:
    times = np.arange(0, 0.4, 1 / INTERNAL_RATE)
    segments = phone_segments(timed(["u", "k", "u"], step=0.1, start=0.05))
    curves = coarticulate(segments, times)
    centre_of_k = int(0.2 * INTERNAL_RATE)
    assert curves[centre_of_k, ROUND] > 0.6  # the k of "uku" stays rounded
    segments = phone_segments(timed(["i", "k", "i"], step=0.1, start=0.05))
    curves = coarticulate(segments, times)
    assert curves[centre_of_k, WIDE] > 0.5


def test_short_bilabial_closes_between_open_vowels() -> None:
    phonemes = [Phoneme("ɑ", 0.0, 0.15), Phoneme("m", 0.15, 0.175), Phoneme("ɑ", 0.175, 0.35)]
    curves, _ = phoneme_mouth(phonemes, 0.35, lead_s=0.0)
    grid = utterance_grid(0.35)
    open_vowel = curves[np.argmin(np.abs(grid - 0.05)), JAW]
    lips = curves[(grid > 0.1) & (grid < 0.2)]
    assert open_vowel > 0.5
    assert lips[:, PRESS].max() > 0.8
    assert lips[:, JAW].min() < 0.12


def test_lead_moves_the_whole_articulation_earlier() -> None:
    phonemes = timed([" ", "ɑ", " "], step=0.3)
    grid = utterance_grid(0.9)
    jaw_now = phoneme_mouth(phonemes, 0.9, lead_s=0.0)[0][:, JAW]
    jaw_early = phoneme_mouth(phonemes, 0.9, lead_s=0.1)[0][:, JAW]
    rise_now = grid[np.argmax(jaw_now > 0.3)]
    rise_early = grid[np.argmax(jaw_early > 0.3)]
    assert rise_early == pytest.approx(rise_now - 0.1, abs=1.5 / INTERNAL_RATE)


def test_smoothing_has_no_delay_and_no_overshoot() -> None:
    step = np.zeros(400)
    step[200:] = 1.0
    smoothed = smooth(step, INTERNAL_RATE)
    assert smoothed.min() >= -1e-6
    assert smoothed.max() <= 1.0 + 1e-6
    assert smoothed[199] + smoothed[200] == pytest.approx(1.0, abs=0.02)  # centred on the edge


def test_curves_rest_closed_far_from_speech() -> None:
    phonemes = timed(["ɑ"], step=0.2, start=1.0)
    curves, _ = phoneme_mouth(phonemes, 1.5, lead_s=0.06)
    grid = utterance_grid(1.5)
    far = curves[np.abs(grid - 1.1) > 0.5]
    assert far.shape[1] == len(CHANNELS)
    assert np.abs(far[:, JAW]).max() < 0.01
