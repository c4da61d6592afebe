from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipelines.config import Limits
from pipelines.errors import BadInputError, LimitExceeded
from pipelines.images import load_image

EXAMPLES = Path(__file__).resolve().parent.parent / "assets" / "examples"
EINSTEIN = EXAMPLES / "einstein_bw.jpg"
WATERFALL = EXAMPLES / "woman_waterfall.jpg"
PHOTOS = sorted(p for p in EXAMPLES.iterdir() if p.suffix.lower() in (".jpg", ".png"))


def _png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _png_declaring_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels (its data is a 1 x 1 image)."""
    data = bytearray(_png_bytes(Image.new("L", (1, 1))))
    # Signature (8) + IHDR length (4) + b"IHDR" (4): width and height follow, then the CRC.
    data[16:24] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[12:29]))
    data[29:33] = struct.pack(">I", crc)
    return bytes(data)


def _waterfall_rgb() -> np.ndarray:
    with Image.open(WATERFALL) as image:
        return np.asarray(image.convert("RGB"))


@pytest.mark.parametrize("path", PHOTOS, ids=lambda p: p.name)
def test_every_example_decodes_to_rgb_uint8(path: Path) -> None:
    assert len(PHOTOS) >= 10
    photo = load_image(path)
    with Image.open(path) as reference:
        width, height = reference.size
    assert photo.pixels.dtype == np.uint8
    assert photo.pixels.shape == (height, width, 3)
    assert photo.original_size == (width, height)
    assert photo.scale == 1.0
    assert not photo.pixels.flags.writeable


def test_path_bytes_array_and_pil_inputs_agree() -> None:
    from_path = load_image(WATERFALL)
    from_str = load_image(str(WATERFALL))
    from_bytes = load_image(WATERFALL.read_bytes())
    array = _waterfall_rgb()
    from_array = load_image(array)
    with Image.open(WATERFALL) as image:
        from_pil = load_image(image)
    for other in (from_str, from_bytes, from_array, from_pil):
        np.testing.assert_array_equal(other.pixels, from_path.pixels)


def test_user_file_is_left_unchanged(tmp_path: Path) -> None:
    copy = tmp_path / "photo.jpg"
    copy.write_bytes(EINSTEIN.read_bytes())
    before = hashlib.sha256(copy.read_bytes()).hexdigest()
    mtime = copy.stat().st_mtime_ns
    load_image(copy, Limits(max_working_side=200))
    assert copy.exists()
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == before
    assert copy.stat().st_mtime_ns == mtime


def test_downscale_records_scale_and_original_size() -> None:
    photo = load_image(EXAMPLES / "two_people.jpg", Limits(max_working_side=500))
    assert max(photo.width, photo.height) == 500
    assert photo.original_size == (1126, 661)
    assert photo.scale == pytest.approx(500 / 1126, rel=1e-3)
    assert photo.height == round(661 * 500 / 1126)


def test_big_jpeg_is_downscaled_with_its_content(tmp_path: Path) -> None:
    # A 4x upscaled real photo (2048 px) must come back at the working size, same picture.
    small = _waterfall_rgb()
    big = Image.fromarray(small).resize((2048, 2048), Image.Resampling.BICUBIC)
    path = tmp_path / "big.jpg"
    big.save(path, quality=92)
    photo = load_image(path, Limits(max_working_side=512))
    assert photo.pixels.shape == (512, 512, 3)
    assert photo.original_size == (2048, 2048)
    assert photo.scale == pytest.approx(0.25)
    difference = np.abs(photo.pixels.astype(int) - small.astype(int)).mean()
    assert difference < 8.0


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    rgb = _waterfall_rgb()[:, :400]  # 512 tall, 400 wide
    image = Image.fromarray(rgb)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated: the viewer must turn it 90 degrees clockwise
    path = tmp_path / "rotated.jpg"
    image.save(path, exif=exif, quality=95)
    photo = load_image(path)
    assert photo.pixels.shape == (400, 512, 3)
    assert photo.original_size == (512, 400)
    expected = np.asarray(image.transpose(Image.Transpose.ROTATE_270))
    assert np.abs(photo.pixels.astype(int) - expected.astype(int)).mean() < 4.0


def test_transparent_png_is_composited_on_white() -> None:
    rgba = np.zeros((64, 64, 4), np.uint8)
    rgba[..., 0] = 200  # red where opaque
    rgba[:32, :, 3] = 255  # top half opaque, bottom half fully transparent
    photo = load_image(_png_bytes(Image.fromarray(rgba)))
    assert photo.pixels[40:, :].min() == 255
    np.testing.assert_array_equal(photo.pixels[5, 5], [200, 0, 0])
    from_array = load_image(rgba)
    np.testing.assert_array_equal(from_array.pixels, photo.pixels)


def test_sixteen_bit_png_is_scaled_to_eight_bit() -> None:
    ramp = np.linspace(0, 65535, 128 * 128).reshape(128, 128).astype(np.uint16)
    photo = load_image(_png_bytes(Image.fromarray(ramp)))
    grey = photo.pixels[..., 0].astype(int)
    assert grey.min() == 0
    assert grey.max() == 255
    np.testing.assert_allclose(grey, ramp / 257.0, atol=1.0)
    assert (photo.pixels[..., 0] == photo.pixels[..., 2]).all()


@pytest.mark.parametrize("mode", ["L", "P", "CMYK", "1", "LA"])
def test_other_modes_become_rgb(mode: str) -> None:
    image = Image.fromarray(_waterfall_rgb()).convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, format="TIFF" if mode == "CMYK" else "PNG")
    photo = load_image(buffer.getvalue())
    assert photo.pixels.shape == (512, 512, 3)
    assert photo.pixels.dtype == np.uint8
    assert photo.pixels.std() > 20  # still a picture, not a flat fill


def test_greyscale_array_input() -> None:
    grey = np.asarray(Image.open(EINSTEIN).convert("L"))
    photo = load_image(grey)
    assert photo.pixels.shape == (*grey.shape, 3)
    np.testing.assert_array_equal(photo.pixels[..., 1], grey)


def test_animated_gif_gives_its_first_frame() -> None:
    frames = [Image.new("RGB", (64, 64), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    photo = load_image(buffer.getvalue())
    red, green, blue = photo.pixels[32, 32].astype(int)
    assert red > 200 and blue < 50 and green < 50


def test_text_file_renamed_jpg_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "notes.jpg"
    fake.write_text("This is a shopping list, not a photo.\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="not an image we can read"):
        load_image(fake)


def test_truncated_jpeg_is_refused() -> None:
    data = EINSTEIN.read_bytes()
    with pytest.raises(BadInputError, match="JPEG, PNG or WebP"):
        load_image(data[: len(data) // 3])


def test_empty_and_missing_inputs_are_refused(tmp_path: Path) -> None:
    with pytest.raises(BadInputError):
        load_image(b"")
    with pytest.raises(BadInputError, match="no photo file"):
        load_image(tmp_path / "missing.png")
    with pytest.raises(BadInputError):
        load_image(tmp_path)  # a folder


def test_tiny_photo_is_refused() -> None:
    tiny = np.full((20, 40, 3), 128, np.uint8)
    with pytest.raises(BadInputError, match="too small to find a face"):
        load_image(tiny)


@pytest.mark.parametrize(
    "array",
    [np.zeros((64, 64, 3), np.float32), np.zeros((64, 64, 2), np.uint8), np.zeros(64, np.uint8)],
    ids=["float", "two-channel", "one-dimensional"],
)
def test_bad_arrays_are_refused(array: np.ndarray) -> None:
    with pytest.raises(BadInputError):
        load_image(array)


def test_upload_size_limit() -> None:
    data = EINSTEIN.read_bytes()
    with pytest.raises(LimitExceeded, match="MiB"):
        load_image(data, Limits(max_upload_bytes=len(data) - 1))
    assert load_image(data, Limits(max_upload_bytes=len(data))).width == 375


def test_declared_pixel_limit_is_checked_before_decoding() -> None:
    # A PNG of under 100 bytes that claims 900 megapixels (beyond Pillow's own hard limit).
    with pytest.raises(LimitExceeded, match="megapixel"):
        load_image(_png_declaring_size(30000, 30000))
    # 95 megapixels: between Pillow's warning and error sizes, over our 80-megapixel limit.
    with pytest.raises(LimitExceeded, match="megapixel"):
        load_image(_png_declaring_size(10000, 9500))
    # A real 1-bit 10000 x 9000 PNG (a few kB) is refused too.
    with pytest.raises(LimitExceeded, match="megapixel"):
        load_image(_png_bytes(Image.new("1", (10000, 9000))))
    with pytest.raises(LimitExceeded, match="megapixel"):
        load_image(EINSTEIN, Limits(max_image_pixels=375 * 500 - 1))
    with pytest.raises(LimitExceeded, match="megapixel"):
        load_image(np.zeros((100, 100, 3), np.uint8), Limits(max_image_pixels=9999))
