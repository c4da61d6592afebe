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
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from pipelines.batch.job import (
    MAX_ATTEMPTS,
    RowJob,
    RowOutcome,
    local_worker_name,
    render_job,
    worker_died,
)
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
        #: Ids of the rows given to a new pool after a worker process died, in order.
        self.retried: list[str] = []

    def run(self, jobs: Sequence[RowJob]) -> Iterator[RowOutcome]:
        """Renders the jobs, at most ``workers`` at a time; yields outcomes as they finish.

        A worker process that dies (killed, out of memory) breaks the whole pool: the rows it
        had not finished go to a fresh pool (each row at most ``MAX_ATTEMPTS`` times, then it
        is reported as an error that says so; a rerun renders it).
        """
        scratch_root = Path(tempfile.mkdtemp(prefix="talking-photo-batch-"))
        queue = list(jobs)
        attempts: dict[str, int] = {}
        try:
            while queue:
                for job in queue:
                    attempts[job.id] = attempts.get(job.id, 0) + 1
                broken: list[RowJob] = []
                yield from self._one_pool(queue, scratch_root, broken)
                queue = []
                for job in broken:
                    if attempts[job.id] < MAX_ATTEMPTS:
                        self.retried.append(job.id)
                        queue.append(job)
                    else:
                        yield worker_died(
                            job, "local", "worker process", "rerun the batch to try it again"
                        )
                if queue:
                    logger.warning("a worker process died; %d rows go to new ones", len(queue))
        finally:
            shutil.rmtree(scratch_root, ignore_errors=True)

    def _one_pool(
        self, jobs: list[RowJob], scratch_root: Path, broken: list[RowJob]
    ) -> Iterator[RowOutcome]:
        """Runs jobs on one process pool; the jobs it could not finish go to ``broken``."""
        pool = ProcessPoolExecutor(
            max_workers=min(self.workers, len(jobs)),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(self.settings, scratch_root),
        )
        try:
            pending = {pool.submit(_render_in_worker, job): job for job in jobs}
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    job = pending.pop(future)
                    try:
                        outcome = future.result()
                    except BrokenProcessPool:
                        broken.append(job)
                        continue
                    yield outcome
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
