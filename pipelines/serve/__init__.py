"""Serving renders from a Ray cluster: a Ray Serve deployment and a client of it.

``pipelines.serve.deployment`` (imported only when serving; it imports Ray) runs the pipeline
on Ray Serve replicas behind ``POST /render``; ``RemoteRenderer`` (standard library only) sends
a ``RenderRequest`` there and returns a ``RenderResult`` like ``TalkingPhotoPipeline.render``.
The web app renders there when TALKING_PHOTO_RAY_SERVE names the service's URL.
"""

from pipelines.serve.client import SERVE_URL_ENV, RemoteRenderer, url_from_env

__all__ = ["SERVE_URL_ENV", "RemoteRenderer", "url_from_env"]
