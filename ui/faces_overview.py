"""The faces overview: the photo at display size with a numbered box on every face.

Nothing here runs a model: the faces come from the pipeline, this module only draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pipelines.types import Face, Photo
from ui.strings import tr

#: A face takes part in a Group conversation by default when its box keeps this share of the
#: photo's side away from every edge (it is not cut off) ...
EDGE_MARGIN = 0.005
#: ... and its box is at least this share of the largest face's width (it is not tiny).
MIN_WIDTH_SHARE = 0.4

#: Longest side of the faces overview shown in the browser, in pixels: larger photos are
#: shrunk to the maximum, smaller ones enlarged to the minimum so boxes and numbers stay crisp.
OVERVIEW_SIDE = (640, 960)

_CHOSEN = (236, 72, 153)  # pink: the speaker
_OTHER = (255, 255, 255)  # white: everyone else


@dataclass(frozen=True, eq=False)
class FacesOverview:
    """The photo at display size with the face boxes, kept in the session between events.

    Attributes:
        image: (H, W, 3) uint8 RGB photo, longest side within OVERVIEW_SIDE pixels.
        boxes: (N, 4) float array of face boxes as x0, y0, x1, y1 in ``image`` pixels.
        indices: Face index of each box (the pipeline's numbering, left to right).
        positions: "left", "centre" or "right": where each face sits in the photo.
        largest: Index of the largest face (the default speaker).
        participants: Indices of the faces that take part in a Group conversation by default:
            fully inside the photo and not tiny (at least the two largest faces when fewer
            pass, so a two-person photo always has its two).
    """

    image: np.ndarray
    boxes: np.ndarray
    indices: tuple[int, ...]
    positions: tuple[str, ...]
    largest: int
    participants: tuple[int, ...] = ()

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
        participants=default_participants(photo, faces),
    )


def default_participants(photo: Photo, faces: tuple[Face, ...]) -> tuple[int, ...]:
    """The faces fully inside the photo and not tiny, left to right (see EDGE_MARGIN).

    When fewer than two pass, the two largest faces take part (fewer when there are fewer).
    """
    if not faces:
        return ()
    widest = max(face.box.width for face in faces)
    margin = EDGE_MARGIN * max(photo.width, photo.height)

    def takes_part(face: Face) -> bool:
        box = face.box
        inside = (
            box.x >= margin
            and box.y >= margin
            and box.x + box.width <= photo.width - margin
            and box.y + box.height <= photo.height - margin
        )
        return inside and box.width >= MIN_WIDTH_SHARE * widest

    chosen = [face.index for face in faces if takes_part(face)]
    if len(chosen) < 2:
        by_size = sorted(faces, key=lambda f: f.box.width * f.box.height, reverse=True)
        chosen = sorted({*chosen, *(face.index for face in by_size[:2])})
    return tuple(sorted(chosen))


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
