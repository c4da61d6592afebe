"""Writing a chat answer so that its first sentence can be spoken before the rest is written.

With a backend that streams (``pipelines.protocols.StreamingChatBackend``), ``write_answer``
reads the reply as the model writes it. As soon as its first clause (``pipelines.chat.clauses``:
"我觉得很好，", "Well, I love the sea,"), closed as a sentence, or else the first whole sentence
(or, when it alone is too short to judge, the first few) passes the checks that apply to a
part of an answer (``pipelines.chat.prompt.check_answer``: length, no links or markup, no
invented names, not said before, not copied from an example, not cut off), it is handed out
while the model goes on. When the reply is complete it is checked as a whole:

- it passes and begins with the part already handed out: the rest is handed out;
- otherwise (e.g. the second sentence repeats the first, invents a name, or the model failed
  midway): the answer ends with its first sentence when the part was a clause of it and that
  sentence passes, else with the part already handed out (a clause closed with a full stop).
  That part passed every check on its own, so the answer stays a whole, coherent (shorter)
  answer and what was spoken is never taken back.

A first sentence that fails for a reason more text cannot fix (a name, a link, a repeat...)
stops the model at once and the next seed is tried; after ``len(seeds)`` tries, or when the
backend fails before anything was handed out, the hand-written fallback is the answer. A
backend that does not stream is asked for whole replies, checked the same way.

A prompt whose last message is the assistant's ("我", the Chinese prompt's first-person start)
is continued by the model; that start is put back in front of the reply before it is judged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pipelines.chat.clauses import as_sentence, first_clause, remainder
from pipelines.errors import TalkingPhotoError
from pipelines.protocols import ChatBackend, StreamingChatBackend
from pipelines.text import split_sentences
from pipelines.types import LineSource

logger = logging.getLogger(__name__)

__all__ = ["AnswerChunk", "begun_with", "first_part", "with_start", "write_answer"]

#: Reasons a part may still pass once more sentences follow it.
WAIT_REASONS = frozenset({"empty", "too short", "not first person"})

_CLOSERS = "\"')]”’」』）"
#: A clause mark as a Chinese answer writes it.
_WIDE = {",": "，", ";": "；", ":": "："}

#: (cleaned text or None, reason), as ``pipelines.chat.prompt.check_answer`` returns.
Checker = Callable[[str], tuple[str | None, str]]


@dataclass(frozen=True)
class AnswerChunk:
    """A settled part of an answer.

    Attributes:
        text: The clause or whole sentences this chunk adds ("" when the answer ends with
            what was already handed out). The chunks' non-empty texts, joined by
            ``pipelines.chat.clauses.join_pieces``, are the answer (except that an answer
            ending with an early clause closes it with a full stop).
        answer: The answer settled so far, this chunk included.
        final: Whether the answer is complete (``answer`` is then the whole answer).
        source: "model" or "template".
    """

    text: str
    answer: str
    final: bool
    source: LineSource = "model"


def first_part(reply_so_far: str, check: Checker) -> tuple[str | None, bool]:
    """The first clause or whole sentences of a reply being written, once they pass ``check``.

    A sentence is whole when more text follows it, so the last (maybe growing) sentence is
    never judged here. The first clause (``pipelines.chat.clauses.first_clause``) is judged
    closed with a full stop, and handed out with its own mark; one that fails just waits for
    its sentence.

    Returns:
        (cleaned part, False) when the first clause or the first 1..n whole sentences pass;
        (None, False) when more text is needed; (None, True) when the first sentence fails
        for good (a reason not in WAIT_REASONS), so the reply can be abandoned.
    """
    clause = first_clause(reply_so_far)
    if clause is not None:
        closed, _ = check(as_sentence(clause))
        mark = clause.rstrip(_CLOSERS)[-1]
        if closed is not None and closed[-1] in "。.":
            return closed[:-1] + (_WIDE.get(mark, mark) if closed[-1] == "。" else mark), False
    whole = split_sentences(reply_so_far)[:-1]
    for count in range(1, len(whole) + 1):
        part, reason = check(" ".join(whole[:count]))
        if part is not None:
            return part, False
        if reason not in WAIT_REASONS:
            logger.debug("Answer abandoned at its sentence %d (%s)", count, reason)
            return None, True
    return None, False


def write_answer(
    chat: ChatBackend,
    messages: Sequence[dict[str, str]],
    check: Checker,
    seeds: Sequence[int],
    fallback: Callable[[], str],
    *,
    max_tokens: int,
    temperature: float,
    grammar: str | None = None,
    cache_prompt: bool | None = None,
    cache_owner: str | None = None,
) -> Iterator[AnswerChunk]:
    """Writes an answer, handing out its first part early when the backend streams.

    Args:
        chat: The chat backend.
        messages: The prompt (OpenAI-style messages).
        check: Cleans and judges a reply or a part of one.
        seeds: One sampling seed per try.
        fallback: Writes the hand-written answer used when no try passes.
        max_tokens: Most tokens per try.
        temperature: Sampling temperature.
        grammar: GBNF grammar the reply must follow (backends that support one).
        cache_prompt: Passed to a streaming backend (reuse the prompt it read last).
        cache_owner: Passed with it: who asks (the chat session's id).

    Yields:
        One or two AnswerChunks; the last has ``final`` True. Two when the first part was
        handed out before the model finished.
    """
    options: dict[str, Any] = {"grammar": grammar} if grammar else {}
    begun = messages[-1]["content"] if messages and messages[-1]["role"] == "assistant" else ""
    for attempt, seed in enumerate(seeds):
        try:
            if isinstance(chat, StreamingChatBackend):
                pieces = chat.stream(
                    messages,
                    max_tokens=max_tokens,
                    temperature=temperature,
                    seed=seed,
                    cache_prompt=cache_prompt,
                    cache_owner=cache_owner,
                    **options,
                )
                answered = yield from _streamed_try(begun_with(pieces, begun), check)
            else:
                reply = chat.complete(
                    messages, max_tokens=max_tokens, temperature=temperature, seed=seed, **options
                )
                line, reason = check(with_start(reply, begun))
                answered = line is not None
                if line is not None:
                    yield AnswerChunk(line, line, True)
                else:
                    logger.debug("Answer try %d rejected (%s): %r", attempt, reason, reply)
        except TalkingPhotoError as error:
            logger.warning("The chat backend failed (%s); using a hand-written answer.", error)
            break
        if answered:
            return
    line = fallback()
    yield AnswerChunk(line, line, True, "template")


def with_start(reply: str, begun: str) -> str:
    """The reply with the begun start of the answer in front of it, unless it has it already."""
    return reply if reply.startswith(begun) else begun + reply


def begun_with(pieces: Generator[str, None, None], begun: str) -> Generator[str, None, None]:
    """The streamed pieces with ``begun`` first, unless the model repeats it itself."""
    try:
        first = True
        for piece in pieces:
            if first and begun and not piece.startswith(begun):
                yield begun
            first = False
            yield piece
    finally:
        pieces.close()


def _streamed_try(
    pieces: Generator[str, None, None], check: Checker
) -> Generator[AnswerChunk, None, bool]:
    """One streamed try; returns whether it gave the answer (chunks were yielded)."""
    reply = ""
    part: str | None = None
    started = time.perf_counter()
    try:
        for piece in pieces:
            if not reply:
                logger.debug("First token after %.2f s", time.perf_counter() - started)
            reply += piece
            if part is None:
                part, hopeless = first_part(reply, check)
                if hopeless:
                    return False
                if part is not None:
                    logger.debug("First part after %.2f s", time.perf_counter() - started)
                    yield AnswerChunk(part, part, False)
    except TalkingPhotoError as error:
        if part is None:
            raise
        logger.warning("The chat model failed after the first sentence (%s); it ends there.", error)
        yield AnswerChunk("", part, True)
        return True
    finally:
        pieces.close()
    line, reason = check(reply)
    if part is None:
        if line is None:
            logger.debug("Answer rejected (%s): %r", reason, reply)
            return False
        yield AnswerChunk(line, line, True)
        return True
    rest = remainder(line, part) if line is not None else None
    if rest is None and part[-1] not in ".!?…。！？":
        # The part is a clause: its whole sentence may still be an answer on its own.
        line, _ = check(split_sentences(reply)[0])
        rest = remainder(line, part) if line is not None else None
    if line is not None and rest is not None:
        yield AnswerChunk(rest, line, True)
    else:
        # Not the text itself: it may repeat the visitor's name or question.
        logger.info("The whole answer did not pass (%s); it ends after its first part.", reason)
        closed = part if part[-1] in ".!?…。！？" else check(as_sentence(part))[0]
        yield AnswerChunk("", closed or part, True)
    return True
