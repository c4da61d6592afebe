"""Painting what shows between parted lips when the photo has nothing there: a lit interior.

Everything is drawn in the face's own colours (``pipelines.animate.mouth.MouthPalette``) and in
coordinates that move with the lips: the distance below the upper lip's edge (the upper teeth
hang from it), the distance above the lower lip's edge (the lower teeth and the tongue rise
from it) and the position along the mouth. From back to front:

* the cavity: the lips' hue darkened, darkest at the back of the throat in the middle, lighter
  towards the floor of the mouth and towards the corners (a corner is the cheek's inner side in
  half-light, never a black wedge), with the wet inner side of the lower lip along its edge;
* the tongue, a rounded mound rising from the floor on open vowels;
* the lower teeth, a thin row just above the lower lip, only on a wide opening;
* the upper teeth, tooth by tooth: incisors, canines and premolars narrowing towards the
  corners as the arch turns away and set back in shade, their widths a little different on
  the two sides, a smooth, gently scalloped cutting edge, convex, softly shaded faces and
  soft, shallow creases between them (not dark gaps: a row of equal, sharply separated
  teeth reads as a comb), shadowed by the upper lip;
* the upper lip's shadow over all of it.

The renderer then blurs the result to the photo's sharpness and adds the photo's own grain
(``pipelines.animate.grain``), so a soft or grainy picture does not get a crisp drawn mouth.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from pipelines.animate.shaping import smoothstep

if TYPE_CHECKING:
    from pipelines.animate.mouth import MouthPalette

#: Tooth boundaries along the mouth (0 centre, 1 corner) as the arch is seen from the front:
#: central and lateral incisor, canine, two premolars, and the dark beyond; the second row
#: is the other side's (no two sides of a mouth are the same, and a mirrored row of equal
#: teeth reads as a comb).
UPPER_TEETH = np.array([0.0, 0.25, 0.45, 0.62, 0.76, 0.88, 1.0])
UPPER_TEETH_OTHER = np.array([0.0, 0.235, 0.465, 0.605, 0.765, 0.875, 1.0])
#: Each upper tooth's length as a share of the row's (the canine a little longer than its
#: neighbours); the row's edge runs smoothly through these values at the teeth's middles.
UPPER_LENGTH = np.array([1.0, 0.9, 0.9, 0.76, 0.66, 0.52])
#: Each upper tooth's brightness: the teeth further round the arch are set back, in shade.
UPPER_SHADE = np.array([1.0, 0.95, 0.93, 0.86, 0.8, 0.74])
#: The lower incisors are narrow.
LOWER_TEETH = np.array([0.0, 0.17, 0.34, 0.5, 0.66, 0.8, 1.0])
LOWER_TEETH_OTHER = np.array([0.0, 0.18, 0.33, 0.51, 0.65, 0.81, 1.0])
#: How much darker the seam between two teeth is than their faces, and its width as a share
#: of the narrower tooth (at least SEAM_SOFT anti-aliasing widths): a soft, shallow crease,
#: not a dark gap.
SEAM_DEPTH, SEAM_SHARE, SEAM_SOFT = 0.14, 0.12, 2.0
#: Gap between the lips (inter-ocular distances) over which the upper teeth come into view.
TEETH_SHOW = (0.04, 0.14)
#: Longest visible upper teeth (inter-ocular distances) and their share of the gap.
TEETH_LENGTH, TEETH_SHARE = 0.11, 0.36
#: Gap over which the lower teeth's edge shows, and their longest visible height.
LOWER_SHOW, LOWER_LENGTH = (0.22, 0.42), 0.045
#: Gap over which the tongue shows (open vowels), and its height as a share of the gap.
TONGUE_SHOW, TONGUE_HEIGHT = (0.14, 0.34), 0.34


def _tooth_coordinates(
    lateral: np.ndarray, bounds: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each pixel: which tooth, where across it (-1..1) and that tooth's width (0..1)."""
    index = np.clip(np.searchsorted(bounds, lateral, side="right") - 1, 0, len(bounds) - 2)
    left, right = bounds[index], bounds[index + 1]
    width = right - left
    across = 2.0 * (lateral - left) / width - 1.0
    return index, across, width


