"""Batch rendering on Ray actors (a local 2-CPU cluster): the same manifest, a killed actor."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from test_batch import GOOD, check_first_run, write_manifest

pytestmark = [pytest.mark.slow, pytest.mark.ray]


def test_ray_batch_survives_a_killed_actor_and_resumes(
    ray_cluster, tmp_path: Path, examples: Path
) -> None:
    from pipelines.batch import run_batch
    from pipelines.batch.ray_engine import RayEngine

    manifest = write_manifest(tmp_path, examples)
    outdir = tmp_path / "out"
    engine = RayEngine(workers=2)
    assert engine.workers == 2
    first_render = threading.Event()
    killed: list[str] = []

    def on_record(record: dict) -> None:
        if record["worker"].startswith("ray-"):
            first_render.set()

    def kill_one_busy_actor() -> None:
        """Once the actors have rendered a row, kills one in the middle of a good row."""
        first_render.wait(timeout=300)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            for actor, row_id in engine.busy():
                if row_id in GOOD:
                    time.sleep(0.2)  # well inside the render (about a second or more)
                    ray_cluster.kill(actor)
                    killed.append(row_id)
                    break
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one_busy_actor, daemon=True)
    killer.start()
    summary = run_batch(manifest, outdir, engine, show_progress=False, on_record=on_record)
    killer.join(timeout=5)

    assert len(killed) == 1
    # The killed actor's row (the one it had started by then: it may have finished the row it
    # was on when chosen and taken the next) went to another actor, once.
    assert len(engine.retried) == 1 and engine.retried[0] in GOOD
    records = check_first_run(outdir)  # 4 videos, 2 errors, one line per row: none lost or twice
    assert (summary.ok, summary.failed) == (4, 2)
    workers = {r["worker"] for r in records if r["status"] == "ok"}
    assert len(workers) >= 2 and all(w.startswith("ray-actor-") for w in workers)

    stamps = {p.name: p.stat().st_mtime_ns for p in outdir.glob("*.mp4")}
    again = run_batch(manifest, outdir, engine, show_progress=False)
    assert (again.skipped, again.ok, again.failed) == (4, 0, 2)
    assert {p.name: p.stat().st_mtime_ns for p in outdir.glob("*.mp4")} == stamps
