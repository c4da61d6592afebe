"""One pass over a rendered MP4: landmarks, background error, identity and kept frames.

The video is decoded frame by frame (PyAV) and never held in memory whole: a 30-second clip
of a 1280-pixel photo would be gigabytes. Each frame is tracked with dlib, compared with the
source photo outside the faces, and kept only when the contact sheet or the identity check
needs it. ``summarise`` turns the result into the benchmark's metrics.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks import measure
from benchmarks.landmarks import DlibFaces, FaceBox, FaceTracker

logger = logging.getLogger(__name__)

#: Frames whose identity embedding is compared with the photo's.
IDENTITY_SAMPLES = 10
#: Evenly spaced frames kept for the contact sheet (the widest-mouth frame is added).
SHEET_FRAMES = 11
#: The second background measure also leaves out this many face-box heights above each box.
HEAD_ABOVE = 0.6
#: Pixels added around the watermark's rectangle when it is left out of the background.
WATERMARK_MARGIN = 3

BoxXYWH = tuple[float, float, float, float]


@dataclass
class VideoAnalysis:
    """Per-frame series and kept frames of one rendered video.

    Attributes:
        fps: Frames per second of the video.
        points: (T, 68, 2) dlib landmarks of the speaking face, pixels.
        energy_db: (T,) speech-band energy of the WAV per frame, dB re the loudest frame.
        background_mse: (T,) mean squared error against the photo outside faces and mark.
        background_mse_no_head: (T,) the same, also leaving out the top of each head.
        identity: Embedding distances photo-vs-frame for the sampled frames.
        kept: Frame index -> (H, W, 3) uint8 RGB frame, for the contact sheet.
        widest: Index of the frame with the widest-open mouth.
        face_box: The dlib box of the speaking face in the first frame.
        mux_offset_ms: Delay of the MP4's audio track relative to the WAV, in ms.
        blink_frames: Frame index -> frame, of the deepest blink (lowest eye aspect ratio)
            and the frame before it (the lids closing), for the close-ups.
    """

    fps: float
    points: np.ndarray
    energy_db: np.ndarray
    background_mse: np.ndarray
    background_mse_no_head: np.ndarray
    identity: list[float]
    kept: dict[int, np.ndarray]
    widest: int
    face_box: FaceBox
    mux_offset_ms: float
    notes: list[str] = field(default_factory=list)
    blink_frames: dict[int, np.ndarray] = field(default_factory=dict)

    @property
    def n_frames(self) -> int:
        """Number of frames T."""
        return int(self.points.shape[0])


def load_photo_rgb(path: Path) -> np.ndarray:
    """The photo as the viewer sees it: EXIF orientation applied, (H, W, 3) uint8 RGB."""
    from PIL import Image, ImageOps

    with Image.open(path) as image:
        return np.asarray(ImageOps.exif_transpose(image).convert("RGB"))


def watermark_rect(width: int, height: int, text: str = "AI-generated") -> tuple[int, ...]:
    """(x, y, w, h) of the visible mark in a frame of this size, with a small margin."""
    from pipelines.video.watermark import Watermark

    mark = Watermark(text, width, height)
    h, w = mark.alpha.shape[:2]
    m = WATERMARK_MARGIN
    return (mark.x - m, mark.y - m, w + 2 * m, h + 2 * m)


def analyse_render(
    video: Path,
    wav: Path,
    photo: np.ndarray,
    speaker_box: BoxXYWH,
    face_boxes: list[BoxXYWH],
    faces: DlibFaces,
    *,
    watermark: bool = True,
) -> VideoAnalysis:
    """Tracks the speaking face through the video and compares it with the photo.

    Args:
        video: The MP4.
        wav: The WAV written beside it (the audio the mouth must follow).
        photo: (H, W, 3) uint8 RGB source photo at the video's working size.
        speaker_box: (x, y, w, h) of the speaking face as the pipeline reported it; only used
            to pick the same face among dlib's detections.
        face_boxes: (x, y, w, h) of every face, left out of the background comparison.
        faces: Loaded dlib models.
        watermark: Whether the video carries the visible mark (its corner is left out).

    Returns:
        The per-frame series and kept frames.
    """
    import av
    import soundfile

    height, width = photo.shape[:2]
    excluded = [watermark_rect(width, height)] if watermark else []
    mask = measure.background_mask(height, width, list(face_boxes), excluded)
    mask_no_head = measure.background_mask(
        height, width, list(face_boxes), excluded, above=HEAD_ABOVE
    )
    reference = photo.astype(np.float32)
    near = (speaker_box[0] + speaker_box[2] / 2.0, speaker_box[1] + speaker_box[3] / 2.0)
    notes: list[str] = []

    photo_box = faces.detect(photo, near)
    if photo_box is None:
        raise RuntimeError("dlib finds no face in the source photo; it cannot be measured.")
    photo_embedding = faces.embedding(photo, faces.landmarks(photo, photo_box))

    points: list[np.ndarray] = []
    mse: list[float] = []
    mse_no_head: list[float] = []
    identity: list[float] = []
    kept: dict[int, np.ndarray] = {}
    widest, widest_gap, widest_frame = 0, -1.0, None
    blink_frames: dict[int, np.ndarray] = {}
    deepest, previous = math.inf, None
    tracker: FaceTracker | None = None
    first_box = photo_box
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate)
        expected = stream.frames or 0
        identity_at = set(
            np.linspace(0, max(expected - 1, 0), IDENTITY_SAMPLES).round().astype(int)
        )
        sheet_at = set(np.linspace(0, max(expected - 1, 0), SHEET_FRAMES).round().astype(int))
        for index, decoded in enumerate(container.decode(stream)):
            frame = np.ascontiguousarray(decoded.to_ndarray(format="rgb24")[:height, :width])
            if tracker is None:
                detected = faces.detect(frame, near)
                if detected is None:
                    notes.append("dlib found no face in frame 0; tracking from the photo's box")
                else:
                    first_box = detected
                tracker = FaceTracker(faces, first_box)
            landmarks = tracker.update(frame)
            points.append(landmarks)
            squared = np.square(frame.astype(np.float32) - reference).mean(axis=2)
            mse.append(float(squared[mask].mean()))
            mse_no_head.append(float(squared[mask_no_head].mean()))
            if index in identity_at:
                distance = np.linalg.norm(faces.embedding(frame, landmarks) - photo_embedding)
                identity.append(float(distance))
            if index in sheet_at:
                kept[index] = frame
            gap_px = float(np.linalg.norm(landmarks[62] - landmarks[66]))
            if gap_px > widest_gap:
                widest, widest_gap, widest_frame = index, gap_px, frame
            ear = float(measure.eye_aspect_ratio(landmarks[None])[0])
            if index >= 3 and ear < deepest and previous is not None:
                deepest, blink_frames = ear, {index - 1: previous, index: frame}
            previous = frame
    if not points:
        raise RuntimeError(f"{video} has no video frames.")
    if widest_frame is not None:
        kept[widest] = widest_frame

    audio, rate = soundfile.read(str(wav), dtype="float64", always_2d=False)
    energy = measure.speech_band_energy(audio, rate, fps, len(points))
    return VideoAnalysis(
        fps=fps,
        points=np.stack(points),
        energy_db=energy,
        background_mse=np.array(mse),
        background_mse_no_head=np.array(mse_no_head),
        identity=identity,
        kept=kept,
        widest=widest,
        face_box=first_box,
        mux_offset_ms=mux_offset_ms(video, audio, rate),
        notes=notes,
        blink_frames=blink_frames,
    )


def mux_offset_ms(video: Path, audio: np.ndarray, sample_rate: int, search_ms: int = 200) -> float:
    """How much later the MP4's audio track plays than the WAV, in ms (1 ms resolution).

    Both are reduced to 1 ms mean-absolute envelopes and cross-correlated over +-search_ms.
    """
    import av

    with av.open(str(video)) as container:
        stream = container.streams.audio[0]
        chunks = [
            f.to_ndarray().astype(np.float64).reshape(f.layout.nb_channels, -1).mean(axis=0)
            if f.format.is_planar
            else f.to_ndarray().astype(np.float64).reshape(-1, f.layout.nb_channels).mean(axis=1)
            for f in container.decode(stream)
        ]
        track_rate = stream.rate
    track = np.concatenate(chunks) if chunks else np.zeros(1)
    samples = audio.mean(axis=1) if audio.ndim == 2 else audio
    a = _envelope_ms(samples, sample_rate)
    b = _envelope_ms(track, track_rate)
    n = min(len(a), len(b))
    best, best_r = 0, -math.inf
    for lag in range(-search_ms, search_ms + 1):
        if lag >= 0:
            x, y = a[: n - lag], b[lag:n]
        else:
            x, y = a[-lag:n], b[: n + lag]
        r = measure._pearson(x, y)
        if r > best_r:
            best, best_r = lag, r
    return float(best)


def _envelope_ms(samples: np.ndarray, rate: int) -> np.ndarray:
    n_ms = int(len(samples) * 1000 // rate)
    edges = (np.arange(n_ms + 1) * rate // 1000).astype(np.int64)
    sums = np.add.reduceat(np.abs(samples), edges[:-1]) if n_ms else np.zeros(0)
    return sums / np.maximum(np.diff(edges), 1)


def summarise(analysis: VideoAnalysis) -> dict[str, float | int]:
    """The benchmark metrics of one analysed video (see benchmarks/run.py for the targets)."""
    gap = measure.lip_gap(analysis.points)
    lag, correlation = measure.av_lag(gap, analysis.energy_db)
    first_half, second_half = measure.av_lag_halves(gap, analysis.energy_db)
    ratio, n_pause = measure.pause_ratio(gap, analysis.energy_db)
    ear = measure.eye_aspect_ratio(analysis.points)
    blinks = measure.count_blinks(ear, analysis.fps)
    minutes = analysis.n_frames / analysis.fps / 60.0
    pooled_mse = float(np.mean(analysis.background_mse))
    return {
        "frames": analysis.n_frames,
        "seconds": round(analysis.n_frames / analysis.fps, 2),
        "av_lag_frames": lag,
        "av_correlation": round(correlation, 3),
        "av_lag_first_half": first_half,
        "av_lag_second_half": second_half,
        "pause_frames": n_pause,
        "pause_gap_ratio": round(ratio, 3),
        "mouth_range": round(measure.mouth_range(gap), 3),
        "identity_distance": round(float(np.mean(analysis.identity)), 3),
        "identity_worst": round(float(np.max(analysis.identity)), 3),
        "background_psnr_db": round(measure.psnr(pooled_mse), 2),
        "background_psnr_worst_frame_db": round(
            measure.psnr(float(analysis.background_mse.max())), 2
        ),
        "background_psnr_head_excluded_db": round(
            measure.psnr(float(np.mean(analysis.background_mse_no_head))), 2
        ),
        "blinks": blinks,
        "blinks_per_minute": round(blinks / minutes, 1),
        "blink_interval_cv": round(measure.blink_interval_cv(ear, analysis.fps), 3),
        "jitter": round(measure.jitter(analysis.points), 4),
        "inter_ocular_px": round(float(np.median(measure.inter_ocular(analysis.points))), 1),
        "mux_offset_ms": analysis.mux_offset_ms,
    }


def codec_floor_psnr(
    photo: np.ndarray, face_boxes: list[BoxXYWH], crf: int, folder: Path, watermark: bool = True
) -> tuple[float, float]:
    """Background PSNR of the unchanged photo after the same H.264 encode (1 s, 25 frames).

    This is what the encoder alone costs: about what the animated video can score at best.

    Returns:
        (PSNR with the benchmark's background mask, PSNR with the top of the head also left
        out), in dB.
    """
    from pipelines.video import write_video

    path = write_video(
        (photo for _ in range(25)),
        n_frames=25,
        fps=25,
        audio=np.zeros(16000, dtype=np.float32),
        sample_rate=16000,
        path=Path(folder) / "codec_floor.mp4",
        crf=crf,
        watermark="AI-generated" if watermark else None,
    )
    try:
        return _decoded_background_psnr(path, photo, face_boxes, watermark)
    finally:
        path.unlink(missing_ok=True)


def colour_only_psnr(
    photo: np.ndarray, face_boxes: list[BoxXYWH], folder: Path
) -> tuple[float, float]:
    """Background PSNR of the unchanged photo after the app's colour conversion alone.

    The photo goes through the same ffmpeg filter as every video (RGB to BT.709 limited-range YUV
    with 4:2:0 chroma, ``pipelines.video.encode.BROWSER_YUV_FILTER``) and is stored uncompressed,
    then decoded like the videos: no H.264 loss at all, so this is the ceiling the colour format
    alone sets. Same masks as ``codec_floor_psnr`` (the watermark's corner left out too).

    Returns:
        (PSNR with the benchmark's background mask, PSNR with the top of the head also left
        out), in dB.
    """
    import subprocess

    import imageio_ffmpeg

    from pipelines.video.encode import BROWSER_YUV_FILTER

    height, width = photo.shape[:2]
    even = np.pad(photo, ((0, height % 2), (0, width % 2), (0, 0)), mode="edge")
    # Matroska keeps the BT.709 tags the filter sets (NUT does not, and is decoded as BT.601).
    path = Path(folder) / "colour_only.mkv"
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-video_size", f"{even.shape[1]}x{even.shape[0]}",
        "-i", "pipe:0", "-vf", BROWSER_YUV_FILTER, "-c:v", "rawvideo", "-pix_fmt", "yuv420p",
        str(path),
    ]  # fmt: skip
    subprocess.run(command, input=np.ascontiguousarray(even).tobytes(), check=True, timeout=60)
    try:
        return _decoded_background_psnr(path, photo, face_boxes, True)
    finally:
        path.unlink(missing_ok=True)


def _decoded_background_psnr(
    path: Path, photo: np.ndarray, face_boxes: list[BoxXYWH], skip_watermark: bool
) -> tuple[float, float]:
    """Mean background PSNR of every decoded frame against the photo (both masks), in dB.

    ``skip_watermark`` also leaves the watermark's corner out of both masks.
    """
    import av

    height, width = photo.shape[:2]
    excluded = [watermark_rect(width, height)] if skip_watermark else []
    masks = (
        measure.background_mask(height, width, list(face_boxes), excluded),
        measure.background_mask(height, width, list(face_boxes), excluded, above=HEAD_ABOVE),
    )
    reference = photo.astype(np.float32)
    errors: list[list[float]] = [[], []]
    with av.open(str(path)) as container:
        for decoded in container.decode(video=0):
            frame = decoded.to_ndarray(format="rgb24")[:height, :width].astype(np.float32)
            squared = np.square(frame - reference).mean(axis=2)
            for kept, mask in zip(errors, masks, strict=True):
                kept.append(float(squared[mask].mean()))
    return measure.psnr(float(np.mean(errors[0]))), measure.psnr(float(np.mean(errors[1])))
