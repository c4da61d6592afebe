"""Joining a Ray cluster, for batch rendering on actors and serving on Ray Serve.

Only ``pipelines.batch.ray_engine`` and ``pipelines.serve`` call this, and only when asked
for Ray: ``import pipelines`` never imports Ray. Ray comes with the ``ray`` extra
(``pip install -e '.[ray]'``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pipelines.errors import BackendUnavailable

logger = logging.getLogger(__name__)

#: Quiet the native libraries' start-up chatter in every actor (see ``cli.main``).
_QUIET = {"GLOG_minloglevel": "2", "TF_CPP_MIN_LOG_LEVEL": "3"}


def import_ray() -> Any:
    """The ``ray`` module.

    Raises:
        BackendUnavailable: Ray is not installed; the message says how to install it.
    """
    try:
        import ray
    except ImportError:
        raise BackendUnavailable(
            "Ray is not installed; install it with: pip install -e '.[ray]'."
        ) from None
    return ray


def connect(address: str = "auto") -> Any:
    """Joins a Ray cluster (once per process) and returns the ``ray`` module.

    Args:
        address: "auto" joins the Ray instance started on this machine with ``ray start``
            (or named by RAY_ADDRESS), else starts a local one for this process; anything
            else is a cluster's address, e.g. "ray://head:10001" or "10.0.0.5:6379". When
            this process is already connected (``ray.init`` was called), it stays as it is.

    Raises:
        BackendUnavailable: Ray is missing, or the cluster cannot be reached.
    """
    ray = import_ray()
    if ray.is_initialized():
        return ray
    try:
        ray.init(
            address=None if address == "auto" else address,
            include_dashboard=False,
            log_to_driver=False,  # actors' logs stay in Ray's session folder, off the terminal
            logging_level=logging.ERROR,  # Ray's own notices stay off the terminal
            runtime_env=_job_runtime_env(),
        )
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise BackendUnavailable(
            f"Could not join the Ray cluster at {address}: {str(error).splitlines()[0]}"
        ) from None
    logger.info("joined Ray: %s", ray.cluster_resources())
    return ray


def _package_folder() -> Path:
    import pipelines

    return Path(pipelines.__file__).resolve().parent


def _job_runtime_env() -> dict[str, Any]:
    """The runtime environment of the job this process starts on a cluster.

    The ``pipelines`` package of this process travels with the job (``py_modules``), so every
    node runs the same code as the driver; the packages it needs (mediapipe, piper, ...) must
    be installed on every node (``pip install 'talking-photo[ray]'``).
    """
    return {
        "py_modules": [str(_package_folder())],
        "excludes": ["__pycache__", "*.pyc"],
        "env_vars": dict(_QUIET),
    }


def actor_runtime_env() -> dict[str, Any]:
    """The runtime environment of actors that run this pipeline's code.

    When this process joined the cluster through ``connect``, the job already carries the
    ``pipelines`` package (``py_modules``). When someone else called ``ray.init`` (a test, a
    notebook), Ray takes local folders only at that call, so the actors import ``pipelines``
    from this machine's folder (``PYTHONPATH``): right for a cluster on this machine; on a
    real cluster, call ``connect`` (or pass ``py_modules`` to ``ray.init``) instead.
    """
    ray = import_ray()
    job_env = ray.get_runtime_context().runtime_env or {}
    if job_env.get("py_modules"):
        return {"env_vars": dict(_QUIET)}
    return {"env_vars": {**_QUIET, "PYTHONPATH": str(_package_folder().parent)}}
