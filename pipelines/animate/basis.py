"""The displacement basis: how each motion parameter moves every point of a face, per unit.

Each basis is an analytic, smooth function of position in the face's own frame (see
``pipelines.animate.rig``), evaluated wherever the renderer needs it: on a coarse grid over the
face's region and finely in the boxes around the mouth and the eyes. The renderer samples the photo
at ``x - d(x)``, so a displacement d moves the content at x by d.

Two places carry deliberate discontinuities, and each side has its own smooth field:

* the mouth: the lips (UPPER_LIP, LOWER_LIP) and, between their inner edges, the photo's own
  mouth interior split at the slit (UPPER_TEETH, LOWER_TEETH). The upper sides move with the
  upper lip, the lower sides with the jaw; sealing, pressing and biting move only the lips,
  so they close over the photo's teeth (sealing brings lips the photo shows parted together;
  the renderer derives it from lip_press, so the rest pose of a pause closes them). Where the
  sides pull apart the renderer paints the mouth's interior; where they overlap the lips win,
  the upper lip first.
* each eye: the upper lid (EYE_UPPER), the eyeball (EYE_BALL) and the lower lid (EYE_LOWER).
  A blink slides the upper lid down over an eyeball that does not move, to meet the lower
  lid, which rises a little.

Head turns move only the face and fade out just beyond its oval (``pipelines.animate.head_motion``).

The fields of all sides agree beyond the mouth corners and (nearly) beyond the eye corners, so
the discontinuities stay inside the boxes where the renderer composites the sides as layers
(``pipelines.animate.layers``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.animate.head_motion import head_fields
from pipelines.animate.rig import FaceRig, inside_outline
from pipelines.animate.shaping import smoothstep, soft_ramp

#: The motion parameters, in the order of the basis; head angles are per degree.
BASIS_NAMES: tuple[str, ...] = (
    "jaw_open",
    "lip_round",
    "lip_wide",
    "lip_press",
    "lip_bite",
    "blink",
    "smile",
    "brow",
    "yaw",
    "pitch",
    "roll",
)
#: A basis the renderer derives from lip_press rather than reading from the motion: sealing
#: the photo's own opening between the lips (see ``seal_weight``).
LIP_SEAL = len(BASIS_NAMES)
N_BASES = LIP_SEAL + 1
#: lip_press at which a photo's parted lips are fully sealed: the closed mouth of a pause
#: (the motion's rest pose, lip_press 0.15) brings the lips together even when the photo's
#: mouth is open; more press only squeezes them.
SEAL_PRESS = 0.15
EYE_UPPER, EYE_BALL, EYE_LOWER = 0, 1, 2
#: Sides of the mouth: the lips, and the photo's own mouth interior (teeth) between them,
#: split at the slit. Odd sides move with the jaw.
UPPER_LIP, LOWER_LIP, UPPER_TEETH, LOWER_TEETH = 0, 1, 2, 3
#: The stages of the field, applied in this order to the photo's face.
OPENING, SHAPE, HEAD = 0, 1, 2

# Sizes of each motion at weight 1, as fractions of the inter-ocular distance.
JAW_LIFT = 0.12  # share of the opening taken by the upper lip moving up (see MouthRig.open_unit)
JAW_CORNER = 0.12  # mouth corners move down this fraction of the lower lip's drop
JAW_LENS_POWER = 1.4  # shape of the opening along the mouth: (1 - u^2)^power
ROUND_OPEN = 0.06
ROUND_NARROW, ROUND_POUT = 0.28, 0.05
WIDE_STRETCH = 0.15
PRESS_SQUEEZE = 0.03
BITE_LIFT, BITE_RAISE = 0.06, 0.015
SMILE_LIFT, CHEEK_LIFT = 0.085, 0.04
BROW_LIFT = 0.08
BLINK_OVERSHOOT = 1.1
BLINK_CORNER = 0.3  # near and just beyond the corners the lid edge still moves this share
BLINK_REACH = 0.7  # the visible lid that stretches: this share of the lid-to-brow height,
BLINK_REACH_MIN = 0.4  # and at least this share, but keeping clear of the brow's middle
BLINK_BROW_CLEARANCE = 0.05  # line by this much, inter-ocular distances
BLINK_LOWER_RISE = 0.2  # the lower lid rises this share of the opening to meet the upper one
BLINK_LOWER_REACH = 0.15  # below the lower lid's edge the rise fades over this, inter-ocular
BLINK_LASHES = 0.05  # lash line that moves rigidly when not measured, inter-ocular distances
BLINK_SPILL = 0.04  # the lids' motion fades out over this far outside the face's outline


def _lens(un: np.ndarray, power: float) -> np.ndarray:
    """1 at the mouth centre, 0 at and beyond the corners (un = +-1)."""
    return np.clip(1.0 - un * un, 0.0, 1.0) ** power


@dataclass
class _Coords:
    """Positions of N points in every local frame the bases use (all (N,) float64 pixels)."""

    mu: np.ndarray  # along the mouth
    mv: np.ndarray  # across the mouth, from its centre
    un: np.ndarray  # mu over the half-width of that side (+-1 at the corners)
    dv: np.ndarray  # below the slit (negative above)
    eye_u: tuple[np.ndarray, np.ndarray]
    eye_v: tuple[np.ndarray, np.ndarray]
    head_u: np.ndarray
    head_v: np.ndarray


def _coords(rig: FaceRig, points: np.ndarray) -> _Coords:
    mouth = rig.mouth
    mu, mv = rig.local(points, mouth.center)
    un = np.where(mu < 0, mu / mouth.half_left, mu / mouth.half_right)
    eyes = [rig.local(points, eye.center) for eye in rig.eyes]
    head_u, head_v = rig.local(points, rig.head.center)
    return _Coords(
        mu=mu,
        mv=mv,
        un=un,
        dv=mv - mouth.slit(mu),
        eye_u=(eyes[0][0], eyes[1][0]),
        eye_v=(eyes[0][1], eyes[1][1]),
        head_u=head_u,
        head_v=head_v,
    )


def natural_sides(rig: FaceRig, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which side of the mouth and of each eye's lids every point lies on in the photo.

    Args:
        rig: The face.
        points: (N, 2) image positions.

    Returns:
        (mouth_side, eye_side): (N,) int8, UPPER_LIP / LOWER_LIP outside the lips' inner
        edges, UPPER_TEETH / LOWER_TEETH between them (above / below the slit); (2, N) int8,
        EYE_UPPER above the upper lid's edge, EYE_LOWER below the lower lid's edge, EYE_BALL
        between.
    """
    c = _coords(rig, points)
    mouth = rig.mouth
    inside = (c.mv > mouth.upper_inner(c.mu)) & (c.mv < mouth.lower_inner(c.mu))
    mouth_side = (c.dv >= 0).astype(np.int8) + 2 * inside.astype(np.int8)
    eye_side = np.empty((2, len(points)), np.int8)
    for k, eye in enumerate(rig.eyes):
        u, v = c.eye_u[k], c.eye_v[k]
        eye_side[k] = np.where(
            v < eye.upper(u), EYE_UPPER, np.where(v > eye.lower(u), EYE_LOWER, EYE_BALL)
        )
    return mouth_side, eye_side


