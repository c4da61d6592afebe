"""Speed of each stage, the animation frame rate, warm and cold renders, and peak memory.

All warm numbers are medians of ``runs`` runs with every model already loaded. The cold start
is one render in a fresh Python process (``python -m benchmarks.speed --cold ...``), timed
from launching the process to the MP4 being written, so it includes importing and loading
every model.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent

#: A fixed English line the default Piper voice speaks in about 10 seconds.
TEXT_10S = (
    "Hello there. I have been sitting in this frame for a very long time, watching people "
    "walk past and wondering what they were thinking. Today, at last, I get to say a few "
    "words of my own."
)
#: The standalone stages timed one by one, in pipeline order.
STAGES = ("load", "faces", "scene", "dialogue", "speech", "motion", "animate")


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident memory (ru_maxrss) of this process or of its waited-for children, MB."""
    return resource.getrusage(who).ru_maxrss / 1024.0


def upscaled_photo(source: Path, long_side: int, folder: Path) -> Path:
    """Writes the photo upscaled (Lanczos) so its longest side is ``long_side`` pixels."""
    from PIL import Image, ImageOps

    with Image.open(source) as image:
        image = ImageOps.exif_transpose(image).convert("RGB")
        factor = long_side / max(image.size)
        size = (round(image.width * factor), round(image.height * factor))
        path = folder / f"{source.stem}_{long_side}.png"
        image.resize(size, Image.Resampling.LANCZOS).save(path)
    return path


def _timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = call()
    return value, time.perf_counter() - started


def time_stages(pipeline: Any, photo_path: Path, text: str, runs: int) -> dict[str, Any]:
    """Times each stage on its own, ``runs`` times; returns medians and the animation rate.

    The animation is drawn for the speaking face only (plus any listener, as a render would)
    and its frames are consumed without encoding, so "animate" is drawing and compositing.
    """
    from pipelines.motion.planner import Utterance, frame_count, plan_face_motion
    from pipelines.types import Animation

    samples: dict[str, list[float]] = {stage: [] for stage in STAGES}
    frames_per_second: list[float] = []
    n_frames = 0
    size = (0, 0)
    for run in range(runs):
        photo, seconds = _timed(lambda: pipeline.load_photo(photo_path))
        samples["load"].append(seconds)
        size = (photo.width, photo.height)
        faces, seconds = _timed(lambda: pipeline.detect_faces(photo))  # noqa: B023
        samples["faces"].append(seconds)
        speaker = max(faces, key=lambda f: f.box.width * f.box.height)
        scene, seconds = _timed(lambda: pipeline.describe_scene(photo, faces))  # noqa: B023
        samples["scene"].append(seconds)
        _, seconds = _timed(
            lambda: pipeline.write_line(scene, speaker.index, "neutral", seed=run)  # noqa: B023
        )
        samples["dialogue"].append(seconds)
        speech, seconds = _timed(lambda: pipeline.speak(text))
        samples["speech"].append(seconds)
        n_frames = frame_count(speech.duration, pipeline.settings.fps)

        def plan(
            speech: Any = speech,
            faces: Any = faces,
            speaker: Any = speaker,
            n_frames: int = n_frames,
        ) -> tuple:
            return tuple(
                plan_face_motion(
                    face.index,
                    n_frames,
                    pipeline.settings.fps,
                    utterances=(Utterance(0.0, speech),) if face is speaker else (),
                    seed=face.index,
                    base_smile=face.expression.smile,
                )
                for face in faces
            )

        motions, seconds = _timed(plan)
        samples["motion"].append(seconds)
        animation = Animation(fps=pipeline.settings.fps, n_frames=n_frames, motions=motions)
        animator = pipeline.backend("animator")
        started = time.perf_counter()
        drawn = sum(1 for _ in animator.render(photo, faces, animation))
        seconds = time.perf_counter() - started
        samples["animate"].append(seconds)
        frames_per_second.append(drawn / seconds)
    return {
        "photo": photo_path.name,
        "size": list(size),
        "frames": n_frames,
        "median_s": {stage: statistics.median(v) for stage, v in samples.items()},
        "runs_s": samples,
        "animation_fps": statistics.median(frames_per_second),
    }


