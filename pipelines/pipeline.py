"""TalkingPhotoPipeline: runs the stages, keeps each model loaded, reports progress."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipelines import registry
from pipelines.config import Settings
from pipelines.errors import (
    BackendUnavailable,
    BadInputError,
    Cancelled,
    LimitExceeded,
    NoFaceError,
)
from pipelines.protocols import Voice
from pipelines.stage_timeout import StageDeadline
from pipelines.types import (
    MOODS,
    Animation,
    Cue,
    Face,
    Line,
    Mood,
    Photo,
    RenderResult,
    Scene,
    Speech,
)

logger = logging.getLogger(__name__)

#: Called with (stage name, overall fraction done in [0, 1]).
ProgressCallback = Callable[[str, float], None]
#: Asked at every stage boundary and before every frame; True stops the work (``Cancelled``).
StopCheck = Callable[[], bool]

#: The stages of a render, in order, with their share of the progress bar.
RENDER_STAGES: tuple[tuple[str, float], ...] = (
    ("faces", 0.05),
    ("scene", 0.10),
    ("dialogue", 0.10),
    ("speech", 0.10),
    ("animate", 0.55),
    ("video", 0.10),
)

PhotoSource = str | Path | bytes | np.ndarray
AudioSource = str | Path | bytes


@dataclass(frozen=True)
class RenderRequest:
    """One photo to bring to life.

    Attributes:
        photo: Path, encoded bytes, or an (H, W, 3) uint8 RGB array.
        text: The user's own line; None lets the dialogue stage write one.
        audio: The user's own recording (wav, mp3, m4a, ...); wins over ``text``.
        face_index: Which face speaks (see ``detect_faces``); None picks the largest face.
        mood: How the line is written and the face looks, one of ``pipelines.types.MOODS``.
        voice: How the line is spoken.
        still: Keep the head still (lips, eyes and expression still move).
        seed: Seed for the dialogue model, blinks and head motion.
        output: Path of the MP4; the WAV and SRT are written beside it. None writes into
            ``Settings.output_dir`` under a fresh name.
        watermark: Draw the visible "AI-generated" mark (the metadata tag is always written).
        captions: Burn the subtitles into the video as captions (the SRT is always written).
    """

    photo: PhotoSource
    text: str | None = None
    audio: AudioSource | None = None
    face_index: int | None = None
    mood: Mood = "neutral"
    voice: Voice = field(default_factory=Voice)
    still: bool = False
    seed: int = 0
    output: Path | None = None
    watermark: bool = True
    captions: bool = False


class TalkingPhotoPipeline:
    """Photo in, talking MP4 out.

    Each backend is created on first use and kept for the life of the pipeline, so a web app
    or a batch script that reuses one pipeline never loads a model twice. The pipeline is safe
    to share between threads: backends guard their own models.

    Args:
        settings: Backends, limits and encoding; defaults to the offline stack.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self._backends: dict[str, Any] = {}
        self._notes: dict[str, str] = {}
        self._lock = threading.Lock()

    # ----------------------------------------------------------------- backends
    def backend(self, stage: str) -> Any:
        """The backend of a stage, created once.

        A configured backend that cannot run here falls back to the stage's offline default;
        the reason is kept and reported in ``RenderResult.warnings``.
        """
        with self._lock:
            if stage not in self._backends:
                self._backends[stage] = self._create(stage)
            return self._backends[stage]

    def _create(self, stage: str) -> Any:
        """Creates the configured backend, or the first other one of the stage that can run."""
        name = getattr(self.settings, f"{stage}_backend")
        started = time.perf_counter()
        context = {"limits": self.settings.limits}
        try:
            created = registry.create(
                stage, name, context=context, **self.settings.backend_options.get(name, {})
            )
        except BackendUnavailable as error:
            created = None
            for spec in registry.specs(stage):
                if spec.name != name and registry.availability(spec)[0]:
                    created = registry.create(stage, spec.name, context=context)
                    note = f"{error.message} Using the {stage} backend {spec.name!r} instead."
                    logger.warning(note)
                    self._notes[stage] = note
                    break
            if created is None:
                raise
        logger.info("loaded the %s backend in %.2f s", stage, time.perf_counter() - started)
        return created

    def warm_up(self, stages: Sequence[str] = registry.STAGES) -> None:
        """Loads the backends of the given stages now instead of on first use."""
        for stage in stages:
            self.backend(stage)

    def generate_portrait(self, description: str, seed: int = 0) -> np.ndarray:
        """Paints a portrait of a described person, for when there is no photo.

        Uses ``pipelines.neural.portrait.PortraitGenerator`` with
        ``Settings.backend_options["portrait"]``, created once and kept.

        Args:
            description: Who to paint, e.g. "an old fisherman".
            seed: The same description and seed give the same portrait.

        Returns:
            (H, W, 3) uint8 RGB image, to pass as ``RenderRequest.photo``.

        Raises:
            BackendUnavailable: diffusers, torch or the model's weights are missing.
            BadInputError: The description is empty or too long.
        """
        from pipelines.neural.portrait import PortraitGenerator

        with self._lock:
            generator = self._backends.get("portrait")
            if generator is None:
                options = self.settings.backend_options.get("portrait", {})
                generator = self._backends["portrait"] = PortraitGenerator(**options)
        return generator.generate(description, seed)

    # ----------------------------------------------------------------- stages
    def load_photo(self, source: PhotoSource) -> Photo:
        """Decodes and normalises a photo within the configured limits."""
        from pipelines.images import load_image

        return load_image(source, self.settings.limits)

    def detect_faces(self, photo: Photo) -> tuple[Face, ...]:
        """Every human face in the photo, left to right.

        Raises:
            NoFaceError: There is none.
        """
        faces = tuple(self.backend("faces").detect(photo))
        if not faces:
            raise NoFaceError()
        return faces

    def describe_scene(self, photo: Photo, faces: Sequence[Face]) -> Scene:
        """Facts about the photo for the dialogue writer."""
        return self.backend("scene").describe(photo, faces)

    def write_line(
        self,
        scene: Scene,
        face_index: int,
        mood: Mood = "neutral",
        *,
        seed: int = 0,
        user_text: str | None = None,
    ) -> Line:
        """What the person at ``face_index`` says (the user's own text wins)."""
        _check_mood(mood)
        return self._dialogue_writer().write(
            scene,
            face_index,
            mood,
            seed=seed,
            user_text=user_text,
            max_chars=self.settings.limits.max_text_chars,
        )

    def _dialogue_writer(self) -> Any:
        from pipelines.dialogue import DialogueWriter

        with self._lock:
            writer = self._backends.get("dialogue-writer")
        if writer is None:
            writer = DialogueWriter(self.backend("dialogue"))
            with self._lock:
                writer = self._backends.setdefault("dialogue-writer", writer)
        return writer

    def speak(self, text: str, voice: Voice | None = None) -> Speech:
        """Text to speech with phoneme timings."""
        speech = self.backend("speech").synthesize(text, voice or Voice())
        self._check_duration(speech.duration, "The spoken line")
        return speech

    def load_speech(self, source: AudioSource) -> Speech:
        """The user's own recording as Speech (no phonemes: timing comes from the audio)."""
        from pipelines.audio import load_audio, speech_from_audio

        audio, rate = load_audio(source, self.settings.limits)
        return speech_from_audio(audio, rate)

    def _check_duration(self, seconds: float, what: str) -> None:
        cap = min(self.settings.limits.max_audio_seconds, self.settings.limits.max_video_seconds)
        if seconds > cap:
            raise LimitExceeded(
                f"{what} lasts {seconds:.0f} s; the limit is {cap:.0f} s. Use a shorter line."
            )

    # ----------------------------------------------------------------- render
    def render(
        self,
        request: RenderRequest,
        progress: ProgressCallback | None = None,
        *,
        should_stop: StopCheck | None = None,
    ) -> RenderResult:
        """Runs every stage and writes the MP4, WAV and SRT.

        Args:
            request: What to render.
            progress: Called with (stage, overall fraction) as the render advances.
            should_stop: Asked at every stage boundary and before every frame; once it
                returns True the render stops with ``Cancelled`` and writes nothing (a model
                call already running finishes first: it cannot be interrupted).

        Returns:
            Paths of the outputs, the line, faces, scene, per-stage timings and warnings.

        Raises:
            Cancelled: ``should_stop`` returned True.
            TalkingPhotoError: A subclass with a message a person can act on.
        """
        from pipelines.motion import Utterance, frame_count, plan_face_motion

        _check_mood(request.mood)
        tracker = _ProgressTracker(progress, should_stop)
        warnings: list[str] = []
        # Each stage runs within Limits.stage_timeout_seconds (see pipelines.stage_timeout).
        budget = self.settings.limits.stage_timeout_seconds

        with tracker.stage("faces"):
            deadline = StageDeadline("faces", budget)
            photo = deadline.run(self.load_photo, request.photo)
            faces = deadline.run(self.detect_faces, photo)
            speaker = _choose_face(faces, request.face_index)
        with tracker.stage("scene"):
            scene = StageDeadline("scene", budget).run(self.describe_scene, photo, faces)
        with tracker.stage("dialogue"):
            if request.audio is not None:
                line = Line(speaker.index, "", request.mood, "user")
            else:
                line = StageDeadline("dialogue", budget).run(
                    self.write_line,
                    scene,
                    speaker.index,
                    request.mood,
                    seed=request.seed,
                    user_text=request.text,
                )
        with tracker.stage("speech"):
            if request.audio is not None:
                speech = StageDeadline("speech", budget).run(self.load_speech, request.audio)
                self._check_duration(speech.duration, "The audio")
            else:
                speech = StageDeadline("speech", budget).run(self.speak, line.text, request.voice)

        with tracker.stage("animate", advance=False):
            animate_deadline = StageDeadline("animate", budget)
            fps = self.settings.fps
            n_frames = frame_count(speech.duration, fps)
            animated = _faces_to_animate(faces, speaker, self.settings.limits.max_faces)
            if len(animated) < len(faces):
                warnings.append(
                    f"{len(faces)} faces were found; only {len(animated)} are animated at once "
                    f"(the limit is {self.settings.limits.max_faces})."
                )
            motions = tuple(
                plan_face_motion(
                    face.index,
                    n_frames,
                    fps,
                    utterances=(Utterance(0.0, speech),) if face is speaker else (),
                    mood=request.mood,
                    seed=request.seed + face.index,
                    still=request.still,
                    base_smile=face.expression.smile,
                )
                for face in animated
            )
            animation = Animation(fps=fps, n_frames=n_frames, motions=motions)
            animator = self.backend("animator")
            drawn = animate_deadline.run(animator.render, photo, animated, animation)
        # Drawing and encoding stream together: the budget is checked before every frame, and
        # write_video removes its partial MP4 when the frames raise StageTimeout.
        frames = animate_deadline.guard(tracker.frames(drawn, n_frames))

        with tracker.stage("video", advance=False):
            video_path, audio_path, subtitles_path = write_outputs(
                frames,
                n_frames=n_frames,
                audio=speech.audio,
                sample_rate=speech.sample_rate,
                cues=speech.cues,
                settings=self.settings,
                requested=request.output,
                watermark=request.watermark,
                captions=request.captions,
            )
        tracker.done()

        warnings.extend(self._notes.values())
        if request.captions and not speech.cues:
            warnings.append(
                "Your own recording is not transcribed, so there are no words to caption; "
                "the video has no captions (type the line instead to have them)."
            )
        if line.source == "template" and request.text is None:
            warnings.append("The dialogue model's lines did not pass checks; a template was used.")
        return RenderResult(
            video=video_path,
            audio=audio_path,
            subtitles=subtitles_path,
            lines=(line,),
            faces=faces,
            scene=scene,
            duration=n_frames / fps,
            timings=tracker.timings,
            warnings=tuple(warnings),
        )


