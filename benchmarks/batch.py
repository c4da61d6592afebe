"""Batch throughput: renders per minute with 1 and 2 local workers and with Ray, same manifest.

Usage: ``python -m benchmarks.batch [--rows 16] [--repeats 3] [--out benchmarks/results]``

One manifest of ``--rows`` rows (the example photos at 512 px, short lines of about 3 s of
speech) is rendered from scratch into a fresh folder by each engine, ``--repeats`` times:

- ``local-1``, ``local-2``: ``LocalEngine`` with 1 and 2 worker processes;
- ``ray-2``: ``RayEngine`` with 2 actors on a local Ray cluster of this machine's cores (the
  cluster is started once, before the first Ray run, and not counted).

For each run: the wall time of the whole batch (worker start and model loading included) and
its renders per minute; the warm rate, counted from the moment every worker has finished its
first row (so model loading is left out); and the overhead per row: for each row after a
worker's first, the time since that worker's previous row came back less the row's own render
time, which holds the engine's dispatch, the transfer of the photo and the outputs and the
driver's writing (median over the rows).
Medians over the repeats are reported. Results: ``<out>/batch.json``.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.material import upright_rgb
from benchmarks.report import machine

logger = logging.getLogger("benchmarks.batch")

ROOT = Path(__file__).resolve().parent.parent
PHOTOS = (
    "einstein_bw.jpg",
    "woman_waterfall.jpg",
    "smiling_woman_256.png",
    "mona_lisa.jpg",
    "painted_portrait.png",
    "lowres_240p.jpg",
    "two_people.jpg",
    "cartoon_boy.jpg",
)
LINES = (
    "Good morning, it is a lovely day to sit for a portrait.",
    "I have been waiting here for quite a while, you know.",
)


def write_manifest(folder: Path, rows: int) -> Path:
    """``rows`` rows: the example photos at 512 px (longest side), short lines."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for name in PHOTOS:
        image = upright_rgb(name)
        factor = 512 / max(image.size)
        size = (round(image.width * factor), round(image.height * factor))
        image.resize(size, Image.Resampling.LANCZOS).save(folder / f"{Path(name).stem}.jpg")
    manifest = folder / "manifest.csv"
    with manifest.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "photo", "text"])
        for row in range(rows):
            photo = f"{Path(PHOTOS[row % len(PHOTOS)]).stem}.jpg"
            writer.writerow([f"row{row:03d}", photo, LINES[(row // len(PHOTOS)) % len(LINES)]])
    return manifest


def one_run(manifest: Path, engine: Any) -> dict[str, Any]:
    """Renders the manifest into a fresh folder; the run's figures."""
    from pipelines.batch import run_batch

    finished: list[tuple[float, dict[str, Any]]] = []
    outdir = Path(tempfile.mkdtemp(prefix="talking-photo-bench-batch-"))
    started = time.perf_counter()
    try:
        summary = run_batch(
            manifest,
            outdir,
            engine,
            show_progress=False,
            on_record=lambda record: finished.append((time.perf_counter(), record)),
        )
    finally:
        shutil.rmtree(outdir, ignore_errors=True)
    wall = time.perf_counter() - started
    first_row_done: dict[str, float] = {}
    by_worker: dict[str, list[tuple[float, float]]] = {}
    for moment, record in finished:
        first_row_done.setdefault(record["worker"], moment)
        by_worker.setdefault(record["worker"], []).append((moment, record["seconds"]))
    warm_from = max(first_row_done.values())  # every worker has loaded its models
    warm = [record for moment, record in finished if moment > warm_from]
    warm_wall = finished[-1][0] - warm_from if warm else float("nan")
    # Per row after a worker's first: the time since its previous row came back, less the
    # render itself: dispatch, moving the photo and outputs, the driver's writing.
    gaps = [
        (done - before) - seconds
        for rows in by_worker.values()
        for (before, _), (done, seconds) in itertools.pairwise(rows)
    ]
    return {
        "ok": summary.ok,
        "failed": summary.failed,
        "wall_s": round(wall, 2),
        "renders_per_min": round(summary.ok / wall * 60, 2),
        "warm_rows": len(warm),
        "warm_renders_per_min": round(len(warm) / warm_wall * 60, 2) if warm else None,
        "median_render_s": round(statistics.median(r["seconds"] for r in warm), 3)
        if warm
        else None,
        "overhead_per_row_s": round(statistics.median(gaps), 3) if gaps else None,
        "workers_seen": len(first_row_done),
    }


def _median(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [run[key] for run in runs if run.get(key) is not None]
    return round(statistics.median(values), 3) if values else None


def run(rows: int, repeats: int, out: Path) -> dict[str, Any]:
    """Every engine, ``repeats`` times, interleaved; writes ``<out>/batch.json``."""
    from pipelines.batch import LocalEngine
    from pipelines.cluster import connect

    folder = Path(tempfile.mkdtemp(prefix="talking-photo-bench-manifest-"))
    manifest = write_manifest(folder, rows)
    load_before = os.getloadavg()[0]
    connect("auto")  # a local Ray cluster of this machine's cores, started once
    from pipelines.batch.ray_engine import RayEngine

    engines = {
        "local-1": lambda: LocalEngine(workers=1),
        "local-2": lambda: LocalEngine(workers=2),
        "ray-2": lambda: RayEngine(workers=2),
    }
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in engines}
    for repeat in range(repeats):
        for name, make in engines.items():
            logger.info("repeat %d: %s", repeat + 1, name)
            runs[name].append(one_run(manifest, make()))
            logger.info("%s: %s", name, runs[name][-1])
    shutil.rmtree(folder, ignore_errors=True)
    keys = ("renders_per_min", "warm_renders_per_min", "median_render_s", "overhead_per_row_s")
    medians = {name: {key: _median(results, key) for key in keys} for name, results in runs.items()}
    cores = os.cpu_count() or 1
    best = max(m["warm_renders_per_min"] or 0 for m in medians.values())
    per_core_minute = best / cores
    report = {
        "machine": machine(),
        "note": (
            f"This machine's {cores} cores are shared with other work (1-minute load average "
            f"{load_before:.2f} at the start): single runs vary, so medians of {repeats} runs "
            "are quoted."
        ),
        "rows": rows,
        "repeats": repeats,
        "photos": "example photos at 512 px, lines of about 3 s",
        "medians": medians,
        "runs": runs,
        "capacity": {
            "renders_per_core_minute": round(per_core_minute, 2),
            "cores_for_1000_per_hour": round(1000 / 60 / per_core_minute, 1)
            if per_core_minute
            else None,
        },
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "batch.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return report


def main(argv: list[str] | None = None) -> int:
    """Parses the arguments, runs the benchmark, prints the medians."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=16, help="rows of the manifest")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each engine")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    report = run(args.rows, args.repeats, args.out)
    sys.stdout.write(json.dumps(report["medians"], indent=1) + "\n")
    sys.stdout.write(json.dumps(report["capacity"], indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