def basis_fields(
    rig: FaceRig, points: np.ndarray, mouth_side: np.ndarray, eye_side: np.ndarray
) -> list[tuple[int, int, np.ndarray]]:
    """Displacement of every point for one unit of every motion parameter, in three stages.

    The stages are applied one after the other (see ``pipelines.animate.warp``): the lips open and
    the lids close on the photo's face (OPENING), the face changes shape (SHAPE: narrowing,
    widening, smiling, brows), then the head moves (HEAD: yaw, pitch, roll). Each stage's field is
    looked up where the later stages take a point from, so an opening stays on the lips however the
    face and head have moved.

    Args:
        rig: The face.
        points: (N, 2) image positions, pixels.
        mouth_side: (N,) int, the mouth side each point's field is taken from (UPPER_LIP,
            LOWER_LIP, UPPER_TEETH or LOWER_TEETH; the teeth do not take part in pressing
            or biting, which only move the lips).
        eye_side: (2, N) int, the lid side each point's field is taken from, per eye.

    Returns:
        The non-zero fields, each (stage, basis index, (N, 2) float32 image-space displacement
        in pixels, per degree for head angles); stages are OPENING, SHAPE, HEAD.
    """
    c = _coords(rig, points)
    lower = mouth_side % 2 == 1
    lips = np.where(mouth_side >= 2, 0.0, 1.0)
    window = _mouth_window(rig, c)
    pout = np.clip(c.dv / np.where(c.dv < 0, rig.mouth.upper_height, rig.mouth.lower_height), -1, 1)
    zero = np.zeros_like(c.mu)
    head = head_fields(rig, c.head_u, c.head_v, points)
    parts = [
        (SHAPE, 0, -0.07 * c.mu * window, zero),
        (OPENING, 0, zero, _jaw(rig, c, lower)),
        (SHAPE, 1, -ROUND_NARROW * c.mu * window, ROUND_POUT * rig.scale * pout * window),
        (OPENING, 1, zero, _round(rig, c, lower)),
        (SHAPE, 2, WIDE_STRETCH * c.mu * window, zero),
        (OPENING, 3, zero, lips * _press(rig, c, lower)),
        (OPENING, LIP_SEAL, zero, lips * _seal(rig, c, lower)),
        (OPENING, 4, zero, lips * _bite(rig, c, lower)),
        (OPENING, 5, zero, _blink(rig, c, eye_side) * _within_face(rig, points)),
        (SHAPE, 6, *_smile(rig, c, eye_side)),
        (SHAPE, 7, *_brow(rig, c, eye_side)),
        (HEAD, 8, head[0], head[1]),
        (HEAD, 9, head[2], head[3]),
        (HEAD, 10, head[4], head[5]),
    ]
    out = []
    for stage, index, du, dv in parts:
        if not (np.any(du) or np.any(dv)):
            continue
        field = np.empty((len(points), 2), np.float32)
        field[:, 0] = du * rig.axis_u[0] + dv * rig.axis_v[0]
        field[:, 1] = du * rig.axis_u[1] + dv * rig.axis_v[1]
        out.append((stage, index, field))
    return out


