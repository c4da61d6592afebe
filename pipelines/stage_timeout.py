"""Per-stage wall-clock budgets: ``Limits.stage_timeout_seconds`` enforced by the pipeline.

A stage that calls a model (faces, scene, dialogue, speech) runs on a worker thread; the request
thread waits at most the stage's remaining budget and then raises ``StageTimeout``, so a hung
model call cannot hang the request. Python cannot stop a thread, so a timed-out call keeps
running in the background until it returns (a backend that holds a lock keeps holding it until
then); its result is discarded. Workers are daemon threads that are kept and reused: native
libraries keep per-thread buffers, and a new thread per call made memory grow per request.

The animate + video stage streams frames, so its budget is checked before each frame is handed
to the encoder instead; the encoder then removes its partial output.
"""

from __future__ import annotations

import contextvars
import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

from pipelines.errors import StageTimeout
from pipelines.errors.text import PHRASES, Phrase

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Longest single wait ``threading.Event.wait`` accepts reliably (an unlimited budget waits this).
_LONGEST_WAIT_S = float(threading.TIMEOUT_MAX)

#: What each stage does, in words a user understands (English; both languages in ``PHRASES``).
STAGE_WORDS: dict[str, str] = {
    code.removeprefix("step."): words[0]
    for code, words in PHRASES.items()
    if code.startswith("step.") and code != "step.other"
}


class _Workers:
    """Daemon threads that run submitted calls; a new one starts only when none is idle.

    A call that hangs keeps its thread busy, so it never holds up later calls; idle threads
    wait for the next call instead of exiting.
    """

    def __init__(self) -> None:
        self._tasks: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0
        self._started = 0

    def submit(self, task: Callable[[], None]) -> None:
        """Runs ``task()`` on an idle worker, or on a new one when all are busy."""
        with self._lock:
            if self._idle:
                self._idle -= 1  # that worker is now spoken for
            else:
                self._started += 1
                name = f"talking-photo-stage-{self._started}"
                threading.Thread(target=self._work, name=name, daemon=True).start()
        self._tasks.put(task)

    def _work(self) -> None:
        while True:
            self._tasks.get()()
            with self._lock:
                self._idle += 1


_WORKERS = _Workers()


class StageDeadline:
    """The wall-clock budget of one stage, started when the object is created.

    Args:
        stage: Stage name (a key of ``STAGE_WORDS``, or any other name).
        seconds: Budget in seconds; ``inf`` or a non-finite value means no limit.
        clock: Returns the current time in seconds; ``time.monotonic`` unless a test gives
            its own.
    """

    def __init__(
        self, stage: str, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.stage = stage
        self.seconds = float(seconds)
        self._clock = clock
        self._end = clock() + self.seconds if math.isfinite(self.seconds) else math.inf

    def remaining(self) -> float:
        """Seconds left (never negative; ``inf`` when unlimited)."""
        return max(0.0, self._end - self._clock())

    def error(self) -> StageTimeout:
        """The StageTimeout of this stage, with a message naming it."""
        known = f"step.{self.stage}" in PHRASES
        what = Phrase(f"step.{self.stage}") if known else Phrase("step.other", stage=self.stage)
        return StageTimeout("timeout.step", what=what, seconds=self.seconds, stage=self.stage)

    def check(self) -> None:
        """Raises StageTimeout when the budget is spent."""
        if self._clock() > self._end:
            raise self.error()

    def run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Calls ``function(*args, **kwargs)`` in a worker thread within the remaining budget.

        Returns:
            What the function returned.

        Raises:
            StageTimeout: It did not return in time (it keeps running in the background).
            Exception: Whatever the function raised, re-raised here unchanged.
        """
        if math.isinf(self._end):
            return function(*args, **kwargs)
        return self.start(function, *args, **kwargs).result()

    def start(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> PendingCall[T]:
        """Starts ``function(*args, **kwargs)`` on a worker thread now; wait with ``result``.

        Lets a stage whose input is already known (the voice of a typed line) run while an
        earlier stage (finding the faces) still works.
        """
        return PendingCall(self, function, args, kwargs)

    def guard(self, frames: Iterable[T]) -> Iterator[T]:
        """Passes frames through, raising StageTimeout once the budget is spent.

        The check runs after each frame is drawn and before it is handed on, so the time the
        consumer spends encoding the previous frame counts too.
        """
        for frame in frames:
            self.check()
            yield frame


class PendingCall(Generic[T]):
    """A call running on a worker thread, bound to the deadline of its stage.

    Args:
        deadline: The stage's deadline; ``result`` waits at most what is left of it.
        function: What to call.
        args: Its positional arguments.
        kwargs: Its keyword arguments.
    """

    def __init__(
        self,
        deadline: StageDeadline,
        function: Callable[..., T],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        self._deadline = deadline
        self._outcome: dict[str, Any] = {}
        self._finished = threading.Event()
        context = contextvars.copy_context()

        def work() -> None:
            try:
                self._outcome["value"] = context.run(function, *args, **kwargs)
            except BaseException as error:  # noqa: BLE001 - handed to the waiting thread
                self._outcome["error"] = error
            finally:
                self._finished.set()

        _WORKERS.submit(work)

    def result(self) -> T:
        """What the call returned, waiting within the stage's remaining budget.

        Raises:
            StageTimeout: It did not return in time (it keeps running in the background).
            Exception: Whatever the function raised, re-raised here unchanged.
        """
        if not self._finished.wait(min(self._deadline.remaining(), _LONGEST_WAIT_S)):
            logger.warning(
                "The %s stage passed its %g s budget", self._deadline.stage, self._deadline.seconds
            )
            raise self._deadline.error()
        if "error" in self._outcome:
            raise self._outcome["error"]
        return self._outcome["value"]
