"""Phoneme timings from a voice's per-symbol sample counts, shared by every voice.

A voice that knows how many audio samples each of its phoneme symbols lasts (Piper's
alignments, a VITS duration predictor) turns them into ``Phoneme``s in seconds here: length
marks and diacritics join their phone, stress marks join the next phone, boundary tokens become
a SILENCE gap, and the result spans the audio exactly.
"""

from __future__ import annotations

import logging
import unicodedata
from typing import Any

from pipelines.errors import BackendUnavailable
from pipelines.types import Phoneme

logger = logging.getLogger(__name__)

#: The symbol of a pause between words or phrases in the timings.
SILENCE = " "
#: IPA primary and secondary stress marks.
STRESS_MARKS = frozenset("ˈˌ")
#: Sentence start/end and padding tokens of the espeak-ng phoneme sets.
BOUNDARY_TOKENS = frozenset("^$_")
#: misaki's phoneme letters (hibari's and Kokoro's English) for sounds IPA writes with two
#: letters or another letter, written out so that the mouth reads them like Piper's.
MISAKI_TO_IPA: dict[str, str] = {
    "A": "eɪ",
    "I": "aɪ",
    "O": "oʊ",
    "Q": "əʊ",
    "W": "aʊ",
    "Y": "ɔɪ",
    "ʤ": "dʒ",
    "ʧ": "tʃ",
    "ᵊ": "ə",
    "T": "ɾ",
    "S": "s",
}


def merge_modifiers(pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Attaches length marks and diacritics to their phone, stress marks to the next phone.

    A stress mark's time goes to the token after it; its mark prefixes that token's symbol
    when it is a phone ("ˈɛ"). Boundary tokens become SILENCE and consecutive silences merge.
    Sample counts are kept: the output sums to the input.
    """
    merged: list[tuple[str, int]] = []
    stress, stress_samples = "", 0
    for phoneme, samples in pairs:
        if phoneme in STRESS_MARKS:
            stress, stress_samples = stress or phoneme, stress_samples + samples
            continue
        symbol = SILENCE if phoneme in BOUNDARY_TOKENS else phoneme
        is_modifier = all(unicodedata.category(c) in ("Lm", "Mn", "Sk") for c in symbol)
        is_phone = unicodedata.category(symbol[0]).startswith("L") and not is_modifier
        if is_phone:
            symbol = stress + symbol
        samples += stress_samples
        stress, stress_samples = "", 0
        if merged and is_modifier and merged[-1][0] != SILENCE:
            merged[-1] = (merged[-1][0] + symbol, merged[-1][1] + samples)
        elif merged and symbol == SILENCE and merged[-1][0] == SILENCE:
            merged[-1] = (SILENCE, merged[-1][1] + samples)
        else:
            merged.append((symbol, samples))
    if stress_samples and merged:
        merged[-1] = (merged[-1][0], merged[-1][1] + stress_samples)
    return merged


def fit_counts(pairs: list[tuple[str, int]], n_samples: int) -> list[tuple[str, int]]:
    """(symbol, samples) pairs adjusted at the end so that they sum to ``n_samples``.

    Too few samples lengthen the last pair; too many are taken from the last pairs, back to
    front (a pair emptied keeps 0 samples). The list is changed in place and returned.
    """
    excess = sum(n for _, n in pairs) - n_samples
    if excess:
        logger.debug("Phoneme samples are %+d off the audio; adjusting the end", excess)
    for index in range(len(pairs) - 1, -1, -1):
        if not excess:
            break
        symbol, samples = pairs[index]
        kept = max(0, samples - excess)
        excess -= samples - kept
        pairs[index] = (symbol, kept)
    return pairs


def timed_phonemes(tokens: list[tuple[str, int]], sample_rate: int) -> tuple[Phoneme, ...]:
    """Phonemes in seconds from (symbol, samples) tokens laid end to end from 0."""
    phonemes: list[Phoneme] = []
    cursor = 0
    for symbol, samples in tokens:
        if samples <= 0:
            continue
        if symbol == SILENCE and phonemes and phonemes[-1].symbol == SILENCE:
            phonemes[-1] = Phoneme(SILENCE, phonemes[-1].start, (cursor + samples) / sample_rate)
            cursor += samples
            continue
        phonemes.append(Phoneme(symbol, cursor / sample_rate, (cursor + samples) / sample_rate))
        cursor += samples
    return tuple(phonemes)


def expose_durations(model: Any, tensor: str, model_name: str, install_hint: str) -> Any:
    """The ONNX model with its inner per-symbol duration tensor added to the graph's outputs.

    VITS-like voices (hibari, Kokoro) compute how long each symbol lasts but return only the
    audio; asking for that tensor as well gives the timings the mouth follows.

    Args:
        model: A loaded ``onnx.ModelProto``; changed in place and returned.
        tensor: Name of the duration tensor inside the graph.
        model_name: The voice's model, for the error ("hibari model").
        install_hint: What reinstalls the right model, for the error.

    Raises:
        BackendUnavailable: No node of the graph produces ``tensor`` (another model).
    """
    import onnx

    if tensor not in {name for node in model.graph.node for name in node.output}:
        raise BackendUnavailable(f"The {model_name} has no {tensor} tensor; {install_hint}")
    if tensor not in {output.name for output in model.graph.output}:
        model.graph.output.append(
            onnx.helper.make_tensor_value_info(tensor, onnx.TensorProto.FLOAT, None)
        )
    return model
