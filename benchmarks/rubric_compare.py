"""Scores line results with an earlier commit's rubric and with today's, side by side.

Usage: ``python -m benchmarks.rubric_compare RESULT.json ... [--commit 49bd839] [--out FILE]``

For each result file of ``benchmarks.lines``, the share of the 40 scored lines that pass all
four criteria under: the rubric of ``--commit`` (its labels and its code, read with ``git
show``), today's labels with the first code (a colour counts only when it is a labelled fact
word), and today's rubric as defined (a colour that is in the photo is a fact).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks import line_rubric

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
#: The rubric on main before this comparison (labels corrected once, first code).
EARLIER_COMMIT = "49bd839"


def rubric_at(commit: str, folder: Path) -> ModuleType:
    """``benchmarks/line_rubric.py`` as it was at ``commit``, imported as a module."""
    source = subprocess.run(
        ["git", "show", f"{commit}:benchmarks/line_rubric.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = folder / f"line_rubric_{commit}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def pass_share(records: list[dict[str, Any]], score: Callable[..., dict[str, object]]) -> float:
    """Share of the scored records that pass all four criteria under ``score``."""
    scored = [r for r in records if r["scored"]]
    passed = 0
    for record in scored:
        others = [
            r["text"]
            for r in records
            if r is not record and (r["photo"], r["face"]) != (record["photo"], record["face"])
        ]
        passed += bool(score(record["text"], record["photo"], others)["passes"])
    return round(passed / len(scored), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, nargs="+")
    parser.add_argument("--commit", default=EARLIER_COMMIT)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    with tempfile.TemporaryDirectory() as folder:
        earlier = rubric_at(args.commit, Path(folder))
        rows = {}
        for path in args.results:
            records = json.loads(path.read_text(encoding="utf-8"))["lines"]
            rows[path.name] = {
                f"rubric_{args.commit}": pass_share(records, earlier.score_line),
                "labels_now_first_code": pass_share(
                    records,
                    lambda t, p, o: line_rubric.score_line(t, p, o, colours_are_facts=False),
                ),
                "rubric_now": pass_share(records, line_rubric.score_line),
            }
            logger.info("%s: %s", path.name, rows[path.name])
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
