"""Cold start alone: a fresh process renders a typed ~10 s line, at three photo sizes, and a
~10 s Chinese line on a 1024 px photo.

Usage: ``python -m benchmarks.cold [--runs 3] [--cases 512,1146,2048,zh1024] [--name cold]
[--reference DIR] [--out benchmarks/results]``

The renovation's target is a cold render on a ~1146 px photo within 0.7x the speech's length
(the real-time factor: wall time from launching the process to its exit, over the audio's
seconds); the Mandarin target is a cold render of a 10 s Chinese line on a 1024 px photo
faster than the speech (RTF < 1). ``benchmarks.run`` measures one cold start per size among
everything else; this re-measures only that, ``--runs`` times per case alternating the cases,
and reports medians with the machine's load before each run. With ``--reference DIR``
(another checkout, e.g. a ``git worktree`` of main) each render is followed by the same render
with that code, so both see the same machine. Results: ``<out>/<name>.json`` and
``<out>/<name>.md``.
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
#: The Mandarin case: long side of its photo, and its target real-time factor (issue 13).
ZH_SIZE = 1024
TARGET_RTF_ZH = 1.0
#: Every case: name -> (long side, language of the line).
CASES: dict[str, tuple[int, str]] = {
    **{str(size): (size, "en") for size in SIZES},
    f"zh{ZH_SIZE}": (ZH_SIZE, "zh"),
}


def _one_run(photo: Path, text: str, folder: Path, root: Path, label: str) -> dict[str, Any]:
    """One cold render with the code in ``root``, with the 1-minute load before it."""
    load = os.getloadavg()[0]
    report = speed.cold_start(photo, text, folder, root=root)
    report["load_before"] = round(load, 2)
    logger.info(
        "%s, %s: %.2f s for %.2f s of speech (RTF %.2f, CPU %.1f s, load %.1f)",
        label,
        photo.name,
        report["wall_s"],
        report["audio_s"],
        report["real_time_factor"],
        report["cpu_s"],
        load,
    )
    return report


def _summary(rows: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {
        size: {
            "median_wall_s": round(statistics.median(r["wall_s"] for r in reports), 2),
            "median_rtf": round(statistics.median(r["real_time_factor"] for r in reports), 3),
            "median_cpu_s": round(statistics.median(r.get("cpu_s", 0.0) for r in reports), 2),
            "loads": [r["load_before"] for r in reports],
            "runs": reports,
        }
        for size, reports in rows.items()
    }


def measure(
    runs: int,
    folder: Path,
    reference: Path | None = None,
    cases: tuple[str, ...] = tuple(CASES),
) -> dict[str, Any]:
    """``runs`` cold renders per case, the cases alternating; medians and every run.

    With a ``reference`` checkout, each render is followed by the same render with its code.
    """
    from benchmarks.mandarin import LINE_10S

    source = EXAMPLES / "woman_waterfall.jpg"
    texts = {"en": speed.TEXT_10S, "zh": LINE_10S}
    photos = {
        case: source
        if CASES[case][0] == 512
        else speed.upscaled_photo(source, CASES[case][0], folder)
        for case in cases
    }
    rows: dict[str, list[dict[str, Any]]] = {case: [] for case in cases}
    reference_rows: dict[str, list[dict[str, Any]]] = {case: [] for case in cases}
    for attempt in range(runs):
        for case, photo in photos.items():
            text = texts[CASES[case][1]]
            rows[case].append(_one_run(photo, text, folder, ROOT, f"run {attempt + 1}"))
            if reference is not None:
                reference_rows[case].append(
                    _one_run(photo, text, folder, reference, f"run {attempt + 1}, reference")
                )
    results: dict[str, Any] = {
        "text_10s": speed.TEXT_10S,
        "text_zh_10s": LINE_10S,
        "runs": runs,
        "target_rtf_1146": TARGET_RTF_1146,
        "target_rtf_zh": TARGET_RTF_ZH,
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
        f"{results['runs']} runs per case; targets: RTF <= {TARGET_RTF_1146} at 1146 px,"
        f" RTF < {TARGET_RTF_ZH} for the Chinese line at {ZH_SIZE} px (zh{ZH_SIZE}).",
        "",
        "| case | median wall (s) | median RTF | 1-min load before each run |",
        "|---|---|---|---|",
    ]
    for size, row in results["sizes"].items():
        loads = ", ".join(f"{load:.1f}" for load in row["loads"])
        lines.append(
            f"| {_case_name(size)} | {row['median_wall_s']} | {row['median_rtf']} | {loads} |"
        )
    reference = results.get("reference")
    if reference is not None:
        lines += [
            "",
            "Each render was followed by the same render with the code of commit"
            f" {reference['commit']} (the reference), on the same machine:",
            "",
            "| case | median wall (s) | median RTF | reference wall (s) | reference RTF |"
            " wall ratio (median of pairs) | median CPU (s) | reference CPU (s) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for size, row in results["sizes"].items():
            ref = reference["sizes"][size]
            pairs = zip(row["runs"], ref["runs"], strict=True)
            ratio = statistics.median(new["wall_s"] / old["wall_s"] for new, old in pairs)
            lines.append(
                f"| {_case_name(size)} | {row['median_wall_s']} | {row['median_rtf']} "
                f"| {ref['median_wall_s']} | {ref['median_rtf']} | {ratio:.2f} "
                f"| {row['median_cpu_s']} | {ref['median_cpu_s']} |"
            )
    return "\n".join(lines) + "\n"


def _case_name(case: str) -> str:
    """ "1146" -> "1146 px"; "zh1024" -> "1024 px, Chinese line"."""
    return f"{case[2:]} px, Chinese line" if case.startswith("zh") else f"{case} px"


def main(argv: list[str] | None = None) -> None:
    """Command line: measure, then write <name>.json and <name>.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="cold renders per size")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--reference", type=Path, help="another checkout to interleave with")
    parser.add_argument(
        "--cases", default=",".join(CASES), help=f"comma-separated, of {', '.join(CASES)}"
    )
    parser.add_argument("--name", default="cold", help="results file name (without suffix)")
    args = parser.parse_args(argv)
    cases = tuple(case.strip() for case in args.cases.split(",") if case.strip())
    unknown = [case for case in cases if case not in CASES]
    if unknown:
        parser.error(f"unknown case {unknown[0]!r}; cases: {', '.join(CASES)}")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with tempfile.TemporaryDirectory(prefix="talking-photo-cold-") as folder:
        results = measure(args.runs, Path(folder), args.reference, cases)
    tables = [results["sizes"], results.get("reference", {}).get("sizes", {})]
    for run_reports in (row for table in tables for row in table.values()):
        for report in run_reports["runs"]:
            report["stage_s"] = {k: round(v, 3) for k, v in report["stage_s"].items()}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.name}.json").write_text(
        json.dumps(results, indent=2) + "\n", encoding="utf-8"
    )
    (args.out / f"{args.name}.md").write_text(markdown(results), encoding="utf-8")


if __name__ == "__main__":
    main()
