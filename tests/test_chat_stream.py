"""Streamed chat answers: the first sentence is handed out while SmolLM2 still writes the rest.

Everything runs the real bundled SmolLM2 through llama.cpp; the assertions are about order,
concatenation and fallbacks, never wording or timings.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines import Settings, TalkingPhotoPipeline
from pipelines.chat.answer import AnswerChunk, first_part, write_answer
from pipelines.chat.clauses import as_sentence, join_pieces, remainder
from pipelines.chat.prompt import answer_grammar, check_answer
from pipelines.chat.session import ChatSession
from pipelines.dialogue.writer import SmolLM2Chat
from pipelines.text import split_sentences

QUESTIONS = (
    "What do you like to do on a sunny day?",
    "What is your favourite food?",
    "Where did you grow up?",
)


@pytest.fixture(scope="module")
def smollm2() -> SmolLM2Chat:
    return SmolLM2Chat(n_threads=1)


@pytest.fixture(scope="module")
def session(tmp_path_factory, examples: Path) -> ChatSession:
    out = tmp_path_factory.mktemp("stream_outputs")
    options = {"smollm2": {"n_threads": 1}}
    pipeline = TalkingPhotoPipeline(Settings(output_dir=out, backend_options=options))
    return ChatSession(pipeline, examples / "woman_waterfall.jpg", mood="happy")


def _check(reply: str) -> tuple[str | None, str]:
    return check_answer(reply, None, (), 600)


def _one_sentence_only(reply: str) -> tuple[str | None, str]:
    """The real checks, and a whole answer may not have more than one sentence."""
    if len(split_sentences(reply)) > 1:
        return None, "too many sentences"
    return _check(reply)


def _assert_well_formed(chunks: list[AnswerChunk]) -> None:
    assert chunks and chunks[-1].final and not any(c.final for c in chunks[:-1])
    assert len(chunks) <= 2
    answer = chunks[-1].answer
    # An answer that ends with its early clause closes it with a full stop.
    joined = join_pieces([c.text for c in chunks])
    assert joined == answer or joined[:-1] + "." == answer
    for chunk in chunks:
        assert answer.startswith(chunk.answer) or answer.startswith(chunk.answer[:-1])


# --------------------------------------------------------------------- the backend
def test_streamed_pieces_join_into_the_reply_complete_gives(smollm2: SmolLM2Chat) -> None:
    messages = [{"role": "user", "content": "Say two short sentences about the sea."}]
    options = {"max_tokens": 30, "temperature": 0.8, "seed": 5}
    pieces = list(smollm2.stream(messages, cache_prompt=False, **options))
    assert len(pieces) > 3 and all(pieces)
    assert "".join(pieces) == smollm2.complete(messages, **options)


def test_closing_a_stream_stops_the_model_and_frees_it(smollm2: SmolLM2Chat) -> None:
    messages = [{"role": "user", "content": "Tell me a long story about a dragon."}]
    pieces = smollm2.stream(messages, max_tokens=400, temperature=0.7, seed=1)
    first = next(pieces)
    pieces.close()
    assert first and not smollm2._lock.locked()
    assert smollm2.complete(messages, max_tokens=4, temperature=0.0, seed=1).strip()


# --------------------------------------------------------------------- judging a part
def test_the_first_part_waits_for_whole_sentences_and_enough_words() -> None:
    assert first_part("I love the sea.", _check) == (None, False)  # may still grow
    assert first_part("I love the sea. We", _check) == ("I love the sea.", False)
    assert first_part("I see. I", _check) == (None, False)  # too short alone: wait
    assert first_part("I see. I love boats. We", _check) == ("I see. I love boats.", False)
    assert first_part("My name is Maria Lopez. I", _check) == (None, True)  # hopeless


# --------------------------------------------------------------------- writing answers
def _write(
    session: ChatSession, question: str, smollm2: SmolLM2Chat, check, seed: int
) -> list[AnswerChunk]:
    return list(
        write_answer(
            smollm2,
            session.prompt_messages(question),
            check,
            [seed, seed + 1],
            lambda: "I am not sure, but I like that you asked me.",
            max_tokens=40,
            temperature=0.6,
            grammar=answer_grammar(),
            cache_prompt=True,
            cache_owner=session.session_id,
        )
    )


def test_the_first_sentence_comes_before_the_answer_is_complete(
    session: ChatSession, smollm2: SmolLM2Chat
) -> None:
    runs = [_write(session, q, smollm2, _check, seed) for q in QUESTIONS for seed in (1, 2)]
    for chunks in runs:
        _assert_well_formed(chunks)
        if len(chunks) == 2:
            assert chunks[0].source == "model" and len(split_sentences(chunks[0].text)) >= 1
    assert any(len(chunks) == 2 for chunks in runs)  # the early path is really taken


def test_a_whole_answer_failing_its_checks_ends_with_what_was_handed_out(
    session: ChatSession, smollm2: SmolLM2Chat
) -> None:
    runs = [
        _write(session, q, smollm2, _one_sentence_only, seed) for q in QUESTIONS for seed in (1, 2)
    ]
    for chunks in runs:
        _assert_well_formed(chunks)
        assert len(split_sentences(chunks[-1].answer)) == 1
        if len(chunks) == 2:  # a second sentence came: the answer is the first one alone,
            # or the clause handed out early, closed with a full stop (its sentence failed).
            said, final = chunks[0].text, chunks[1]
            assert remainder(final.answer, said) == final.text or (
                final.text == "" and final.answer == as_sentence(said)
            ), chunks
    assert any(len(chunks) == 2 for chunks in runs)


def test_hopeless_tries_and_a_failing_model_fall_back_to_a_template(
    session: ChatSession, smollm2: SmolLM2Chat
) -> None:
    def refuse(reply: str) -> tuple[str | None, str]:
        return None, "name"

    chunks = _write(session, QUESTIONS[0], smollm2, refuse, 3)
    assert chunks == [AnswerChunk(chunks[0].text, chunks[0].text, True, "template")]
    assert not smollm2._lock.locked()
    broken = list(
        write_answer(
            smollm2,
            session.prompt_messages(QUESTIONS[0]),
            _check,
            [1],
            lambda: "I wish I knew the answer to that one.",
            max_tokens=40,
            temperature=0.6,
            grammar="root ::= (",  # llama.cpp refuses it: the backend fails
        )
    )
    assert broken == [
        AnswerChunk(
            "I wish I knew the answer to that one.",
            "I wish I knew the answer to that one.",
            True,
            "template",
        )
    ]


# --------------------------------------------------------------------- the session
@pytest.mark.slow
def test_a_session_speaks_its_first_sentence_before_the_answer_is_settled(
    session: ChatSession, tmp_path: Path
) -> None:
    early = 0
    for question in QUESTIONS[:2]:
        events = list(session.ask_stream(question, output_dir=tmp_path))
        kinds = [e.kind for e in events]
        reply = events[-1].reply
        assert reply is not None and kinds[-1] == "video" and kinds.count("text") == 1
        said = [e.said for e in events if e.kind == "audio"]
        assert join_pieces(said) == reply.text == events[kinds.index("text")].text
        assert session.memory[-1].text == reply.text
        early += kinds[0] == "audio"
    assert early >= 1


def _remembered_turns(count: int) -> list[dict[str, str]]:
    turns = []
    for number in range(count):
        turns += [
            {"role": "user", "content": f"Question {number}: what do you see around you today?"},
            {"role": "assistant", "content": f"I see green trees and a white house, {number}."},
        ]
    return turns


def _tokens_read(chat: SmolLM2Chat, messages: list[dict[str, str]], owner: str | None) -> dict:
    """llama.cpp's counts for one streamed chat request of ``owner`` (prompt cache asked for)."""
    pieces = chat.stream(
        messages, max_tokens=4, temperature=0.0, seed=1, cache_prompt=True, cache_owner=owner
    )
    for _ in pieces:  # read to the end: the counts come with the last chunk
        pass
    assert chat.prompt_counts, "llama.cpp sent no counts"
    return chat.prompt_counts


