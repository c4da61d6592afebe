"""Cold start alone: a fresh process renders a typed ~10 s line, at three photo sizes.

Usage: ``python -m benchmarks.cold [--runs 3] [--out benchmarks/results]``

The renovation's target is a cold render on a ~1146 px photo within 0.7x the speech's length
(the real-time factor: wall time from launching the process to its exit, over the audio's
seconds). ``benchmarks.run`` measures one cold start per size among everything else; this
re-measures only that, ``--runs`` times per size alternating the sizes, and reports medians
with the machine's load around each run. With ``--reference DIR`` (another checkout, e.g. a
``git worktree`` of main) each render is followed by the same render with that code, so both
see the same machine. Results: ``<out>/cold.json`` and ``<out>/cold.md``.
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
from benchmarks.report import commit_of
from benchmarks.run import EXAMPLES, ROOT

logger = logging.getLogger(__name__)

#: Long side (px) of each photo rendered, from the 512 px example upscaled (Lanczos).
SIZES = (512, 1146, 2048)
#: The renovation's target real-time factor at 1146 px.
TARGET_RTF_1146 = 0.7


def _one_run(photo: Path, folder: Path, root: Path, label: str) -> dict[str, Any]:
    """One cold render with the code in ``root``, with the 1-minute load before it."""
    load = os.getloadavg()[0]
    report = speed.cold_start(photo, speed.TEXT_10S, folder, root=root)
    report["load_before"] = round(load, 2)
    logger.info(
        "%s, %s: %.2f s for %.2f s of speech (RTF %.2f, load %.1f)",
        label,
        photo.name,
        report["wall_s"],
        report["audio_s"],
        report["real_time_factor"],
        load,
    )
    return report


def _summary(rows: dict[int, list[dict[str, Any]]]) -> dict[str, Any]:
    return {
        str(size): {
            "median_wall_s": round(statistics.median(r["wall_s"] for r in reports), 2),
            "median_rtf": round(statistics.median(r["real_time_factor"] for r in reports), 3),
            "loads": [r["load_before"] for r in reports],
            "runs": reports,
        }
        for size, reports in rows.items()
    }


def measure(runs: int, folder: Path, reference: Path | None = None) -> dict[str, Any]:
    """``runs`` cold renders per size, the sizes alternating; medians and every run.

    With a ``reference`` checkout, each render is followed by the same render with its code.
    """
    source = EXAMPLES / "woman_waterfall.jpg"
    photos = {
        size: source if size == 512 else speed.upscaled_photo(source, size, folder)
        for size in SIZES
    }
    rows: dict[int, list[dict[str, Any]]] = {size: [] for size in SIZES}
    reference_rows: dict[int, list[dict[str, Any]]] = {size: [] for size in SIZES}
    for attempt in range(runs):
        for size, photo in photos.items():
            rows[size].append(_one_run(photo, folder, ROOT, f"run {attempt + 1}"))
            if reference is not None:
                reference_rows[size].append(
                    _one_run(photo, folder, reference, f"run {attempt + 1}, reference")
                )
    results: dict[str, Any] = {
        "text_10s": speed.TEXT_10S,
        "runs": runs,
        "target_rtf_1146": TARGET_RTF_1146,
        "sizes": _summary(rows),
    }
    if reference is not None:
        results["reference"] = {"commit": commit_of(reference), "sizes": _summary(reference_rows)}
    return results


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
    reference = results.get("reference")
    if reference is not None:
        lines += [
            "",
            "Each render was followed by the same render with the code of commit"
            f" {reference['commit']} (the reference), on the same machine:",
            "",
            "| long side | median wall (s) | median RTF | reference wall (s) | reference RTF |",
            "|---|---|---|---|---|",
        ]
        for size, row in results["sizes"].items():
            ref = reference["sizes"][size]
            lines.append(
                f"| {size} px | {row['median_wall_s']} | {row['median_rtf']} "
                f"| {ref['median_wall_s']} | {ref['median_rtf']} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Command line: measure, then write cold.json and cold.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="cold renders per size")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--reference", type=Path, help="another checkout to interleave with")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with tempfile.TemporaryDirectory(prefix="talking-photo-cold-") as folder:
        results = measure(args.runs, Path(folder), args.reference)
    tables = [results["sizes"], results.get("reference", {}).get("sizes", {})]
    for run_reports in (row for table in tables for row in table.values()):
        for report in run_reports["runs"]:
            report["stage_s"] = {k: round(v, 3) for k, v in report["stage_s"].items()}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "cold.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (args.out / "cold.md").write_text(markdown(results), encoding="utf-8")


if __name__ == "__main__":
    main()
