"""The ``converse`` and ``chat`` commands of ``talking-photo`` (registered by ``cli.main``).

``talking-photo converse PHOTO`` renders the people in a photo talking with each other (a
written dialogue, or your own script); ``talking-photo chat PHOTO`` is a terminal chat with one
person in the photo: one question per line on standard input, one answer video per question.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from pipelines.cli.common import (
    output_prefixes,
    progress_bar,
    removed_unless_finished,
    report_render,
    require_file,
)
from pipelines.config import Settings
from pipelines.errors import BadInputError, TalkingPhotoError
from pipelines.protocols import Voice
from pipelines.speech.catalogue import AUTO, check_voice_name
from pipelines.text import LANGUAGE_CHOICES
from pipelines.types import MOODS

#: What ``--lang`` says about itself.
LANG_HELP = (
    "language spoken: auto (each line's own; English when the model writes), en, or zh (Mandarin)"
)


def add_conversation_commands(commands: Any) -> None:
    """Adds the ``converse`` and ``chat`` sub-commands to the parser's sub-parsers."""
    converse = commands.add_parser(
        "converse", help="make the people in a photo talk with each other, in one video"
    )
    converse.add_argument("photo", type=Path, help="a photo with two or more people")
    source = converse.add_mutually_exclusive_group()
    source.add_argument(
        "--turns", type=int, default=4, metavar="N", help="turns to write, 2-8 (default 4)"
    )
    source.add_argument(
        "--script",
        type=Path,
        metavar="FILE",
        help='your own dialogue: JSON or YAML list of {"face": N, "text": "..."}',
    )
    converse.add_argument("--mood", choices=MOODS, default="neutral", help="everyone's mood")
    converse.add_argument(
        "--voice",
        action="append",
        default=[],
        metavar="[N=]NAME",
        help="a voice for face N (or, without N=, for everyone); repeatable; default auto: "
        "each face a fitting voice of their own (see 'voices')",
    )
    converse.add_argument("--lang", choices=LANGUAGE_CHOICES, default="auto", help=LANG_HELP)
    converse.add_argument("--still", action="store_true", help="keep the heads still")
    converse.add_argument("--seed", type=int, default=0, help="seed for lines, blinks and motion")
    converse.add_argument("--no-watermark", action="store_true", help="omit the visible AI mark")
    converse.add_argument(
        "--captions", action="store_true", help="burn the subtitles (who speaks, what they say)"
    )
    converse.add_argument("-o", "--output", type=Path, help="the MP4 to write")

    chat = commands.add_parser(
        "chat", help="chat with a person in a photo (questions on standard input, one per line)"
    )
    chat.add_argument("photo", type=Path)
    chat.add_argument("--face", type=int, metavar="N", help="who answers (default: largest face)")
    chat.add_argument("--name", metavar="NAME", help="the person's name, if you know it")
    chat.add_argument("--mood", choices=MOODS, default="neutral", help="how they feel")
    chat.add_argument(
        "--voice", default=AUTO, metavar="NAME", help="their voice (default auto: fits the face)"
    )
    chat.add_argument(
        "--lang",
        choices=LANGUAGE_CHOICES,
        default="auto",
        help="language of the answers: auto (each question's own), en, or zh (Mandarin)",
    )
    chat.add_argument("--seed", type=int, default=0, help="seed for answers and motion")
    chat.add_argument("--output-dir", type=Path, help="folder of the answer videos")


def _converse(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.conversation import load_script, render_conversation
    from pipelines.pipeline import TalkingPhotoPipeline
    from pipelines.timeline import speaker_label

    require_file(args.photo, "photo")
    turns = None
    if args.script is not None:
        turns = load_script(args.script, max_chars=settings.limits.max_text_chars)
    pipeline = TalkingPhotoPipeline(settings)
    folder, prefixes = output_prefixes(args.output, settings.output_dir, "talking-photo-")
    with removed_unless_finished(folder, prefixes), progress_bar() as progress:
        result = render_conversation(
            pipeline,
            args.photo,
            turns,
            output=args.output,
            n_turns=args.turns,
            moods=args.mood,
            voices=voices_by_face(args.voice),
            still=args.still,
            seed=args.seed,
            watermark=not args.no_watermark,
            progress=progress,
            captions=args.captions,
            lang=args.lang,
        )
    said = [
        f'face {line.face_index} ({speaker_label(line.face_index)}, {line.source}): "{line.text}"'
        for line in result.lines
    ]
    report_render(result, said)
    return 0


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.chat.session import ChatSession
    from pipelines.pipeline import TalkingPhotoPipeline

    require_file(args.photo, "photo")
    pipeline = TalkingPhotoPipeline(settings)
    voice = Voice(name=check_voice_name(args.voice))
    session = ChatSession(
        pipeline,
        args.photo,
        args.face,
        args.name,
        args.mood,
        voice=voice,
        seed=args.seed,
        lang=args.lang,
    )
    who = args.name or f"face {session.face.index}"
    if session.voice_note:
        print(f"note: {session.voice_note}", file=sys.stderr)
    print(
        f"Chatting with {who}. Type a question and press Enter, or '/say FILE' to ask it aloud "
        "from a recording; an empty line or Ctrl-D ends."
    )
    for raw in sys.stdin:
        question = raw.strip()
        if not question:
            break
        try:
            if question.startswith("/say "):
                question = _transcribed(Path(question[5:].strip()), settings)
            folder = Path(args.output_dir or settings.output_dir)
            with removed_unless_finished(folder, ("chat-", ".chat-")):
                reply = session.ask(question, output_dir=args.output_dir)
        except TalkingPhotoError as error:  # one bad question does not end the chat
            sys.stderr.write(f"talking-photo: {error.message}\n")
            continue
        print(f'{who}: "{reply.text}"')
        print(
            f"video: {reply.video}  (first audio {reply.first_audio_latency_s:.1f} s, "
            f"video {reply.total_latency_s:.1f} s)"
        )
    return 0


#: Faces a "--voice NAME" for everyone covers (far more than a photo's faces can speak).
_EVERY_FACE = range(256)


def voices_by_face(choices: list[str]) -> dict[int, Voice]:
    """``--voice`` values ("NAME" for everyone, "N=NAME" for face N) as voices by face.

    Raises:
        BadInputError: A face number that is not a number, or an unknown voice name.
    """
    everyone: dict[int, Voice] = {}
    by_face: dict[int, Voice] = {}
    for choice in choices:
        face, sep, name = choice.rpartition("=")
        if not sep:
            everyone = dict.fromkeys(_EVERY_FACE, Voice(name=check_voice_name(name)))
            continue
        if not face.strip().isdigit():
            raise BadInputError("cli.voice_choice", option="--voice", choice=choice)
        by_face[int(face)] = Voice(name=check_voice_name(name))
    return everyone | by_face


def _transcribed(recording: Path, settings: Settings) -> str:
    """The words of a spoken question (whisper tiny.en, offline), echoed for the user."""
    from pipelines.speech.asr import transcribe

    require_file(recording, "recording")
    question = transcribe(recording, settings.limits).strip()
    if not question:
        raise TalkingPhotoError("cli.no_words", name=recording.name)
    print(f'you said: "{question}"')
    return question


#: Command name -> handler, merged into ``pipelines.cli.main``'s table.
CONVERSATION_COMMANDS = {"converse": _converse, "chat": _chat}
