"""What the ``talking-photo`` commands share: file checks, progress, reports, signals, clean-up.

Ctrl-C and SIGTERM stop a command in its main thread (``stop_on_signals``), and a run that does
not finish removes the files it had started (``removed_unless_finished``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import FrameType

from pipelines.errors import TalkingPhotoError
from pipelines.types import RenderResult

#: The error code of each kind of missing file (its sentence in English and Chinese).
MISSING_FILE_CODES = {
    "photo": "cli.no_photo_file",
    "audio file": "cli.no_audio_file",
    "recording": "cli.no_recording_file",
}


def require_file(path: Path, what: str) -> None:
    """Refuses a path that is not an existing file.

    Args:
        path: The file named on the command line.
        what: What it is: "photo", "audio file" or "recording" (``MISSING_FILE_CODES``).

    Raises:
        TalkingPhotoError: The path does not exist or is not a file.
    """
    if not path.is_file():
        raise TalkingPhotoError(MISSING_FILE_CODES.get(what, "cli.no_photo_file"), path=str(path))


@contextlib.contextmanager
def progress_bar() -> Iterator[Callable[[str, float], None]]:
    """A ``progress(stage, fraction)`` callback drawing a bar on stderr, removed on exit.

    The bar is drawn only when stderr is a terminal.
    """
    from tqdm import tqdm

    with tqdm(total=100, unit="%", file=sys.stderr, disable=None, leave=False) as bar:

        def progress(stage: str, fraction: float) -> None:
            bar.set_description(stage)
            bar.update(round(fraction * 100) - bar.n)

        yield progress


def report_render(result: RenderResult, said: Iterable[str]) -> None:
    """Prints the render's notes (stderr), what was said, and where the outputs went.

    Args:
        result: The finished render.
        said: One line of text per spoken line, as the command words it.
    """
    for warning in result.warnings:
        print(f"note: {warning}", file=sys.stderr)
    for line in said:
        print(line)
    for face, voice in result.voices.items():
        print(f"voice:     face {face} speaks as {voice}")
    print(f"video:     {result.video}")
    print(f"audio:     {result.audio}")
    print(f"subtitles: {result.subtitles}")
    print(f"duration:  {result.duration:.2f} s")


class Stopped(KeyboardInterrupt):
    """Ctrl-C or SIGTERM arrived; raised in the main thread so every clean-up runs.

    Attributes:
        signal_number: The signal (``signal.SIGINT`` or ``signal.SIGTERM``).
    """

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal_number)
        self.signal_number = signal_number


def stop_on_signals() -> None:
    """Makes SIGINT and SIGTERM raise ``Stopped`` in the main thread, once.

    The first signal raises; later ones are ignored, so the clean-up it starts (killing
    ffmpeg, removing partial files) is not cut short. Call from the main thread.
    """

    def stop(signal_number: int, frame: FrameType | None) -> None:
        del frame
        for name in (signal.SIGINT, signal.SIGTERM):
            signal.signal(name, signal.SIG_IGN)
        raise Stopped(signal_number)

    for name in (signal.SIGINT, signal.SIGTERM):
        signal.signal(name, stop)


@contextlib.contextmanager
def removed_unless_finished(folder: Path, prefixes: tuple[str, ...]) -> Iterator[None]:
    """Removes the files a run created in ``folder`` when the run does not finish.

    On any exception (a full disk, Ctrl-C, SIGTERM, bad input), every file that appeared in
    ``folder`` during the block and whose name starts with one of ``prefixes`` is deleted:
    finished outputs of an unfinished set (an MP4 without its WAV), partial files, and the
    encoder's hidden temporaries. Files that were there before are never touched.

    Args:
        folder: Where the run writes.
        prefixes: Name beginnings of the run's files, e.g. ("out.", ".out.mp4.").
    """

    def ours() -> set[Path]:
        if not folder.is_dir():
            return set()
        return {p for p in folder.iterdir() if p.name.startswith(prefixes) and p.is_file()}

    before = ours()
    try:
        yield
    except BaseException:
        for path in ours() - before:
            with contextlib.suppress(OSError):
                path.unlink()
        raise


def output_prefixes(output: Path | None, default_folder: Path, default_stem: str) -> tuple:
    """(folder, name prefixes) of the files a render writes (see ``removed_unless_finished``).

    Args:
        output: The ``-o`` path, or None.
        default_folder: Where outputs go without ``-o``.
        default_stem: How the pipeline starts a default output's name.
    """
    if output is None:
        return Path(default_folder), (default_stem, f".{default_stem}")
    video = output if output.suffix.lower() == ".mp4" else output.with_suffix(".mp4")
    return video.parent, (f"{video.stem}.", f".{video.name}.")


#: Errors that mean the output cannot be written where it was asked for.
_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})


def os_error_line(error: OSError) -> str:
    """One sentence for an operating-system error: what failed, and on which file if known."""
    reason = error.strerror or str(error) or type(error).__name__
    where = f" ({error.filename})" if error.filename else ""
    if error.errno in _WRITE_ERRNOS:
        return f"could not write the output{where}: {reason}; nothing was kept."
    return f"a file could not be read or written{where}: {reason}."


def exit_now(code: int) -> None:
    """Flushes the output and ends the process at once.

    After Ctrl-C, native libraries' threads (llama.cpp, onnxruntime) may still be running; the
    normal interpreter exit destroys their C++ objects under them and aborts ("terminate
    called without an active exception", exit -6). ``os._exit`` skips that.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
