"""The video stage: frames and audio into a browser-playable MP4, with its SRT.

Modules:
    encode: ``write_video`` (H.264 + AAC through ffmpeg from imageio-ffmpeg).
    subtitles: SRT cues; captions: burned-in captions; watermark: the AI-generated mark.
    segments: the same encode also cut into MPEG-TS segments, handed over while it runs.
    outputs: ``write_outputs``, a render's MP4 with its WAV and SRT beside it.
"""

from pipelines.video.encode import write_video
from pipelines.video.subtitles import write_srt

__all__ = ["write_srt", "write_video"]
