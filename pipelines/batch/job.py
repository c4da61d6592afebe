"""One manifest row as work for a worker, and what the worker sends back.

The driver reads a row's photo (and recording) into bytes (``prepare_job``); a worker, a
local process or a Ray actor alike, renders those bytes through the normal facade,
``TalkingPhotoPipeline.render`` (and with it ``pipelines.render.render_timeline``), into a
scratch folder of its own, and returns the MP4, WAV and SRT as bytes (``render_job``). Only the
driver writes into the output folder, so a worker that dies half-way leaves nothing behind and
a row is never written twice.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.batch.manifest import BatchRow
from pipelines.errors import TalkingPhotoError

if TYPE_CHECKING:
    from pipelines.pipeline import TalkingPhotoPipeline

logger = logging.getLogger(__name__)

#: The outputs of a row, by suffix, in the order they are reported.
OUTPUT_SUFFIXES = (".mp4", ".wav", ".srt")
#: Times a row is given to a worker before a dying worker counts as the row's error.
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class RowJob:
    """A row ready to render anywhere: its photo and recording travel as bytes.

    Attributes:
        id: The row's id (names its outputs).
        photo_name: The photo as the manifest names it (reported, never opened by a worker).
        photo: The photo file's bytes.
        text: The line; "" lets the dialogue stage write one.
        audio: The recording's bytes, or None.
        face: The face cell ("" = the largest face).
        mood: The mood cell ("" = neutral).
        lang: The language cell ("" = auto).
        voice: The voice cell ("" = auto: the voice that fits the face).
    """

    id: str
    photo_name: str
    photo: bytes
    text: str = ""
    audio: bytes | None = None
    face: str = ""
    mood: str = ""
    lang: str = ""
    voice: str = ""


@dataclass(frozen=True)
class RowOutcome:
    """What became of one row.

    Attributes:
        id: The row's id.
        photo: The photo as the manifest names it.
        status: "ok" or "error".
        message: "" when ok; else one sentence saying what was wrong.
        seconds: Wall time of the render in the worker (0 when refused before rendering).
        worker: Who rendered it: "<host>:<pid>" of a local process, or a Ray actor's id.
        files: Suffix (".mp4", ".wav", ".srt") -> the file's bytes; empty on error.
    """

    id: str
    photo: str
    status: str
    message: str
    seconds: float
    worker: str
    files: dict[str, bytes] = field(default_factory=dict, repr=False)


def one_sentence(message: str) -> str:
    """The first sentence of a message, on one line (ends with its full stop)."""
    flat = " ".join(message.split())
    match = re.match(r"(.+?[.!?])(\s+[A-Z(\"'].*)?$", flat)
    return match.group(1) if match else (flat.rstrip(".") + "." if flat else "Unknown error.")


def worker_died(job: RowJob, worker: str, which: str, advice: str) -> RowOutcome:
    """The error outcome of a row whose worker died ``MAX_ATTEMPTS`` times.

    Args:
        job: The row.
        worker: The engine's name in the results ("local", "ray").
        which: What kind of worker died ("worker process", "Ray worker").
        advice: A clause saying what to do next.
    """
    message = f"The {which} rendering this row died {MAX_ATTEMPTS} times; {advice}."
    return RowOutcome(job.id, job.photo_name, "error", message, 0.0, worker)


def _read_limited(path: Path, limit: int, what: str) -> bytes:
    """A file's bytes, refusing a missing file or one over the upload limit (one sentence)."""
    if not path.is_file():
        raise TalkingPhotoError(f"The {what} {path.name} does not exist or is not a file.")
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise TalkingPhotoError(
            f"The {what} {path.name} is larger than the {limit / 2**20:.0f} MiB upload limit."
        )
    return data


