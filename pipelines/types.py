"""The typed values that flow between the stages.

photo -> faces -> scene -> lines -> speech -> motion -> frames -> video. Each value is frozen.
Values that hold numpy arrays compare by identity (``eq=False``); their arrays must not be
mutated after construction.

Coordinates are pixels of the (possibly downscaled) working photo, x to the right, y down.
Times are seconds from the start of the audio.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from pipelines.scene.later import SceneField, SceneLater

Mood = Literal["neutral", "happy", "sad", "excited", "surprised", "angry"]
#: The moods every dialogue backend and the animator understand, the default first.
MOODS: tuple[Mood, ...] = ("neutral", "happy", "sad", "excited", "surprised", "angry")

ExpressionLabel = Literal["neutral", "smile", "open_mouth", "closed_eyes"]


@dataclass(frozen=True, eq=False)
class Photo:
    """A decoded photo, upright (EXIF orientation applied), RGB.

    Attributes:
        pixels: (H, W, 3) uint8 RGB array.
        scale: Working size divided by the original size (1.0 when not downscaled).
        original_size: (width, height) of the file as decoded, in pixels.
    """

    pixels: np.ndarray
    scale: float = 1.0
    original_size: tuple[int, int] = (0, 0)

    @property
    def width(self) -> int:
        """Width of the working image in pixels."""
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        """Height of the working image in pixels."""
        return int(self.pixels.shape[0])


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in pixels: top-left corner plus size."""

    x: float
    y: float
    width: float
    height: float

    @property
    def center(self) -> tuple[float, float]:
        """(x, y) of the box centre in pixels."""
        return (self.x + self.width / 2.0, self.y + self.height / 2.0)

    def as_list(self) -> list[int]:
        """[x, y, width, height] rounded to whole pixels (for JSON)."""
        return [round(self.x), round(self.y), round(self.width), round(self.height)]


@dataclass(frozen=True)
class HeadPose:
    """Head rotation relative to facing the camera, in degrees.

    Attributes:
        yaw: Turn left/right; positive when the face turns to the image's right.
        pitch: Nod; positive when the face tilts up.
        roll: In-plane tilt; positive clockwise in the image.
    """

    yaw: float
    pitch: float
    roll: float


@dataclass(frozen=True)
class FaceGeometry:
    """Measurements taken from the face mesh, in pixels unless stated.

    Attributes:
        inter_ocular: Distance between the two eye centres.
        mouth_width: Distance between the mouth corners.
        lip_gap: Inner-lip opening at the centre of the mouth.
        mouth_open_ratio: lip_gap / mouth_width (0 closed, ~0.6 wide open).
        left_eye_open: Eye aspect ratio of the subject's left eye (height / width, ~0.3 open).
        right_eye_open: Eye aspect ratio of the subject's right eye.
        jaw_width: Distance between the jaw angles.
        face_height: Distance from the forehead top to the chin.
    """

    inter_ocular: float
    mouth_width: float
    lip_gap: float
    mouth_open_ratio: float
    left_eye_open: float
    right_eye_open: float
    jaw_width: float
    face_height: float


@dataclass(frozen=True)
class Expression:
    """An expression estimate derived from mesh distances.

    Attributes:
        label: The dominant expression.
        smile: 0 (none) to 1 (broad smile), from mouth-corner lift and widening.
        mouth_open: 0 (closed) to 1 (wide open).
        eyes_open: 0 (closed) to 1 (normally open).
    """

    label: ExpressionLabel
    smile: float
    mouth_open: float
    eyes_open: float


@dataclass(frozen=True, eq=False)
class Face:
    """One human face found in the photo.

    Attributes:
        index: Position in the photo's face list, ordered left to right.
        box: Face box in pixels.
        score: Detector confidence, 0..1.
        landmarks: (478, 3) float32 MediaPipe face-mesh points; x, y in pixels of the working
            photo, z in the same pixel scale (smaller is nearer the camera).
        geometry: Mesh measurements.
        expression: Expression estimate.
        pose: Head pose from solvePnP on mesh points.
    """

    index: int
    box: Box
    score: float
    landmarks: np.ndarray
    geometry: FaceGeometry
    expression: Expression
    pose: HeadPose

    def summary(self) -> dict[str, object]:
        """A JSON-ready description (no landmarks), as printed by ``talking-photo faces``."""
        return {
            "index": self.index,
            "box": self.box.as_list(),
            "score": round(self.score, 3),
            "expression": self.expression.label,
            "smile": round(self.expression.smile, 2),
            "pose": {
                "yaw": round(self.pose.yaw, 1),
                "pitch": round(self.pose.pitch, 1),
                "roll": round(self.pose.roll, 1),
            },
        }


