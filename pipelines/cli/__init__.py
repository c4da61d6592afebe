"""The ``talking-photo`` command (also ``python -m pipelines``).

Modules:
    main: ``main`` and the render, faces, scene, backends and fetch-models commands.
    conversation: the converse and chat commands.
    cluster: the batch and serve commands (local worker processes, Ray).
    common: file checks, the progress bar and the render report.
"""

from pipelines.cli.main import main

__all__ = ["main"]
