"""Rendering a conversation: every turn spoken, laid out on one timeline, drawn in one pass.

``render_conversation`` makes the video of a script; ``encode_timeline`` draws and
encodes an already laid-out timeline and is shared with the chat (``pipelines.chat``), which
keeps the photo's faces between questions.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.conversation import (
    DEFAULT_GAP_S,
    Timeline,
    Turn,
    assign_voices,
    faces_to_animate,
    lay_out,
    moods_by_face,
    parse_script,
)
from pipelines.errors import LimitExceeded
from pipelines.pipeline import _ProgressTracker, write_outputs
from pipelines.protocols import Voice
from pipelines.stage_timeout import StageDeadline
from pipelines.types import Animation, Face, Line, Mood, Photo, RenderResult

if TYPE_CHECKING:
    from pipelines.pipeline import PhotoSource, ProgressCallback, StopCheck, TalkingPhotoPipeline

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EncodedTimeline:
    """The files written for a timeline.

    Attributes:
        video: The MP4.
        audio: The WAV beside it.
        subtitles: The SRT beside it.
        duration: Video length in seconds (whole frames).
    """

    video: Path
    audio: Path
    subtitles: Path
    duration: float


def check_length(pipeline: TalkingPhotoPipeline, seconds: float) -> None:
    """Refuses a conversation longer than the video (and audio) limit.

    Raises:
        LimitExceeded: ``seconds`` is over the limit.
    """
    limits = pipeline.settings.limits
    cap = min(limits.max_video_seconds, limits.max_audio_seconds)
    if seconds > cap:
        raise LimitExceeded(
            f"The conversation lasts {seconds:.0f} s; the limit is {cap:.0f} s. "
            "Use fewer or shorter turns."
        )


def encode_timeline(
    pipeline: TalkingPhotoPipeline,
    photo: Photo,
    animated: Sequence[Face],
    timeline: Timeline,
    *,
    moods: Mapping[int, Mood],
    output: str | Path | None,
    still: bool = False,
    seed: int = 0,
    watermark: bool = True,
    tracker: _ProgressTracker | None = None,
    captions: bool = False,
) -> EncodedTimeline:
    """Plans each face's motion from its utterances, draws every face and writes the files.

    Args:
        pipeline: Supplies the animator, frame rate, quality and stage budget.
        photo: The photo.
        animated: The faces that move; a face without utterances listens.
        timeline: Audio, utterances per face and cues.
        moods: Mood per animated face index.
        output: MP4 path, or None for a fresh name in the output folder.
        still: Keep the heads still.
        seed: Seed of blinks and head motion (each face adds its index).
        watermark: Draw the visible "AI-generated" mark.
        tracker: Progress tracker of the caller (a silent one is used when None).
        captions: Burn the timeline's cues into the frames as captions.

    Returns:
        Paths of the MP4, WAV and SRT, and the duration.
    """
    from pipelines.motion import frame_count, plan_face_motion

    tracker = tracker or _ProgressTracker(None)
    budget = pipeline.settings.limits.stage_timeout_seconds
    fps = pipeline.settings.fps
    with tracker.stage("animate", advance=False):
        deadline = StageDeadline("animate", budget)
        n_frames = frame_count(timeline.duration, fps)
        motions = tuple(
            plan_face_motion(
                face.index,
                n_frames,
                fps,
                utterances=timeline.utterances.get(face.index, ()),
                mood=moods.get(face.index, "neutral"),
                seed=seed + face.index,
                still=still,
                base_smile=face.expression.smile,
            )
            for face in animated
        )
        animation = Animation(fps=fps, n_frames=n_frames, motions=motions)
        drawn = deadline.run(pipeline.backend("animator").render, photo, animated, animation)
    frames = deadline.guard(tracker.frames(drawn, n_frames))
    with tracker.stage("video", advance=False):
        paths = write_outputs(
            frames,
            n_frames=n_frames,
            audio=timeline.audio,
            sample_rate=timeline.sample_rate,
            cues=timeline.cues,
            settings=pipeline.settings,
            requested=output,
            watermark=watermark,
            captions=captions,
        )
    return EncodedTimeline(*paths, n_frames / fps)


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
        voices: A voice per face index; faces not given get ``assign_voices``'s voice.
        names: Persona names per face index, used in the subtitles ("Person N" otherwise).
        still: Keep the heads still (lips, eyes and expression still move).
        seed: Seed of the dialogue model, blinks and head motion.
        gap_s: Silence between turns, seconds.
        watermark: Draw the visible "AI-generated" mark.
        progress: Called with (stage, overall fraction) as the render advances.
        captions: Burn the subtitles (each turn's speaker, then the words) into the video.
        should_stop: Asked at every stage boundary, between turns and before every frame;
            True stops the render with ``Cancelled`` and nothing is written.

    Returns:
        The outputs; ``lines`` holds one Line per turn, in order.

    Raises:
        Cancelled: ``should_stop`` returned True.
        TalkingPhotoError: A subclass with a message a person can act on (no face, a turn for
            a face that is not there, the video would be longer than the limit, ...).
    """
    from pipelines.conversation_writer import write_conversation

    tracker = _ProgressTracker(progress, should_stop)
    limits = pipeline.settings.limits
    budget = limits.stage_timeout_seconds
    warnings: list[str] = []

    with tracker.stage("faces"):
        deadline = StageDeadline("faces", budget)
        photo = deadline.run(pipeline.load_photo, photo_source)
        faces = deadline.run(pipeline.detect_faces, photo)
    indices = [face.index for face in faces]
    mood_of = moods_by_face(moods, indices)
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
    with tracker.stage("scene"):
        scene = StageDeadline("scene", budget).run(pipeline.describe_scene, photo, faces)
    with tracker.stage("dialogue"):
        if turns is None:
            write_deadline = StageDeadline("dialogue", budget)
            turns = write_deadline.run(
                write_conversation, pipeline, scene, faces, n_turns, mood_of, seed
            )
            if any(turn.source == "template" for turn in turns):
                warnings.append(
                    "Some of the dialogue model's turns did not pass checks; templates were used."
                )
    with tracker.stage("speech"):
        voice_of = {**assign_voices(faces), **dict(voices or {})}
        speech_deadline = StageDeadline("speech", budget)
        speeches = []
        for turn in turns:
            tracker.check()
            speeches.append(
                speech_deadline.run(pipeline.speak, turn.text, voice_of[turn.face_index])
            )
        timeline = lay_out(turns, speeches, gap_s=gap_s, names=names)
        check_length(pipeline, timeline.duration)

    animated = faces_to_animate(faces, [t.face_index for t in turns], limits.max_faces)
    if len(animated) < len(faces):
        warnings.append(
            f"{len(faces)} faces were found; only {len(animated)} are animated at once "
            f"(the limit is {limits.max_faces})."
        )
    encoded = encode_timeline(
        pipeline,
        photo,
        animated,
        timeline,
        moods=mood_of,
        output=output,
        still=still,
        seed=seed,
        watermark=watermark,
        tracker=tracker,
        captions=captions,
    )
    tracker.done()
    lines = tuple(
        Line(turn.face_index, turn.text, mood_of[turn.face_index], turn.source) for turn in turns
    )
    return RenderResult(
        video=encoded.video,
        audio=encoded.audio,
        subtitles=encoded.subtitles,
        lines=lines,
        faces=faces,
        scene=scene,
        duration=encoded.duration,
        timings=tracker.timings,
        warnings=tuple(warnings),
    )
