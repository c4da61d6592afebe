"""Chinese chat answers of the two Qwen sizes: how often they pass the checks, and how fast.

Usage: ``python -m benchmarks.zh_chat_models [--sizes 1.5b,0.5b] [--out benchmarks/results]``

Each size answers the same 40 typed Chinese questions (20 questions, each asked in two moods)
on the 512 px chat photo, one streamed try each, exactly as a chat session prompts it (the
session's own messages, prompt cache on, no memory). For every reply: whether it passes the
Chinese chat checks (``pipelines.chat.chinese.check_answer_zh``) and why not, its sentences,
and the seconds to its first token, to its first clause that passes (what the chat speaks
first, ``pipelines.chat.answer.first_part``) and to its end. ``--speak`` also speaks that first
piece (``pipelines.chat.clauses.speak_piece``, after the stream, so it does not share the
cores with the model as in a session) for an estimate of the first audio: first piece ready +
its speech. Results go to ``<out>/zh_chat_models.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks.mandarin import CHAT_QUESTIONS
from benchmarks.run import EXAMPLES, ROOT

logger = logging.getLogger(__name__)

#: Twenty typed questions a visitor might ask (the Mandarin benchmark's chat questions).
QUESTIONS = CHAT_QUESTIONS
MOODS = ("happy", "neutral")
PHOTO = "woman_waterfall.jpg"


def answer_replies(
    session: Any, chat: Any, moods: tuple[str, ...], speak: bool = False
) -> list[dict[str, Any]]:
    """One streamed reply per question and mood, timed and checked (first piece spoken)."""
    from pipelines.chat.answer import begun_with, first_part
    from pipelines.chat.chinese import check_answer_zh
    from pipelines.chat.clauses import speak_piece, spoken_pieces
    from pipelines.chat.session import MAX_TOKENS, TEMPERATURE
    from pipelines.text import split_sentences

    max_chars = session.pipeline.settings.limits.max_text_chars

    rows = []
    for mood in moods:
        session.mood = mood
        for number, question in enumerate(QUESTIONS):

            def check(reply: str, question: str = question) -> tuple[str | None, str]:
                return check_answer_zh(reply, None, (), max_chars, session.scene, question)

            messages = session.prompt_messages(question, "zh")
            started = time.perf_counter()
            reply, first_token, first_clause, part = "", None, None, None
            begun = messages[-1]["content"] if messages[-1]["role"] == "assistant" else ""
            pieces = chat.stream(
                messages,
                max_tokens=MAX_TOKENS,
                temperature=TEMPERATURE,
                seed=number * 131 + len(mood),
                cache_prompt=True,
                cache_owner=session.session_id,
            )
            for piece in begun_with(pieces, begun):
                if first_token is None:
                    first_token = time.perf_counter() - started
                reply += piece
                if part is None:
                    part, _ = first_part(reply, check)
                    if part is not None:
                        first_clause = time.perf_counter() - started
            total = time.perf_counter() - started
            line, reason = check(reply)
            spoken_s = None
            if speak and line is not None:
                piece = part if part is not None else spoken_pieces(line, first=True)[0]
                ready = first_clause if part is not None else total
                began = time.perf_counter()
                speak_piece(session.pipeline, piece, session.voice)
                spoken_s = round(ready + time.perf_counter() - began, 3)
            rows.append(
                {
                    "question": question,
                    "mood": mood,
                    "reply": reply,
                    "passes": line is not None,
                    "reason": reason,
                    "sentences": len(split_sentences(line or reply)),
                    "first_token_s": round(first_token or total, 3),
                    "first_part_s": round(first_clause, 3) if first_clause else None,
                    "first_part": part,
                    "total_s": round(total, 3),
                    "first_audio_estimate_s": spoken_s,
                    "load": round(os.getloadavg()[0], 2),
                }
            )
            logger.info("%s %s %.2f s %s", question, reason, total, reply)
    return rows


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Pass rate, sentences and median timings of one size's replies."""
    parts = [r["first_part_s"] for r in rows if r["first_part_s"] is not None]
    audio = [r["first_audio_estimate_s"] for r in rows if r.get("first_audio_estimate_s")]
    reasons: dict[str, int] = {}
    for row in rows:
        if not row["passes"]:
            reasons[row["reason"]] = reasons.get(row["reason"], 0) + 1
    return {
        "replies": len(rows),
        "passed": sum(r["passes"] for r in rows),
        "pass_rate": round(sum(r["passes"] for r in rows) / len(rows), 3),
        "two_sentences": sum(r["passes"] and r["sentences"] >= 2 for r in rows),
        "failures": reasons,
        "median_first_token_s": round(statistics.median(r["first_token_s"] for r in rows), 3),
        "median_first_part_s": round(statistics.median(parts), 3) if parts else None,
        "first_part_found": len(parts),
        "median_total_s": round(statistics.median(r["total_s"] for r in rows), 3),
        "median_first_audio_estimate_s": round(statistics.median(audio), 3) if audio else None,
        "load_range": [min(r["load"] for r in rows), max(r["load"] for r in rows)],
    }


