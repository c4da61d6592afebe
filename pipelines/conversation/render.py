"""Rendering a conversation: every turn spoken in its person's voice, then one timeline drawn.

The script is checked like a script file, the model writes the turns when there is none, each
turn is spoken in its person's voice (one that fits their face, ``face_voices``), and the turns
are laid one after the other on one timeline with short gaps;
``pipelines.render.render_timeline`` draws and encodes it (whoever speaks is lip-synced, the
others listen).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.conversation.casting import moods_by_face
from pipelines.conversation.script import parse_script
from pipelines.errors.text import Notice
from pipelines.protocols import Voice
from pipelines.render import render_timeline
from pipelines.render_run import ProgressCallback, StopCheck
from pipelines.requests import RenderOptions
from pipelines.speech.catalogue import AUTO
from pipelines.text import check_language, resolve_language
from pipelines.timeline import DEFAULT_GAP_S, Turn, lay_out
from pipelines.types import Line, Mood, PhotoReading, RenderResult

if TYPE_CHECKING:
    from pipelines.pipeline import PhotoSource, TalkingPhotoPipeline
    from pipelines.video.segments import SegmentSink

logger = logging.getLogger(__name__)


def render_conversation(
    pipeline: TalkingPhotoPipeline,
    photo_source: PhotoSource,
    turns: Sequence[Turn] | None = None,
    *,
    output: str | Path | None = None,
    n_turns: int = 4,
    moods: Mood | Mapping[int, Mood] | None = None,
    voices: Mapping[int, Voice] | None = None,
    names: Mapping[int, str] | None = None,
    still: bool = False,
    seed: int = 0,
    gap_s: float = DEFAULT_GAP_S,
    watermark: bool = True,
    progress: ProgressCallback | None = None,
    captions: bool = False,
    should_stop: StopCheck | None = None,
    lang: str = "auto",
    segments: SegmentSink | None = None,
) -> RenderResult:
    """Renders a conversation between the people in a photo into one MP4 (+ WAV and SRT).

    Args:
        pipeline: The pipeline whose backends and limits are used.
        photo_source: Path, encoded bytes, or an (H, W, 3) uint8 RGB array.
        turns: The script; None has the dialogue model write ``n_turns`` turns.
        output: Path of the MP4 (the WAV and SRT go beside it); None writes into the
            pipeline's output folder.
        n_turns: Turns to write when ``turns`` is None (2-8).
        moods: One mood for everyone, or a mood per face index (missing faces: neutral).
        voices: A voice per face index; faces not given (or given "auto") get one that fits
            their face, distinct from the others' (``TalkingPhotoPipeline.face_voices``).
        names: Persona names per face index, used in the subtitles ("Person N" otherwise).
        still: Keep the heads still (lips, eyes and expression still move).
        seed: Seed of the dialogue model, blinks and head motion.
        gap_s: Silence between turns, seconds.
        watermark: Draw the visible "AI-generated" mark.
        progress: Called with (stage, overall fraction) as the render advances.
        captions: Burn the subtitles (each turn's speaker, then the words) into the video.
        should_stop: Asked at every stage boundary and frame; True stops with ``Cancelled``.
        lang: The language spoken: "en", "zh", or "auto" (each turn's own language); the
            model writes its turns in Chinese for "zh", else in English.
        segments: Also hand the video over in short segments as they are encoded
            (``pipelines.video.segments.SegmentSink``); None: the MP4 only.

    Returns:
        The outputs; ``lines`` holds one Line per turn, in order.

    Raises:
        TalkingPhotoError: A subclass with a message a person can act on (no face, a turn for
            a face that is not there, the video would be longer than the limit, ...).
    """
    from pipelines.conversation.writer import write_conversation

    lang = check_language(lang)
    run = pipeline.new_run(progress, should_stop, segments)
    limits = pipeline.settings.limits
    if turns is None:
        pipeline.preload(("dialogue", "animator"))
    else:
        pipeline.preload(("animator",))
    pipeline.preload_voice(Voice(name=AUTO, lang=lang))  # the voices that may speak
    with run.stage("faces") as deadline:
        photo = deadline.run(pipeline.load_photo, photo_source)
        faces = deadline.run(pipeline.detect_faces, photo)
    mood_of = moods_by_face(moods, [face.index for face in faces])
    if turns is not None:
        # Re-check a script built in code the way a script file is checked.
        checked = parse_script(
            [{"face": t.face_index, "text": t.text} for t in turns],
            n_faces=len(faces),
            max_chars=limits.max_text_chars,
        )
        turns = tuple(
            Turn(c.face_index, c.text, t.source) for c, t in zip(checked, turns, strict=True)
        )
    scene = run.call("scene", pipeline.describe_scene, photo, faces)
    with run.stage("dialogue") as deadline:
        if turns is None:
            turns = deadline.run(
                write_conversation,
                pipeline,
                scene,
                faces,
                n_turns,
                mood_of,
                seed,
                lang="zh" if lang == "zh" else "en",
            )
            if any(turn.source == "template" for turn in turns):
                run.warn(Notice("warn.template_turns"))
    with run.stage("speech") as deadline:
        voice_of, notes = pipeline.face_voices(photo, faces, voices)
        for index in sorted({turn.face_index for turn in turns} & set(notes)):
            run.warn(notes[index])
        speeches = []
        spoken_in = [resolve_language(lang, turn.text) for turn in turns]
        for turn, turn_lang in zip(turns, spoken_in, strict=True):
            run.check_cancelled()
            voice = dataclasses.replace(voice_of[turn.face_index], lang=turn_lang)
            speeches.append(deadline.run(pipeline.speak, turn.text, voice))
    lines = tuple(
        Line(turn.face_index, turn.text, mood_of[turn.face_index], turn.source, turn_lang)
        for turn, turn_lang in zip(turns, spoken_in, strict=True)
    )
    return render_timeline(
        pipeline,
        run,
        PhotoReading(photo, faces, scene),
        lay_out(turns, speeches, gap_s=gap_s, names=names),
        lines,
        moods=mood_of,
        options=RenderOptions(output, still, seed, watermark, captions),
        subject="The conversation",
    )
