"""What the web app needs besides Gradio wiring: strings, the faces overview, output folders.

Nothing here runs a model: the faces come from the pipeline, this module only draws them.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from PIL import Image, ImageDraw, ImageFont

from pipelines.types import MOODS, Face, Photo

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent
EXAMPLES_DIR = ROOT / "assets" / "examples"
UI_TEXT_PATH = ROOT / "assets" / "ui_text.yaml"

#: Every interface string by language code ("en", "zh"), then by key.
LANGUAGES: dict[str, dict[str, str]] = yaml.safe_load(UI_TEXT_PATH.read_text(encoding="utf-8"))

#: Examples gallery order: clear single faces first, two people next, the no-face dog last.
EXAMPLE_ORDER = (
    "woman_waterfall.jpg",
    "einstein_bw.jpg",
    "smiling_woman_256.png",
    "mona_lisa.jpg",
    "two_people.jpg",
    "couple_red_carpet.jpg",
    "painted_portrait.png",
    "cartoon_boy.jpg",
    "lowres_240p.jpg",
    "shiba_dog.jpg",
)

#: Longest side of the faces overview shown in the browser, in pixels: larger photos are
#: shrunk to the maximum, smaller ones enlarged to the minimum so boxes and numbers stay crisp.
OVERVIEW_SIDE = (640, 960)

CSS = """
#header { align-items: center; }
#header h1 { margin-bottom: 0.25rem; }
.step h3 { margin: 0.4rem 0 0 0; }
#consent { border: 1px solid var(--color-accent-soft); border-radius: var(--radius-lg); }
#summary { opacity: 0.8; font-size: 0.9rem; }
#downloads .label-clear-button { display: none; }
#footer { text-align: center; opacity: 0.7; font-size: 0.85rem; margin-top: 0.5rem; }
"""

_REQUEST_FOLDER = re.compile(r"[0-9a-f]{32}")
_CHOSEN = (236, 72, 153)  # pink: the speaker
_OTHER = (255, 255, 255)  # white: everyone else


def tr(lang: str, key: str, **values: Any) -> str:
    """The interface string ``key`` in language ``lang`` (English when unknown).

    Args:
        lang: Language code, a key of LANGUAGES.
        key: String key from assets/ui_text.yaml.
        **values: Values for the string's {placeholders}.
    """
    table = LANGUAGES.get(lang, LANGUAGES["en"])
    template = table.get(key, LANGUAGES["en"][key])
    return template.format(**values) if values else template


def mood_choices(lang: str) -> list[tuple[str, str]]:
    """Mood dropdown choices: (label in the language, mood name)."""
    return [(tr(lang, f"mood_{mood}"), mood) for mood in MOODS]


@dataclass
class SharedInputs:
    """Components of the app's left column and states that the Group and Chat tabs read.

    Attributes:
        photo: The photo (a gr.Image of type "filepath").
        speaker: The faces picker's dropdown (a face index).
        faces_state: The faces overview state (a FacesOverview or None).
        consent: The right-to-animate checkbox.
        lang: The interface language state.
        backends: The backend choice state (``app_backends.BackendPanel.choice``).
    """

    photo: Any
    speaker: Any
    faces_state: Any
    consent: Any
    lang: Any
    backends: Any


def example_photos() -> list[Path]:
    """The example photos in gallery order; files not in EXAMPLE_ORDER come after, sorted."""
    present = {p.name: p for p in EXAMPLES_DIR.iterdir() if p.suffix.lower() in {".jpg", ".png"}}
    ordered = [present.pop(name) for name in EXAMPLE_ORDER if name in present]
    return ordered + [present[name] for name in sorted(present)]


@dataclass(frozen=True, eq=False)
class FacesOverview:
    """The photo at display size with the face boxes, kept in the session between events.

    Attributes:
        image: (H, W, 3) uint8 RGB photo, longest side within OVERVIEW_SIDE pixels.
        boxes: (N, 4) float array of face boxes as x0, y0, x1, y1 in ``image`` pixels.
        indices: Face index of each box (the pipeline's numbering, left to right).
        positions: "left", "centre" or "right": where each face sits in the photo.
        largest: Index of the largest face (the default speaker).
    """

    image: np.ndarray
    boxes: np.ndarray
    indices: tuple[int, ...]
    positions: tuple[str, ...]
    largest: int

    def speaker_choices(self, lang: str) -> list[tuple[str, int]]:
        """Dropdown choices: ("Person 1 (left)", 0), ... in the given language."""
        return [
            (tr(lang, "person", number=i + 1, position=tr(lang, f"position_{pos}")), index)
            for i, (index, pos) in enumerate(zip(self.indices, self.positions, strict=True))
        ]


def faces_overview(photo: Photo, faces: tuple[Face, ...]) -> FacesOverview:
    """Scales the photo for display and records where each face is."""
    longest = max(photo.width, photo.height)
    scale = min(max(longest, OVERVIEW_SIDE[0]), OVERVIEW_SIDE[1]) / longest
    image = photo.pixels
    if scale != 1.0:
        size = (max(1, round(photo.width * scale)), max(1, round(photo.height * scale)))
        image = np.asarray(Image.fromarray(photo.pixels).resize(size, Image.Resampling.LANCZOS))
    boxes = np.array(
        [[f.box.x, f.box.y, f.box.x + f.box.width, f.box.y + f.box.height] for f in faces],
        dtype=np.float64,
    ).reshape(-1, 4)
    centres = (boxes[:, 0] + boxes[:, 2]) / 2.0 / photo.width
    positions = tuple(
        "left" if c < 1 / 3 else "right" if c > 2 / 3 else "centre" for c in centres.tolist()
    )
    largest = max(faces, key=lambda f: f.box.width * f.box.height).index
    return FacesOverview(
        image=image,
        boxes=boxes * scale,
        indices=tuple(f.index for f in faces),
        positions=positions,
        largest=largest,
    )


def draw_faces(overview: FacesOverview, chosen: list[int]) -> np.ndarray:
    """The overview with a numbered box on every face; the chosen speakers in pink.

    Returns:
        (H, W, 3) uint8 RGB image, the size of ``overview.image``.
    """
    canvas = Image.fromarray(overview.image).convert("RGB")
    draw = ImageDraw.Draw(canvas)
    side = max(canvas.size)
    line = max(2, round(side / 220))
    for number, (index, box) in enumerate(zip(overview.indices, overview.boxes, strict=True), 1):
        colour = _CHOSEN if index in chosen else _OTHER
        x0, y0, x1, y1 = (float(v) for v in box)
        draw.rectangle((x0 - line, y0 - line, x1 + line, y1 + line), outline=(0, 0, 0), width=1)
        draw.rectangle((x0, y0, x1, y1), outline=colour, width=line)
        radius = max(9.0, min((x1 - x0) * 0.18, side / 28))
        # The badge sits on the box's top-left corner, pushed inside the picture if needed.
        cx = min(max(x0, radius + 1), canvas.width - radius - 1)
        cy = min(max(y0, radius + 1), canvas.height - radius - 1)
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=colour)
        font = ImageFont.load_default(size=round(radius * 1.3))
        draw.text((cx, cy), str(number), fill=(20, 20, 30), font=font, anchor="mm")
    return np.asarray(canvas)


def face_at(overview: FacesOverview, x: float, y: float) -> int | None:
    """The face whose box holds the clicked point (the nearest box centre otherwise).

    Args:
        overview: The faces overview the user clicked on.
        x: Column of the click, in overview pixels.
        y: Row of the click, in overview pixels.

    Returns:
        A face index, or None when there are no faces.
    """
    if not overview.indices:
        return None
    boxes = overview.boxes
    inside = (boxes[:, 0] <= x) & (x <= boxes[:, 2]) & (boxes[:, 1] <= y) & (y <= boxes[:, 3])
    centres = np.stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2], 1)
    distance = np.hypot(centres[:, 0] - x, centres[:, 1] - y)
    distance[inside] -= 1e9  # a box that holds the point always wins
    return overview.indices[int(np.argmin(distance))]


def served_name(folder: Path, stem: str, suffix: str) -> str:
    """A file name that carries the request folder's 128 random bits: ``{stem}-{id}{suffix}``.

    Gradio copies a result into its cache under the file's own name (in a folder named by a
    hash of the content), so the name itself must hold the random part.
    """
    return f"{stem}-{folder.name}{suffix}"


def queue_size_from_env(default: int = 20) -> int:
    """How many requests may wait in the render queue, from TALKING_PHOTO_QUEUE_SIZE."""
    raw = os.environ.get("TALKING_PHOTO_QUEUE_SIZE", "")
    if raw.strip().isdigit() and int(raw) >= 1:
        return int(raw)
    if raw.strip():
        logger.warning(
            "TALKING_PHOTO_QUEUE_SIZE=%r is not a whole number >= 1; using %d", raw, default
        )
    return default


def keep_seconds_from_env(default_minutes: float = 60.0) -> float:
    """How long outputs are kept, from TALKING_PHOTO_KEEP_MINUTES, in seconds."""
    raw = os.environ.get("TALKING_PHOTO_KEEP_MINUTES", "")
    try:
        minutes = float(raw) if raw.strip() else default_minutes
    except ValueError:
        logger.warning(
            "TALKING_PHOTO_KEEP_MINUTES=%r is not a number; keeping %.0f min", raw, default_minutes
        )
        minutes = default_minutes
    return max(1.0, minutes * 60.0)


class RequestFolders:
    """One private output folder per request, deleted in the background once old enough.

    Folders are named by 128 random bits (32 hex digits), and so is every file the app serves
    from them (``served_name``): Gradio serves a result to whoever has its link, so the link
    must not be guessable.

    Args:
        root: The folder that holds the request folders (created when missing).
        keep_seconds: Age, by last modification, after which a request folder is deleted.
        sweep_every: Seconds between two sweeps; None picks min(60 s, keep_seconds / 2).
    """

    def __init__(self, root: Path, keep_seconds: float, sweep_every: float | None = None) -> None:
        self.root = Path(root)
        self.keep_seconds = float(keep_seconds)
        self.sweep_every = sweep_every or max(1.0, min(60.0, self.keep_seconds / 2))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def new(self) -> Path:
        """Creates and returns a fresh folder named by 128 random bits (32 hex digits)."""
        folder = self.root / secrets.token_hex(16)
        folder.mkdir(parents=True)
        return folder

    def image_file(self, pixels: np.ndarray, stem: str) -> str:
        """Writes an image the app shows into a fresh folder; returns its path.

        Args:
            pixels: (H, W, 3) uint8 RGB image.
            stem: Start of the file name; the folder's random id is added to it.

        Returns:
            The path of a WebP file named ``{stem}-{128 random bits}.webp``.
        """
        folder = self.new()
        path = folder / served_name(folder, stem, ".webp")
        Image.fromarray(pixels).save(path, format="WEBP", quality=90)
        return str(path)

    def sweep(self, now: float | None = None) -> int:
        """Deletes request folders older than ``keep_seconds``; returns how many went.

        Only folders named like a request id are touched; anything else in ``root`` stays.
        """
        now = time.time() if now is None else now
        if not self.root.is_dir():
            return 0
        removed = 0
        for folder in self.root.iterdir():
            if not (_REQUEST_FOLDER.fullmatch(folder.name) and folder.is_dir()):
                continue
            try:
                if now - folder.stat().st_mtime > self.keep_seconds:
                    shutil.rmtree(folder)
                    removed += 1
            except OSError as error:  # deleted meanwhile, or not ours to delete: try next time
                logger.warning("could not delete an old output folder: %s", error.strerror)
        if removed:
            logger.info("deleted %d old output folder(s)", removed)
        return removed

    def start(self) -> None:
        """Starts the background sweeper (once; later calls do nothing)."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="output-sweeper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stops the background sweeper."""
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.sweep_every):
            self.sweep()
