"""Animation speed in frames per CPU-second, which a busy shared machine does not distort.

Usage: ``python -m benchmarks.animation_cpu [--reference DIR] [--runs 3]``

Wall-clock frame rates mean little when other jobs share the cores; the CPU time the
animator's process spends per frame does not depend on them (it counts every thread of the
process). One face is animated for 250 frames (100 at 2048 px) of a moving jaw, a blink
every two seconds and head motion, preparation included, at 512 px (woman_waterfall.jpg) and
2048 px (mona_lisa.jpg upscaled). With ``--reference DIR`` (another checkout, e.g. a
``git worktree`` of an earlier commit) the same runs are made with that code, interleaved
with this one's, so both see the same machine. Results go to
``benchmarks/results/animation_cpu.{md,json}``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.report import commit_of, write_results

ROOT = Path(__file__).resolve().parent.parent
PHOTOS = (("512 px", "woman_waterfall.jpg", None, 250), ("2048 px", "mona_lisa.jpg", 2048, 100))

logger = logging.getLogger(__name__)


def _child(photo: Path, n_frames: int) -> None:
    """Animates one face in this process; prints frames per CPU-second and per wall second.

    The wall-clock rate is printed with the 1-minute load average at the start (the
    ``benchmarks.animation_wall`` report quotes both).
    """
    import numpy as np

    from pipelines.animate.animator import MeshWarpAnimator
    from pipelines.faces.mediapipe_faces import MediaPipeFaces
    from pipelines.images import load_image
    from pipelines.types import Animation, FaceMotion

    image = load_image(photo)
    faces = MediaPipeFaces().detect(image)
    times = np.arange(n_frames) / 25.0
    curves = {
        name: np.zeros(n_frames) for name in ("lip_round", "lip_wide", "lip_bite", "smile", "brow")
    }
    motion = FaceMotion(
        faces[0].index,
        jaw_open=0.5 + 0.5 * np.sin(9.0 * times),
        lip_press=np.full(n_frames, 0.1),
        blink=(np.sin(3.0 * times) > 0.9).astype(float),
        head=np.stack([2 * np.sin(times), np.sin(1.3 * times), 0.5 * np.sin(0.7 * times)], 1),
        **curves,
    )
    animation = Animation(25, n_frames, (motion,))
    load = os.getloadavg()[0]
    started, wall_started = time.process_time(), time.perf_counter()
    for _ in MeshWarpAnimator().render(image, faces[:1], animation):
        pass
    cpu, wall = time.process_time() - started, time.perf_counter() - wall_started
    measured = {"fps": n_frames / cpu, "wall_fps": n_frames / wall, "load": load}
    sys.stdout.write(json.dumps(measured) + "\n")


def _measure(tree: Path, photo: Path, n_frames: int) -> float:
    """Frames per CPU-second of ``tree``'s animator, in a fresh process.

    The child runs this file (a reference checkout need not have it) from ``tree``, so
    ``pipelines`` is imported from there.
    """
    child = (
        "import runpy, sys; sys.argv[1:1] = ['--child']; "
        f"runpy.run_path({str(Path(__file__).resolve())!r}, run_name='__main__')"
    )
    done = subprocess.run(
        [sys.executable, "-c", child, str(photo), str(n_frames)],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=1800,
        check=True,
    )
    return float(json.loads(done.stdout.strip().splitlines()[-1])["fps"])


def main(argv: list[str] | None = None) -> int:
    """Runs the measurement; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", type=Path, help="another checkout to compare with")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(Path(args.child[0]), int(args.child[1]))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    from benchmarks import report, speed

    trees = {"this tree": ROOT}
    if args.reference is not None:
        trees["reference"] = args.reference.resolve()
    folder = Path(tempfile.mkdtemp(prefix="talking-photo-cpu-"))
    results: dict = {"machine": report.machine(), "runs": args.runs, "sizes": {}}
    for label, name, side, n_frames in PHOTOS:
        photo = ROOT / "assets" / "examples" / name
        if side is not None:
            photo = speed.upscaled_photo(photo, side, folder)
        runs: dict[str, list[float]] = {tree: [] for tree in trees}
        for _ in range(args.runs):
            for tree, path in trees.items():
                runs[tree].append(_measure(path, photo, n_frames))
                logger.info("%s, %s: %.1f frames per CPU-second", label, tree, runs[tree][-1])
        results["sizes"][label] = {
            tree: {"median": statistics.median(v), "runs": v} for tree, v in runs.items()
        }
    if args.reference is not None:
        results["reference"] = {"path": str(args.reference), "commit": commit_of(args.reference)}
    lines = [
        "# Animation speed in frames per CPU-second",
        "",
        f"Measured {results['machine']['date']} at commit {results['machine']['commit']}, "
        f"load average {results['machine']['load_average_1m']} (one face, preparation "
        "included; `python -m benchmarks.animation_cpu`)."
        + (
            f" Reference: commit {results['reference']['commit']}."
            if "reference" in results
            else ""
        ),
        "",
        "| size | " + " | ".join(trees) + " |",
        "|---|" + "---|" * len(trees),
    ]
    for label, by_tree in results["sizes"].items():
        cells = [
            f"{v['median']:.1f} ({', '.join(f'{r:.1f}' for r in v['runs'])})"
            for v in by_tree.values()
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    write_results(args.out, "animation_cpu", lines, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
