"""The ``batch`` and ``serve`` commands of ``talking-photo`` (registered by ``cli.main``).

``talking-photo batch MANIFEST -o OUTDIR [--ray auto|ADDRESS] [--workers N]`` renders every row
of a CSV or JSONL manifest into OUTDIR (``<id>.mp4``, ``.wav``, ``.srt`` and one line per row
in ``results.jsonl``), on worker processes of this machine or on a Ray cluster. A bad row is
recorded with its sentence and the batch goes on; a rerun skips the rows already done.

``talking-photo serve [--ray auto|ADDRESS] [--port 8000] [--min-replicas 1] [--max-replicas 2]``
runs the pipeline on Ray Serve replicas behind ``POST /render`` until Ctrl-C (the web app sends
its renders there when TALKING_PHOTO_RAY_SERVE names that URL).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from pipelines.config import Settings

#: Exit code when some rows failed (each has its sentence in results.jsonl).
EXIT_ROWS_FAILED = 2


def add_cluster_commands(commands: Any) -> None:
    """Adds the ``batch`` and ``serve`` sub-commands to the parser's sub-parsers."""
    batch = commands.add_parser(
        "batch",
        help="render every row of a CSV/JSONL manifest (photo, text, ...) into a folder",
        description=(
            "Columns: photo, text (required; empty text lets the model write a line) and "
            "audio, face, mood, lang, voice, id (optional). Relative paths are read from the "
            "manifest's folder. Each row becomes OUTDIR/<id>.mp4, .wav, .srt and one line of "
            "OUTDIR/results.jsonl; a rerun skips the rows already done."
        ),
    )
    batch.add_argument("manifest", type=Path, help="the manifest (.csv or .jsonl, with a header)")
    batch.add_argument("-o", "--output", type=Path, required=True, help="the output folder")
    batch.add_argument(
        "--ray",
        metavar="auto|ADDRESS",
        help="render on Ray actors: 'auto' joins or starts Ray on this machine, or a "
        "cluster's address (ray://head:10001); without it, local worker processes",
    )
    batch.add_argument(
        "--workers",
        type=int,
        default=0,
        metavar="N",
        help="worker processes or Ray actors (default: one per CPU core)",
    )

    serve = commands.add_parser(
        "serve", help="serve renders over HTTP from Ray Serve replicas (until Ctrl-C)"
    )
    serve.add_argument(
        "--ray", default="auto", metavar="auto|ADDRESS", help="the Ray cluster (default: auto)"
    )
    serve.add_argument("--host", default="127.0.0.1", help="where to listen (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="HTTP port (default: 8000)")
    serve.add_argument("--min-replicas", type=int, default=1, metavar="N", help="default 1")
    serve.add_argument("--max-replicas", type=int, default=2, metavar="N", help="default 2")


def _batch(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.batch import LocalEngine, run_batch
    from pipelines.errors import BadInputError

    if args.workers < 0:
        raise BadInputError("cli.workers", option="--workers")
    if args.ray:
        from pipelines.batch.ray_engine import RayEngine  # says how to install a missing Ray

        engine: Any = RayEngine(args.ray, args.workers or None, settings)
    else:
        engine = LocalEngine(args.workers or None, settings)
    summary = run_batch(args.manifest, args.output, engine, settings)
    for record in summary.records:
        if record["status"] != "ok":
            print(f"{record['id']}: {record['message']}")
    where = "on Ray" if args.ray else "locally"
    print(
        f"{summary.ok} rendered, {summary.failed} failed, {summary.skipped} already done "
        f"({engine.workers} worker{'s' if engine.workers > 1 else ''} {where}, "
        f"{summary.seconds:.1f} s); "
        f"results: {Path(args.output) / 'results.jsonl'}"
    )
    return EXIT_ROWS_FAILED if summary.failed else 0


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import time

    from pipelines.serve import deployment  # says how to install a missing Ray

    url = deployment.start(
        args.ray,
        host=args.host,
        port=args.port,
        settings=settings,
        min_replicas=args.min_replicas,
        max_replicas=args.max_replicas,
    )
    print(f"serving POST {url}/render; set TALKING_PHOTO_RAY_SERVE={url} for the web app")
    print("Ctrl-C stops the service.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        deployment.stop()
        print("stopped the service.")
    return 0


#: Command name -> handler, merged into ``pipelines.cli.main``'s table.
CLUSTER_COMMANDS = {"batch": _batch, "serve": _serve}
