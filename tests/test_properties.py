"""Property-based tests: image and audio decoding either give well-formed output or a typed error.

Text normalisation has its properties in tests/test_text.py.
"""

from __future__ import annotations

import io
import math
from fractions import Fraction

import numpy as np
import soundfile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from pipelines.audio import MAX_RESAMPLE_FACTOR, load_audio
from pipelines.config import Limits
from pipelines.errors import BadInputError, LimitExceeded
from pipelines.images import MIN_SIDE_PIXELS, load_image

PROPERTY_SETTINGS = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# --------------------------------------------------------------------------- images
MODES = ("RGB", "L", "RGBA", "LA", "P", "1", "I;16", "CMYK")
# Modes each format can store; other modes are converted to the first one listed.
FORMAT_MODES = {
    "PNG": ("RGB", "L", "RGBA", "LA", "P", "1", "I;16"),
    "JPEG": ("RGB", "L", "CMYK"),
    "WEBP": ("RGB", "RGBA"),
    "GIF": ("P", "L"),
    "BMP": ("RGB", "L", "P", "1"),
    "TIFF": ("RGB", "L", "RGBA", "CMYK", "I;16", "1"),
}


def _random_image(seed: int, mode: str, width: int, height: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    # Smooth gradients plus noise: compresses like a photo, not like pure noise.
    y, x = np.mgrid[0:height, 0:width]
    base = (x * rng.uniform(0, 3) + y * rng.uniform(0, 3)) % 256
    channels = [np.clip(base + rng.normal(0, 20, base.shape), 0, 255) for _ in range(4)]
    rgba = np.stack(channels, axis=2).astype(np.uint8)
    image = Image.fromarray(rgba, "RGBA")
    if mode == "I;16":
        return Image.fromarray(rgba[..., 0].astype(np.uint16) * 257)
    return image.convert(mode)


@st.composite
def encoded_images(draw) -> tuple[bytes, tuple[int, int]]:
    image_format = draw(st.sampled_from(sorted(FORMAT_MODES)))
    mode = draw(st.sampled_from(MODES))
    if mode not in FORMAT_MODES[image_format]:
        mode = FORMAT_MODES[image_format][0]
    width = draw(st.integers(1, 320))
    height = draw(st.integers(1, 320))
    image = _random_image(draw(st.integers(0, 2**32 - 1)), mode, width, height)
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    return buffer.getvalue(), (width, height)


@PROPERTY_SETTINGS
@given(encoded=encoded_images(), working_side=st.integers(32, 400))
def test_encoded_images_decode_to_bounded_rgb_or_a_typed_error(encoded, working_side) -> None:
    data, (width, height) = encoded
    limits = Limits(max_working_side=working_side)
    try:
        photo = load_image(data, limits)
    except BadInputError as error:
        # Only photos too small (or too thin once downscaled) are refused.
        scale = min(1.0, working_side / max(width, height))
        assert min(width, height) * scale < MIN_SIDE_PIXELS + 1, error.message
        return
    pixels = photo.pixels
    assert pixels.dtype == np.uint8 and pixels.ndim == 3 and pixels.shape[2] == 3
    assert max(pixels.shape[:2]) <= working_side
    assert min(pixels.shape[:2]) >= MIN_SIDE_PIXELS
    assert photo.original_size == (width, height)
    aspect = (pixels.shape[1] / pixels.shape[0]) / (width / height)
    assert abs(aspect - 1.0) <= 1.0 / min(pixels.shape[:2])  # rounding to whole pixels


@PROPERTY_SETTINGS
@given(
    seed=st.integers(0, 2**32 - 1),
    width=st.integers(MIN_SIDE_PIXELS, 200),
    height=st.integers(MIN_SIDE_PIXELS, 200),
)
def test_small_lossless_rgb_png_is_returned_pixel_for_pixel(seed, width, height) -> None:
    image = _random_image(seed, "RGB", width, height)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    photo = load_image(buffer.getvalue())
    np.testing.assert_array_equal(photo.pixels, np.asarray(image))
    assert photo.scale == 1.0


MAGIC = (b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"GIF89a", b"RIFF\x00\x00\x00\x00WEBP")


@PROPERTY_SETTINGS
@given(prefix=st.sampled_from(MAGIC), tail=st.binary(min_size=0, max_size=4000))
def test_random_bytes_only_raise_typed_errors(prefix: bytes, tail: bytes) -> None:
    try:
        photo = load_image(prefix + tail)
    except (BadInputError, LimitExceeded) as error:
        assert error.message
        return
    assert photo.pixels.dtype == np.uint8 and photo.pixels.shape[2] == 3


# --------------------------------------------------------------------------- audio
COMMON_RATES = (8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 96000)


@st.composite
def wav_clips(draw) -> tuple[np.ndarray, int, str]:
    rate = draw(st.one_of(st.sampled_from(COMMON_RATES), st.integers(4000, 100_000)))
    channels = draw(st.integers(1, 4))
    n_samples = draw(st.integers(0, int(rate * 0.6)))
    gain = draw(st.sampled_from((0.0, 1e-5, 0.02, 0.5, 1.0, 1.5)))
    seed = draw(st.integers(0, 2**32 - 1))
    subtype = draw(st.sampled_from(("PCM_16", "PCM_24", "FLOAT")))
    rng = np.random.default_rng(seed)
    tone = np.sin(2 * np.pi * rng.uniform(100, 1000) * np.arange(n_samples) / rate)
    samples = np.stack([tone * gain + rng.normal(0, 0.01 * gain, n_samples)] * channels, axis=1)
    return samples.astype(np.float32), rate, subtype


def _expected_length(n_samples: int, rate: int, target: int) -> int:
    """ceil(N * target / rate), with the ratio approximated as load_audio documents."""
    ratio = Fraction(target, rate)
    if max(ratio.numerator, ratio.denominator) > MAX_RESAMPLE_FACTOR:
        ratio = ratio.limit_denominator(MAX_RESAMPLE_FACTOR)
    return math.ceil(n_samples * ratio.numerator / ratio.denominator)


@PROPERTY_SETTINGS
@given(
    clip=wav_clips(),
    target=st.sampled_from((16000, 22050, 24000)),
    max_seconds=st.sampled_from((0.25, 1.0)),
)
def test_wav_clips_load_as_mono_float_at_the_target_rate(clip, target, max_seconds) -> None:
    samples, rate, subtype = clip
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, rate, subtype=subtype, format="WAV")
    duration = len(samples) / rate
    stored = np.clip(samples.mean(axis=1), -1, 1)
    try:
        limits = Limits(max_audio_seconds=max_seconds)
        audio, out_rate = load_audio(buffer.getvalue(), limits, target)
    except LimitExceeded as error:
        assert duration > max_seconds, error.message
        return
    except BadInputError as error:
        # Only empty or (near) silent clips are refused. A clip of a few samples is not judged:
        # the resampling filter spreads it out and its level afterwards is not predictable.
        long_enough = len(stored) >= 0.02 * rate
        loud = long_enough and np.abs(stored).max() > 0.01 and np.sqrt(np.mean(stored**2)) > 1e-3
        assert not loud, error.message
        return
    assert duration <= max_seconds
    assert out_rate == target
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert np.abs(audio).max() <= 1.0
    assert abs(len(audio) - _expected_length(len(samples), rate, target)) <= 1
