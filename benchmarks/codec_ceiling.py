"""The background PSNR the video format allows: the untouched photo, with no animation at all.

Usage: ``python -m benchmarks.codec_ceiling [--out benchmarks/results]``

The quality benchmark (``benchmarks.run``) scores the background of each talking video against
the photo, with a target of 40 dB. Part of the loss is the video format's, whatever the
animation does. For every example photo of the benchmark this measures, with the same masks
(outside the faces and the watermark's corner), the untouched photo:

- through the app's own H.264 encode at the app's crf (``Settings().crf``) and at crf 10,
  a far higher quality than the app uses;
- through the colour conversion alone (RGB to BT.709 limited-range YUV with 4:2:0 chroma, the
  format browsers play), stored uncompressed: no H.264 loss at all.

Results: ``<out>/codec_ceiling.md`` and ``<out>/codec_ceiling.json``. A few seconds per photo.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.analyse import codec_floor_psnr, colour_only_psnr
from benchmarks.run import EXAMPLES, PHOTOS, ROOT, _working_photo

logger = logging.getLogger("benchmarks.codec_ceiling")

#: A far higher quality than the app's encode (lower crf = better; 0 would be lossless).
HIGH_QUALITY_CRF = 10
TARGET_DB = 40.0


def measure_photo(pipeline: Any, name: str, folder: Path) -> dict[str, Any]:
    """The three ceilings of one photo, in dB (background mask; top of the head also left out)."""
    photo = _working_photo(pipeline, EXAMPLES / name)
    faces = pipeline.detect_faces(pipeline.load_photo(EXAMPLES / name))
    boxes = [(f.box.x, f.box.y, f.box.width, f.box.height) for f in faces]
    crf = pipeline.settings.crf
    ceilings = {
        f"h264_crf{crf}": codec_floor_psnr(photo, boxes, crf, folder),
        f"h264_crf{HIGH_QUALITY_CRF}": codec_floor_psnr(photo, boxes, HIGH_QUALITY_CRF, folder),
        "yuv420_only": colour_only_psnr(photo, boxes, folder),
    }
    return {
        "photo": name,
        "size": [photo.shape[1], photo.shape[0]],
        "background_psnr_db": {key: round(value[0], 2) for key, value in ceilings.items()},
        "head_excluded_psnr_db": {key: round(value[1], 2) for key, value in ceilings.items()},
    }


def markdown(results: dict[str, Any]) -> str:
    """The report as Markdown."""
    machine = results["machine"]
    keys = list(results["photos"][0]["background_psnr_db"])
    names = {
        keys[0]: f"H.264, crf {results['app_crf']} (the app's)",
        keys[1]: f"H.264, crf {HIGH_QUALITY_CRF}",
        keys[2]: "4:2:0 colour only, no compression",
    }
    lines = [
        "# Background PSNR of the untouched photo",
        "",
        f"`python -m benchmarks.codec_ceiling` at commit {machine['commit']}, {machine['date']}. "
        "The photo itself, not animated, through the video format; background mask as in "
        f"latest.md (outside the faces and the watermark). Target of the videos: ≥ {TARGET_DB:g} "
        "dB. In brackets: the top of the head also left out.",
        "",
        "| photo | " + " | ".join(names[key] for key in keys) + " |",
        "|---|" + "---|" * len(keys),
    ]
    for row in results["photos"]:
        cells = [
            f"{row['background_psnr_db'][key]} ({row['head_excluded_psnr_db'][key]})"
            for key in keys
        ]
        lines.append(f"| {row['photo']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Measures every benchmark photo and writes the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")

    from benchmarks.report import machine
    from pipelines import TalkingPhotoPipeline

    pipeline = TalkingPhotoPipeline()
    folder = Path(tempfile.mkdtemp(prefix="codec-ceiling-"))
    try:
        photos = [measure_photo(pipeline, name, folder) for name in PHOTOS]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    results = {"machine": machine(), "app_crf": pipeline.settings.crf, "photos": photos}
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "codec_ceiling.json"
    path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    report = markdown(results)
    (args.out / "codec_ceiling.md").write_text(report, encoding="utf-8")
    sys.stdout.write(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
