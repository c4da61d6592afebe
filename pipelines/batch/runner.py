"""The batch driver: read the manifest, skip what is done, hand the rest to an engine, record.

The engine (``LocalEngine``: worker processes on this machine; ``RayEngine``: actors on a Ray
cluster) only renders; this driver reads the photos, writes every output file and every line
of ``results.jsonl``, and draws the progress bar, the same way for both.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pipelines.batch.job import RowJob, RowOutcome, prepare_job
from pipelines.batch.manifest import read_manifest
from pipelines.batch.results import ResultsLog
from pipelines.config import Settings

logger = logging.getLogger(__name__)


class Engine(Protocol):
    """Renders jobs somewhere and yields their outcomes as they finish, in any order."""

    #: Worker processes or actors the engine runs.
    workers: int

    def run(self, jobs: Sequence[RowJob]) -> Iterator[RowOutcome]:
        """Renders every job once (a job whose worker died is retried); yields each outcome."""
        ...


@dataclass
class BatchSummary:
    """What a batch run did.

    Attributes:
        rows: Rows in the manifest.
        skipped: Rows already rendered by an earlier run (left as they were).
        ok: Rows rendered now.
        failed: Rows refused or failed now, each with its sentence in results.jsonl.
        records: The results lines written by this run, in the order they finished.
        seconds: Wall time of the run.
    """

    rows: int
    skipped: int
    ok: int = 0
    failed: int = 0
    records: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0


def run_batch(
    manifest: str | Path,
    outdir: str | Path,
    engine: Engine,
    settings: Settings | None = None,
    *,
    show_progress: bool = True,
    on_record: Callable[[dict[str, Any]], None] | None = None,
) -> BatchSummary:
    """Renders every row of a manifest not yet done into ``outdir``.

    Args:
        manifest: The CSV or JSONL manifest (see ``pipelines.batch.manifest``).
        outdir: Output folder: ``<id>.mp4``, ``.wav``, ``.srt`` and ``results.jsonl``.
        engine: Where the rows are rendered.
        settings: Limits (the upload size checked when reading photos); None: the defaults.
        show_progress: Draw a progress bar on stderr (only when stderr is a terminal).
        on_record: Called with each results record as it is written.

    Returns:
        The summary of this run.

    Raises:
        ManifestError: The manifest cannot be read; nothing was rendered.
    """
    started = time.perf_counter()
    settings = settings or Settings()
    rows = read_manifest(manifest)
    log = ResultsLog(outdir)
    done = log.finished()
    todo = [row for row in rows if row.id not in done]
    summary = BatchSummary(rows=len(rows), skipped=len(rows) - len(todo))
    logger.info("%d rows, %d already done, %d to render", len(rows), summary.skipped, len(todo))
    with _progress(len(todo), engine.workers, show_progress) as advance:

        def record(outcome: RowOutcome) -> None:
            written = log.record(outcome)
            summary.records.append(written)
            if outcome.status == "ok":
                summary.ok += 1
            else:
                summary.failed += 1
            advance(summary.failed)
            if on_record is not None:
                on_record(written)

        jobs = []
        for row in todo:
            prepared = prepare_job(row, settings.limits.max_upload_bytes)
            if isinstance(prepared, RowOutcome):
                record(prepared)
            else:
                jobs.append(prepared)
        if jobs:
            for outcome in engine.run(jobs):
                record(outcome)
    summary.seconds = round(time.perf_counter() - started, 2)
    return summary


@contextlib.contextmanager
def _progress(total: int, workers: int, enabled: bool) -> Iterator[Callable[[int], None]]:
    """A bar of rows done, failed, rate and ETA on stderr; yields ``advance(failed)``.

    The bar is drawn only when stderr is a terminal and ``enabled``.
    """
    from tqdm import tqdm

    with tqdm(
        total=total,
        unit="video",
        desc=f"batch, {workers} workers",
        file=sys.stderr,
        disable=None if enabled else True,
        dynamic_ncols=True,
        postfix="failed 0",
    ) as bar:

        def advance(failed: int) -> None:
            bar.set_postfix_str(f"failed {failed}", refresh=False)
            bar.update(1)

        yield advance
