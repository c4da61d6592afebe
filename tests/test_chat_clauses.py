"""A chat answer is spoken in pieces: its first clause early, then the rest sentence by sentence.

The session tests run the real models (Qwen writes the Chinese answers, Kokoro speaks them;
SmolLM2 and the English voice for English); they assert order, text and audio joins, never
timings.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from pipelines import TalkingPhotoPipeline
from pipelines.chat.answer import begun_with, first_part, with_start
from pipelines.chat.chinese import PREFILL_ZH, chat_messages_zh, check_answer_zh
from pipelines.chat.clauses import (
    PAUSE_AFTER_CLAUSE_S,
    PAUSE_AFTER_SENTENCE_S,
    first_clause,
    join_pieces,
    remainder,
    speak_piece,
    split_clauses,
    spoken_pieces,
    trim_speech,
)
from pipelines.chat.session import ChatSession
from pipelines.protocols import Voice
from pipelines.text import split_sentences
from pipelines.types import Scene, Speech

#: Questions that ask for a reason, so the answers tend to have a clause before the reason.
#: About half of the model's answers have no pause mark inside their first sentence (我在网上。),
#: so five questions make "no answer spoken clause first" unlikely on another CPU's sampling.
QUESTIONS_ZH = (
    "你最喜欢吃什么？为什么？",
    "晴天的时候你喜欢做什么？说说原因。",
    "请用两句话说说你今天的心情。",
    "如果明天放假，你打算去哪里，做些什么？",
    "说说你最喜欢的季节，还有你为什么喜欢它。",
)
_EMPTY_SCENE = Scene((), "colour", "normal", "photo", (), (), "", "")


def _check_zh(reply: str) -> tuple[str | None, str]:
    return check_answer_zh(reply, None, (), 600, _EMPTY_SCENE)


# --------------------------------------------------------------------- text
def test_clauses_end_at_pause_marks_and_are_never_a_lone_word() -> None:
    assert split_clauses("我觉得很好，谢谢你。我喜欢这里。") == [
        "我觉得很好，",
        "谢谢你。",
        "我喜欢这里。",
    ]
    assert split_clauses("是的，我很好，谢谢你。") == [
        "是的，我很好，",
        "谢谢你。",
    ]  # 是的 is short
    assert split_clauses("Well, I love the sea, and the waves.") == [
        "Well, I love the sea,",
        "and the waves.",
    ]
    assert split_clauses("I ate 3.5 apples, really") == ["I ate 3.5 apples,", "really"]
    # The colon of a time or a score is read with its numbers (十点三十分, 三比二).
    assert split_clauses("比分是3：2，我们赢了。") == ["比分是3：2，", "我们赢了。"]
    assert split_clauses("我的想法是：我们走吧。") == ["我的想法是：", "我们走吧。"]
    for text in ("我觉得很好，谢谢。我喜欢这里，真的。", "Yes, I do. I like it, a lot, really!"):
        assert join_pieces(split_clauses(text)) == text


def test_the_first_clause_is_handed_out_once_complete_and_checked_as_a_sentence() -> None:
    assert first_clause("我觉得很好") is None  # may still grow
    assert first_clause("我觉得很好，") == "我觉得很好，"  # a Chinese comma needs nothing after
    assert first_clause("是的，") is None  # too short alone
    assert first_clause("我来自绿色、蓝色") is None  # 、 parts a list: not an early clause
    assert first_clause("我很好。谢谢") is None  # a whole sentence: the sentence path's
    assert first_clause("Well, I love the sea,") is None  # an English mark needs a space after
    assert first_clause("Well, I love the sea, and") == "Well, I love the sea,"
    assert first_part("我觉得很好，谢", _check_zh) == ("我觉得很好，", False)
    assert first_part("他觉得很好，谢", _check_zh) == (None, False)  # not first person: wait


def test_an_answer_settled_before_anything_was_said_still_starts_with_its_clause() -> None:
    # A hand-written answer, or one the model finished before its first clause was seen.
    assert spoken_pieces("我以前从没想过这个问题，让我想一想。", first=True) == [
        "我以前从没想过这个问题，",
        "让我想一想。",
    ]
    assert spoken_pieces("我很好，谢谢。我喜欢这里。", first=False) == [
        "我很好，谢谢。",
        "我喜欢这里。",
    ]
    assert spoken_pieces("我很好。谢谢你，朋友。", first=True) == ["我很好。", "谢谢你，朋友。"]


def test_a_chinese_answer_is_begun_with_wo_and_the_start_is_put_back_once() -> None:
    messages = chat_messages_zh(_EMPTY_SCENE, None, "happy", None, (), "你好吗？")
    assert messages[-1] == {"role": "assistant", "content": PREFILL_ZH}
    assert messages[-2] == {"role": "user", "content": "你好吗？"}
    assert "".join(begun_with((p for p in ["很", "好，", "谢谢。"]), "我")) == "我很好，谢谢。"
    assert "".join(begun_with((p for p in ["我很", "好。"]), "我")) == "我很好。"  # not twice
    assert "".join(begun_with((p for p in ["Fine."]), "")) == "Fine."
    assert with_start("很好。", "我") == "我很好。" and with_start("我很好。", "我") == "我很好。"


def test_a_whole_answer_is_matched_after_what_was_said() -> None:
    assert remainder("我觉得很好，谢谢。", "我觉得很好，") == "谢谢。"
    assert remainder("Well, I love the sea, and waves.", "well, I love  the sea,") == "and waves."
    assert remainder("我很好。", "我觉得") is None
    assert (
        join_pieces(["我很好，", "谢谢你。", "I am.", "You are."])
        == "我很好，谢谢你。 I am. You are."
    )


# --------------------------------------------------------------------- speech
@pytest.mark.slow
def test_a_piece_keeps_a_short_lead_and_the_pause_of_its_mark(
    pipeline: TalkingPhotoPipeline,
) -> None:
    voice = Voice("zh-female", lang="zh")
    whole = pipeline.speak("我觉得很好，", voice)
    clause = speak_piece(pipeline, "我觉得很好，", voice)
    sentence = speak_piece(pipeline, "我觉得很好。", voice)
    assert clause.duration < whole.duration - 0.3  # Kokoro leaves ~0.45 s before, ~0.5 s after
    assert sentence.duration > clause.duration + PAUSE_AFTER_SENTENCE_S - PAUSE_AFTER_CLAUSE_S - 0.1
    for speech in (clause, sentence):
        # The phonemes still tile the audio: the lips keep the voice's own timings.
        assert speech.phonemes[0].start == 0.0
        assert speech.phonemes[-1].end == pytest.approx(speech.duration)
        assert all(a.end == pytest.approx(b.start) for a, b in itertools.pairwise(speech.phonemes))
        assert abs(speech.audio[0]) < 1e-3 and abs(speech.audio[-1]) < 1e-3  # faded: no click
    sounds = [p for p in clause.phonemes if p.symbol.strip(" ,.")]
    original = [p for p in whole.phonemes if p.symbol.strip(" ,.")]
    assert [p.symbol for p in sounds] == [p.symbol for p in original]
    offset = original[0].start - sounds[0].start
    assert all(
        a.start == pytest.approx(b.start - offset) for a, b in zip(sounds, original, strict=True)
    )  # moved together, not stretched


def test_silence_alone_is_not_trimmed() -> None:
    assert len(trim_speech(Speech(np.zeros(2400, np.float32), 24000), 0.1).audio) == 2400


# --------------------------------------------------------------------- sessions
@pytest.fixture(scope="module")
def zh_session(pipeline: TalkingPhotoPipeline, examples: Path) -> ChatSession:
    return ChatSession(pipeline, examples / "woman_waterfall.jpg", mood="happy", lang="zh")


@pytest.mark.slow
def test_a_chinese_answer_is_heard_from_its_first_clause_and_the_pieces_make_the_answer(
    zh_session: ChatSession, tmp_path: Path
) -> None:
    clause_first = 0
    for question in QUESTIONS_ZH:
        events = list(zh_session.ask_stream(question, output_dir=tmp_path))
        reply = events[-1].reply
        assert reply is not None and reply.lang == "zh"
        said = [e.said for e in events if e.kind == "audio"]
        first_sentence = split_sentences(reply.text)[0]
        if reply.source == "model":  # the model continued the answer begun with 我
            assert reply.text.startswith(PREFILL_ZH)
        if reply.source == "model" and len(said[0]) < len(first_sentence):
            clause_first += 1
            assert said[0][-1] in "，、；：" and first_sentence.startswith(said[0][:-1])
        joined = join_pieces(said)
        # An answer that ends with its early clause closes it with a full stop.
        assert joined == reply.text or joined[:-1] + "。" == reply.text
        assert len(reply.sentence_audio) == len(said)
        assert [e.sentence for e in events if e.kind == "audio"] == list(range(len(said)))
    assert clause_first >= 1  # the early clause is really spoken first


@pytest.mark.slow
def test_an_english_answer_streams_in_pieces_that_join_into_it(
    pipeline: TalkingPhotoPipeline, examples: Path, tmp_path: Path
) -> None:
    session = ChatSession(pipeline, examples / "woman_waterfall.jpg", mood="happy", lang="en")
    for question in ("How are you feeling today?", "What do you like to do on a sunny day?"):
        events = list(session.ask_stream(question, output_dir=tmp_path))
        reply = events[-1].reply
        said = [e.said for e in events if e.kind == "audio"]
        assert reply is not None and said
        joined = join_pieces(said)
        assert joined == reply.text or joined[:-1] + "." == reply.text
