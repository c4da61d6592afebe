"""The command line: ``talking-photo render | faces | scene | voices | batch | serve | ...``.

Bad input ends with a one-line message on stderr and exit code 2; a failure to write (a full
disk, no permission) or to encode ends with one line and exit code 1. Ctrl-C or SIGTERM stops
the run with one line and exit code 130 or 143; a run that does not finish removes every file
it had started (``cli_common.removed_unless_finished``), the encoder's hidden temporaries too.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from pipelines import registry
from pipelines.cli.cluster import CLUSTER_COMMANDS, add_cluster_commands
from pipelines.cli.common import (
    exit_now,
    os_error_line,
    output_prefixes,
    progress_bar,
    removed_unless_finished,
    report_render,
    require_file,
    stop_on_signals,
)
from pipelines.cli.conversation import (
    CONVERSATION_COMMANDS,
    LANG_HELP,
    add_conversation_commands,
)
from pipelines.config import Settings
from pipelines.errors import TalkingPhotoError
from pipelines.protocols import Voice
from pipelines.speech.catalogue import AUTO, ROLES, VOICES, check_voice_name, voice_choices
from pipelines.text import LANGUAGE_CHOICES
from pipelines.types import MOODS
from pipelines.video.encode import VideoEncodeError

logger = logging.getLogger("pipelines")

EXIT_BAD_INPUT = 2
#: What ``--voice`` takes.
VOICE_HELP = f"who speaks: {', '.join(voice_choices())} (default auto: fits the face; see 'voices')"
EXIT_FAILURE = 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``talking-photo``."""
    parser = argparse.ArgumentParser(
        prog="talking-photo",
        description="Hear the people in a photo speak: a lip-synced talking video, offline.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what each stage does")
    parser.add_argument("--config", type=Path, help="settings YAML (backends, limits, fps)")
    parser.add_argument(
        "--backend",
        action="append",
        default=[],
        metavar="STAGE=NAME",
        help="choose a stage's backend, e.g. dialogue=transformers-chat (see 'backends')",
    )
    parser.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME.KEY=VALUE",
        help="a backend option, e.g. transformers-chat.model=Qwen/Qwen2.5-1.5B-Instruct",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    render = commands.add_parser("render", help="make a talking video from a photo")
    render.add_argument("photo", type=Path, nargs="?", help="the photo (JPEG, PNG, WebP, ...)")
    render.add_argument(
        "--describe",
        metavar="TEXT",
        help="no photo: paint a portrait of this person first (needs the portrait model)",
    )
    said = render.add_mutually_exclusive_group()
    said.add_argument("--say", metavar="TEXT", help="the line to speak (default: write one)")
    said.add_argument("--audio", type=Path, metavar="FILE", help="lip-sync to your own recording")
    render.add_argument("--face", type=int, metavar="N", help="which face speaks (see 'faces')")
    render.add_argument("--mood", choices=MOODS, default="neutral", help="mood of line and face")
    render.add_argument("--voice", default=AUTO, metavar="NAME", help=VOICE_HELP)
    render.add_argument("--lang", choices=LANGUAGE_CHOICES, default="auto", help=LANG_HELP)
    render.add_argument("--rate", type=float, default=1.0, help="speaking rate (1.0 = normal)")
    render.add_argument("--still", action="store_true", help="keep the head still")
    render.add_argument("--seed", type=int, default=0, help="seed for line, blinks and motion")
    render.add_argument("--no-watermark", action="store_true", help="omit the visible AI mark")
    render.add_argument("--captions", action="store_true", help="burn the subtitles into the video")
    render.add_argument("-o", "--output", type=Path, help="the MP4 to write")

    faces = commands.add_parser("faces", help="list the faces found in a photo, as JSON")
    faces.add_argument("photo", type=Path)

    scene = commands.add_parser("scene", help="describe the photo, as JSON")
    scene.add_argument("photo", type=Path)

    commands.add_parser("backends", help="list the backends of every stage and whether ready")
    voices = commands.add_parser("voices", help="list the voices (names for --voice)")
    voices.add_argument("--json", action="store_true", help="as JSON, with every detail")
    add_conversation_commands(commands)
    add_cluster_commands(commands)

    fetch = commands.add_parser(
        "fetch-models", help="download the neural backends' weights (needs internet)"
    )
    fetch.add_argument("--stage", action="append", default=[], help="only this stage (repeatable)")
    fetch.add_argument(
        "--backend", dest="fetch_backend", action="append", default=[], help="only this backend"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit code.

    Args:
        argv: The arguments; None reads them from ``sys.argv``, which means this process is
            the ``talking-photo`` command: then, unless ``--verbose`` is given, what native
            libraries print to stderr is dropped for the rest of the process (see
            ``_drop_native_stderr``), so bad input ends with exactly one line.
    """
    args = build_parser().parse_args(argv)
    is_command = argv is None
    if is_command:
        stop_on_signals()
        if not args.verbose:
            _drop_native_stderr()
    _configure_logging(args.verbose)
    try:
        settings = Settings.from_yaml(args.config) if args.config else Settings()
        settings = settings.with_backends(args.backend, args.option)
        code = _COMMANDS[args.command](args, settings)
        if is_command and args.command in ONE_SHOT_COMMANDS:
            logging.shutdown()
            exit_now(code)  # the outputs are written: skip freeing the models object by object
        return code
    except KeyboardInterrupt as stopped:  # Ctrl-C, or SIGTERM (Stopped)
        code = 128 + int(getattr(stopped, "signal_number", signal.SIGINT))
        _say("stopped; no partial files were left.")
        if is_command:
            exit_now(code)  # native threads may still run: skip the interpreter's teardown
        return code
    except VideoEncodeError as error:
        _say(_encoding_failure(error, args.verbose))
        return EXIT_FAILURE
    except TalkingPhotoError as error:
        # ``--lang zh`` asks for Chinese: the refusal comes in Chinese too.
        _say(error.text("zh") if getattr(args, "lang", None) == "zh" else error.message)
        return EXIT_BAD_INPUT
    except OSError as error:
        _say(os_error_line(error))
        return EXIT_FAILURE


def _say(message: str) -> None:
    # One write, so native libraries printing from other threads cannot split the line.
    sys.stderr.write(f"talking-photo: {message}\n")


#: Reasons an encoder's output may name, said as they are.
_WRITE_FAILURES = ("No space left on device", "File too large", "Disk quota exceeded")


def _encoding_failure(error: VideoEncodeError, verbose: bool) -> str:
    """One line for a failed encode (ffmpeg's own output too, with --verbose)."""
    if verbose:
        return error.message
    reason = next((r for r in _WRITE_FAILURES if r in error.message), None)
    if reason is not None:
        return f"could not write the video: {reason}; nothing was kept."
    first = error.message.splitlines()[0].removesuffix(" ffmpeg said:")
    return f"{first} (--verbose shows ffmpeg's output)"


def _render(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines import RenderRequest, TalkingPhotoPipeline

    if (args.photo is None) == (args.describe is None):
        raise TalkingPhotoError("cli.photo_or_describe", option="--describe")
    if args.photo is not None:
        require_file(args.photo, "photo")
    if args.audio is not None:
        require_file(args.audio, "audio file")
    pipeline = TalkingPhotoPipeline(settings)
    photo = args.photo
    if args.describe is not None:
        photo = pipeline.generate_portrait(args.describe, seed=args.seed)
    request = RenderRequest(
        photo=photo,
        text=args.say,
        audio=args.audio,
        face_index=args.face,
        mood=args.mood,
        voice=Voice(name=check_voice_name(args.voice), rate=args.rate),
        still=args.still,
        seed=args.seed,
        output=args.output,
        watermark=not args.no_watermark,
        captions=args.captions,
        lang=args.lang,
    )
    folder, prefixes = output_prefixes(args.output, settings.output_dir, "talking-photo-")
    with removed_unless_finished(folder, prefixes), progress_bar() as progress:
        result = pipeline.render(request, progress=progress)
    said = [f'face {x.face_index} says ({x.source}): "{x.text}"' for x in result.lines if x.text]
    report_render(result, said)
    return 0


def _faces(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.pipeline import TalkingPhotoPipeline

    require_file(args.photo, "photo")
    pipeline = TalkingPhotoPipeline(settings)
    faces = pipeline.detect_faces(pipeline.load_photo(args.photo))
    print(json.dumps([face.summary() for face in faces], indent=2))
    return 0


def _scene(args: argparse.Namespace, settings: Settings) -> int:
    import dataclasses

    from pipelines.pipeline import TalkingPhotoPipeline

    require_file(args.photo, "photo")
    pipeline = TalkingPhotoPipeline(settings)
    photo = pipeline.load_photo(args.photo)
    scene = pipeline.describe_scene(photo, pipeline.detect_faces(photo))
    print(json.dumps(dataclasses.asdict(scene), indent=2, ensure_ascii=False))
    return 0


def _backends(args: argparse.Namespace, settings: Settings) -> int:
    for stage in registry.STAGES:
        for index, spec in enumerate(registry.specs(stage)):
            _, reason = registry.availability(spec, settings.backend_options.get(spec.name, {}))
            default = " (default)" if index == 0 else ""
            print(f"{stage:9} {spec.name:17} {reason}{default}")
    return 0


def _voices(args: argparse.Namespace, settings: Settings) -> int:
    if args.json:
        print(json.dumps([entry.summary() for entry in VOICES], indent=2, ensure_ascii=False))
        return 0
    print(f"{AUTO:11} chosen from the face: apparent age and gender (the default)")
    for entry in VOICES:
        print(f"{entry.name:11} {entry.description} Licence: {entry.licence}.")
    print(f"{'/'.join(ROLES)}: that kind of voice in the line's language")
    return 0


def _fetch_models(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.neural.fetch import fetch_models

    for name, paths, note in fetch_models(settings, args.stage or None, args.fetch_backend or None):
        print(f"{name:17} {', '.join(paths) or note}")
    return 0


def _drop_native_stderr() -> None:
    """Points file descriptor 2 at /dev/null; Python's ``sys.stderr`` keeps the real stderr.

    MediaPipe (absl) and TensorFlow Lite write their start-up chatter ("Created TensorFlow Lite
    XNNPACK delegate", "Feedback manager requires ...") straight to descriptor 2 from their own
    threads, ignoring ``GLOG_minloglevel`` and ``TF_CPP_MIN_LOG_LEVEL``, and sometimes after
    our own message. Python's ``sys.stderr`` moves to a copy of the original descriptor, so our
    messages, logging, tracebacks and the progress bar still reach the user. What native code
    prints (including a crash message) is lost; ``--verbose`` keeps it. Nothing is changed when
    ``sys.stderr`` is not descriptor 2 (e.g. captured by a test).
    """
    try:
        if sys.stderr is None or sys.stderr.fileno() != 2:
            return
    except (OSError, ValueError):  # io.UnsupportedOperation: not backed by a descriptor
        return
    sys.stderr.flush()
    terminal = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stderr = os.fdopen(  # replaces sys.stderr until the process ends
        terminal, "w", encoding=sys.stderr.encoding, errors=sys.stderr.errors, buffering=1
    )


def _configure_logging(verbose: bool) -> None:
    # Quiet the native libraries' own logging where they honour these (MediaPipe's absl log
    # does not; see _drop_native_stderr).
    if not verbose:
        os.environ.setdefault("GLOG_minloglevel", "2")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


#: Commands that load the models, make their files and end: run as ``talking-photo``, the
#: process ends as soon as they are done, without the interpreter's teardown (freeing every
#: object of the loaded models one by one: 0.3 s after an English render, ~1 s after a
#: Chinese one, whose reader holds large dictionaries).
ONE_SHOT_COMMANDS = frozenset({"render", "converse"})

_COMMANDS = {
    "render": _render,
    "faces": _faces,
    "scene": _scene,
    "backends": _backends,
    "voices": _voices,
    "fetch-models": _fetch_models,
    **CONVERSATION_COMMANDS,
    **CLUSTER_COMMANDS,
}

if __name__ == "__main__":
    sys.exit(main())
