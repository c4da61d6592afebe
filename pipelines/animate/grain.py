"""How sharp and how grainy a face is in its photo, so drawn parts can match it.

What the renderer paints (the mouth's interior) is drawn crisp and clean; the photo around it
may be a soft 240p frame, a noisy scan or a painting with brush texture. Three measures of the
face's skin, read once per face:

* ``noise_sigma``: the grain, Immerkaer's estimate (a 3x3 second-difference kernel that a
  smooth image barely excites) taken as a robust median, grey levels.
* ``blur_sigma``: how soft the photo's edges are, from its strongest edges: a step of contrast
  C blurred by a Gaussian of sigma s has a steepest slope of C / (s * sqrt(2 pi)); the median
  over the strongest edges, less the slope of a perfectly sharp pixel edge, pixels.
* ``grain_texture``: noise with the spectrum of the face's own fine texture (the photo minus
  a blurred copy, taken from a cheek), at any size: added to a painted region it carries the
  photo's grain size and strength (paint strokes, JPEG blocks, film grain).
"""

from __future__ import annotations

import cv2
import numpy as np

#: Second-difference kernel of Immerkaer's noise estimate; white noise of sigma s gives a
#: response of standard deviation 6 s.
_NOISE_KERNEL = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
#: The steepest central-difference slope of a perfectly sharp step, as a blur sigma (pixels):
#: C / 2 per pixel over two pixels, i.e. C / (0.8 * sqrt(2 pi)).
_SHARP_EDGE_SIGMA = 0.8
#: Share of the crop's pixels, steepest first, taken as its edges.
_EDGE_SHARE = 0.03
#: Sigma of the blur whose residual is the fine texture, pixels.
TEXTURE_BLUR = 1.5


def grey_of(pixels: np.ndarray) -> np.ndarray:
    """(h, w) float32 luminance of an (h, w, 3) RGB array (any dtype, 0..255)."""
    rgb = np.asarray(pixels, np.float32)
    return rgb @ np.array([0.299, 0.587, 0.114], np.float32)


def noise_sigma(grey: np.ndarray, mask: np.ndarray | None = None) -> float:
    """The grain's standard deviation in grey levels (Immerkaer's robust estimate).

    Args:
        grey: (h, w) float32 luminance 0..255.
        mask: (h, w) bool, where to measure (default everywhere); needs >= 16 pixels.

    Returns:
        Sigma in grey levels (0 when too little is measured).
    """
    if grey.shape[0] < 3 or grey.shape[1] < 3:
        return 0.0
    response = cv2.filter2D(np.ascontiguousarray(grey, np.float32), -1, _NOISE_KERNEL)
    inner = np.zeros(grey.shape, bool)
    inner[1:-1, 1:-1] = True
    if mask is not None:
        inner &= cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    values = np.abs(response[inner])
    if values.size < 16:
        return 0.0
    return float(1.4826 * np.median(values) / 6.0)


def blur_sigma(grey: np.ndarray, mask: np.ndarray | None = None) -> float:
    """How soft the strongest edges are: the Gaussian sigma that would blur sharp ones so.

    Args:
        grey: (h, w) float32 luminance 0..255.
        mask: (h, w) bool, where to look for edges (default everywhere).

    Returns:
        Sigma in pixels (0 for pixel-sharp edges or when no edge is found).
    """
    if grey.shape[0] < 9 or grey.shape[1] < 9:
        return 0.0
    smooth = cv2.GaussianBlur(grey, (0, 0), 0.5)  # the grain alone must not read as edges
    gy, gx = np.gradient(smooth)
    slope = np.hypot(gx, gy)
    contrast = cv2.dilate(smooth, np.ones((9, 9), np.uint8)) - cv2.erode(
        smooth, np.ones((9, 9), np.uint8)
    )
    valid = np.zeros(grey.shape, bool)
    valid[4:-4, 4:-4] = True
    if mask is not None:
        valid &= mask.astype(bool)
    valid &= contrast > 12.0
    if valid.sum() < 20:
        return 0.0
    threshold = np.quantile(slope[valid], 1.0 - _EDGE_SHARE)
    edges = valid & (slope >= threshold)
    widths = contrast[edges] / (slope[edges] * np.sqrt(2.0 * np.pi) + 1e-6)
    measured = float(np.median(widths))
    # The 0.5 px pre-blur and the pixel's own edge width are part of what was measured.
    return float(np.sqrt(max(measured**2 - _SHARP_EDGE_SIGMA**2 - 0.25, 0.0)))


def grain_texture(grey: np.ndarray, shape: tuple[int, int], seed: int = 0) -> np.ndarray:
    """Texture with the fine texture's spectrum of a patch, at any size, zero mean.

    The patch's residual (the patch minus a blurred copy, edges clipped) gives the amplitude
    spectrum; new texture is white noise shaped by it, so it has the photo's grain size and
    strength (JPEG blocks, paint strokes, film grain) without repeating the patch.

    Args:
        grey: (h, w) float32 luminance of a patch of the photo's skin.
        shape: (rows, columns) wanted.
        seed: Seed of the noise (different boxes differ; equal seeds give equal texture).

    Returns:
        (rows, columns) float32 grey-level offsets with the residual's standard deviation.
    """
    rows, cols = shape
    if grey.shape[0] < 6 or grey.shape[1] < 6 or rows < 1 or cols < 1:
        return np.zeros(shape, np.float32)
    residual = grey - cv2.GaussianBlur(grey, (0, 0), TEXTURE_BLUR)
    residual = residual - float(np.median(residual))
    spread = 1.4826 * float(np.median(np.abs(residual))) + 1e-3
    residual = np.clip(residual, -3.0 * spread, 3.0 * spread)
    residual = residual - residual.mean()
    amplitude = np.fft.fftshift(np.abs(np.fft.fft2(residual))).astype(np.float32)
    amplitude = np.fft.ifftshift(
        cv2.resize(amplitude, (cols, rows), interpolation=cv2.INTER_LINEAR)
    )
    noise = np.random.default_rng(seed).standard_normal((rows, cols))
    texture = np.real(np.fft.ifft2(np.fft.fft2(noise) * amplitude))
    texture = texture - texture.mean()
    strength = float(residual.std())
    return (texture * (strength / max(float(texture.std()), 1e-6))).astype(np.float32)
