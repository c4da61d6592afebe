"""How a head turn moves the face: a dome-shaped parallax turn and a roll, confined to the face.

The motion is defined in the face's own frame (``pipelines.animate.rig``) and used by the
displacement basis (``pipelines.animate.basis``). It fades out just beyond the face oval, so the
hair, the top of the head and the background stay exactly as they are in the photo.
"""

from __future__ import annotations

import numpy as np

from pipelines.animate.rig import FaceRig
from pipelines.animate.shaping import smoothstep

#: Where head motion fades out, in the face oval's half-widths (beside the cheeks), half-heights
#: from the oval's centre (up the forehead: -1 is the top of the oval) and oval radii (below
#: the chin): (full motion, none).
HEAD_SIDE_FADE = (1.0, 1.3)
HEAD_TOP_FADE = (-0.35, -1.0)
HEAD_NECK_FADE = (1.0, 1.4)


def head_mask(rig: FaceRig, head_u: np.ndarray, head_v: np.ndarray) -> np.ndarray:
    """How much of the head's motion a point takes, 0..1, from its place around the face oval.

    The face inside its oval moves fully; the motion fades out over a short margin beside the
    cheeks (HEAD_SIDE_FADE) and below the chin into the neck (HEAD_NECK_FADE), and across the
    upper forehead (HEAD_TOP_FADE), so the hair, the top of the head and the background stay
    where they are in the photo: small head turns read on the face, and nothing around it
    is dragged along.

    Args:
        rig: The face.
        head_u: (N,) position across the face from the oval's centre, pixels.
        head_v: (N,) position down the face from the oval's centre, pixels.
    """
    head = rig.head
    across = np.abs(head_u) / head.half_width
    down = head_v / head.half_height
    side = smoothstep(HEAD_SIDE_FADE[1], HEAD_SIDE_FADE[0], across)
    top = smoothstep(HEAD_TOP_FADE[1], HEAD_TOP_FADE[0], down)
    radius = np.sqrt(across**2 + np.maximum(down, 0.0) ** 2)
    below = smoothstep(HEAD_NECK_FADE[1], HEAD_NECK_FADE[0], radius)
    return np.where(down < 0.0, side * top, below)


def head_fields(
    rig: FaceRig, head_u: np.ndarray, head_v: np.ndarray, points: np.ndarray
) -> tuple[np.ndarray, ...]:
    """Yaw, pitch and roll per degree: a dome-shaped parallax turn plus a roll about the neck.

    Args:
        rig: The face.
        head_u: (N,) position across the face from the oval's centre, pixels.
        head_v: (N,) position down the face from the oval's centre, pixels.
        points: (N, 2) the same points in the image, pixels.

    Returns:
        (yaw_u, yaw_v, pitch_u, pitch_v, roll_u, roll_v): (N,) displacements in the face's
        frame, pixels per degree.
    """
    head, scale = rig.head, rig.scale
    radians = np.pi / 180.0
    mask = head_mask(rig, head_u, head_v)
    face_rho2 = (head_u / head.half_width) ** 2 + (head_v / head.half_height) ** 2
    depth = scale * (0.5 + 0.75 * np.sqrt(np.clip(1.0 - face_rho2, 0.0, None)))
    turn = radians * depth * mask
    pu, pv = rig.local(points, head.pivot)
    roll_u, roll_v = -radians * pv * mask, radians * pu * mask
    zero = np.zeros_like(turn)
    return turn, zero, zero, -turn, roll_u, roll_v
