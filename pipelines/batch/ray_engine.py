"""The Ray engine: render actors on a Ray cluster, each loading the models once.

Each ``RenderActor`` holds one ``TalkingPhotoPipeline`` for its whole life and renders one row
at a time; the driver gives a free actor the next row. Photos and recordings travel to the
actors as bytes, and the MP4, WAV and SRT come back as bytes (through Ray's object store), so
the nodes need no shared folder: only the driver reads the manifest's files and writes the
output folder.

An actor that dies (killed, its node lost, out of memory) takes only the row it was rendering
with it: that row goes back to the front of the queue and a new actor takes its place. Because
only the driver writes outputs and results, a retried row is written once. A row whose actor
dies ``MAX_ATTEMPTS`` times is recorded as an error.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections import deque
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pipelines.batch.job import (
    MAX_ATTEMPTS,
    RowJob,
    RowOutcome,
    one_sentence,
    render_job,
    worker_died,
)
from pipelines.cluster import actor_runtime_env, connect, import_ray
from pipelines.config import Settings

logger = logging.getLogger(__name__)

ray = import_ray()  # this module is imported only when Ray is asked for


@ray.remote(num_cpus=1, max_restarts=0, max_task_retries=0)
class RenderActor:
    """A Ray actor with one pipeline, loaded once, that renders rows.

    Args:
        settings: The pipeline's settings (its output folder is replaced by a scratch folder).
    """

    def __init__(self, settings: Settings) -> None:
        from pipelines.pipeline import TalkingPhotoPipeline

        self.scratch = Path(tempfile.mkdtemp(prefix="talking-photo-actor-"))
        self.pipeline = TalkingPhotoPipeline(settings.replaced(output_dir=self.scratch))
        context = ray.get_runtime_context()
        node = ray.util.get_node_ip_address()
        self.name = f"ray-actor-{context.get_actor_id()[:12]}@{node}"

    def render(self, job: RowJob) -> RowOutcome:
        """Renders one row (see ``pipelines.batch.job.render_job``)."""
        return render_job(self.pipeline, job, self.scratch, self.name)

    def __del__(self) -> None:
        # At interpreter exit the module's globals (shutil) may already be gone.
        if shutil is not None and getattr(self, "scratch", None):
            shutil.rmtree(self.scratch, ignore_errors=True)


class RayEngine:
    """Renders rows on Ray actors.

    Args:
        address: "auto" (join this machine's Ray, or start one) or a cluster's address; a
            process that already called ``ray.init`` keeps its connection.
        workers: Actors; None or 0: one per CPU of the cluster.
        settings: The pipeline's settings in every actor.
    """

    def __init__(
        self, address: str = "auto", workers: int | None = None, settings: Settings | None = None
    ) -> None:
        connect(address)
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = max(1, int(workers or cpus))
        self.settings = settings or Settings()
        self._busy: dict[Any, tuple[Any, RowJob]] = {}  # task ref -> (actor, job)
        #: Ids of the rows given to another actor after theirs died, in order.
        self.retried: list[str] = []

    def busy(self) -> list[tuple[Any, str]]:
        """(actor handle, row id) of every row being rendered right now."""
        return [(actor, job.id) for actor, job in list(self._busy.values())]

    def _new_actor(self) -> Any:
        return RenderActor.options(runtime_env=actor_runtime_env()).remote(self.settings)

    def run(self, jobs: Sequence[RowJob]) -> Iterator[RowOutcome]:
        """Renders the jobs on ``workers`` actors; yields outcomes as they finish.

        The actors are killed when the run ends (finished, failed or interrupted).
        """
        from ray.exceptions import RayActorError, RayTaskError

        queue = deque(jobs)
        attempts: dict[str, int] = {}
        idle = [self._new_actor() for _ in range(min(self.workers, len(jobs)))]
        actors = list(idle)
        try:
            while queue or self._busy:
                while idle and queue:
                    actor, job = idle.pop(), queue.popleft()
                    attempts[job.id] = attempts.get(job.id, 0) + 1
                    self._busy[actor.render.remote(job)] = (actor, job)
                ready, _ = ray.wait(list(self._busy), num_returns=1)
                actor, job = self._busy.pop(ready[0])
                try:
                    outcome = ray.get(ready[0])
                except RayActorError as error:
                    logger.warning("the actor rendering row %s died: %s", job.id, error)
                    replacement = self._new_actor()
                    actors.append(replacement)
                    idle.append(replacement)
                    if attempts[job.id] < MAX_ATTEMPTS:
                        self.retried.append(job.id)
                        queue.appendleft(job)
                        continue
                    outcome = worker_died(
                        job, "ray", "Ray worker", "see the Ray logs of the cluster"
                    )
                except RayTaskError as error:  # the row could not reach render_job's own checks
                    idle.append(actor)
                    first = str(error.cause or error).splitlines()[0][:200]
                    outcome = RowOutcome(
                        job.id, job.photo_name, "error", one_sentence(first), 0.0, "ray"
                    )
                else:
                    idle.append(actor)
                yield outcome
        finally:
            self._busy.clear()
            for actor in actors:
                ray.kill(actor)
