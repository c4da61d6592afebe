"""Time to the first streamed segment against time to the whole video, and what streaming costs.

Renders one typed line (about 4.5 s of video) on the 512 px example photo and on the same photo
upscaled to 1146 px, with a warm pipeline: each photo is rendered once before it is timed. Each
run renders with a ``SegmentSink`` (the app's segment lengths), timing from the ``render`` call
to the first segment handed over and to the finished MP4 (and their ratio, which a busy machine
moves less than either), and once without, for the cost: the
CPU seconds (this process and ffmpeg) per frame with segments over those without, a ratio that
holds up better than wall-clock rates on a shared machine. Medians of ``--runs`` runs; the
1-minute load average is noted before and after.

    python -m benchmarks.stream --runs 5
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.speed import upscaled_photo

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "stream.json"
PHOTO = ROOT / "assets" / "examples" / "woman_waterfall.jpg"
LINE = "Imagination is more important than knowledge, for knowledge is limited."


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process and of its waited-for children (ffmpeg)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _one_run(pipeline: Any, photo: Path, folder: Path, stream: bool) -> dict[str, float]:
    """One render; seconds to the first segment (streamed) and to the MP4, CPU s per frame."""
    from ui.video_stream import segment_sink

    arrivals: list[float] = []
    started = time.perf_counter()
    cpu_before = _cpu_seconds()
    sink = None
    if stream:
        sink = segment_sink(folder / "segments", lambda _: arrivals.append(time.perf_counter()))
    result = pipeline.render(photo, text=LINE, output=folder / "talk.mp4", segments=sink)
    whole = time.perf_counter() - started
    frames = round(result.duration * pipeline.settings.fps)
    run = {
        "whole_s": whole,
        "cpu_s_per_frame": (_cpu_seconds() - cpu_before) / frames,
        "video_s": result.duration,
        "before_animation_s": sum(
            result.timings.get(stage, 0.0) for stage in ("faces", "scene", "dialogue", "speech")
        ),
    }
    if stream:
        run["first_segment_s"] = arrivals[0] - started
        run["first_segment_over_whole"] = run["first_segment_s"] / whole
        run["segments"] = len(arrivals)
    return run


def measure(runs: int) -> dict[str, Any]:
    """Medians of ``runs`` streamed and plain renders per photo size."""
    import pipelines

    pipeline = pipelines.load()
    load_before = os.getloadavg()[0]
    report: dict[str, Any] = {"runs": runs, "photos": {}}
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        photos = {"512 px": PHOTO, "1146 px": upscaled_photo(PHOTO, 1146, folder)}
        for label, photo in photos.items():
            _one_run(pipeline, photo, folder, stream=True)  # warm: models, caches
            streamed, plain = [], []
            for _ in range(runs):  # alternate, so both see the same load
                streamed.append(_one_run(pipeline, photo, folder, stream=True))
                plain.append(_one_run(pipeline, photo, folder, stream=False))

            def median(rows: list[dict[str, float]], key: str) -> float:
                return round(statistics.median(row[key] for row in rows), 3)

            report["photos"][label] = {
                "first_segment_s": median(streamed, "first_segment_s"),
                "whole_video_s": median(streamed, "whole_s"),
                "first_segment_over_whole": median(streamed, "first_segment_over_whole"),
                "whole_video_without_segments_s": median(plain, "whole_s"),
                "before_animation_s": median(streamed, "before_animation_s"),
                "video_s": median(streamed, "video_s"),
                "segments": median(streamed, "segments"),
                "cpu_per_frame_ratio_streamed_over_plain": round(
                    median(streamed, "cpu_s_per_frame") / median(plain, "cpu_s_per_frame"), 3
                ),
            }
            logger.info("%s: %s", label, report["photos"][label])
    report["load_1min_before"] = round(load_before, 2)
    report["load_1min_after"] = round(os.getloadavg()[0], 2)
    report["cpus"] = os.cpu_count()
    return report


def main(argv: list[str] | None = None) -> None:
    """Measures and writes benchmarks/results/stream.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per photo and mode")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON goes")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    report = measure(args.runs)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