# --------------------------------------------------------------------- helpers
def _check_mood(mood: str) -> None:
    if mood not in MOODS:
        raise BadInputError(f"Unknown mood {mood!r}; choose one of: {', '.join(MOODS)}.")


def _choose_face(faces: Sequence[Face], face_index: int | None) -> Face:
    """The requested face, or the largest one."""
    if face_index is None:
        return max(faces, key=lambda f: f.box.width * f.box.height)
    if not 0 <= face_index < len(faces):
        raise BadInputError(
            f"There is no face {face_index} in this photo; it has {len(faces)} "
            f"face(s), numbered 0 to {len(faces) - 1}."
        )
    return faces[face_index]


def _faces_to_animate(faces: Sequence[Face], speaker: Face, max_faces: int) -> tuple[Face, ...]:
    """The speaker plus the largest other faces, up to ``max_faces``, in photo order."""
    others = sorted(
        (f for f in faces if f is not speaker), key=lambda f: -(f.box.width * f.box.height)
    )
    chosen = [speaker, *others[: max(0, max_faces - 1)]]
    return tuple(sorted(chosen, key=lambda f: f.index))


def write_outputs(
    frames: Iterable[np.ndarray],
    *,
    n_frames: int,
    audio: np.ndarray,
    sample_rate: int,
    cues: Sequence[Cue],
    settings: Settings,
    requested: str | Path | None,
    watermark: bool,
    captions: bool = False,
) -> tuple[Path, Path, Path]:
    """Encodes the MP4 (tagged AI-generated), then writes its WAV and SRT beside it.

    Args:
        frames: ``n_frames`` (H, W, 3) uint8 RGB frames at ``settings.fps``.
        n_frames: How many frames there are.
        audio: (N,) float32 mono soundtrack in [-1, 1].
        sample_rate: Its samples per second.
        cues: The subtitle cues, in seconds.
        settings: ``fps``, ``crf`` and ``output_dir`` (used when ``requested`` is None).
        requested: The MP4 path asked for (".mp4" is enforced), or None for a new name.
        watermark: Draw the visible "AI-generated" mark.
        captions: Burn the cues into the frames as captions.

    Returns:
        The paths of the MP4, the WAV and the SRT.
    """
    from pipelines.audio import write_wav
    from pipelines.video import write_srt, write_video

    video_path = _output_path(requested, settings.output_dir)
    write_video(
        frames,
        n_frames=n_frames,
        fps=settings.fps,
        audio=audio,
        sample_rate=sample_rate,
        path=video_path,
        crf=settings.crf,
        metadata={"title": "Talking Photo", "comment": "AI-generated with Talking Photo"},
        watermark="AI-generated" if watermark else None,
        captions=cues if captions else None,
    )
    audio_path = write_wav(video_path.with_suffix(".wav"), audio, sample_rate)
    subtitles_path = write_srt(cues, video_path.with_suffix(".srt"))
    return video_path, Path(audio_path), Path(subtitles_path)


