"""How every output is made: a timeline of spoken turns becomes an MP4, its WAV and its SRT.

The three ways to make a video share one path:

==============================  ===================================================
``TalkingPhotoPipeline.render``  one face says one line (``render_line``, below)
``TalkingPhotoPipeline.converse``  everyone takes turns (``pipelines.conversation.render``)
``ChatSession.ask``              one face answers a question (``pipelines.chat.session``)
==============================  ===================================================

Each reads the photo (faces, then the scene), gets the words (typed, written by the dialogue
model, or the user's own recording), speaks them, lays the speech out on a ``Timeline``
(``pipelines.timeline``) and calls ``render_timeline``. That plans every animated face's motion
from its own utterances (a face that does not speak listens: blinks, small head motion), draws
the frames while ffmpeg encodes them, and writes the MP4 with its WAV and SRT beside it. One
``RenderRun`` (``pipelines.render_run``) carries the progress bar, the per-stage budgets,
cancellation and the warnings through the whole render.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from pipelines.errors import BackendUnavailable, LimitExceeded, TalkingPhotoError
from pipelines.errors.text import Notice
from pipelines.faces.selection import choose_face, faces_to_animate
from pipelines.protocols import Voice
from pipelines.render_run import RenderRun
from pipelines.requests import RenderOptions, RenderRequest, check_mood
from pipelines.scene.later import SceneLater
from pipelines.speech.catalogue import AUTO
from pipelines.text import normalize_line, resolve_language
from pipelines.timeline import Timeline, Turn, lay_out
from pipelines.types import (
    Animation,
    Face,
    Line,
    Mood,
    Photo,
    PhotoReading,
    ReadingInProgress,
    RenderResult,
    Scene,
    Speech,
)

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from pipelines.config import Settings
    from pipelines.pipeline import TalkingPhotoPipeline
    from pipelines.stage_timeout import PendingCall


# --------------------------------------------------------------------- one line
def render_line(
    pipeline: TalkingPhotoPipeline, request: RenderRequest, run: RenderRun
) -> RenderResult:
    """One face says one line: typed, written by the dialogue model, or the user's recording.

    When the words are known before the photo is read (a typed line, a recording), the voice
    is made on a worker thread while the faces are found (a voice that fits the face, once
    they are found), and the scene, which such a line does not need, is not read during the
    render: the result reads it the first time its ``scene`` is read
    (``pipelines.scene.later``), so the drawing and the encoder have the cores to themselves.

    Args:
        pipeline: Supplies the models, limits and encoding settings.
        request: What to render.
        run: Progress, budgets, cancellation and warnings of this render.

    Returns:
        The outputs, the line, the faces, the scene, timings and warnings.

    Raises:
        TalkingPhotoError: A subclass with a message a person can act on.
    """
    check_mood(request.mood)
    lang = resolve_language(request.lang, request.text)
    if request.voice.lang == "auto":
        request = dataclasses.replace(request, voice=dataclasses.replace(request.voice, lang=lang))
    early_voice = _start_voice_early(pipeline, request, run)
    if request.text is None and request.audio is None:
        pipeline.preload(("dialogue", "animator"))
        pipeline.preload_voice(request.voice)
    elif early_voice is None and request.audio is None:
        pipeline.preload(("animator",))
        pipeline.preload_voice(request.voice)  # the voice itself waits for the face
    else:
        pipeline.preload(("animator",))
    photo, faces = pipeline.find_faces(request.photo, run)
    _prepare_faces_early(pipeline, photo, faces)
    speaker = choose_face(faces, request.face_index)
    voice = request.voice
    if early_voice is None and request.audio is None:
        voice = _speaker_voice(pipeline, photo, faces, speaker.index, voice, run)
        # A typed line's voice, now chosen, is made while the scene is read.
        early_voice = _start_voice_early(pipeline, dataclasses.replace(request, voice=voice), run)
    reading: PhotoReading | ReadingInProgress
    scene: Scene | None = None  # what a written line is about; a typed line needs none
    if request.text is None and request.audio is None:
        scene = run.call("scene", pipeline.describe_scene, photo, faces)
        reading = PhotoReading(photo, faces, scene)
    else:  # the words are known: the scene is read only if the result's scene is read
        with run.stage("scene"):
            reading = ReadingInProgress(photo, faces, _scene_later(pipeline, photo, faces, run))

    with run.stage("dialogue") as deadline:
        if request.audio is not None:
            line = Line(speaker.index, "", request.mood, "user")
        else:
            line = deadline.run(
                pipeline.write_line,
                scene,
                speaker.index,
                request.mood,
                seed=request.seed,
                user_text=request.text,
                lang=lang,
            )
    with run.stage("speech") as deadline:
        if early_voice is not None:
            speech = early_voice.result()
        elif request.audio is not None:
            speech = deadline.run(pipeline.load_speech, request.audio)
        else:
            speech = deadline.run(pipeline.speak, line.text, voice)
        if request.audio is not None:
            speech = _transcribed(speech, run)
            line = dataclasses.replace(line, text=speech.text)

    if request.captions and not speech.cues:
        run.warn(Notice("warn.no_caption_words"))
    if line.source == "template" and request.text is None:
        run.warn(Notice("warn.template_line"))
    timeline = lay_out([Turn(speaker.index, line.text, line.source)], [speech], label_cues=False)
    return render_timeline(
        pipeline,
        run,
        reading,
        timeline,
        (line,),
        moods={face.index: request.mood for face in reading.faces},
        options=request.options,
        subject="The spoken line" if request.audio is None else "The audio",
    )


def _transcribed(speech: Speech, run: RenderRun) -> Speech:
    """The user's recording with its words (for the transcript and the subtitles).

    Without the speech recogniser the recording is used as it is, with a warning.
    """
    from pipelines.speech.asr import with_transcript

    try:
        return with_transcript(speech)
    except BackendUnavailable as error:
        logger.warning("the recording was not transcribed: %s", error.message)
        run.warn(Notice("warn.not_transcribed"))
        return speech


def _prepare_faces_early(
    pipeline: TalkingPhotoPipeline, photo: Photo, faces: Sequence[Face]
) -> None:
    """Prepares the faces for animation on a background thread while the voice is made.

    The animator waits for a face still being prepared instead of preparing it twice, so the
    first frame comes as soon as the voice is ready (the app does this when a photo is
    uploaded; a cold render had it between the voice and the first frame).
    """

    def prepare() -> None:
        try:
            pipeline.prepare_animation(photo, faces)
        except TalkingPhotoError as error:  # the render that needs the animator says it
            logger.info("The faces were not prepared ahead: %s", error.message)

    threading.Thread(target=prepare, name="prepare-faces", daemon=True).start()


def _scene_later(
    pipeline: TalkingPhotoPipeline, photo: Photo, faces: tuple[Face, ...], run: RenderRun
) -> SceneLater:
    """The photo's scene, read within the scene stage's budget when it is first asked for."""
    from pipelines.stage_timeout import StageDeadline

    seconds = run.stage_seconds
    return SceneLater(
        lambda: StageDeadline("scene", seconds).run(pipeline.describe_scene, photo, faces)
    )


def _start_voice_early(
    pipeline: TalkingPhotoPipeline, request: RenderRequest, run: RenderRun
) -> PendingCall[Speech] | None:
    """Starts making the voice now when its words are already known, else None.

    A typed line that will be refused (empty, too long) is not started here: its error is
    raised in the dialogue step, after the photo's own errors, as when nothing overlaps.
    """
    from pipelines.stage_timeout import StageDeadline

    deadline = StageDeadline("speech", run.stage_seconds)
    if request.audio is not None:
        return deadline.start(pipeline.load_speech, request.audio)
    if request.text is None or (request.voice.name == AUTO and pipeline.chooses_voices()):
        return None  # the words, or the voice, wait for the photo
    try:
        text = normalize_line(request.text, pipeline.settings.limits.max_text_chars)
    except TalkingPhotoError:
        return None
    return deadline.start(pipeline.speak, text, request.voice)


def _speaker_voice(
    pipeline: TalkingPhotoPipeline,
    photo: Photo,
    faces: Sequence[Face],
    index: int,
    voice: Voice,
    run: RenderRun,
) -> Voice:
    """The speaker's voice: as asked, or ("auto") the one that fits their face."""
    if voice.name != AUTO or not pipeline.chooses_voices():
        return voice
    voices, notes = pipeline.face_voices(photo, faces, {index: voice})
    if index in notes:
        run.warn(notes[index])
    return voices[index]


