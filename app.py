"""Talking Photo web app: Gradio Blocks UI over the pipeline (no pipeline logic here).

Run ``python app.py`` (or ``make run``) and open http://127.0.0.1:7860.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import gradio as gr
import numpy as np

from pipelines import (
    MOODS,
    RenderRequest,
    Settings,
    TalkingPhotoError,
    TalkingPhotoPipeline,
    Voice,
)
from pipelines.types import Face

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent
EXAMPLES = sorted((ROOT / "assets" / "examples").glob("*.[jp][pn]g"))
OUTPUT_DIR = Path(os.environ.get("TALKING_PHOTO_OUTPUTS", ROOT / "outputs"))

PIPELINE = TalkingPhotoPipeline(Settings(output_dir=OUTPUT_DIR))


def _face_choices(faces: tuple[Face, ...]) -> list[tuple[str, int]]:
    return [
        (f"Face {face.index} ({face.expression.label}, {int(face.box.width)} px)", face.index)
        for face in faces
    ]


def _annotate(pixels: np.ndarray, faces: tuple[Face, ...]) -> tuple[np.ndarray, list]:
    boxes = [
        (
            (int(f.box.x), int(f.box.y), int(f.box.x + f.box.width), int(f.box.y + f.box.height)),
            f"Face {f.index}",
        )
        for f in faces
    ]
    return pixels, boxes


def find_faces(photo_path: str | None) -> tuple:
    """Detects faces and suggests nothing yet: fills the face picker."""
    if not photo_path:
        raise gr.Error("Upload a photo first.")
    try:
        photo = PIPELINE.load_photo(photo_path)
        faces = PIPELINE.detect_faces(photo)
    except TalkingPhotoError as error:
        raise gr.Error(error.message) from error
    largest = max(faces, key=lambda f: f.box.width * f.box.height).index
    return (
        _annotate(photo.pixels, faces),
        gr.update(choices=_face_choices(faces), value=largest),
    )


def suggest_line(photo_path: str | None, face_index: int | None, mood: str, seed: int) -> str:
    """Reads the scene and writes a line for the chosen face."""
    if not photo_path:
        raise gr.Error("Upload a photo first.")
    try:
        photo = PIPELINE.load_photo(photo_path)
        faces = PIPELINE.detect_faces(photo)
        scene = PIPELINE.describe_scene(photo, faces)
        index = faces[0].index if face_index is None else int(face_index)
        return PIPELINE.write_line(scene, index, mood, seed=int(seed)).text
    except TalkingPhotoError as error:
        raise gr.Error(error.message) from error


def generate(
    photo_path: str | None,
    face_index: int | None,
    text: str,
    audio_path: str | None,
    mood: str,
    rate: float,
    still: bool,
    seed: int,
    progress: gr.Progress = gr.Progress(),  # noqa: B008 (Gradio injects it)
) -> tuple[str, list[str], str]:
    """Renders the talking video; returns the video, the downloads and the transcript."""
    if not photo_path:
        raise gr.Error("Upload a photo first.")
    request = RenderRequest(
        photo=photo_path,
        text=text or None,
        audio=audio_path or None,
        face_index=None if face_index is None else int(face_index),
        mood=mood,
        voice=Voice(rate=float(rate)),
        still=bool(still),
        seed=int(seed),
    )
    try:
        result = PIPELINE.render(request, progress=lambda stage, f: progress(f, desc=stage))
    except TalkingPhotoError as error:
        raise gr.Error(error.message) from error
    for warning in result.warnings:
        gr.Warning(warning)
    transcript = " ".join(line.text for line in result.lines if line.text)
    files = [str(result.video), str(result.audio), str(result.subtitles)]
    return str(result.video), files, transcript


with gr.Blocks(title="Talking Photo") as demo:
    gr.Markdown(
        "# Talking Photo · 听听照片里的人怎么说\n"
        "Upload a photo, pick who speaks, and hear them — offline, on a CPU. "
        "Every video is marked *AI-generated*."
    )
    with gr.Row():
        with gr.Column():
            photo = gr.Image(label="Photo", type="filepath", sources=["upload", "clipboard"])
            gr.Examples(examples=[[str(p)] for p in EXAMPLES], inputs=[photo], label="Examples")
            faces_view = gr.AnnotatedImage(label="Faces found")
            face = gr.Dropdown(label="Who speaks", choices=[], value=None, interactive=True)
        with gr.Column():
            mood = gr.Dropdown(label="Mood", choices=list(MOODS), value="neutral")
            text = gr.Textbox(label="What they say", lines=3, placeholder="Leave empty to suggest")
            suggest = gr.Button("Suggest a line")
            audio = gr.Audio(label="…or use your own voice", type="filepath")
            with gr.Accordion("More", open=False):
                rate = gr.Slider(0.6, 1.6, value=1.0, step=0.05, label="Speaking rate")
                still = gr.Checkbox(label="Keep the head still")
                seed = gr.Number(value=0, precision=0, label="Seed")
            go = gr.Button("Generate", variant="primary")
            video = gr.Video(label="Talking video")
            downloads = gr.File(label="Downloads (MP4, WAV, SRT)", file_count="multiple")
            transcript = gr.Textbox(label="Transcript", interactive=False)

    photo.change(find_faces, inputs=[photo], outputs=[faces_view, face], api_name="faces")
    suggest.click(
        suggest_line, inputs=[photo, face, mood, seed], outputs=[text], api_name="suggest"
    )
    go.click(
        generate,
        inputs=[photo, face, text, audio, mood, rate, still, seed],
        outputs=[video, downloads, transcript],
        api_name="render",
    )
    demo.queue(default_concurrency_limit=1, max_size=16)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    demo.launch(server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
