"""What the ``talking-photo`` commands share: file checks, the progress bar, the render report."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from pipelines.errors import TalkingPhotoError
from pipelines.types import RenderResult


def require_file(path: Path, what: str) -> None:
    """Refuses a path that is not an existing file.

    Args:
        path: The file named on the command line.
        what: What it is, for the message ("photo", "audio file", ...).

    Raises:
        TalkingPhotoError: The path does not exist or is not a file.
    """
    if not path.is_file():
        raise TalkingPhotoError(f"The {what} {path} does not exist or is not a file.")


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
    print(f"video:     {result.video}")
    print(f"audio:     {result.audio}")
    print(f"subtitles: {result.subtitles}")
    print(f"duration:  {result.duration:.2f} s")