def _mouth_window(rig: FaceRig, c: _Coords) -> np.ndarray:
    """1 over the lips, fading out beyond the corners, the nose and the lower lip."""
    mouth = rig.mouth
    lateral = smoothstep(2.0, 1.0, np.abs(c.un))
    above = smoothstep(-mouth.nose_height, -0.3 * mouth.upper_height, c.dv)
    below = smoothstep(mouth.lower_height + 0.3 * rig.scale, mouth.lower_height, c.dv)
    return lateral * np.where(c.dv < 0, above, below)


def _jaw(rig: FaceRig, c: _Coords, lower: np.ndarray) -> np.ndarray:
    """Jaw opening: the lower lip, chin and jaw drop; the upper lip lifts a little."""
    mouth, scale = rig.mouth, rig.scale
    drop, lift = (1.0 - JAW_LIFT) * mouth.open_unit, JAW_LIFT * mouth.open_unit
    abs_un = np.abs(c.un)
    lens = _lens(c.un, JAW_LENS_POWER)
    at_slit = np.where(
        abs_un <= 1.0,
        JAW_CORNER + (1.0 - JAW_CORNER) * lens,
        JAW_CORNER * smoothstep(2.4, 1.0, abs_un),
    )
    jaw_u = c.mu / np.where(c.mu < 0, mouth.jaw_left, mouth.jaw_right)
    rigid_jaw = smoothstep(1.45, 0.5, np.abs(jaw_u))
    below = c.dv >= 0
    # Where the jaw drops far more than the lip edge above it (near the corners), the skin in
    # between stretches over a longer reach, so the opening stays pointed at the corners.
    reach = np.maximum(1.3 * mouth.lower_height, 2.5 * drop * np.abs(rigid_jaw - at_slit))
    blend = smoothstep(0.0, reach, c.dv)
    profile = (1.0 - blend) * at_slit + blend * rigid_jaw
    jaw_line = mouth.jaw_line(c.mu)
    neck = smoothstep(jaw_line + 0.7 * scale, jaw_line - 0.02 * scale, c.mv)
    up_decay = smoothstep(-0.85 * mouth.nose_height, 0.0, c.dv)
    lower_field = drop * np.where(below, profile * neck, at_slit * up_decay)
    upper_field = lower_field - (drop + lift) * lens * np.where(below, 1.0, up_decay)
    return np.where(lower, lower_field, upper_field)