def markdown(results: dict[str, Any]) -> str:
    """The report as Markdown."""
    lines = [
        "# Chinese chat answers: Qwen2.5-Coder 1.5B vs 0.5B",
        "",
        f"{len(QUESTIONS)} typed questions × {len(MOODS)} moods on {PHOTO}, one streamed try "
        "each, the chat session's own prompt; checks = `check_answer_zh` (first person, no "
        "assistant talk, complete sentences, scene facts not contradicted, not an example "
        "copied). Times on one thread of the shared 2-core machine; load = 1-minute load "
        "average during the run. Rows are in the order they were run with the code of their "
        "time: from the `first piece spoken` rows on, the checks also refuse an answer that "
        "calls itself a program or a photo (我是一个程序, 我是一张彩色照片).",
        "",
        "| model | prompt | pass rate | 2+ sentences (passing) | first token (s) | first "
        "clause (s) | whole reply (s) | first audio estimate (s) | load | failures |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in results["runs"].values():
        s = run["summary"]
        failures = ", ".join(f"{k} {v}" for k, v in s["failures"].items()) or "–"
        lines.append(
            f"| {run['size']} | {run['prompt']} | {s['passed']}/{s['replies']} "
            f"({s['pass_rate']:.0%}) | {s['two_sentences']} | {s['median_first_token_s']} | "
            f"{s['median_first_part_s']} ({s['first_part_found']}) | {s['median_total_s']} | "
            f"{s.get('median_first_audio_estimate_s') or '–'} | "
            f"{s['load_range'][0]}-{s['load_range'][1]} | {failures} |"
        )
    lines += ["", "## Replies", ""]
    for name, run in results["runs"].items():
        lines += [f"### {name}", "", "| question | mood | reply | passes |", "|---|---|---|---|"]
        for row in run["rows"]:
            ok = "✓" if row["passes"] else f"✗ {row['reason']}"
            lines.append(f"| {row['question']} | {row['mood']} | {row['reply']} | {ok} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Runs the comparison; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1.5b,0.5b")
    parser.add_argument("--label", default="", help="a name for this prompt (kept in results)")
    parser.add_argument("--speak", action="store_true", help="speak each first piece too")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from pipelines import Settings, TalkingPhotoPipeline
    from pipelines.chat.session import ChatSession
    from pipelines.dialogue.qwen import QwenChat

    pipeline = TalkingPhotoPipeline(Settings(output_dir=args.out / "tmp_zh_chat"))
    session = ChatSession(pipeline, EXAMPLES / PHOTO, lang="zh", warm=False)
    path = args.out / "zh_chat_models.json"
    results = json.loads(path.read_text()) if path.is_file() else {"runs": {}}
    for size in args.sizes.split(","):
        chat = QwenChat(size=size)
        fixed = session.prompt_messages("", "zh")
        asked = max(i for i, m in enumerate(fixed) if m["role"] == "user")
        for _ in chat.stream(  # the fixed part of the prompt read once, as a session does
            fixed[:asked],
            max_tokens=1,
            temperature=0.0,
            seed=0,
            cache_prompt=True,
            cache_owner=session.session_id,
        ):
            pass
        if args.speak:
            session.warm_up()  # the Mandarin voice loaded and used once
        rows = answer_replies(session, chat, MOODS, speak=args.speak)
        name = f"{size} {args.label}".strip()
        results["runs"][name] = {
            "size": size,
            "prompt": args.label or "session",
            "summary": summary(rows),
            "rows": rows,
        }
        logger.info("%s: %s", name, results["runs"][name]["summary"])
        path.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n")
    (args.out / "zh_chat_models.md").write_text(markdown(results), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