SYSTEM = {"role": "system", "content": "You are a person in an old photo. " * 3}
ASKED = {"role": "user", "content": "How are you?"}


def test_a_prompt_that_drops_its_oldest_turns_is_not_read_again(smollm2: SmolLM2Chat) -> None:
    """The chat's memory moves from the front: llama.cpp keeps the rest from its cache."""
    turns = _remembered_turns(6)
    whole = _tokens_read(smollm2, [SYSTEM, *turns, ASKED], "session-a")
    moved = _tokens_read(smollm2, [SYSTEM, *turns[4:], ASKED], "session-a")  # 2 exchanges out
    assert whole["prompt_n"] > 150
    assert moved["cache_n"] > 100 and moved["prompt_n"] < 20, moved


def test_another_visitors_cached_prompt_is_never_used(smollm2: SmolLM2Chat) -> None:
    """Between two requests of one session, another session's or a line's request runs: the
    next request reads its whole prompt again instead of reusing what the other one left."""
    turns = _remembered_turns(6)
    _tokens_read(smollm2, [SYSTEM, *turns, ASKED], "session-a")
    other = _tokens_read(smollm2, [SYSTEM, *_remembered_turns(5), ASKED], "session-b")
    assert other["cache_n"] == 0 and other["prompt_n"] > 150, other
    again = _tokens_read(smollm2, [SYSTEM, *turns[4:], ASKED], "session-a")
    assert again["cache_n"] == 0 and again["prompt_n"] > 100, again
    # Its own next request uses what it left.
    own = _tokens_read(smollm2, [SYSTEM, *turns[4:], ASKED, *_remembered_turns(1)], "session-a")
    assert own["cache_n"] > 100, own
    smollm2.complete([SYSTEM, ASKED], max_tokens=4, temperature=0.0, seed=1)  # a line, no owner
    after_line = _tokens_read(smollm2, [SYSTEM, *turns[4:], ASKED], "session-a")
    assert after_line["cache_n"] == 0, after_line
    # Requests without an owner may come from two visitors: neither uses the other's cache.
    _tokens_read(smollm2, [SYSTEM, *turns, ASKED], None)
    anonymous = _tokens_read(smollm2, [SYSTEM, *turns[4:], ASKED], None)
    assert anonymous["cache_n"] == 0 and anonymous["prompt_n"] > 100, anonymous
