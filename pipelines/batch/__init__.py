"""Batch rendering: a manifest of photos and lines in, a folder of videos and results out.

>>> from pipelines.batch import LocalEngine, run_batch
>>> run_batch("manifest.csv", "out", LocalEngine(workers=2))

``run_batch`` (``pipelines.batch.runner``) reads the manifest (``manifest``), skips rows already
rendered, and hands the rest to an engine: ``LocalEngine`` (worker processes on this machine,
``local``) or ``RayEngine`` (actors on a Ray cluster, ``pipelines.batch.ray_engine``, imported
only when asked for: ``import pipelines`` never imports Ray). Every row is rendered by the
normal facade, ``TalkingPhotoPipeline.render``; the driver alone writes the outputs and
``results.jsonl`` (``results``).
"""

from pipelines.batch.job import RowJob, RowOutcome
from pipelines.batch.local import LocalEngine
from pipelines.batch.manifest import BatchRow, ManifestError, read_manifest
from pipelines.batch.results import RESULTS_NAME, ResultsLog
from pipelines.batch.runner import BatchSummary, Engine, run_batch

__all__ = [
    "RESULTS_NAME",
    "BatchRow",
    "BatchSummary",
    "Engine",
    "LocalEngine",
    "ManifestError",
    "ResultsLog",
    "RowJob",
    "RowOutcome",
    "read_manifest",
    "run_batch",
]