@dataclass(frozen=True)
class PersonInScene:
    """Where a face sits in the photo and how it looks, in words.

    Attributes:
        face_index: Index of the face this describes.
        position: "left", "centre" or "right" third of the photo.
        framing: "close-up", "portrait" or "small in the frame".
        expression: The face's expression label.
        clothes: The main colour word of the clothes just below the face, "" when unknown.
    """

    face_index: int
    position: str
    framing: str
    expression: str
    clothes: str = ""


@dataclass(frozen=True)
class Scene:
    """What the photo shows, as facts the dialogue writer can use.

    Attributes:
        people: One entry per face, left to right.
        tone: "colour", "black-and-white" or "sepia".
        brightness: "dark", "dim", "normal" or "bright".
        medium: "photo" or "painting or drawing" (a heuristic on texture and colour).
        background: Words for the dominant background colours, e.g. ("green", "blue").
        text_in_photo: Text read from the photo by OCR, in reading order.
        caption: A free-text caption from a captioning backend, when one ran ("" otherwise).
        description: The scene rendered as one English sentence.
        surroundings: What surrounds the people, as words ("leaves": textured greenery;
            "sky": a blue sky above the scene);
            empty when nothing was recognised.
    """

    people: tuple[PersonInScene, ...]
    tone: str
    brightness: str
    medium: str
    background: tuple[str, ...]
    text_in_photo: tuple[str, ...]
    caption: str
    description: str
    surroundings: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class PhotoReading:
    """A photo read once: decoded, its faces found, its scene described.

    Attributes:
        photo: The working photo.
        faces: Every face found, left to right (never empty).
        scene: What the photo shows.
    """

    photo: Photo
    faces: tuple[Face, ...]
    scene: Scene

    def finished(self) -> PhotoReading:
        """This reading (its scene is read already)."""
        return self


@dataclass(frozen=True, eq=False)
class ReadingInProgress:
    """A photo whose faces are found and whose scene is read only when it is asked for.

    A typed line or the user's recording needs no scene, so its render does not read it:
    the result carries a ``SceneLater`` that reads it the first time ``RenderResult.scene``
    is read (``pipelines.scene.later``).

    Attributes:
        photo: The working photo.
        faces: Every face found, left to right (never empty).
        scene_later: Reads the scene on its first call, then returns that scene (raises what
            reading it raised).
    """

    photo: Photo
    faces: tuple[Face, ...]
    scene_later: SceneLater

    def finished(self) -> PhotoReading:
        """The whole reading, the scene read now if it has not been yet."""
        return PhotoReading(self.photo, self.faces, self.scene_later())


LineSource = Literal["user", "model", "template"]


@dataclass(frozen=True)
class Line:
    """What one person says.

    Attributes:
        face_index: Index of the speaking face.
        text: First-person text, 1-3 short sentences.
        mood: The mood it is said in.
        source: "user" (typed by the user), "model" (written by the dialogue model) or
            "template" (the fallback when the model's output failed validation).
        lang: The language it is said in: "en" or "zh".
    """

    face_index: int
    text: str
    mood: Mood
    source: LineSource
    lang: str = "en"


@dataclass(frozen=True)
class Phoneme:
    """One phoneme of the speech, as timed by the TTS voice.

    Attributes:
        symbol: IPA symbol (espeak-ng style), or " " for a word gap, "." / "," for punctuation
            pauses.
        start: Start time in seconds.
        end: End time in seconds.
    """

    symbol: str
    start: float
    end: float


@dataclass(frozen=True)
class Cue:
    """One subtitle cue: a sentence and when it is spoken, in seconds."""

    text: str
    start: float
    end: float


