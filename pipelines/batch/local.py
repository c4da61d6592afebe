"""The local engine: worker processes on this machine, each loading the models once.

Each worker process (started fresh with ``spawn``, so no thread or lock of the driver is
copied into it) builds one ``TalkingPhotoPipeline`` when it starts and keeps it for every row
it renders; rows go to whichever worker is free. Photos and outputs travel through the
process pool's pipes as bytes, as they do to Ray actors, so the two engines share one code
path (``pipelines.batch.job``).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from pipelines.batch.job import RowJob, RowOutcome, local_worker_name, render_job
from pipelines.config import Settings

logger = logging.getLogger(__name__)

_WORKER: dict[str, object] = {}  # this worker process's pipeline, scratch folder and name


def _start_worker(settings: Settings, scratch_root: Path) -> None:
    """Runs once in each worker process: the pipeline and a scratch folder of its own."""
    from pipelines.pipeline import TalkingPhotoPipeline

    scratch = Path(tempfile.mkdtemp(prefix="worker-", dir=scratch_root))
    _WORKER["pipeline"] = TalkingPhotoPipeline(settings.replaced(output_dir=scratch))
    _WORKER["scratch"] = scratch
    _WORKER["name"] = local_worker_name()


def _render_in_worker(job: RowJob) -> RowOutcome:
    return render_job(
        _WORKER["pipeline"],  # type: ignore[arg-type]
        job,
        _WORKER["scratch"],  # type: ignore[arg-type]
        str(_WORKER["name"]),
    )


class LocalEngine:
    """Renders rows in worker processes on this machine.

    Args:
        workers: Worker processes; None or 0: one per CPU core.
        settings: The pipeline's settings in every worker.
    """

    def __init__(self, workers: int | None = None, settings: Settings | None = None) -> None:
        self.workers = max(1, int(workers or os.cpu_count() or 1))
        self.settings = settings or Settings()

    def run(self, jobs: Sequence[RowJob]) -> Iterator[RowOutcome]:
        """Renders the jobs, at most ``workers`` at a time; yields outcomes as they finish.

        A worker process that dies (killed, out of memory) breaks the pool: the rows still
        waiting are reported as errors that say so (a rerun renders them).
        """
        context = multiprocessing.get_context("spawn")
        scratch_root = Path(tempfile.mkdtemp(prefix="talking-photo-batch-"))
        pool = ProcessPoolExecutor(
            max_workers=min(self.workers, len(jobs)) or 1,
            mp_context=context,
            initializer=_start_worker,
            initargs=(self.settings, scratch_root),
        )
        pending: dict[Future[RowOutcome], RowJob] = {}
        try:
            pending = {pool.submit(_render_in_worker, job): job for job in jobs}
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    job = pending.pop(future)
                    try:
                        yield future.result()
                    except BrokenProcessPool:
                        yield RowOutcome(
                            job.id,
                            job.photo_name,
                            "error",
                            "A worker process died before this row was rendered; rerun the "
                            "batch to render it.",
                            0.0,
                            "local",
                        )
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            shutil.rmtree(scratch_root, ignore_errors=True)
