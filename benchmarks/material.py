"""Test material made from the real example photos: face collages, re-encodings, edits.

Used by the input-matrix tests, the fuzzing script and the load benchmark, so every one of them
works on real faces rather than drawn ones.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

from pipelines.pipeline import TalkingPhotoPipeline

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "assets" / "examples"
#: Example photos with human faces, cropped into collages.
FACE_PHOTOS = (
    "einstein_bw.jpg",
    "smiling_woman_256.png",
    "woman_waterfall.jpg",
    "mona_lisa.jpg",
    "painted_portrait.png",
    "two_people.jpg",
    "couple_red_carpet.jpg",
    "lowres_240p.jpg",
)
#: The EXIF tag that says how a stored image must be turned to stand upright.
EXIF_ORIENTATION = 0x0112
#: For each EXIF orientation, the transpose that makes the stored (sideways) image from an
#: upright one; a viewer applying the tag turns it back.
STORED_FOR_ORIENTATION = {
    3: Image.Transpose.ROTATE_180,
    6: Image.Transpose.ROTATE_90,
    8: Image.Transpose.ROTATE_270,
}


def encode(image: Image.Image, image_format: str, **options: object) -> bytes:
    """The bytes of ``image`` saved in ``image_format`` (e.g. "JPEG", "PNG", "WEBP")."""
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return buffer.getvalue()


def upright_rgb(name: str) -> Image.Image:
    """An example photo as an upright RGB image (its EXIF orientation applied)."""
    with Image.open(EXAMPLES / name) as image:
        return ImageOps.exif_transpose(image).convert("RGB")


def face_crops(pipeline: TalkingPhotoPipeline, side: int = 200) -> list[Image.Image]:
    """Square crops of every face in the example photos, each ``side`` pixels wide.

    Each crop is centred on a detected face and spans 1.6 times its box, so the whole head and
    some background are included.
    """
    crops = []
    for name in FACE_PHOTOS:
        photo = pipeline.load_photo(EXAMPLES / name)
        image = Image.fromarray(photo.pixels)
        for face in pipeline.detect_faces(photo):
            cx, cy = face.box.center
            half = max(face.box.width, face.box.height) * 0.8
            box = (round(cx - half), round(cy - half), round(cx + half), round(cy + half))
            crops.append(image.crop(box).resize((side, side), Image.Resampling.LANCZOS))
    return crops


def collage(crops: Sequence[Image.Image], n_faces: int, columns: int) -> Image.Image:
    """A grid of ``n_faces`` face crops on grey, row by row.

    Crops are reused in order; every second pass mirrors them, so no two neighbours are
    pixel-identical.
    """
    side = crops[0].width
    rows = -(-n_faces // columns)
    canvas = Image.new("RGB", (columns * side, rows * side), (128, 128, 128))
    for index in range(n_faces):
        crop = crops[index % len(crops)]
        if (index // len(crops)) % 2:
            crop = crop.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        canvas.paste(crop, ((index % columns) * side, (index // columns) * side))
    return canvas


def exif_rotated_jpeg(upright: Image.Image, orientation: int) -> bytes:
    """A JPEG stored sideways (or upside down) with the EXIF tag that turns it upright."""
    stored = upright.transpose(STORED_FOR_ORIENTATION[orientation])
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = orientation
    return encode(stored, "JPEG", exif=exif, quality=92)


def big_jpeg(
    upright: Image.Image, size: tuple[int, int] = (8660, 5774), quality: int = 85
) -> bytes:
    """A large JPEG (50 megapixels by default) made by upscaling a real photo."""
    big = upright.resize(size, Image.Resampling.BILINEAR)
    try:
        return encode(big, "JPEG", quality=quality)
    finally:
        big.close()


def with_sign(upright: Image.Image, lines: Sequence[str], font_size: int = 26) -> Image.Image:
    """The photo above a white strip with ``lines`` of black text (for the OCR reader)."""
    height = upright.height + (len(lines) + 1) * font_size * 3 // 2
    canvas = Image.new("RGB", (upright.width, height), "white")
    canvas.paste(upright, (0, 0))
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=font_size)
    for number, line in enumerate(lines):
        draw.text((10, upright.height + 15 + number * font_size * 3 // 2), line, "black", font)
    return canvas


def mask_lower_face(upright: Image.Image, box: Sequence[float], nose_y: float) -> Image.Image:
    """The photo with a grey rectangle over the face from the nose tip down (like a mask)."""
    masked = upright.copy()
    x, y, width, height = box
    ImageDraw.Draw(masked).rectangle(
        (x - 5, nose_y, x + width + 5, y + height + 10), fill=(128, 128, 128)
    )
    return masked


def distinct_photo(base: Image.Image, index: int) -> Image.Image:
    """A variant of ``base`` that differs visibly per ``index`` (mirror, tint, crop margin).

    Used to give each simulated user of the load benchmark a photo of their own.
    """
    variant = base.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if index % 2 else base.copy()
    margin = 4 * (index // 2)
    if margin:
        variant = variant.crop((margin, margin, variant.width - margin, variant.height - margin))
    tint = np.array([1.0 + 0.03 * (index % 3), 1.0, 1.0 - 0.03 * (index % 4)], np.float32)
    pixels = np.clip(np.asarray(variant, np.float32) * tint, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels)
