"""Do two versions of the animator draw the same frames? PSNR over the face, frame by frame.

Usage: ``python -m benchmarks.animator_match --reference DIR [--frames 120]``

A change meant to make drawing faster must not change what is drawn. The same motion (a jaw
sine, lip shapes, a smile and brows, a blink, head motion) is drawn on three photos, the 512 px
example, the same photo upscaled to 1146 px (a face filling the picture) and mona_lisa.jpg
(720x1280), once by this tree's animator and once by ``DIR``'s (another checkout, e.g. a
``git worktree`` of main), each in a fresh process. Every third frame is compared over the
face's region (the rectangle the animator may change). Results: ``<out>/animator_match.md``
and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.report import commit_of

ROOT = Path(__file__).resolve().parent.parent
EVERY = 3

logger = logging.getLogger(__name__)


def _child(photo: Path, n_frames: int, out: Path) -> None:
    """Draws the motion on the photo's first face and saves every EVERY-th frame's face region."""
    from pipelines.animate.animator import MeshWarpAnimator, prepare_face
    from pipelines.faces.mediapipe_faces import MediaPipeFaces
    from pipelines.images import load_image
    from pipelines.types import Animation, FaceMotion

    image = load_image(photo)
    face = MediaPipeFaces().detect(image)[0]
    t = np.arange(n_frames) / 25.0
    motion = FaceMotion(
        face.index,
        jaw_open=0.4 + 0.4 * np.sin(9.0 * t),
        lip_round=np.clip(np.sin(2.0 * t), 0.0, 1.0),
        lip_wide=0.4 * np.sin(3.0 * t),
        lip_press=np.clip(np.cos(5.0 * t), 0.0, 1.0),
        lip_bite=np.zeros(n_frames),
        blink=np.clip(1.0 - np.abs(t - 2.0) * 8.0, 0.0, 1.0),
        smile=np.full(n_frames, 0.12),
        brow=0.1 * np.clip(np.sin(1.5 * t), 0.0, 1.0),
        head=np.stack([2.5 * np.sin(t), 2.0 * np.sin(1.3 * t), -np.sin(0.7 * t)], axis=1),
    )
    roi = prepare_face(image.pixels, face).roi
    frames = MeshWarpAnimator().render(image, (face,), Animation(25, n_frames, (motion,)))
    kept = [
        frame[roi.y0 : roi.y1, roi.x0 : roi.x1].copy()
        for index, frame in enumerate(frames)
        if index % EVERY == 0
    ]
    np.save(out, np.stack(kept))


def _draw(tree: Path, photo: Path, n_frames: int, out: Path) -> np.ndarray:
    """The kept face regions drawn by ``tree``'s animator (this file run from ``tree``)."""
    child = (
        "import runpy, sys; sys.argv[1:1] = ['--child']; "
        f"runpy.run_path({str(Path(__file__).resolve())!r}, run_name='__main__')"
    )
    subprocess.run(
        [sys.executable, "-c", child, str(photo), str(n_frames), str(out)],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=1800,
        check=True,
    )
    return np.load(out)


def compare(ours: np.ndarray, theirs: np.ndarray) -> dict[str, Any]:
    """Per-frame PSNR (dB, inf when equal) of two (n, h, w, 3) uint8 stacks; median and min."""
    diff = ours.astype(np.float64) - theirs.astype(np.float64)
    mse = (diff**2).reshape(len(diff), -1).mean(axis=1)
    psnr = [float("inf") if m == 0 else float(10.0 * np.log10(255.0**2 / m)) for m in mse]
    return {
        "frames": len(psnr),
        "median_psnr_db": round(statistics.median(psnr), 2),
        "min_psnr_db": round(min(psnr), 2),
        "max_abs_diff": int(np.abs(diff).max()),
        "identical_frames": int(sum(m == 0 for m in mse)),
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: draw with both trees, compare, write animator_match.{md,json}."""
    if argv is None and sys.argv[1:2] == ["--child"]:
        _child(Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
        return 0
    from benchmarks import speed
    from benchmarks.run import EXAMPLES

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reference", type=Path, required=True, help="the other checkout")
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    commit = commit_of(args.reference)
    results: dict[str, Any] = {"reference": commit, "every": EVERY, "photos": {}}
    with tempfile.TemporaryDirectory(prefix="talking-photo-match-") as folder:
        work = Path(folder)
        source = EXAMPLES / "woman_waterfall.jpg"
        photos = {
            "woman_waterfall.jpg (512 px)": source,
            "woman_waterfall upscaled to 1146 px": speed.upscaled_photo(source, 1146, work),
            "mona_lisa.jpg (720x1280)": EXAMPLES / "mona_lisa.jpg",
        }
        for label, photo in photos.items():
            ours = _draw(ROOT, photo, args.frames, work / "ours.npy")
            theirs = _draw(args.reference.resolve(), photo, args.frames, work / "theirs.npy")
            results["photos"][label] = compare(ours, theirs)
            logger.info("%s: %s", label, results["photos"][label])
    lines = [
        "# Same frames? This animator against another version's",
        "",
        f"Reference: commit {commit}. Every {EVERY}rd of {args.frames} frames, PSNR over the "
        "face's region (`python -m benchmarks.animator_match`).",
        "",
        "| photo | frames | median PSNR (dB) | min PSNR (dB) | max abs diff | identical |",
        "|---|---|---|---|---|---|",
    ]
    for label, row in results["photos"].items():
        lines.append(
            f"| {label} | {row['frames']} | {row['median_psnr_db']} | {row['min_psnr_db']} "
            f"| {row['max_abs_diff']} | {row['identical_frames']} |"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "animator_match.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (args.out / "animator_match.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