def _two_sided(
    rig: FaceRig,
    c: _Coords,
    lower: np.ndarray,
    up_move: np.ndarray,
    low_move: np.ndarray,
    low_reach: float,
) -> np.ndarray:
    """A lip motion: the upper side moves by up_move, the lower by low_move at the slit.

    Each side's motion fades away from the slit on its own side (the upper towards the nose,
    the lower over low_reach pixels) and is held constant across the slit, so both sides are
    smooth; they must agree at the corners for the field to be continuous there.
    """
    mouth = rig.mouth
    up_decay = smoothstep(-0.85 * mouth.nose_height, 0.0, c.dv)
    low_decay = smoothstep(low_reach, 0.0, c.dv)
    below = c.dv >= 0
    upper_field = up_move * np.where(below, 1.0, up_decay)
    lower_field = low_move * np.where(below, low_decay, 1.0)
    return np.where(lower, lower_field, upper_field)


def _round(rig: FaceRig, c: _Coords, lower: np.ndarray) -> np.ndarray:
    """Rounding opens a small, round gap (the narrowing itself is horizontal)."""
    opening = ROUND_OPEN * rig.scale * _lens(c.un, 0.5)
    reach = 2.2 * rig.mouth.lower_height
    return _two_sided(rig, c, lower, -0.35 * opening, 0.65 * opening, reach)


def _press(rig: FaceRig, c: _Coords, lower: np.ndarray) -> np.ndarray:
    """Pressing squeezes the (sealed) lips together."""
    close = PRESS_SQUEEZE * rig.scale * _lens(c.un, 0.5)
    reach = 2.0 * rig.mouth.lower_height
    return _two_sided(rig, c, lower, close, -close, reach)


def _seal(rig: FaceRig, c: _Coords, lower: np.ndarray) -> np.ndarray:
    """Sealing closes the photo's own opening: each lip moves half the gap (0 if closed)."""
    close = rig.mouth.gap(c.mu) / 2.0
    reach = 2.0 * rig.mouth.lower_height
    return _two_sided(rig, c, lower, close, -close, reach)


def seal_weight(press: float) -> float:
    """How far the photo's own lip opening is sealed at a lip_press weight, 0..1."""
    return float(smoothstep(0.0, SEAL_PRESS, np.float64(press)))


def _bite(rig: FaceRig, c: _Coords, lower: np.ndarray) -> np.ndarray:
    """The upper lip lifts off the teeth and the lower lip rises to meet them (f, v)."""
    lens = _lens(c.un, 0.5)
    up = -BITE_LIFT * rig.scale * lens
    low = -(rig.mouth.gap(c.mu) / 2.0 + BITE_RAISE * rig.scale) * lens
    return _two_sided(rig, c, lower, up, low, 1.6 * rig.mouth.lower_height)


def blink_geometry(rig: FaceRig, index: int, u: np.ndarray) -> tuple[np.ndarray, ...]:
    """Lid travel, lash thickness and stretched lid band of one eye at positions u (pixels).

    Returns:
        (travel, lashes, band): how far the lid's edge moves down at blink 1 (a little more
        than the opening, and a share of the widest opening near and just beyond the corners);
        the thickness of the lash line that moves rigidly with it; the height of the visible
        lid above the lashes that stretches to cover the eye.
    """
    eye, scale = rig.eyes[index], rig.scale
    upper = eye.upper(u)
    opening = np.clip(eye.lower(u) - upper, 0.0, None)
    widest = float(np.max(eye.lower(eye.upper.u) - eye.upper.v))
    span = 0.22 * scale
    inside = smoothstep(eye.u_min - span, eye.u_min, u) * smoothstep(eye.u_max + span, eye.u_max, u)
    travel = BLINK_OVERSHOOT * np.hypot(
        (1.0 - BLINK_LOWER_RISE) * opening, BLINK_CORNER * widest * inside
    )
    brow_height = np.maximum(upper - eye.brow(u), 0.1 * scale)
    lashes = eye.lashes(u) if eye.lashes is not None else np.full_like(u, BLINK_LASHES * scale)
    # The stretch keeps clear of the brow (a low brow is not dragged down), but always takes
    # at least the lid right above the lashes.
    clear = brow_height - lashes - BLINK_BROW_CLEARANCE * scale
    band = np.maximum(np.minimum(BLINK_REACH * brow_height, clear), BLINK_REACH_MIN * brow_height)
    band = np.maximum(band, 0.04 * scale)
    return travel, lashes, band


