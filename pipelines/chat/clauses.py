"""Speaking a chat answer in pieces: its first clause as soon as the model has written it.

An answer is spoken piece by piece so the visitor hears something early: the first clause
(``first_clause``: Chinese cut after ，、；：。！？, English after , ; : . ! ? followed by a space,
never shorter than MIN_CLAUSE_HAN characters or MIN_CLAUSE_WORDS words), then the rest sentence
by sentence. Each piece is spoken on its own by the voice, which gives its own phoneme timings
(the lips follow them as for a whole line); ``speak_piece`` then trims the silence the voice
puts around a short text (Kokoro leaves ~0.45 s before and ~0.5 s after) so the pieces join
with a pause that fits the mark that ended them: PAUSE_AFTER_CLAUSE_S after a comma,
PAUSE_AFTER_SENTENCE_S after a full stop. The cuts fall in silence and fade over FADE_S, so a
join does not click.

``join_pieces`` puts the pieces back together (a space between English pieces, none between
Chinese ones) and ``remainder`` finds what a whole answer adds after the pieces already said.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from pipelines.text import detect_language, mark_inside_number, split_sentences
from pipelines.types import Cue, Phoneme, Speech

if TYPE_CHECKING:
    from pipelines.pipeline import TalkingPhotoPipeline
    from pipelines.protocols import Voice

logger = logging.getLogger(__name__)

__all__ = [
    "first_clause",
    "join_pieces",
    "remainder",
    "speak_piece",
    "split_clauses",
    "spoken_pieces",
    "trim_speech",
]

#: Marks after which a Chinese clause ends (no space needed after them).
CLAUSE_MARKS_ZH = "，、；：。！？"
#: Marks after which an English clause ends (when a space or the end follows).
CLAUSE_MARKS_EN = ",;:.!?"
#: Marks that end a clause but not a sentence.
PAUSE_MARKS = "，、；：,;:"
#: Chinese marks that end an early clause with nothing after them. Not 、, which parts the
#: items of a list: "我是来自绿色、" was once said, and the answer ended there.
EARLY_MARKS_ZH = "，；："
#: Marks that end a sentence (the pause after them is a sentence's).
SENTENCE_MARKS = ".!?…。！？"
#: Shortest first clause: Han characters (Chinese) or words (English); shorter ones join the next.
MIN_CLAUSE_HAN = 4
MIN_CLAUSE_WORDS = 3
#: Silence kept before a piece's first sound, seconds.
LEAD_S = 0.05
#: Silence after a piece that ends with a clause mark (，,) and after one that ends a sentence.
PAUSE_AFTER_CLAUSE_S = 0.15
PAUSE_AFTER_SENTENCE_S = 0.35
#: Length of the fade-in and fade-out at the cuts, seconds.
FADE_S = 0.005
#: A 10 ms frame this many dB under the loudest one is silent.
QUIET_DB = 45.0
_FRAME_S = 0.01
_Timed = TypeVar("_Timed", Phoneme, Cue)
_CLOSERS = "\"')]”’」』）"
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_EN_CLAUSE_END = re.compile(r"[,;:.!?]+[\"')\]]*(?=\s)")
_ZH_CLAUSE_END = re.compile(f"[{CLAUSE_MARKS_ZH}]+[”’」』）]*")


def _size(text: str) -> int:
    """Han characters plus Latin words: how long a piece is to say."""
    return len(_HAN.findall(text)) + len(re.findall(r"[A-Za-z0-9]+", text))


def _long_enough(text: str) -> bool:
    if _HAN.search(text):
        return _size(text) >= MIN_CLAUSE_HAN
    return len(text.split()) >= MIN_CLAUSE_WORDS


def split_clauses(text: str) -> list[str]:
    """Cuts text after each clause mark; a clause too short to stand alone joins the next.

    A sentence always ends a clause, however short.

    Chinese marks (，、；：。！？) cut wherever they are, but for the colon of a time or a
    score (10：30, 3：2); English ones (, ; : . ! ?) only when a space follows (so "3.5" and
    "10:30" stay whole). A fragment without a closing mark comes last.

    Args:
        text: Any text; whitespace is collapsed first.

    Returns:
        Non-empty, stripped clauses in order; ``join_pieces`` of them gives ``text`` back.
    """
    text = " ".join(text.split())
    ends = sorted(
        {m.end() for m in _ZH_CLAUSE_END.finditer(text) if not mark_inside_number(text, m.end())}
        | {m.end() for m in _EN_CLAUSE_END.finditer(text)}
    )
    clauses: list[str] = []
    start = 0
    for end in ends:
        piece = text[start:end].strip()
        if piece and (_long_enough(piece) or piece.rstrip(_CLOSERS)[-1] in SENTENCE_MARKS):
            clauses.append(piece)
            start = end
    tail = text[start:].strip()
    if tail:
        clauses.append(tail)
    return clauses


def first_clause(reply_so_far: str) -> str | None:
    """The reply's first clause once it is complete and shorter than its first sentence.

    Complete means more text follows it (the model has gone on past its mark), or it ends
    with a Chinese pause mark (EARLY_MARKS_ZH), which needs nothing after it. A clause ending
    with 、 (between the items of a list) is not handed out early. None when
    there is no such clause yet, or the first clause is the whole first sentence (the
    sentence path hands that out).
    """
    clauses = split_clauses(reply_so_far)
    if not clauses or not _long_enough(clauses[0]):
        return None
    first = clauses[0]
    last_mark = first.rstrip(_CLOSERS)[-1:]
    if len(clauses) == 1:
        # A Chinese pause mark ends a clause at once; an English one may still be "3.5".
        return first if last_mark and last_mark in EARLY_MARKS_ZH else None
    return first if last_mark and last_mark in PAUSE_MARKS.replace("、", "") else None


def spoken_pieces(text: str, first: bool) -> list[str]:
    """The pieces to speak a settled part of an answer in: its sentences, in order.

    When ``first`` (nothing of the answer is spoken yet, e.g. the model wrote the whole
    answer before its first clause was seen, or it is a hand-written answer), the first
    sentence's first clause comes alone, so it is heard sooner.
    """
    sentences = split_sentences(text)
    if not first or not sentences:
        return sentences
    clause = first_clause(sentences[0])
    rest = remainder(sentences[0], clause) if clause else None
    if not rest:
        return sentences
    return [clause, rest, *sentences[1:]]


def as_sentence(clause: str) -> str:
    """The clause closed as a sentence: its last pause mark becomes a full stop."""
    body = clause.rstrip(CLAUSE_MARKS_ZH + CLAUSE_MARKS_EN + " ")
    return body + ("。" if _HAN.search(body) else ".")


def join_pieces(pieces: Sequence[str]) -> str:
    """The pieces as one text: a space between them, except after a Chinese mark or character.

    ``join_pieces(split_clauses(text))`` is the text with its whitespace collapsed.
    """
    joined = ""
    for piece in (p.strip() for p in pieces):
        if not piece:
            continue
        cjk_join = joined and (joined[-1] in CLAUSE_MARKS_ZH or _HAN.match(joined[-1]))
        joined += piece if not joined or (cjk_join and _HAN.match(piece[0])) else " " + piece
    return joined


def remainder(whole: str, said: str) -> str | None:
    """What ``whole`` adds after ``said``; None when ``whole`` does not begin with it.

    Spaces and letter case are not compared (a checker may tidy them).
    """

    def squeeze(text: str) -> str:
        return "".join(text.split()).casefold()

    target = squeeze(said)
    matched = 0
    for index, char in enumerate(whole):
        if matched == len(target):
            return whole[index:].strip()
        if char.isspace():
            continue
        if char.casefold() != target[matched]:
            return None
        matched += 1
    return "" if matched == len(target) else None


# --------------------------------------------------------------------- speaking pieces
def speak_piece(pipeline: TalkingPhotoPipeline, text: str, voice: Voice) -> Speech:
    """Speaks one piece in the voice of its own language, trimmed to join the next piece.

    Args:
        pipeline: Supplies the speech backends.
        text: A clause or sentence(s).
        voice: The person's voice (its language is replaced by the piece's).

    Returns:
        The speech (``trim_speech``: LEAD_S before the first sound, the mark's pause after).
    """
    started = time.perf_counter()
    speech = pipeline.speak(text, dataclasses.replace(voice, lang=detect_language(text)))
    stripped = text.rstrip(_CLOSERS + " ")
    ends_sentence = not stripped or stripped[-1] in SENTENCE_MARKS
    trimmed = trim_speech(speech, PAUSE_AFTER_SENTENCE_S if ends_sentence else PAUSE_AFTER_CLAUSE_S)
    logger.debug(
        "Spoke a piece of %d characters in %.2f s: %.2f s of audio, %.2f s after trimming",
        len(text),
        time.perf_counter() - started,
        speech.duration,
        trimmed.duration,
    )
    return trimmed


def trim_speech(speech: Speech, pause_s: float, lead_s: float = LEAD_S) -> Speech:
    """The speech with at most ``lead_s`` of silence before its sound and ``pause_s`` after.

    Silence is a 10 ms frame QUIET_DB under the loudest. A shorter ending silence is padded
    to ``pause_s`` (a silent phoneme is added), so every join has the pause of its mark; both
    ends fade over FADE_S, so a join never clicks. The phonemes and cues move with the audio
    and still tile it (the first starts at 0, the last ends at the new end), so the lips keep
    the voice's own timings. Speech without sound comes back unchanged.

    Args:
        speech: One piece's speech.
        pause_s: Silence after the last sound, seconds.
        lead_s: Most silence to keep before the first sound, seconds.
    """
    audio = np.asarray(speech.audio, np.float32).reshape(-1)
    rate = int(speech.sample_rate)
    frame = max(1, round(_FRAME_S * rate))
    frames = len(audio) // frame
    if frames == 0:
        return speech
    level = np.sqrt(np.mean(np.square(audio[: frames * frame].reshape(frames, frame)), axis=1))
    loud = np.flatnonzero(level >= level.max() * 10 ** (-QUIET_DB / 20))
    if level.max() <= 0 or not len(loud):
        return speech
    start = max(0, int(loud[0]) * frame - round(lead_s * rate))
    end = (int(loud[-1]) + 1) * frame + round(pause_s * rate)
    cut = audio[start : min(end, len(audio))].copy()
    fade = min(round(FADE_S * rate), len(cut) // 2)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        cut[:fade] *= ramp
        cut[-fade:] *= ramp[::-1]
    sounded = len(cut) / rate
    cut = np.concatenate([cut, np.zeros(max(0, end - len(audio)), np.float32)])
    offset, duration = start / rate, len(cut) / rate
    phonemes = _moved(speech.phonemes, offset, sounded)
    if phonemes and duration > sounded:
        last = phonemes[-1]
        padded = (
            dataclasses.replace(last, end=duration)
            if not last.symbol.strip()
            else Phoneme(" ", sounded, duration)
        )
        phonemes = (*phonemes[:-1], padded) if not last.symbol.strip() else (*phonemes, padded)
    return dataclasses.replace(
        speech, audio=cut, phonemes=phonemes, cues=_moved(speech.cues, offset, duration)
    )


def _moved(items: Sequence[_Timed], offset: float, duration: float) -> tuple[_Timed, ...]:
    """Timed items moved ``offset`` earlier and clipped to [0, duration], still tiling it."""
    moved = []
    for item in items:
        start, end = max(0.0, item.start - offset), min(duration, item.end - offset)
        if end > start:
            moved.append(dataclasses.replace(item, start=start, end=end))
    if moved:
        moved[0] = dataclasses.replace(moved[0], start=0.0)
        moved[-1] = dataclasses.replace(moved[-1], end=duration)
    return tuple(moved)
