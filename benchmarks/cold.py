"""Cold start alone: a fresh process renders a typed ~10 s line, at three photo sizes.

Usage: ``python -m benchmarks.cold [--runs 3] [--out benchmarks/results]``

The renovation's target is a cold render on a ~1146 px photo within 0.7x the speech's length
(the real-time factor: wall time from launching the process to its exit, over the audio's
seconds). ``benchmarks.run`` measures one cold start per size among everything else; this
re-measures only that, ``--runs`` times per size alternating the sizes, and reports medians
with the machine's load around each run. Results: ``<out>/cold.json`` and ``<out>/cold.md``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import speed
from benchmarks.run import EXAMPLES, ROOT

logger = logging.getLogger(__name__)

#: Long side (px) of each photo rendered, from the 512 px example upscaled (Lanczos).
SIZES = (512, 1146, 2048)
#: The renovation's target real-time factor at 1146 px.
TARGET_RTF_1146 = 0.7


def measure(runs: int, folder: Path) -> dict[str, Any]:
    """``runs`` cold renders per size, the sizes alternating; medians and every run."""
    source = EXAMPLES / "woman_waterfall.jpg"
    photos = {
        size: source if size == 512 else speed.upscaled_photo(source, size, folder)
        for size in SIZES
    }
    rows: dict[int, list[dict[str, Any]]] = {size: [] for size in SIZES}
    for attempt in range(runs):
        for size, photo in photos.items():
            load = os.getloadavg()[0]
            report = speed.cold_start(photo, speed.TEXT_10S, folder)
            report["load_before"] = round(load, 2)
            rows[size].append(report)
            logger.info(
                "run %d, %d px: %.2f s for %.2f s of speech (RTF %.2f, load %.1f)",
                attempt + 1,
                size,
                report["wall_s"],
                report["audio_s"],
                report["real_time_factor"],
                load,
            )
    return {
        "text_10s": speed.TEXT_10S,
        "runs": runs,
        "target_rtf_1146": TARGET_RTF_1146,
        "sizes": {
            str(size): {
                "median_wall_s": round(statistics.median(r["wall_s"] for r in reports), 2),
                "median_rtf": round(statistics.median(r["real_time_factor"] for r in reports), 3),
                "loads": [r["load_before"] for r in reports],
                "runs": reports,
            }
            for size, reports in rows.items()
        },
    }


def markdown(results: dict[str, Any]) -> str:
    """A table of the medians, one row per photo size."""
    lines = [
        "# Cold start (fresh process, typed ~10 s line)",
        "",
        f"{results['runs']} runs per size; target at 1146 px: RTF <= {TARGET_RTF_1146}.",
        "",
        "| long side | median wall (s) | median RTF | 1-min load before each run |",
        "|---|---|---|---|",
    ]
    for size, row in results["sizes"].items():
        loads = ", ".join(f"{load:.1f}" for load in row["loads"])
        lines.append(f"| {size} px | {row['median_wall_s']} | {row['median_rtf']} | {loads} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Command line: measure, then write cold.json and cold.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="cold renders per size")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with tempfile.TemporaryDirectory(prefix="talking-photo-cold-") as folder:
        results = measure(args.runs, Path(folder))
    for run_reports in results["sizes"].values():
        for report in run_reports["runs"]:
            report["stage_s"] = {k: round(v, 3) for k, v in report["stage_s"].items()}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "cold.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (args.out / "cold.md").write_text(markdown(results), encoding="utf-8")


if __name__ == "__main__":
    main()
