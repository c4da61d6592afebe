"""Stopping work when its visitor stops waiting: Cancel, ``job.cancel()``, a closed page.

Gradio runs a plain handler in a worker thread; when the job is cancelled it cancels only the
asyncio task that waits for the thread, so the render went on (six submit-and-cancel cycles
left six renders running at once, past the one-at-a-time rule). ``stoppable`` and
``stoppable_stream`` turn a handler that takes a ``should_stop`` check into an async one that
runs it in a worker thread and makes the check true when

- Gradio cancels the job (the Cancel button, ``POST /gradio_api/cancel``, gradio_client's
  ``job.cancel()``): the waiting task receives ``CancelledError``;
- the visitor's connection closes: Gradio marks the job's queue event as no longer alive,
  which a watcher notices within POLL_SECONDS.

The pipeline then stops at its next stage boundary or frame (``should_stop`` in
``pipelines.pipeline``). A cancelled call waits (up to STOP_WAIT_SECONDS) for its thread to
stop before its queue slot is freed, so at most one render runs at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

import anyio

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Seconds between two looks at whether the visitor is still connected.
POLL_SECONDS = 0.2
#: Longest wait, in seconds, for a cancelled handler's thread to reach its next check.
STOP_WAIT_SECONDS = 60.0
_END = object()


def _queue_event(request: Any) -> Any | None:
    """Gradio's queue event of a request (it has ``alive``), or None when there is none.

    Gradio keeps the running jobs in ``blocks._queue.active_jobs``; the event of this call is
    the one holding the same HTTP request object as the handler's ``gr.Request``.
    """
    http_request = getattr(request, "request", None)
    try:
        blocks = http_request.app.get_blocks()  # type: ignore[union-attr]
        jobs = list(blocks._queue.active_jobs)
    except AttributeError:  # not called through a launched app's queue (e.g. a direct call)
        return None
    for job in jobs:
        for event in job or ():
            if getattr(event, "request", None) is http_request:
                return event
    return None


async def _watch(event: Any, stop: threading.Event) -> None:
    while not stop.is_set():
        if not getattr(event, "alive", True):
            stop.set()
            logger.info("The visitor left; stopping their request.")
            return
        await asyncio.sleep(POLL_SECONDS)


@contextlib.asynccontextmanager
async def _watching(request: Any, stop: threading.Event) -> AsyncIterator[None]:
    """Sets ``stop`` when the job is cancelled or the visitor leaves, while the block runs."""
    event = _queue_event(request)
    watcher = asyncio.create_task(_watch(event, stop)) if event is not None else None
    try:
        yield
    except (asyncio.CancelledError, GeneratorExit):
        stop.set()
        raise
    finally:
        if watcher is not None:
            watcher.cancel()


async def _in_thread(call: Callable[[], T], stop: threading.Event) -> T:
    """Runs ``call`` in a worker thread; once cancelled, waits for it to notice ``stop``."""
    finished = threading.Event()

    def run() -> T:
        try:
            return call()
        finally:
            finished.set()

    try:
        return await anyio.to_thread.run_sync(run, abandon_on_cancel=True)
    except asyncio.CancelledError:
        stop.set()
        logger.info("The request was cancelled; stopping it.")
        waited = 0.0
        while not finished.is_set() and waited < STOP_WAIT_SECONDS:
            await asyncio.sleep(0.05)
            waited += 0.05
        raise


def _visible_signature(function: Callable[..., Any]) -> inspect.Signature:
    """The function's signature without ``should_stop`` (Gradio must not fill it in)."""
    signature = inspect.signature(function)
    if "should_stop" not in signature.parameters:
        raise TypeError(f"{function.__qualname__} takes no should_stop argument")
    kept = [p for p in signature.parameters.values() if p.name != "should_stop"]
    return signature.replace(parameters=kept)


def _request_of(signature: inspect.Signature, args: tuple, kwargs: dict) -> Any:
    bound = signature.bind_partial(*args, **kwargs)
    return bound.arguments.get("request")


def stoppable(function: Callable[..., T]) -> Callable[..., Any]:
    """Makes a handler that takes ``should_stop`` a Gradio handler that stops when abandoned.

    The handler should also take ``request: gr.Request | None`` (to see a closed connection).

    Returns:
        An async function with the handler's signature minus ``should_stop``.
    """
    visible = _visible_signature(function)

    @functools.wraps(function)
    async def wrapper(*args: Any, **kwargs: Any) -> T:
        stop = threading.Event()
        call = functools.partial(function, *args, should_stop=stop.is_set, **kwargs)
        async with _watching(_request_of(visible, args, kwargs), stop):
            return await _in_thread(call, stop)

    wrapper.__signature__ = visible  # type: ignore[attr-defined]
    return wrapper


def stoppable_stream(function: Callable[..., Iterator[T]]) -> Callable[..., AsyncIterator[T]]:
    """``stoppable`` for a generator handler: each step runs in a worker thread.

    Returns:
        An async generator function with the handler's signature minus ``should_stop``.
    """
    visible = _visible_signature(function)

    @functools.wraps(function)
    async def wrapper(*args: Any, **kwargs: Any) -> AsyncIterator[T]:
        stop = threading.Event()
        steps = function(*args, should_stop=stop.is_set, **kwargs)
        try:
            async with _watching(_request_of(visible, args, kwargs), stop):
                while True:
                    item = await _in_thread(lambda: next(steps, _END), stop)
                    if item is _END:
                        return
                    yield item
        finally:
            stop.set()
            with contextlib.suppress(ValueError):  # still running: it stops at its next check
                steps.close()

    wrapper.__signature__ = visible  # type: ignore[attr-defined]
    return wrapper