def _teeth_row(
    depth: np.ndarray,
    lateral: np.ndarray,
    length: np.ndarray | float,
    bounds: tuple[np.ndarray, np.ndarray],
    lengths: np.ndarray,
    half_width: float,
    soft: float,
    side: np.ndarray,
    shades: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Coverage and shading of one row of teeth hanging (or rising) from a lip's edge.

    Args:
        depth: (h, w) distance from the lip's edge into the mouth, pixels.
        lateral: (h, w) position along the mouth, 0 centre, 1 corner.
        length: The row's visible length at the centre, pixels (scalar or (h, w)).
        bounds: Tooth boundaries along the mouth (0..1), on the negative and positive side.
        lengths: Each tooth's share of the row's length (at its middle; smooth in between).
        half_width: Half the mouth's width, pixels.
        soft: Width of the edges' anti-aliasing, pixels.
        side: (h, w) bool, True on the positive side of the mouth.
        shades: Each tooth's brightness (default all 1).

    Returns:
        (coverage 0..1, brightness ~0.4..1), each (h, w).
    """
    index_a, across_a, width_a = _tooth_coordinates(lateral, bounds[0])
    index_b, across_b, width_b = _tooth_coordinates(lateral, bounds[1])
    index = np.where(side, index_b, index_a)
    across = np.where(side, across_b, across_a)
    width = np.where(side, width_b, width_a)
    middles = 0.5 * (bounds[0][:-1] + bounds[0][1:])
    # The cutting edge runs smoothly along the arch; each tooth's corners are only slightly
    # rounded and the canine's tip a little pointed, so the edge is a gently scalloped
    # line, not a row of separate fingers.
    share = np.interp(lateral, middles, lengths)
    pointed = index == 2
    bevel = np.where(pointed, 0.1 * np.abs(across) ** 1.5, 0.06 * np.abs(across) ** 6)
    edge = length * share * (1.0 - bevel)
    coverage = smoothstep(edge, edge - soft, depth) * (lateral < bounds[0][-2] + 0.06)
    # A tooth's face is convex: lit in its middle, turning away at its sides; between two
    # teeth a soft, shallow crease.
    tooth_px = np.maximum(width * half_width, 1e-3)
    seam = np.clip(np.maximum(SEAM_SHARE, SEAM_SOFT * soft / tooth_px), 0.05, 0.5)
    brightness = (1.0 - 0.1 * across * across) * (
        1.0 - SEAM_DEPTH * smoothstep(1.0 - seam, 1.0, np.abs(across))
    )
    if shades is not None:
        brightness = brightness * np.interp(lateral, middles, shades)
    # The cutting edge is a little translucent.
    brightness = brightness * (1.0 - 0.12 * smoothstep(0.55 * edge, edge + 1e-3, depth))
    return coverage, brightness


def _tongue(
    color: np.ndarray,
    gap: np.ndarray,
    bottom: np.ndarray,
    across: np.ndarray,
    lateral: np.ndarray,
    lip: np.ndarray,
    scale: float,
    soft: float,
) -> np.ndarray:
    """The interior with the tongue drawn in: a mound from the floor, lit on its crown."""
    showing = smoothstep(TONGUE_SHOW[0] * scale, TONGUE_SHOW[1] * scale, gap)
    crown = TONGUE_HEIGHT * gap * np.sqrt(np.clip(1.0 - (across / 0.8) ** 2, 0.0, 1.0))
    tongue = showing * smoothstep(crown, crown - 2.0 * soft, bottom)
    shade = (0.5 + 0.2 * smoothstep(0.0, 0.8 * crown + 1e-3, bottom)) * (1.0 - 0.35 * lateral)
    return color + (lip * shade[..., None] - color) * tongue[..., None]


def paint_interior(
    depth_top: np.ndarray,
    depth_bottom: np.ndarray,
    across: np.ndarray,
    scale: float,
    half_width: float,
    palette: MouthPalette,
    bite: float,
) -> np.ndarray:
    """Colours of the mouth's interior between the parted lips.

    Args:
        depth_top: (h, w) distance below the upper lip's edge, pixels (>= 0).
        depth_bottom: (h, w) distance above the lower lip's edge, pixels (>= 0).
        across: (h, w) position along the mouth, 0 at the centre, +-1 at the corners.
        scale: The face's inter-ocular distance, pixels.
        half_width: Half the mouth's width, pixels.
        palette: The face's mouth colours.
        bite: 0..1 how much the lower lip is tucked under the upper teeth this frame.

    Returns:
        (h, w, 3) float32 RGB 0..255.
    """
    top = np.maximum(depth_top, 0.0)
    bottom = np.maximum(depth_bottom, 0.0)
    gap = top + bottom + 1e-3
    position = top / gap  # 0 at the upper lip, 1 at the lower lip
    lateral = np.clip(np.abs(across), 0.0, 1.0)
    lip = palette.lip[None, None, :]
    soft = max(0.6, 0.012 * scale)

    # The cavity: the throat darkest at the back in the middle, the floor a little lighter,
    # the corners in half-light.
    deep = smoothstep(0.08 * scale, 0.3 * scale, gap) * np.exp(-((across / 0.5) ** 2))
    shade = (0.2 + 0.12 * position) * (1.0 - 0.45 * deep)
    shade = shade + (0.42 - shade) * smoothstep(0.6, 0.98, lateral)
    color = lip * shade[..., None]
    # The wet inner side of the lower lip along its edge, a little of the upper one's.
    rim_width = 0.018 * scale + 0.7
    rim = 0.6 * np.exp(-bottom / rim_width) + 0.3 * np.exp(-top / rim_width)
    color += (lip * 0.62 - color) * np.minimum(rim, 1.0)[..., None]

    widest = float(gap.max())
    # The tongue: a mound from the floor, lit on its crown, only on open vowels.
    if widest > TONGUE_SHOW[0] * scale:
        color = _tongue(color, gap, bottom, across, lateral, lip, scale, soft)

    teeth_color = palette.teeth[None, None, :]
    # The lower teeth: mostly behind the lower lip, their edge on a wide opening.
    if palette.teeth_allowed and widest > LOWER_SHOW[0] * scale:
        low_show = smoothstep(LOWER_SHOW[0] * scale, LOWER_SHOW[1] * scale, gap)
        low_length = LOWER_LENGTH * scale * low_show
        cover, bright = _teeth_row(
            bottom,
            lateral,
            low_length,
            (LOWER_TEETH, LOWER_TEETH_OTHER),
            np.ones(6),
            half_width,
            soft,
            across > 0,
        )
        cover = cover * low_show * smoothstep(0.8, 0.5, lateral)
        low = teeth_color * (0.72 * bright * (1.0 - 0.4 * lateral))[..., None]
        color += (low - color) * cover[..., None]

    # The upper teeth, hanging from the upper lip (further down when biting a lip: f, v).
    biting = float(np.clip(bite, 0.0, 1.0))
    length = np.minimum(TEETH_SHARE * gap, TEETH_LENGTH * scale)
    length = np.maximum(length, biting * 0.9 * gap)
    visible = (
        smoothstep(TEETH_SHOW[0] * scale, TEETH_SHOW[1] * scale, gap)
        if palette.teeth_allowed
        else np.zeros_like(gap)
    )
    visible = np.maximum(visible, 0.9 * biting)
    cover, bright = _teeth_row(
        top,
        lateral,
        length,
        (UPPER_TEETH, UPPER_TEETH_OTHER),
        UPPER_LENGTH,
        half_width,
        soft,
        across > 0,
        UPPER_SHADE,
    )
    cover = cover * visible
    lit = bright * (1.0 - 0.5 * lateral * lateral)
    color += (teeth_color * lit[..., None] - color) * cover[..., None]

    # The upper lip's shadow falls on the teeth and into the mouth.
    shadow = 1.0 - 0.42 * np.exp(-top / (0.035 * scale + 0.8))
    color = color * shadow[..., None]
    color = np.maximum(color, palette.shadow[None, None, :])
    return color.astype(np.float32)