def _output_path(requested: str | Path | None, output_dir: Path) -> Path:
    if requested is not None:
        path = Path(requested)
        if path.suffix.lower() != ".mp4":
            path = path.with_suffix(".mp4")
    else:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = Path(output_dir) / f"talking-photo-{stamp}-{uuid.uuid4().hex[:8]}.mp4"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


class _ProgressTracker:
    """Turns stage starts and drawn frames into overall fractions, and times each stage.

    With a ``should_stop`` check it is also where a render is cancelled: at the start and end
    of every stage and before every frame.
    """

    def __init__(
        self, callback: ProgressCallback | None, should_stop: StopCheck | None = None
    ) -> None:
        self._callback = callback
        self._should_stop = should_stop
        self._weights = dict(RENDER_STAGES)
        self._done = 0.0
        self.timings: dict[str, float] = {}

    def check(self) -> None:
        """Raises Cancelled when the caller asked to stop."""
        if self._should_stop is not None and self._should_stop():
            raise Cancelled()

    def _report(self, stage: str, fraction: float) -> None:
        if self._callback is not None:
            self._callback(stage, min(1.0, max(0.0, fraction)))

    @contextmanager
    def stage(self, name: str, *, advance: bool = True) -> Iterator[None]:
        """Times a stage; with ``advance``, reports its start and counts its share as done."""
        self.check()
        if advance:
            self._report(name, self._done)
        started = time.perf_counter()
        yield
        self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - started
        self.check()
        if advance:
            self._done += self._weights.get(name, 0.0)

    def frames(self, frames: Iterator[np.ndarray], total: int) -> Iterator[np.ndarray]:
        """Passes drawn frames through to the encoder, reporting progress as they go.

        Frames are drawn lazily while the video stage encodes them, so the time spent drawing
        is moved from the "video" timing to the "animate" timing, and the progress bar moves
        through both stages' shares frame by frame.
        """
        begin = self._done
        share = self._weights["animate"] + self._weights["video"]
        step = max(1, total // 50)
        drawing = 0.0
        iterator = iter(frames)
        for index in range(total):
            self.check()
            began = time.perf_counter()
            frame = next(iterator, None)
            drawing += time.perf_counter() - began
            if frame is None:
                break
            if index % step == 0:
                self._report("animate", begin + share * index / total)
            yield frame
        self._done = begin + share
        self.timings["animate"] = self.timings.get("animate", 0.0) + drawing
        self.timings["video"] = self.timings.get("video", 0.0) - drawing

    def done(self) -> None:
        """Reports completion."""
        self._report("done", 1.0)