def end_to_end(
    pipeline: Any, photo_path: Path, text: str | None, runs: int, folder: Path
) -> dict[str, Any]:
    """Warm ``render`` of the photo, text -> MP4 (text None: the dialogue model writes it)."""
    from pipelines import RenderRequest

    walls: list[float] = []
    durations: list[float] = []
    stage_runs: dict[str, list[float]] = {}
    for run in range(runs):
        request = RenderRequest(
            photo=photo_path, text=text, seed=run, output=folder / f"speed_{photo_path.stem}.mp4"
        )
        result, seconds = _timed(lambda: pipeline.render(request))  # noqa: B023
        walls.append(seconds)
        durations.append(result.duration)
        for stage, value in result.timings.items():
            stage_runs.setdefault(stage, []).append(value)
    wall = statistics.median(walls)
    audio = statistics.median(durations)
    return {
        "photo": photo_path.name,
        "text": "given" if text else "written by the dialogue model",
        "wall_s": wall,
        "runs_s": walls,
        "audio_s": audio,
        "real_time_factor": wall / audio,
        "stage_median_s": {stage: statistics.median(v) for stage, v in stage_runs.items()},
    }


def cold_start(photo_path: Path, text: str, folder: Path, root: Path = ROOT) -> dict[str, Any]:
    """One render in a fresh process; wall time from launch to exit and its peak memory.

    ``root`` is the checkout whose code renders (another ``git worktree`` for an A/B run).
    """
    env = dict(os.environ, GLOG_minloglevel="2", TF_CPP_MIN_LOG_LEVEL="3")
    command = [
        sys.executable,
        "-m",
        "benchmarks.speed",
        "--cold",
        str(photo_path),
        "--text",
        text,
        "--out",
        str(folder),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    finished = subprocess.run(
        command, capture_output=True, text=True, env=env, check=False, cwd=root
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if finished.returncode != 0:
        raise RuntimeError(f"The cold-start render failed:\n{finished.stderr[-3000:]}")
    report = json.loads(finished.stdout.strip().splitlines()[-1])
    report["wall_s"] = wall
    report["real_time_factor"] = wall / report["audio_s"]
    # CPU of the render's process and its ffmpeg, far less moved by other work than the wall.
    report["cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return report


def _cold_child(photo: Path, text: str, folder: Path) -> None:
    """Body of the cold-start process: import, load, render once, print one JSON line."""
    started = time.perf_counter()
    from pipelines import RenderRequest, Settings, TalkingPhotoPipeline

    imported = time.perf_counter()
    pipeline = TalkingPhotoPipeline(Settings(output_dir=folder))
    result = pipeline.render(
        RenderRequest(photo=photo, text=text, output=folder / f"cold_{photo.stem}.mp4")
    )
    done = time.perf_counter()
    report = {
        "photo": photo.name,
        "import_s": imported - started,
        "render_s": done - imported,
        "audio_s": result.duration,
        "stage_s": result.timings,
        "peak_rss_mb": peak_rss_mb(),
    }
    sys.stdout.write(json.dumps(report) + "\n")


def main(argv: list[str] | None = None) -> None:
    """Command line: ``--cold PHOTO`` runs the cold-start child; otherwise a quick speed run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cold", type=Path, help="render this photo once and print JSON")
    parser.add_argument("--text", default=TEXT_10S)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.cold is not None:
        folder = args.out or Path(tempfile.mkdtemp(prefix="talking-photo-cold-"))
        _cold_child(args.cold, args.text, folder)
        from pipelines.cli.common import exit_now

        exit_now(0)  # as ``talking-photo render`` ends (``pipelines.cli.main.ONE_SHOT_COMMANDS``)
    from pipelines import Settings, TalkingPhotoPipeline

    logging.basicConfig(level=logging.INFO)
    folder = args.out or Path(tempfile.mkdtemp(prefix="talking-photo-speed-"))
    pipeline = TalkingPhotoPipeline(Settings(output_dir=folder))
    pipeline.warm_up()
    photo = ROOT / "assets" / "examples" / "woman_waterfall.jpg"
    report = {
        "stages": time_stages(pipeline, photo, args.text, runs=1),
        "render": end_to_end(pipeline, photo, args.text, runs=1, folder=folder),
    }
    sys.stdout.write(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