def _within_face(rig: FaceRig, points: np.ndarray) -> np.ndarray:
    """(N,) 1 inside the face's outline, 0 from BLINK_SPILL beyond it.

    A turned face's far eye closes without dragging the background along.
    """
    return inside_outline(rig, points[:, 0], points[:, 1], BLINK_SPILL * rig.scale)


def _blink(rig: FaceRig, c: _Coords, eye_side: np.ndarray) -> np.ndarray:
    """The upper lid slides down over an eyeball that stays put; the lower lid rises a little.

    The lash line moves rigidly by the lid's travel; the visible lid above it stretches to
    cover the eye (a monotonic map, so the skin never folds); above that nothing moves, so
    the brow stays. The field is the lookup offset at the *output* position, exact at blink 1
    (``pipelines.animate.warp`` maps blink weights so the lid's edge moves in proportion). The lower
    lid's edge rises BLINK_LOWER_RISE of the opening, the skin below it less and less.
    """
    total = np.zeros_like(c.mu)
    for k, eye in enumerate(rig.eyes):
        u, v = c.eye_u[k], c.eye_v[k]
        travel, lashes, band = blink_geometry(rig, k, u)
        height = eye.upper(u) - v  # above the photo's lid edge, in the output
        offset = travel * soft_ramp((lashes + band - height) / (band + travel + 1e-6))
        total += np.where(eye_side[k] == EYE_UPPER, offset, 0.0)
        lower = eye.lower(u)
        rise = BLINK_LOWER_RISE * np.clip(lower - eye.upper(u), 0.0, None)
        reach = np.maximum(BLINK_LOWER_REACH * rig.scale, 2.0 * rise)
        # Output position below the raised edge -> how far its content came up from.
        depth = v - (lower - rise)
        lift = -rise * smoothstep(reach, 0.0, depth)
        total += np.where(eye_side[k] == EYE_LOWER, lift, 0.0)
    return total


def _smile(rig: FaceRig, c: _Coords, eye_side: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Corners up and out, cheeks up, pushing the lower lids up a little."""
    mouth, scale = rig.mouth, rig.scale
    abs_un = np.abs(c.un)
    at_corners = np.where(abs_un <= 1.0, c.un * c.un, np.exp(-(((abs_un - 1.0) / 0.9) ** 2)))
    vertical = np.where(
        c.dv < 0, smoothstep(-0.45 * scale, 0.0, c.dv), smoothstep(0.4 * scale, 0.0, c.dv)
    )
    weight = at_corners * vertical
    half = np.where(c.mu < 0, mouth.half_left, mouth.half_right)
    du = 0.1 * half * np.sign(c.mu) * weight
    dv = -SMILE_LIFT * scale * weight
    for k, eye in enumerate(rig.eyes):
        u, v = c.eye_u[k], c.eye_v[k]
        apex_v = 0.55 * float(rig.local(mouth.center, eye.center)[1])
        spread = 0.38 * scale
        blob = np.exp(-(u * u + (v - apex_v) ** 2) / (2.0 * spread * spread))
        lower_lid = eye.lower(u)
        gate = smoothstep(lower_lid - 0.12 * scale, lower_lid, v)
        cheek = -CHEEK_LIFT * scale * blob * gate
        dv = dv + cheek
        du = np.where(eye_side[k] == EYE_BALL, 0.0, du)
        dv = np.where(eye_side[k] == EYE_BALL, 0.0, dv)
    return du, dv


def _brow(rig: FaceRig, c: _Coords, eye_side: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Brows (and the skin between brow and lid) up for +1, down and inwards for -1."""
    scale = rig.scale
    du = np.zeros_like(c.mu)
    dv = np.zeros_like(c.mu)
    for k, eye in enumerate(rig.eyes):
        u, v = c.eye_u[k], c.eye_v[k]
        upper = eye.upper(u)
        height = upper - v
        brow_height = np.maximum(upper - eye.brow(u), 0.1 * scale)
        rise = np.where(
            height <= brow_height,
            smoothstep(0.0, brow_height, height),
            smoothstep(brow_height + 0.7 * scale, brow_height, height),
        )
        lateral = smoothstep(
            eye.brow_half + 0.3 * scale, eye.brow_half, np.abs(u - eye.brow_center)
        )
        weight = np.where(eye_side[k] == EYE_UPPER, rise * lateral, 0.0)
        dv -= BROW_LIFT * scale * weight
        du += 0.03 * scale * eye.outward * weight
    return du, dv