@dataclass(frozen=True, eq=False)
class Speech:
    """Audio to lip-sync to.

    Attributes:
        audio: (N,) float32 mono samples in [-1, 1].
        sample_rate: Samples per second.
        phonemes: Timed phonemes; empty when the audio came from the user (then mouth timing
            comes from the audio itself).
        cues: Subtitle cues, one per sentence; empty when the text is unknown.
        text: The spoken text ("" when unknown).
        lang: The language of the phonemes, "en" or "zh" ("" when unknown): the motion stage
            reads the phoneme symbols with that language's mouth shapes.
        voice: Name of the voice that spoke it ("" for the user's own recording).
    """

    audio: np.ndarray
    sample_rate: int
    phonemes: tuple[Phoneme, ...] = ()
    cues: tuple[Cue, ...] = ()
    text: str = ""
    lang: str = ""
    voice: str = ""

    @property
    def duration(self) -> float:
        """Length of the audio in seconds."""
        return float(len(self.audio)) / float(self.sample_rate)


@dataclass(frozen=True, eq=False)
class Utterance:
    """One stretch of speech by one face.

    Attributes:
        start: Seconds into the video where this speech begins.
        speech: The audio, with its phonemes when the voice gave them.
    """

    start: float
    speech: Speech


@dataclass(frozen=True, eq=False)
class FaceMotion:
    """Per-frame motion of one face, sampled at the animation's frame rate.

    All arrays have T rows, T = number of frames.

    Attributes:
        face_index: Index of the face this moves.
        jaw_open: (T,) 0 (closed) .. 1 (wide open) jaw opening.
        lip_round: (T,) 0 .. 1 lip rounding/protrusion (o, u, w).
        lip_wide: (T,) -1 .. 1 lip spreading (i, e positive).
        lip_press: (T,) 0 .. 1 lips pressed together (p, b, m).
        lip_bite: (T,) 0 .. 1 lower lip tucked to the upper teeth (f, v).
        blink: (T,) 0 (open) .. 1 (eyelids closed).
        head: (T, 3) yaw, pitch, roll offsets in degrees from the photo's pose.
        smile: (T,) 0 .. 1 smile intensity (mood).
        brow: (T,) -1 (frown) .. 1 (raised) brow offset (mood and emphasis).
    """

    face_index: int
    jaw_open: np.ndarray
    lip_round: np.ndarray
    lip_wide: np.ndarray
    lip_press: np.ndarray
    lip_bite: np.ndarray
    blink: np.ndarray
    head: np.ndarray
    smile: np.ndarray
    brow: np.ndarray

    @property
    def n_frames(self) -> int:
        """Number of frames T."""
        return int(self.jaw_open.shape[0])


@dataclass(frozen=True, eq=False)
class Animation:
    """Everything needed to draw the frames of a video.

    Attributes:
        fps: Frames per second.
        n_frames: Number of frames; equals round(audio duration * fps).
        motions: One FaceMotion per animated face (listeners included, with a closed mouth).
    """

    fps: int
    n_frames: int
    motions: tuple[FaceMotion, ...]


@dataclass(frozen=True)
class RenderResult:
    """What a render produced.

    Attributes:
        video: Path of the MP4 (H.264 + AAC).
        audio: Path of the WAV.
        subtitles: Path of the SRT.
        lines: The lines spoken.
        faces: Every face found in the photo (summaries are in ``Face.summary``).
        scene: The scene description. A render whose words did not need it (a typed line,
            the user's recording) reads it when this is first read
            (``pipelines.scene.later``).
        duration: Video length in seconds.
        timings: Seconds spent per stage, keyed by stage name.
        warnings: Things the user should know (a fallback was used, a limit was applied).
        voices: The voice each speaking face spoke in, by face index (a catalogue name such
            as "en-female"; faces lip-synced to the user's own recording are absent).
    """

    video: Path
    audio: Path
    subtitles: Path
    lines: tuple[Line, ...]
    faces: tuple[Face, ...]
    # A descriptor, not a default (the field has none): see pipelines.scene.later.
    scene: Scene = SceneField()  # type: ignore[assignment]  # noqa: RUF009
    duration: float
    timings: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    voices: dict[int, str] = field(default_factory=dict)

    def __getstate__(self) -> dict[str, Any]:
        """The fields to pickle, the scene read (a scene still to read is not picklable)."""
        return {**self.__dict__, "_scene_value": self.scene}