# --------------------------------------------------------------------- any timeline
def render_timeline(
    pipeline: TalkingPhotoPipeline,
    run: RenderRun,
    reading: PhotoReading | ReadingInProgress,
    timeline: Timeline,
    lines: Sequence[Line],
    *,
    moods: Mapping[int, Mood],
    options: RenderOptions,
    subject: str = "The video",
) -> RenderResult:
    """Draws and encodes a timeline: the one place every video is made.

    Args:
        pipeline: Supplies the animator, frame rate, quality, limits and output folder.
        run: Progress, budgets, cancellation and warnings of this render.
        reading: The photo, its faces and its scene (a scene still to read is read when
            the result's ``scene`` is first read).
        timeline: Audio, each face's utterances, and the subtitle cues.
        lines: What was said, in order (returned in the result).
        moods: Mood per face index (faces not given: neutral).
        options: Output path, stillness, seed, watermark and captions.
        subject: How a too-long video is named in the error ("The conversation", ...).

    Returns:
        Paths of the MP4, WAV and SRT, the lines, faces, scene, duration, timings, warnings.

    Raises:
        LimitExceeded: The video would be longer than the limit, or more people speak than
            can be animated at once.
        StageTimeout: Drawing and encoding took longer than the stage budget.
        Cancelled: The run's cancel token was set.
    """
    from pipelines.motion import frame_count, plan_face_motion

    settings = pipeline.settings
    check_length(timeline.duration, settings, subject)
    animated = faces_to_animate(reading.faces, list(timeline.utterances), settings.limits.max_faces)
    if len(animated) < len(reading.faces):
        run.warn(
            Notice(
                "warn.faces_limited",
                found=len(reading.faces),
                animated=len(animated),
                most=settings.limits.max_faces,
            )
        )
    fps = settings.fps
    with run.stage("animate", advance=False) as deadline:
        n_frames = frame_count(timeline.duration, fps)
        motions = tuple(
            plan_face_motion(
                face.index,
                n_frames,
                fps,
                utterances=timeline.utterances.get(face.index, ()),
                mood=moods.get(face.index, "neutral"),
                seed=options.seed + face.index,
                still=options.still,
                base_smile=face.expression.smile,
            )
            for face in animated
        )
        animation = Animation(fps=fps, n_frames=n_frames, motions=motions)
        animator = pipeline.backend("animator")
        drawn = deadline.run(animator.render, reading.photo, animated, animation)
    # Drawing and encoding stream together: each frame is drawn while ffmpeg encodes the last,
    # and write_video removes its partial MP4 when the frames raise (timeout, cancel).
    frames = run.frames(drawn, n_frames, deadline)
    from pipelines.video.outputs import write_outputs  # ffmpeg and soundfile: on first render

    with run.stage("video", advance=False):
        video, audio, subtitles = write_outputs(
            frames,
            n_frames=n_frames,
            audio=timeline.audio,
            sample_rate=timeline.sample_rate,
            cues=timeline.cues,
            settings=settings,
            requested=options.output,
            watermark=options.watermark,
            captions=options.captions,
            segments=run.segments,
        )
    scene = reading.scene_later if isinstance(reading, ReadingInProgress) else reading.scene
    run.done()
    for note in pipeline.backend_notes():
        run.warn(note)
    return RenderResult(
        video=video,
        audio=audio,
        subtitles=subtitles,
        lines=tuple(lines),
        faces=reading.faces,
        scene=scene,
        duration=n_frames / fps,
        timings=dict(run.timings),
        warnings=run.warnings,
        voices={
            face: spoken[0].speech.voice
            for face, spoken in sorted(timeline.utterances.items())
            if spoken and spoken[0].speech.voice
        },
    )


#: How ``check_length`` callers name what is too long -> the error's code.
DURATION_CODES = {
    "The video": "duration.video",
    "The spoken line": "duration.line",
    "The audio": "duration.audio",
    "The answer": "duration.answer",
    "The conversation": "duration.conversation",
}


def check_length(seconds: float, settings: Settings, subject: str = "The video") -> None:
    """Refuses a video longer than the video (and audio) limit.

    Args:
        seconds: Its length.
        settings: The limits.
        subject: How the error names it ("The conversation lasts 95 s; ...").

    Raises:
        LimitExceeded: ``seconds`` is over the limit.
    """
    limits = settings.limits
    cap = min(limits.max_audio_seconds, limits.max_video_seconds)
    if seconds > cap:
        raise LimitExceeded(
            DURATION_CODES.get(subject, "duration.video"), seconds=seconds, most=cap
        )