def prepare_job(row: BatchRow, max_bytes: int) -> RowJob | RowOutcome:
    """Reads a row's files into a job, or refuses the row with its sentence.

    Args:
        row: The manifest row.
        max_bytes: Largest photo or recording accepted (``Limits.max_upload_bytes``).

    Returns:
        The job, or an error outcome when the photo or recording cannot be read.
    """
    try:
        if row.photo_path is None:
            raise TalkingPhotoError("The row has no photo.")
        photo = _read_limited(row.photo_path, max_bytes, "photo")
        audio = None
        if row.audio_path is not None:
            audio = _read_limited(row.audio_path, max_bytes, "recording")
    except TalkingPhotoError as error:
        return RowOutcome(row.id, row.photo, "error", one_sentence(error.message), 0.0, "driver")
    except OSError as error:
        message = f"The photo or recording could not be read: {error.strerror}."
        return RowOutcome(row.id, row.photo, "error", message, 0.0, "driver")
    fields = ("text", "face", "mood", "lang", "voice")
    return RowJob(row.id, row.photo, photo, audio=audio, **{f: getattr(row, f) for f in fields})


def local_worker_name() -> str:
    """``<host>:<pid>`` of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def request_for(job: RowJob, output: Path) -> Any:
    """The RenderRequest of a job, writing its MP4 (and WAV, SRT) at ``output``.

    An empty voice cell is "auto" (the voice that fits the face), as on the command line.

    Raises:
        TalkingPhotoError: The face is not a whole number.
    """
    from pipelines.protocols import Voice
    from pipelines.requests import RenderRequest
    from pipelines.speech.catalogue import AUTO

    face = job.face.strip()
    if face and not re.fullmatch(r"\d{1,3}", face):
        raise TalkingPhotoError(f"The face {face[:20]!r} is not a whole number (0 = leftmost).")
    return RenderRequest(
        photo=job.photo,
        text=job.text if job.text.strip() and job.audio is None else None,
        audio=job.audio,
        face_index=int(face) if face else None,
        mood=job.mood or "neutral",  # type: ignore[arg-type]  # checked by the pipeline
        voice=Voice(name=job.voice or AUTO),
        output=output,
        lang=job.lang or "auto",
    )


def render_job(
    pipeline: TalkingPhotoPipeline, job: RowJob, scratch: Path, worker: str
) -> RowOutcome:
    """Renders one job with the pipeline's facade and returns the outputs as bytes.

    The files are written into ``scratch``, read back and deleted. A pipeline error becomes
    an error outcome with its first sentence; an unexpected error is logged (its type and
    where it was raised, not the row's content) and reported as such, so one bad row never
    stops a worker.

    Args:
        pipeline: The worker's pipeline (models loaded once, kept between rows).
        job: The row.
        scratch: A folder of this worker's own.
        worker: How this worker names itself in the results.

    Returns:
        The outcome.
    """
    started = time.perf_counter()
    output = Path(scratch) / f"{job.id}.mp4"
    try:
        result = pipeline.render(request_for(job, output))
        paths = {".mp4": result.video, ".wav": result.audio, ".srt": result.subtitles}
        files = {suffix: Path(paths[suffix]).read_bytes() for suffix in OUTPUT_SUFFIXES}
        status, message = "ok", ""
    except TalkingPhotoError as error:
        files, status, message = {}, "error", one_sentence(error.message)
    except OSError as error:
        files, status = {}, "error"
        message = f"An output could not be written or read: {error.strerror}."
    # The worker's boundary, where a broad except belongs: one row must not stop the batch.
    except Exception as error:
        logger.exception("unexpected %s while rendering row %s", type(error).__name__, job.id)
        files, status = {}, "error"
        message = f"An unexpected {type(error).__name__} stopped this row; see the worker's log."
    finally:
        for suffix in OUTPUT_SUFFIXES:
            output.with_suffix(suffix).unlink(missing_ok=True)
    seconds = round(time.perf_counter() - started, 3)
    return RowOutcome(job.id, job.photo_name, status, message, seconds, worker, files)
