"""Photo decoding: any common image in, an upright RGB working photo out.

``load_image`` accepts a path, the bytes of a file, a numpy array or a PIL image, refuses what
is too large before decoding it (decompression bombs), turns every unreadable input into a
plain-language ``BadInputError``, applies the EXIF orientation, flattens transparency onto
white, converts every pixel mode to 8-bit RGB and downscales to the working size. The user's
file is only ever opened for reading.
"""

from __future__ import annotations

import io
import logging
import os
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageOps

from pipelines.config import Limits
from pipelines.errors import BadInputError, LimitExceeded
from pipelines.types import Photo

logger = logging.getLogger(__name__)

#: Photos whose shorter side is below this many pixels are refused: no face fits in them.
MIN_SIDE_PIXELS = 32

ImageSource = str | Path | bytes | bytearray | memoryview | np.ndarray | Image.Image

#: The formats a photo may be in (Pillow's names). Each declares its size in a header that is
#: read, and checked, before any pixel is decoded. Formats that nest other images (ICO, CUR,
#: ICNS, DCX, PSD layers...) are never opened: Pillow decodes some of them while opening them,
#: before any size check could run, and EPS would start Ghostscript.
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "BMP", "TIFF")

_MIB = 2**20
# Errors Pillow raises for unreadable, corrupt or truncated data.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError)
_EXIF_ORIENTATION = 0x0112


class _Decoded(NamedTuple):
    """A decoded upright image and the file's full-resolution upright (width, height)."""

    image: Image.Image
    original_size: tuple[int, int]


def load_image(source: ImageSource, limits: Limits = Limits()) -> Photo:  # noqa: B008
    """Decodes a photo into an upright RGB working image.

    Args:
        source: A file path, the bytes of an image file, a PIL image, or a uint8 numpy array
            of shape (H, W), (H, W, 1), (H, W, 3) RGB or (H, W, 4) RGBA.
        limits: Upload size, decoded pixel count and working size limits.

    Returns:
        The photo: (H, W, 3) uint8 RGB pixels (read-only), longest side at most
        ``limits.max_working_side``, with the downscale factor and the upright original size.

    Raises:
        BadInputError: The input is missing, not an image, damaged, or too small for a face.
        LimitExceeded: The file or the declared image size is over the limits.
    """
    if isinstance(source, np.ndarray):
        return _finish(_image_from_array(source, limits), limits)
    if isinstance(source, Image.Image):
        return _finish(_decode(source, limits, owned=False), limits)
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        _check_upload_size(len(data), limits)
        if not data:
            raise BadInputError("photo.empty")
        return _finish(_open_and_decode(io.BytesIO(data), limits), limits)
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise BadInputError("photo.not_found", path=str(path))
        try:
            _check_upload_size(os.path.getsize(path), limits)
            handle = open(path, "rb")  # noqa: SIM115 (closed by the with block below)
        except OSError as error:
            raise BadInputError(
                "photo.cannot_open", path=str(path), reason=error.strerror
            ) from error
        with handle:
            return _finish(_open_and_decode(handle, limits), limits)
    raise BadInputError("photo.wrong_type", kind=type(source).__name__)


def mib(n_bytes: int) -> str:
    """A size in MiB for a message: one decimal from 1 MiB up, three significant digits below."""
    return f"{n_bytes / _MIB:.1f}" if n_bytes >= _MIB else f"{n_bytes / _MIB:.3g}"


def _check_upload_size(n_bytes: int, limits: Limits) -> None:
    if n_bytes > limits.max_upload_bytes:
        raise LimitExceeded(
            "photo.file_too_big", mib=mib(n_bytes), most_mib=limits.max_upload_bytes / _MIB
        )


def _check_declared_pixels(size: tuple[int, int], limits: Limits) -> None:
    width, height = size
    if width * height > limits.max_image_pixels:
        raise LimitExceeded(
            "photo.too_many_pixels",
            width=width,
            height=height,
            megapixels=width * height / 1e6,
            most_megapixels=limits.max_image_pixels / 1e6,
        )


def _open_and_decode(stream: io.BufferedIOBase | io.BytesIO, limits: Limits) -> _Decoded:
    """Opens an image stream, checks its declared size, then decodes its first frame.

    Only PHOTO_FORMATS are tried, so no other format's plugin ever reads the file.
    """
    try:
        # Pillow's own bomb warning is silenced because the limit is enforced on the declared
        # size right after opening; its hard error (over twice its own limit) is still caught.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(stream, formats=PHOTO_FORMATS)
    except Image.DecompressionBombError as error:
        raise LimitExceeded(
            "photo.declared_too_big", most_megapixels=limits.max_image_pixels / 1e6
        ) from error
    except _DECODE_ERRORS as error:
        raise BadInputError("photo.unreadable") from error
    with image:
        return _decode(image, limits, owned=True)


