"""The batch manifest: one row per video, read from a CSV or JSON Lines file with a header.

Columns ``photo`` and ``text`` are required (``text`` may be empty: the dialogue stage then
writes the line, or ``audio`` gives a recording); ``audio``, ``face``, ``mood``, ``lang``,
``voice`` and ``id`` are optional. Relative paths resolve against the manifest's own folder.

A manifest that cannot be read as a whole (unknown format, no header, a missing or unknown
column, broken JSON, an unusable or repeated id) raises ``ManifestError`` before anything is
rendered. A row whose values are wrong (a face that is not a number, a missing photo, a mood
nobody knows) is read anyway: the batch records its one-sentence error and goes on.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.errors import BadInputError

#: Columns every manifest has.
REQUIRED_COLUMNS = ("photo", "text")
#: Columns a manifest may add.
OPTIONAL_COLUMNS = ("audio", "face", "mood", "lang", "voice", "id")
#: An id names the row's output files: letters, digits, ".", "_" and "-", not starting with ".".
_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}")
#: Largest manifest read, in bytes (a million rows of short lines fit easily).
MAX_MANIFEST_BYTES = 256 * 1024 * 1024


class ManifestError(BadInputError):
    """The manifest as a whole cannot be read; nothing was rendered."""


@dataclass(frozen=True)
class BatchRow:
    """One row of the manifest: what one video should be.

    Attributes:
        id: Names the outputs ``<id>.mp4``, ``<id>.wav``, ``<id>.srt``; given, or made from a
            hash of the row's values (so it survives reordering the manifest).
        number: The row's position among the data rows, from 1 (for messages).
        photo: The photo's path as written in the manifest ("" when the cell is empty).
        photo_path: That path resolved against the manifest's folder (None when empty).
        text: The line to say; "" lets the dialogue stage write one.
        audio_path: The recording to lip-sync to, resolved; None for none.
        face: The face cell as written ("" for the largest face); checked when rendered.
        mood: The mood cell ("" for neutral).
        lang: The language cell ("" for auto).
        voice: The voice cell ("" for auto: the voice that fits the face).
    """

    id: str
    number: int
    photo: str
    photo_path: Path | None
    text: str
    audio_path: Path | None
    face: str = ""
    mood: str = ""
    lang: str = ""
    voice: str = ""


def read_manifest(path: str | Path) -> tuple[BatchRow, ...]:
    """Reads a CSV (``.csv``) or JSON Lines (``.jsonl``) manifest.

    Args:
        path: The manifest file.

    Returns:
        The rows, in file order.

    Raises:
        ManifestError: The file is missing, too large, not CSV/JSONL, has no header, lacks
            ``photo`` or ``text``, names an unknown column, holds broken JSON, or an id is
            unusable or repeated.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl"):
        raise ManifestError(f"The manifest {path.name} must be a .csv or .jsonl file.")
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise ManifestError(f"The manifest {path.name} is larger than 256 MiB.")
        raw = path.read_bytes()
    except OSError as error:
        raise ManifestError(f"The manifest {path} could not be read: {error.strerror}.") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ManifestError(f"The manifest {path.name} is not UTF-8 text.") from None
    records = _csv_records(text, path.name) if suffix == ".csv" else _jsonl_records(text, path.name)
    rows = tuple(_row(record, number, path.parent) for number, record in enumerate(records, 1))
    if not rows:
        raise ManifestError(f"The manifest {path.name} has a header but no rows.")
    seen: dict[str, int] = {}
    for row in rows:
        if row.id in seen:
            raise ManifestError(
                f"Rows {seen[row.id]} and {row.number} of {path.name} have the same id "
                f"{row.id!r}; give each row its own id."
            )
        seen[row.id] = row.number
    return rows


def _check_columns(columns: list[str], name: str) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ManifestError(
            f"The manifest {name} has no {' and no '.join(missing)} column; its header must "
            f"name photo and text (optional: {', '.join(OPTIONAL_COLUMNS)})."
        )
    unknown = [c for c in columns if c not in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)]
    if unknown:
        raise ManifestError(
            f"The manifest {name} has unknown column(s) {', '.join(map(repr, unknown))}; "
            f"columns are photo, text, {', '.join(OPTIONAL_COLUMNS)}."
        )


def _csv_records(text: str, name: str) -> list[dict[str, str]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise ManifestError(f"The manifest {name} is empty; its first line is the header.")
        columns = [column.strip().lower() for column in header]
        _check_columns(columns, name)
        records = []
        for values in reader:
            if not any(value.strip() for value in values):
                continue  # blank lines between rows
            if len(values) > len(columns):
                raise ManifestError(
                    f"Line {reader.line_num} of {name} has {len(values)} values but the header "
                    f"names {len(columns)} columns."
                )
            records.append(dict(zip(columns, values, strict=False)))
    except csv.Error as error:
        raise ManifestError(f"The manifest {name} is not valid CSV: {error}.") from None
    return records


def _jsonl_records(text: str, name: str) -> list[dict[str, Any]]:
    records = []
    for line_number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise ManifestError(
                f"Line {line_number} of {name} is not valid JSON ({error.msg})."
            ) from None
        if not isinstance(record, dict):
            raise ManifestError(f"Line {line_number} of {name} is not a JSON object.")
        records.append({str(key).strip().lower(): value for key, value in record.items()})
    if not records:
        raise ManifestError(f"The manifest {name} is empty; each line is one JSON object.")
    columns = list(dict.fromkeys(key for record in records for key in record))
    _check_columns(columns, name)
    return records


def _cell(record: dict[str, Any], column: str) -> str:
    value = record.get(column)
    return "" if value is None else str(value).strip()


def _resolved(value: str, folder: Path) -> Path | None:
    if not value:
        return None
    path = Path(value).expanduser()
    return path if path.is_absolute() else folder / path


def _row(record: dict[str, Any], number: int, folder: Path) -> BatchRow:
    values = {column: _cell(record, column) for column in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)}
    values["text"] = str(record.get("text") or "")  # spoken as written (the pipeline cleans it)
    row_id = values["id"] or _default_id(values)
    if not _ID.fullmatch(row_id):
        raise ManifestError(
            f"Row {number} has the id {row_id[:40]!r}; ids are up to 100 letters, digits, "
            "'.', '_' or '-', not starting with '.'."
        )
    return BatchRow(
        id=row_id,
        number=number,
        photo=values["photo"],
        photo_path=_resolved(values["photo"], folder),
        text=values["text"],
        audio_path=_resolved(values["audio"], folder),
        face=values["face"],
        mood=values["mood"],
        lang=values["lang"],
        voice=values["voice"],
    )


def _default_id(values: dict[str, str]) -> str:
    """``<photo stem>-<8 hex digits of the row's values>``: stable when rows are reordered."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", Path(values["photo"]).stem)[:40].strip("_") or "row"
    content = json.dumps({k: v for k, v in values.items() if k != "id"}, sort_keys=True)
    return f"{stem}-{hashlib.sha1(content.encode()).hexdigest()[:8]}"
