"""The pipeline as a Ray Serve deployment: replicas that hold loaded models, behind HTTP.

Each replica builds one ``TalkingPhotoPipeline``, loads every model when it starts
(``warm_up``), and renders one request at a time (``max_ongoing_requests=1``) through the
normal facade, ``TalkingPhotoPipeline.render``; more requests wait in Serve's queue, and Serve
adds replicas between ``min_replicas`` and ``max_replicas`` as that queue grows. A client that
hangs up cancels its render: the replica stops at its next frame.

Start it with ``talking-photo serve`` (``serve_forever``), or in Python::

    from ray import serve
    from pipelines.serve.deployment import build_app
    serve.run(build_app(min_replicas=1, max_replicas=4))
"""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from pipelines.cluster import actor_runtime_env, connect, import_ray
from pipelines.config import Settings
from pipelines.errors import BadInputError, Cancelled, TalkingPhotoError
from pipelines.serve.protocol import decode_request, encode_result, error_body, max_body_bytes

logger = logging.getLogger(__name__)

ray = import_ray()  # this module is imported only when Ray is asked for
from ray import serve  # noqa: E402 - after the check that says how to install Ray
from starlette.requests import Request  # noqa: E402 - installed with ray[serve]
from starlette.responses import JSONResponse  # noqa: E402

#: The application's name in Serve.
APP_NAME = "talking-photo"


@serve.deployment(max_ongoing_requests=1, ray_actor_options={"num_cpus": 1})
class RenderDeployment:
    """One replica: a pipeline with its models loaded, answering ``POST /render``.

    Args:
        settings: Backends and limits of every replica (the output folder is replaced by a
            scratch folder of the replica's own).
    """

    def __init__(self, settings: Settings) -> None:
        from pipelines.pipeline import TalkingPhotoPipeline

        self.scratch = Path(tempfile.mkdtemp(prefix="talking-photo-replica-"))
        self.pipeline = TalkingPhotoPipeline(settings.replaced(output_dir=self.scratch))
        self.pipeline.warm_up()
        context = serve.get_replica_context()
        self.name = f"replica-{context.replica_id.unique_id}@{ray.util.get_node_ip_address()}"
        logger.info("%s is ready", self.name)

    async def __call__(self, http: Request) -> JSONResponse:
        """``GET /health`` answers ok; ``POST /render`` renders (see ``protocol``)."""
        path = http.url.path.rstrip("/")
        if path.endswith("/health") and http.method == "GET":
            return JSONResponse({"status": "ok", "replica": self.name})
        if not path.endswith("/render"):
            return JSONResponse({"error": "NotFound", "message": "Use POST /render."}, 404)
        if http.method != "POST":
            return JSONResponse({"error": "Method", "message": "Use POST /render."}, 405)
        limits = self.pipeline.settings.limits
        try:
            body = await http.body()
            if len(body) > max_body_bytes(limits):
                raise BadInputError("The request is larger than the upload limits allow.")
            try:
                payload = json.loads(body)
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise BadInputError("The request body is not JSON.") from None
            fields = decode_request(payload, limits)
        except BadInputError as error:
            return JSONResponse(error_body(error), 400)
        stop = threading.Event()
        try:
            return await asyncio.to_thread(self._render, fields, stop)
        except asyncio.CancelledError:  # the client hung up: stop the render at its next frame
            stop.set()
            raise

    def _render(self, fields: dict[str, Any], stop: threading.Event) -> JSONResponse:
        from pipelines.requests import RenderRequest

        started = time.perf_counter()
        with tempfile.TemporaryDirectory(dir=self.scratch) as folder:  # gone with every output
            try:
                request = RenderRequest(output=Path(folder) / "render.mp4", **fields)
                result = self.pipeline.render(request, should_stop=stop.is_set)
                answer = encode_result(result, self.name)
            except Cancelled as error:
                return JSONResponse(error_body(error), 499)
            except TalkingPhotoError as error:
                return JSONResponse(error_body(error), 422)
        logger.info("%s rendered %.1f s in %.1f s", self.name, result.duration, _since(started))
        return JSONResponse(answer)


def _since(started: float) -> float:
    return time.perf_counter() - started


def build_app(
    settings: Settings | None = None, min_replicas: int = 1, max_replicas: int = 2
) -> Any:
    """The Serve application: the deployment, autoscaling between the replica counts.

    Args:
        settings: Backends and limits of every replica; None for the defaults.
        min_replicas: Replicas kept even when idle (at least 1: each holds loaded models).
        max_replicas: Most replicas Serve starts as requests queue up (one CPU each).

    Raises:
        BadInputError: The replica counts are not 1 <= min_replicas <= max_replicas.
    """
    if not 1 <= min_replicas <= max_replicas:
        raise BadInputError("Replicas must satisfy 1 <= min_replicas <= max_replicas.")
    return RenderDeployment.options(
        autoscaling_config={
            "min_replicas": min_replicas,
            "initial_replicas": min_replicas,
            "max_replicas": max_replicas,
            "target_ongoing_requests": 1,
        },
        ray_actor_options={"num_cpus": 1, "runtime_env": actor_runtime_env()},
    ).bind(settings or Settings())


def start(
    address: str = "auto",
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    settings: Settings | None = None,
    min_replicas: int = 1,
    max_replicas: int = 2,
) -> str:
    """Joins Ray, starts Serve's HTTP proxy and deploys the renderer; returns its URL.

    Returns once every starting replica has loaded its models.
    """
    connect(address)
    serve.start(http_options={"host": host, "port": port})
    serve.run(build_app(settings, min_replicas, max_replicas), name=APP_NAME, route_prefix="/")
    return f"http://{host}:{port}"


def stop() -> None:
    """Removes the application and stops Serve."""
    serve.shutdown()
