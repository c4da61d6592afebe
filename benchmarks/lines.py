"""Benchmark of written lines: are they about this photo, in this person's voice?

Usage: ``python -m benchmarks.lines [--backend NAME] [--lang en|zh] [--out FILE]
[--option KEY=VALUE ...]``

Writes one line for each of 10 photos x 4 moods (40 lines; the first face speaks), plus the
lines of the other faces of the group photos (used only to judge "distinct across faces"),
with the dialogue backend given (default: the pipeline's default), on one llama.cpp thread.
Each line is scored by ``benchmarks.line_rubric`` against hand-labelled facts of its photo;
the time to write each line (every try, the checks and any fallback) is measured.
``summary`` scores with the rubric as defined (a colour that is in the photo is a fact);
``summary_first_rubric`` with its first code, which counted only the labelled fact words.

``--lang zh`` writes Chinese lines. Every run also reports how many of the model's candidates
passed the line checks (lines the model wrote / candidates asked for); ``--candidates``
also checks one raw first candidate per slot.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.line_rubric import TRUTH, score_line

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "assets" / "examples"
RESULTS = ROOT / "benchmarks" / "results"
MOODS = ("neutral", "happy", "sad", "angry")
SEED = 7
CRITERIA = ("first_person", "on_topic", "no_assistant_talk", "distinct")


def photo_paths(work: Path) -> dict[str, Path]:
    """The 10 benchmark photos: 9 examples with faces and scikit-image's astronaut."""
    from PIL import Image
    from skimage import data

    paths = {name: EXAMPLES / name for name in TRUTH if name != "astronaut.png"}
    astronaut = work / "astronaut.png"
    Image.fromarray(data.astronaut()).save(astronaut)
    paths["astronaut.png"] = astronaut
    return paths


def write_all(
    pipeline: Any, photos: dict[str, Path], lang: str, partial: Path | None = None
) -> list[dict[str, Any]]:
    """Every line of the run: (photo, mood, face) with its text, source and seconds.

    Each record is also appended to ``partial`` (JSON lines) as soon as it is written.
    """
    records = []
    for name, path in photos.items():
        reading = pipeline.read_photo(path)
        faces = [p.face_index for p in reading.scene.people]
        logger.info("%s: %s", name, reading.scene.description)
        for mood in MOODS:
            for face in faces:
                started = time.perf_counter()
                line = pipeline.write_line(reading.scene, face, mood, seed=SEED, lang=lang)
                seconds = time.perf_counter() - started
                records.append(
                    {
                        "photo": name,
                        "mood": mood,
                        "face": face,
                        "scored": face == faces[0],
                        "text": line.text,
                        "source": line.source,
                        "seconds": round(seconds, 3),
                        "scene": reading.scene.description,
                    }
                )
                logger.info("%s %s face %d (%.1f s): %s", name, mood, face, seconds, line.text)
                if partial is not None:
                    with partial.open("a", encoding="utf-8") as handle:
                        handle.write(json.dumps(records[-1], ensure_ascii=False) + "\n")
    return records


def first_candidates(pipeline: Any, photos: dict[str, Path], lang: str) -> dict[str, Any]:
    """How many of the model's raw first candidates pass the line checks (one per slot)."""
    from pipelines.dialogue.checks import inspect_line_in

    writer = pipeline.line_writer(lang)
    passed, reasons = 0, {}
    total = 0
    for path in photos.values():
        scene = pipeline.read_photo(path).scene
        face = scene.people[0].face_index
        for mood in MOODS:
            reply = writer.raw_candidate(scene, face, mood, seed=SEED, lang=lang)
            line, reason = inspect_line_in(reply, lang, known_names=scene.text_in_photo)
            total += 1
            passed += line is not None
            reasons[reason] = reasons.get(reason, 0) + 1
    return {"candidates": total, "pass_checks": passed, "reasons": reasons}


def _count_calls(writer: Any) -> dict[str, int]:
    """Counts the candidates the writer asks its chat backend for (each is checked once)."""
    calls = {"n": 0}
    complete = writer.chat.complete

    def counted(*args: Any, **kwargs: Any) -> str:
        calls["n"] += 1
        return complete(*args, **kwargs)

    writer.chat = _Counted(writer.chat, counted)
    return calls


class _Counted:
    """The writer's backend with its ``complete`` counted; everything else passes through."""

    def __init__(self, chat: Any, complete: Any) -> None:
        self._chat = chat
        self.complete = complete

    def __getattr__(self, name: str) -> Any:
        return getattr(self._chat, name)


def _passing_share(records: list[dict[str, Any]], calls: int) -> float | None:
    """Lines the model wrote per candidate asked for; None when no call was counted."""
    if calls == 0:
        return None
    return round(sum(r["source"] == "model" for r in records) / calls, 3)


