"""How a streamed chat answer's spoken pieces join (``benchmarks.conversation.bench_chat``).

An answer is spoken piece by piece (``pipelines.chat.clauses``): its first clause, then whole
sentences. For one answer this measures:

- ``pieces``: the text of each piece, its length (s) and when its WAV was ready (s after the
  question);
- ``join_silence_s``: the silence at each join of the answer's pieces (the end of one piece's
  sound to the start of the next one's, 10 ms frames 45 dB under the piece's loudest), as the
  video's soundtrack has it;
- ``stalls_s``: a player that starts each piece when it is ready and the previous one has
  ended waits this long before each later piece (0: it was ready in time);
- ``first_lead_s``: the silence at the start of the first piece (heard after its WAV is out);
- ``edge_level``: the largest |sample| at a piece's first or last sample: the step at a join
  (a cut in sound would click; the pieces fade in and out).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import numpy as np

#: A 10 ms frame this many dB under the loudest one is silent.
QUIET_DB = 45.0


def _sound_span(audio: np.ndarray, rate: int) -> tuple[float, float]:
    """(seconds of silence before the first sound, seconds of silence after the last)."""
    frame = max(1, rate // 100)
    frames = len(audio) // frame
    if frames == 0:
        return 0.0, 0.0
    level = np.sqrt(np.mean(np.square(audio[: frames * frame].reshape(frames, frame)), axis=1))
    loud = np.flatnonzero(level >= level.max() * 10 ** (-QUIET_DB / 20))
    if not len(loud):
        return 0.0, 0.0
    return loud[0] * frame / rate, (len(audio) - (loud[-1] + 1) * frame) / rate


def piece_report(events: list[Any]) -> dict[str, Any]:
    """The pieces, join silences, playback stalls and edge levels of one streamed answer.

    Args:
        events: The ``pipelines.chat.session.ChatEvent``s of one ``ask_stream`` call.
    """
    import soundfile

    pieces: list[dict[str, Any]] = []
    spans: list[tuple[float, float]] = []
    edges: list[float] = []
    for event in events:
        if event.kind != "audio" or event.audio is None:
            continue
        audio, rate = soundfile.read(str(Path(event.audio)), dtype="float32")
        audio = audio.reshape(len(audio), -1)[:, 0]
        edges.append(float(max(abs(audio[0]), abs(audio[-1]))))
        spans.append(_sound_span(audio, rate))
        pieces.append(
            {
                "said": event.said,
                "duration_s": round(len(audio) / rate, 3),
                "ready_s": round(event.elapsed_s, 3),
            }
        )
    joins = [round(spans[i][1] + spans[i + 1][0], 3) for i in range(len(spans) - 1)]
    stalls = []
    playing_until = 0.0
    for number, piece in enumerate(pieces):
        start = piece["ready_s"] if number == 0 else max(piece["ready_s"], playing_until)
        if number:
            stalls.append(round(start - playing_until, 3))
        playing_until = start + piece["duration_s"]
    return {
        "pieces": pieces,
        "join_silence_s": joins,
        "stalls_s": stalls,
        "first_lead_s": round(spans[0][0], 3) if spans else None,
        "edge_level": round(max(edges, default=0.0), 4),
    }


# --------------------------------------------------------------------- paired estimate
def paired_first_audio(session: Any, questions: tuple[str, ...], seed: int = 0) -> dict[str, Any]:
    """First audio with and without the early clause, from the same answers, under one load.

    For each question one Qwen stream is read (after the session's warm-up) and timed: when
    its first clause passed the checks (``pipelines.chat.answer.first_part``) and when its
    first sentence was settled the way it was before clauses (a whole sentence followed by
    more text, or the end of the reply). The first sentence (untrimmed, as before) and the
    first clause (``speak_piece``) are then spoken back to back, in alternating order. The
    estimates are "before" = sentence settled + its speech, "after" = clause settled + its
    speech (the sentence's when there was no clause); the machine's load is the same for both.
    The speech runs after the stream, so neither pays for the model still writing.
    """
    import statistics
    import time

    from pipelines.chat.answer import begun_with, first_part
    from pipelines.chat.chinese import check_answer_zh
    from pipelines.chat.clauses import speak_piece, spoken_pieces
    from pipelines.text import split_sentences

    chat = session.pipeline.answer_model("zh")
    rows = []
    for number, question in enumerate(questions):
        messages = session.prompt_messages(question, "zh")

        def check(reply: str, question: str = question) -> tuple[str | None, str]:
            return check_answer_zh(reply, None, (), 600, session.scene, question)

        started = time.perf_counter()
        reply, clause_at, clause = "", None, None
        pieces = chat.stream(
            messages,
            max_tokens=40,
            temperature=0.6,
            seed=seed + number,
            cache_prompt=True,
            cache_owner=session.session_id,
        )
        for piece in begun_with(pieces, messages[-1]["content"]):  # the answer's begun 我
            reply += piece
            if clause_at is None:
                part, _ = first_part(reply, check)
                if part is not None:
                    clause_at, clause = time.perf_counter() - started, part
            if len(split_sentences(reply)) > 1:
                break
        ended = time.perf_counter() - started
        sentence = split_sentences(reply)[0] if reply.strip() else ""
        if not sentence or check(sentence)[0] is None:
            continue
        if clause is None or clause[-1] in ".!?…。！？":
            clause, clause_at = spoken_pieces(sentence, first=True)[0], ended
        voice = session.voice
        timings: dict[str, float] = {}
        order = ("sentence", "clause") if number % 2 else ("clause", "sentence")
        for kind in order:
            started = time.perf_counter()
            if kind == "sentence":
                session.pipeline.speak(sentence, dataclasses.replace(voice, lang="zh"))
            else:
                speak_piece(session.pipeline, clause, voice)
            timings[kind] = time.perf_counter() - started
        rows.append(
            {
                "question": question,
                "sentence": sentence,
                "first_piece": clause,
                "clause_settled_s": round(clause_at, 3),
                "sentence_settled_s": round(ended, 3),
                "speak_clause_s": round(timings["clause"], 3),
                "speak_sentence_s": round(timings["sentence"], 3),
                "before_s": round(ended + timings["sentence"], 3),
                "after_s": round(clause_at + timings["clause"], 3),
                "load": round(os.getloadavg()[0], 2),
            }
        )
    return {
        "answers": rows,
        "median_before_s": statistics.median(r["before_s"] for r in rows) if rows else None,
        "median_after_s": statistics.median(r["after_s"] for r in rows) if rows else None,
    }


#: Two-sentence answers as the chat model writes them, for ``fixed_answer_videos``.
TWO_SENTENCE_ANSWERS_ZH = (
    "我今天过得挺好的，谢谢你。有你陪我聊天，我很开心。",
    "我最喜欢吃饺子。每次过年，家里都会一起包。",
    "我就站在水边。这里的水声很好听。",
)


def fixed_answer_videos(session: Any, answers: tuple[str, ...], out: Path) -> dict[str, Any]:
    """First audio and video of answers whose text is given, through the session's own path.

    The chat models rarely write two sentences (``benchmarks.zh_chat_models``), so the
    two-sentence video is timed with these texts in place of the model's (everything after
    the writing is the session's: pieces spoken, WAVs written, the video rendered); the
    model's own time to a whole reply is measured there.
    """
    import statistics

    from pipelines.chat.answer import AnswerChunk

    rows = []
    for number, answer in enumerate(answers):

        def given(question: str, lang: str = "en", text: str = answer) -> Any:
            yield AnswerChunk(text, text, True, "template")

        session.answer_chunks = given
        reply = session.ask(f"问题{number + 1}", output_dir=out)
        rows.append(
            {
                "answer": answer,
                "first_audio_s": round(reply.first_audio_latency_s, 3),
                "video_s": round(reply.total_latency_s, 3),
                "load": round(os.getloadavg()[0], 2),
            }
        )
    del session.answer_chunks  # the model's answers again
    return {
        "answers": rows,
        "median_video_s": statistics.median(r["video_s"] for r in rows),
        "median_first_audio_s": statistics.median(r["first_audio_s"] for r in rows),
    }


def main() -> int:
    """``python -m benchmarks.chat_pieces``: the paired estimate, written to results/."""
    import json
    import logging

    from benchmarks.mandarin import CHAT_PHOTO, CHAT_QUESTIONS, EXAMPLES, ROOT
    from pipelines import Settings, TalkingPhotoPipeline
    from pipelines.chat.session import ChatSession

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    out = ROOT / "benchmarks" / "results"
    pipeline = TalkingPhotoPipeline(Settings(output_dir=out / "tmp"))
    session = ChatSession(pipeline, EXAMPLES / CHAT_PHOTO, mood="happy", lang="zh")
    load_before = round(os.getloadavg()[0], 2)
    extra = ("你最喜欢吃什么？为什么？", "晴天的时候你喜欢做什么？说说原因。")
    results = paired_first_audio(session, (*CHAT_QUESTIONS, *extra))
    results |= {"load_before": load_before, "load_after": round(os.getloadavg()[0], 2)}
    path = out / "chat_pieces.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    logging.getLogger(__name__).info(
        "Wrote %s: before %s s, after %s s",
        path,
        results["median_before_s"],
        results["median_after_s"],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
