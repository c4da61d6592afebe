"""``OUTDIR/results.jsonl`` and the output files: written by the driver only, safe to resume.

Each finished row adds one JSON line ``{id, photo, status, message, seconds, outputs,
worker}``, flushed and synced before the next, so a crash or Ctrl-C loses at most the rows
still being rendered. A row's files are written under temporary names and renamed into place
before its line is added: a line that says "ok" always has its files.

On a rerun, rows whose last line says "ok" and whose files are all there are skipped; the file
is first rewritten with only those lines, so every row ends up with exactly one line.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from pipelines.batch.job import OUTPUT_SUFFIXES, RowOutcome

logger = logging.getLogger(__name__)

RESULTS_NAME = "results.jsonl"


class ResultsLog:
    """The results file of one output folder.

    Args:
        folder: The output folder (created when missing).
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / RESULTS_NAME

    def finished(self) -> dict[str, dict[str, Any]]:
        """The rows already done: id -> its "ok" record, for rows whose files all exist.

        Rewrites the results file with only those records (one per id); lines that are not
        JSON objects (a line cut short by a crash) are dropped.
        """
        last: dict[str, dict[str, Any]] = {}
        if self.path.is_file():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                with contextlib.suppress(json.JSONDecodeError):
                    record = json.loads(line)
                    if isinstance(record, dict) and isinstance(record.get("id"), str):
                        last[record["id"]] = record
        done = {
            row_id: record
            for row_id, record in last.items()
            if record.get("status") == "ok"
            and all((self.folder / f"{row_id}{suffix}").is_file() for suffix in OUTPUT_SUFFIXES)
        }
        temporary = self.path.with_name(f".{RESULTS_NAME}.tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            for record in done.values():
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
        return done

    def record(self, outcome: RowOutcome) -> dict[str, Any]:
        """Writes a row's files (when ok) and then its line; returns the line's record."""
        outputs = []
        if outcome.status == "ok":
            for suffix in OUTPUT_SUFFIXES:
                name = f"{outcome.id}{suffix}"
                _write_atomically(self.folder / name, outcome.files[suffix])
                outputs.append(name)
        record = {
            "id": outcome.id,
            "photo": outcome.photo,
            "status": outcome.status,
            "message": outcome.message,
            "seconds": outcome.seconds,
            "outputs": outputs,
            "worker": outcome.worker,
        }
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        return record


def _write_atomically(path: Path, data: bytes) -> None:
    """Writes ``data`` under a hidden temporary name, then renames it to ``path``."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