def _decode(image: Image.Image, limits: Limits, *, owned: bool) -> _Decoded:
    """Checks the declared size, decodes one frame and applies the EXIF orientation.

    Args:
        image: An opened (possibly not yet loaded) image.
        limits: The pixel and working-size limits.
        owned: True when this module opened the image; then the first frame of an animation
            is chosen and big JPEGs are decoded at a reduced scale. A caller's image is only
            read (its current frame is used).

    Returns:
        A new upright image and the file's full-resolution upright (width, height).
    """
    _check_declared_pixels(image.size, limits)
    declared = image.size
    try:
        orientation = int(image.getexif().get(_EXIF_ORIENTATION, 1))
    except _DECODE_ERRORS:
        orientation = 1
    try:
        if owned and getattr(image, "n_frames", 1) > 1:
            image.seek(0)
        if owned and image.format == "JPEG" and max(declared) > 2 * limits.max_working_side:
            # Decode big JPEGs at a reduced DCT scale, still at least twice the working size.
            factor = max(declared) / (2 * limits.max_working_side)
            # At least 1 x 1: a very thin JPEG (e.g. 10000 x 2) would ask Pillow for 0 pixels.
            draft_size = (max(1, int(declared[0] / factor)), max(1, int(declared[1] / factor)))
            image.draft(None, draft_size)
        image.load()
    except _DECODE_ERRORS as error:
        raise BadInputError("photo.unreadable") from error
    try:
        upright = ImageOps.exif_transpose(image)
    except _DECODE_ERRORS as error:
        logger.warning("Ignoring an unreadable EXIF orientation: %s", error)
        upright = None
    if upright is None or upright is image:
        upright = image.copy()
    if orientation in (5, 6, 7, 8):
        declared = (declared[1], declared[0])
    return _Decoded(upright, declared)


def _image_from_array(array: np.ndarray, limits: Limits) -> _Decoded:
    """Wraps a uint8 (H, W), (H, W, 1), (H, W, 3) RGB or (H, W, 4) RGBA array as a PIL image."""
    if array.dtype != np.uint8:
        raise BadInputError("photo.array_dtype", dtype=str(array.dtype))
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise BadInputError("photo.array_shape", shape=tuple(array.shape))
    _check_declared_pixels((int(array.shape[1]), int(array.shape[0])), limits)
    # Pillow picks "L", "RGB" or "RGBA" from the uint8 array's shape.
    image = Image.fromarray(np.ascontiguousarray(array))
    return _Decoded(image, image.size)


def _to_rgb(image: Image.Image) -> Image.Image:
    """Converts any Pillow mode to 8-bit RGB; transparency is composited onto white."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        image = _deep_to_l(image)
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if image.mode != "RGB":
        return image.convert("RGB")
    return image


def _deep_to_l(image: Image.Image) -> Image.Image:
    """Scales a 16-bit, 32-bit integer or float greyscale image to 8-bit "L".

    16-bit modes map 0..65535 to 0..255; "F" images in 0..1 map 1.0 to 255; "I" images map
    0..255 as is when they hold 8-bit values and 0..65535 otherwise; anything else is stretched
    from its minimum to its maximum.
    """
    values = np.nan_to_num(np.asarray(image, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    low = float(values.min()) if values.size else 0.0
    high = float(values.max()) if values.size else 0.0
    if image.mode.startswith("I;16"):
        low, high = 0.0, 65535.0
    elif image.mode == "F" and low >= 0.0 and high <= 1.0:
        low, high = 0.0, 1.0
    elif low >= 0.0 and high <= 255.0:
        low, high = 0.0, 255.0
    elif low >= 0.0 and high <= 65535.0:
        low, high = 0.0, 65535.0
    span = max(high - low, 1e-12)
    scaled = np.clip((values - low) / span * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return Image.fromarray(scaled)


def _finish(decoded: _Decoded, limits: Limits) -> Photo:
    """Converts to RGB, refuses tiny photos and downscales to the working size."""
    original_size = decoded.original_size
    rgb = _to_rgb(decoded.image)
    if min(rgb.size) < MIN_SIDE_PIXELS:
        raise BadInputError(
            "photo.too_small", width=rgb.width, height=rgb.height, least=MIN_SIDE_PIXELS
        )
    longest = max(original_size)
    if longest > limits.max_working_side:
        scale = limits.max_working_side / longest
        target = (
            max(1, round(original_size[0] * scale)),
            max(1, round(original_size[1] * scale)),
        )
        rgb = rgb.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
        logger.info("Downscaled photo from %s to %s", original_size, target)
        if min(rgb.size) < MIN_SIDE_PIXELS:
            raise BadInputError("photo.too_thin", width=original_size[0], height=original_size[1])
    pixels = np.array(rgb, dtype=np.uint8, copy=True)
    scale_factor = pixels.shape[1] / original_size[0]
    pixels.setflags(write=False)
    return Photo(
        pixels=pixels,
        scale=1.0 if pixels.shape[1] == original_size[0] else float(scale_factor),
        original_size=(int(original_size[0]), int(original_size[1])),
    )
