"""Keeps the native libraries of the default stack from reaching the network.

onnxruntime (it runs the Piper voice and RapidOCR) carries Microsoft's 1DS telemetry: measured
with ``strace`` on onnxruntime 1.32.0 under Linux, a process that runs a session resolves
``mobile.events.data.microsoft.com`` every few seconds, idle or not. Its switch is the
environment variable ``ORT_DISABLE_TELEMETRY``, read when onnxruntime builds its environment
(the first session), so it is set when ``pipelines`` is imported, before any backend exists;
``onnxruntime.disable_telemetry_events()`` does not stop it on Linux. A value the operator set
is kept.
"""

from __future__ import annotations

import os

#: Environment variables that switch native telemetry off, and the value that does.
TELEMETRY_SWITCHES: dict[str, str] = {"ORT_DISABLE_TELEMETRY": "1"}


def keep_native_libraries_offline() -> None:
    """Sets every variable of TELEMETRY_SWITCHES that is not set yet (idempotent)."""
    for name, value in TELEMETRY_SWITCHES.items():
        os.environ.setdefault(name, value)
