"""Calling the web app over plain HTTP, as a hostile client would (no gradio_client).

gradio_client uploads whatever local path it is handed and fills in the file markers itself,
so attacks on what the server accepts have to be written by hand: these helpers post to
Gradio's own routes and read its server-sent events.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

API = "gradio_api"
TIMEOUT = httpx.Timeout(300.0, connect=10.0)


@dataclass(frozen=True)
class Outcome:
    """How a call ended.

    Attributes:
        status: HTTP status of the request that started the call.
        kind: "complete", "error", or "refused" (the start request itself got a 4xx/5xx).
        data: The outputs ("complete"), the error message ("error"; None when Gradio gave
            none), or the response body's "detail" ("refused").
    """

    status: int
    kind: str
    data: Any

    @property
    def message(self) -> str:
        """The error text ("" for a completed call, or when Gradio sent ``{"error": null}``)."""
        if self.kind == "complete" or self.data is None:
            return ""
        if isinstance(self.data, dict):
            return str(self.data.get("error") or "")
        return str(self.data)


def upload(url: str, path: Path, name: str | None = None) -> dict[str, Any]:
    """Uploads a file like the browser does; returns the file object to send as an input."""
    with path.open("rb") as handle:
        files = {"files": (name or path.name, handle, "application/octet-stream")}
        answer = httpx.post(f"{url}{API}/upload", files=files, timeout=TIMEOUT)
    answer.raise_for_status()
    server_path = answer.json()[0]
    return {
        "path": server_path,
        "orig_name": name or path.name,
        "meta": {"_type": "gradio.FileData"},
    }


def call(url: str, api_name: str, data: list[Any]) -> Outcome:
    """POST /gradio_api/call/<api_name>, then reads its result stream (a session of its own)."""
    started = httpx.post(f"{url}{API}/call/{api_name}", json={"data": data}, timeout=TIMEOUT)
    if started.status_code >= 400:
        return Outcome(started.status_code, "refused", _detail(started))
    event_id = started.json()["event_id"]
    with httpx.stream("GET", f"{url}{API}/call/{api_name}/{event_id}", timeout=TIMEOUT) as stream:
        event = ""
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                payload = json.loads(line.split(":", 1)[1].strip() or "null")
                return Outcome(started.status_code, event, payload)
    return Outcome(started.status_code, "error", None)


def fn_index(url: str, api_name: str) -> int:
    """The index of the event whose api_name is given (from the app's config)."""
    config = httpx.get(f"{url}config", timeout=TIMEOUT).json()
    for dependency in config["dependencies"]:
        if dependency.get("api_name") == api_name:
            return int(dependency["id"])
    raise KeyError(api_name)


class Session:
    """One Gradio session over the queue routes, like one browser tab (its own session hash)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session_hash = uuid.uuid4().hex[:11]

    def call(self, api_name: str, data: list[Any]) -> Outcome:
        """Joins the queue with this session's hash and waits for the result."""
        body = {
            "data": data,
            "fn_index": fn_index(self.url, api_name),
            "session_hash": self.session_hash,
            "event_data": None,
            "trigger_id": None,
        }
        joined = httpx.post(f"{self.url}{API}/queue/join", json=body, timeout=TIMEOUT)
        if joined.status_code >= 400:
            return Outcome(joined.status_code, "refused", _detail(joined))
        event_id = joined.json()["event_id"]
        query = {"session_hash": self.session_hash}
        with httpx.stream(
            "GET", f"{self.url}{API}/queue/data", params=query, timeout=TIMEOUT
        ) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("event_id") != event_id or message.get("msg") != "process_completed":
                    continue
                output = message.get("output") or {}
                if message.get("success"):
                    return Outcome(joined.status_code, "complete", output.get("data"))
                return Outcome(joined.status_code, "error", output.get("error"))
        return Outcome(joined.status_code, "error", None)

    def run(self, api_name: str, data: list[Any]) -> Outcome:
        """Calls an event that skips the queue (``queue=False``) with this session's hash."""
        body = {"data": data, "session_hash": self.session_hash}
        answer = httpx.post(f"{self.url}{API}/run/{api_name}", json=body, timeout=TIMEOUT)
        if answer.status_code >= 400:
            detail = _detail(answer)
            return Outcome(answer.status_code, "refused", detail)
        return Outcome(answer.status_code, "complete", answer.json().get("data"))


def _detail(response: httpx.Response) -> Any:
    try:
        return response.json().get("detail")
    except ValueError:
        return response.text
