"""Benchmark of the scene reader's photo-or-painting guess (``guess_medium``).

Usage: ``python -m benchmarks.medium [--out benchmarks/results/medium.json]``

Labelled sets: the photos in assets/examples (the same files as ../shared/photos: 7 camera
photos, 3 paintings or renders), four of scikit-image's photos, and eight pictures made from
four of those photos with OpenCV's non-photographic filters (``cv2.stylization``: a
watercolour-like painting; ``cv2.pencilSketch``: a colour pencil drawing). Reports the
accuracy on each set and every miss.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import cv2
import numpy as np

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "assets" / "examples"
PAINTINGS = frozenset({"cartoon_boy.jpg", "mona_lisa.jpg", "painted_portrait.png"})
SKIMAGE_PHOTOS = ("astronaut", "coffee", "chelsea", "rocket")
FILTERED_FROM = ("woman_waterfall.jpg", "two_people.jpg", "smiling_woman_256.png", "astronaut")


def labelled_pictures() -> dict[str, list[tuple[str, np.ndarray, str]]]:
    """{set name: [(name, (H, W, 3) uint8 RGB, "photo" | "painting")]}."""
    from skimage import data

    examples = []
    for path in sorted(EXAMPLES.glob("*.*g")):
        rgb = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
        examples.append((path.name, rgb, "painting" if path.name in PAINTINGS else "photo"))
    photos = [(name, getattr(data, name)(), "photo") for name in SKIMAGE_PHOTOS]
    by_name = {name: rgb for name, rgb, _ in examples + photos}
    filtered = []
    for name in FILTERED_FROM:
        bgr = cv2.cvtColor(by_name[name], cv2.COLOR_RGB2BGR)
        painted = cv2.stylization(bgr, sigma_s=60, sigma_r=0.45)
        _, pencil = cv2.pencilSketch(bgr, sigma_s=60, sigma_r=0.07, shade_factor=0.05)
        filtered.append((f"stylized {name}", cv2.cvtColor(painted, cv2.COLOR_BGR2RGB), "painting"))
        filtered.append((f"pencil {name}", cv2.cvtColor(pencil, cv2.COLOR_BGR2RGB), "painting"))
    return {"examples": examples, "skimage photos": photos, "filtered": filtered}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/medium.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from pipelines.scene.heuristic import guess_medium

    report: dict[str, object] = {}
    for set_name, pictures in labelled_pictures().items():
        misses, right = [], 0
        for name, rgb, truth in pictures:
            guess = "painting" if guess_medium(rgb).startswith("painting") else "photo"
            right += guess == truth
            if guess != truth:
                misses.append(f"{name}: {truth} read as {guess}")
        report[set_name] = {"pictures": len(pictures), "right": right, "misses": misses}
        logger.info("%s: %d/%d right %s", set_name, right, len(pictures), misses)
    args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