def summarise(records: list[dict[str, Any]], colours_are_facts: bool = True) -> dict[str, Any]:
    """Scores the scored lines (each record's "verdict") and sums up the run.

    ``colours_are_facts=False`` scores with the rubric's first code (see
    ``line_rubric.mentions_fact``), for comparison.
    """
    for record in records:
        others = [
            r["text"]
            for r in records
            if r is not record and (r["photo"], r["face"]) != (record["photo"], record["face"])
        ]
        record["verdict"] = score_line(record["text"], record["photo"], others, colours_are_facts)
    scored = [r for r in records if r["scored"]]
    model = [r for r in scored if r["source"] == "model"]
    summary: dict[str, Any] = {
        "lines": len(scored),
        "pass_all": round(sum(r["verdict"]["passes"] for r in scored) / len(scored), 3),
        "by_criterion": {
            c: round(sum(bool(r["verdict"][c]) for r in scored) / len(scored), 3) for c in CRITERIA
        },
        "model_share": round(len(model) / len(scored), 3),
        "model_pass_all": (
            round(sum(r["verdict"]["passes"] for r in model) / len(model), 3) if model else None
        ),
        "seconds_per_line_median": round(statistics.median(r["seconds"] for r in records), 3),
        "seconds_per_line_mean": round(statistics.fmean(r["seconds"] for r in records), 3),
        "seconds_per_line_max": round(max(r["seconds"] for r in records), 3),
    }
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default=None, help="dialogue backend (default: default)")
    parser.add_argument("--lang", default="en", choices=("en", "zh"))
    parser.add_argument("--out", type=Path, default=RESULTS / "lines_facts_smollm2_en.json")
    parser.add_argument("--option", action="append", default=[], help="backend KEY=VALUE")
    parser.add_argument("--candidates", action="store_true", help="also score raw candidates")
    parser.add_argument("--rescore", type=Path, help="re-score the lines of a result file")
    parser.add_argument("--photos", default="", help="comma-separated subset of the photos")
    parser.add_argument(
        "--merge", type=Path, nargs="+", help="result files of photo subsets to merge into --out"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.merge:
        parts = [json.loads(path.read_text()) for path in args.merge]
        report = dict(parts[0])
        report["lines"] = [line for part in parts for line in part["lines"]]
        report["seconds_total"] = round(sum(part["seconds_total"] for part in parts), 1)
        report["model_calls"] = sum(part.get("model_calls", 0) for part in parts)
        report["candidates_passing_checks"] = _passing_share(report["lines"], report["model_calls"])
        report["load_after"] = max(part["load_after"] for part in parts)
        report["summary_first_rubric"] = summarise(report["lines"], colours_are_facts=False)
        report["summary"] = summarise(report["lines"])
        report["merged_from"] = [str(path) for path in args.merge]
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        logger.info("%s", json.dumps(report["summary"], indent=2))
        return
    if args.rescore:
        report = json.loads(args.rescore.read_text())
        report["summary_first_rubric"] = summarise(report["lines"], colours_are_facts=False)
        report["summary"] = summarise(report["lines"])
        args.rescore.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        logger.info("%s", json.dumps(report["summary"], indent=2))
        return

    import pipelines

    settings = pipelines.Settings().with_backends(
        [f"dialogue={args.backend}"] if args.backend else ()
    )
    options: dict[str, Any] = {"n_threads": 1}
    for item in args.option:
        key, _, value = item.partition("=")
        options[key] = int(value) if value.isdigit() else value
    name = settings.backend_name("dialogue")
    settings = settings.replaced(backend_options={name: options})
    pipeline = pipelines.load(settings)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as work:
        photos = photo_paths(Path(work))
        if args.photos:
            photos = {name: photos[name] for name in args.photos.split(",")}
        # The writer of this language (Chinese may go to Qwen); loads the model before timing.
        writer = pipeline.line_writer(args.lang)
        calls = _count_calls(writer)
        started = time.perf_counter()
        records = write_all(pipeline, photos, args.lang, args.out.with_suffix(".partial.jsonl"))
        elapsed = time.perf_counter() - started
        candidates = first_candidates(pipeline, photos, args.lang) if args.candidates else None
    chat = pipeline.chat_model(args.lang)
    report = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "backend": getattr(chat, "name", "?"),
        "model_file": str(getattr(chat, "model_path", "")),
        "lang": args.lang,
        "llm_threads": getattr(chat, "n_threads", None),
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "seconds_total": round(elapsed, 1),
        "summary_first_rubric": summarise(records, colours_are_facts=False),
        "summary": summarise(records),
        "raw_candidates": candidates,
        "model_calls": calls["n"],
        "candidates_passing_checks": _passing_share(records, calls["n"]),
        "notes": pipeline.backend_notes(),
        "lines": records,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    logger.info("%s", json.dumps(report["summary"], indent=2))


if __name__ == "__main__":
    main()
