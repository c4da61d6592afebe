"""A face's own frame and the curves the renderer moves, measured once from its face mesh.

Every motion of ``pipelines.animate.basis`` is defined in the face's frame, not the photo's: the
u axis runs from the subject's right eye to their left eye (left to right in an upright photo)
and the v axis is perpendicular to it, pointing to the chin, so tilted faces move along their
own axes. Lengths scale with the 3-D distance between the eye centres (the mesh's z is in
pixels too), which does not shrink when the head turns.

Landmark indices are those of MediaPipe's 478-point face mesh with refined lips and irises.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Inner lip contours, from the subject's right mouth corner (78) to the left one (308).
UPPER_INNER_LIP = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LOWER_INNER_LIP = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
#: Outer lip contour, once around.
OUTER_LIP = (
    61,
    185,
    40,
    39,
    37,
    0,
    267,
    269,
    270,
    409,
    291,
    375,
    321,
    405,
    314,
    17,
    84,
    181,
    91,
    146,
)
#: Eye contours (upper lid, lower lid), each from one corner to the other.
RIGHT_EYE_UPPER = (33, 246, 161, 160, 159, 158, 157, 173, 133)
RIGHT_EYE_LOWER = (33, 7, 163, 144, 145, 153, 154, 155, 133)
LEFT_EYE_UPPER = (263, 466, 388, 387, 386, 385, 384, 398, 362)
LEFT_EYE_LOWER = (263, 249, 390, 373, 374, 380, 381, 382, 362)
#: Brows: upper and lower edge, paired point by point.
RIGHT_BROW = ((70, 63, 105, 66, 107), (46, 53, 52, 65, 55))
LEFT_BROW = ((300, 293, 334, 296, 336), (276, 283, 282, 295, 285))
#: Face oval, once around, and its lower part (jaw line) from ear to ear through the chin.
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400,
             377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67,
             109)  # fmt: skip
JAW_LINE = (132, 58, 172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397, 288, 361)
UPPER_LIP_TOP, UPPER_LIP_INNER, LOWER_LIP_INNER, LOWER_LIP_BOTTOM = 0, 13, 14, 17
SUBNASALE, CHIN = 2, 152
JAW_ANGLE_RIGHT, JAW_ANGLE_LEFT = 172, 397
N_LANDMARKS = 478
#: The smallest opening at jaw_open = 1, inter-ocular distances (small, drawn mouths).
OPEN_UNIT_MIN = 0.35


@dataclass(frozen=True)
class Curve:
    """A curve v(u) in some local frame, piecewise linear, held constant beyond its ends.

    Attributes:
        u: (n,) increasing knot positions along the u axis, pixels.
        v: (n,) values at the knots, pixels.
    """

    u: np.ndarray
    v: np.ndarray

    @classmethod
    def from_points(cls, u: np.ndarray, v: np.ndarray) -> Curve:
        """Sorts the knots by u (ties nudged apart so interpolation stays defined)."""
        order = np.argsort(u, kind="stable")
        us = np.asarray(u, np.float64)[order]
        vs = np.asarray(v, np.float64)[order]
        us = us + np.arange(len(us)) * 1e-6
        return cls(us, vs)

    def __call__(self, u: np.ndarray) -> np.ndarray:
        """Values at u, shape of u."""
        return np.interp(u, self.u, self.v)


@dataclass(frozen=True)
class MouthRig:
    """The mouth in a frame centred between the inner lips (u, v in pixels).

    Attributes:
        center: (2,) image position of the middle of the slit between the lips.
        half_left: Distance from the centre to the subject's right corner (negative u side).
        half_right: Distance from the centre to the subject's left corner (positive u side).
        slit: The split line between the lips: the midline of the inner contours.
        upper_inner: v of the upper lip's inner edge as a function of u.
        lower_inner: v of the lower lip's inner edge as a function of u (never above the
            upper one).
        gap: The photo's own opening between the inner contours along the slit (>= 0).
        upper_height: Inner to outer edge of the upper lip at the centre.
        lower_height: Inner to outer edge of the lower lip at the centre.
        nose_height: Slit to the base of the nose.
        jaw_line: v of the jaw outline as a function of u.
        jaw_left: u distance to the subject's right jaw angle (positive number).
        jaw_right: u distance to the subject's left jaw angle.
        open_unit: The opening between the lips' centres at jaw_open = 1, pixels: 0.55 of
            the mouth's 3-D width, kept within OPEN_UNIT_MIN..0.55 of the inter-ocular
            distance.
    """

    center: np.ndarray
    half_left: float
    half_right: float
    slit: Curve
    upper_inner: Curve
    lower_inner: Curve
    gap: Curve
    upper_height: float
    lower_height: float
    nose_height: float
    jaw_line: Curve
    jaw_left: float
    jaw_right: float
    open_unit: float


@dataclass(frozen=True)
class EyeRig:
    """One eye in a frame centred on it (u, v in pixels).

    Attributes:
        center: (2,) image position of the eye's centre (mean of its contour).
        upper: v of the upper lid's edge as a function of u.
        lower: v of the lower lid's edge as a function of u.
        u_min: u of the corner on the negative side.
        u_max: u of the corner on the positive side.
        brow: v of the brow's middle line as a function of u.
        brow_center: u of the brow's middle.
        brow_half: Half the brow's length along u.
        outward: +1 if this eye is on the positive-u side of the face, else -1.
        lashes: Height of the lash line above the upper lid's edge as a function of u, pixels
            (None until measured from the photo; see ``pipelines.animate.lashes``).
        margin_color: (3,) RGB 0..255 of the lid's margin (lashes and lid line), the colour
            of the line where the lids meet in a blink (None until measured).
    """

    center: np.ndarray
    upper: Curve
    lower: Curve
    u_min: float
    u_max: float
    brow: Curve
    brow_center: float
    brow_half: float
    outward: float
    lashes: Curve | None = None
    margin_color: np.ndarray | None = None


@dataclass(frozen=True)
class HeadRig:
    """The head as an ellipse around the face oval, for rigid-ish head motion.

    Attributes:
        center: (2,) image position of the face oval's centre.
        half_width: Half the oval's extent along u.
        half_height: Half the oval's extent along v.
        pivot: (2,) image position of the neck pivot that roll turns about.
    """

    center: np.ndarray
    half_width: float
    half_height: float
    pivot: np.ndarray


@dataclass(frozen=True)
class FaceRig:
    """Everything the warp needs to know about one face.

    Attributes:
        axis_u: (2,) unit vector from the subject's right eye to their left eye.
        axis_v: (2,) unit vector perpendicular to axis_u, towards the chin.
        scale: 3-D distance between the eye centres, pixels (the unit of every motion).
        mouth: The mouth.
        eyes: The subject's right eye, then their left eye.
        head: The head.
        outline: (n, 2) image positions around the face, once around: the hull of the face
            oval and both eyes (the silhouette a turned face's far eye must stay inside; the
            mesh's oval may cut through that eye's outer corner); None for a rig built
            without one.
    """

    axis_u: np.ndarray
    axis_v: np.ndarray
    scale: float
    mouth: MouthRig
    eyes: tuple[EyeRig, EyeRig]
    head: HeadRig
    outline: np.ndarray | None = None

    def local(self, points: np.ndarray, origin: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Coordinates of image points in the face frame around an origin.

        Args:
            points: (..., 2) image x, y in pixels.
            origin: (2,) image position of the frame's origin.

        Returns:
            (u, v), each of shape points.shape[:-1], pixels.
        """
        rel_x = points[..., 0] - origin[0]
        rel_y = points[..., 1] - origin[1]
        u = rel_x * self.axis_u[0] + rel_y * self.axis_u[1]
        v = rel_x * self.axis_v[0] + rel_y * self.axis_v[1]
        return u, v

    def to_image(self, origin: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Image positions (..., 2) of face-frame coordinates around an origin."""
        x = origin[0] + u * self.axis_u[0] + v * self.axis_v[0]
        y = origin[1] + u * self.axis_u[1] + v * self.axis_v[1]
        return np.stack([x, y], axis=-1)


def build_rig(landmarks: np.ndarray) -> FaceRig:
    """Measures a face's frame, mouth, eyes and head from its mesh.

    Args:
        landmarks: (478, 3) face-mesh points; x, y in image pixels, z in the same scale.

    Returns:
        The face's rig.

    Raises:
        ValueError: The landmarks are not a (478, 3) array of finite numbers.
    """
    points = np.asarray(landmarks, np.float64)
    if points.shape != (N_LANDMARKS, 3) or not np.all(np.isfinite(points)):
        raise ValueError(f"Face landmarks must be a finite (478, 3) array, got {points.shape}.")
    xy = points[:, :2]
    right_eye_ids = list(RIGHT_EYE_UPPER + RIGHT_EYE_LOWER)
    left_eye_ids = list(LEFT_EYE_UPPER + LEFT_EYE_LOWER)
    right_eye_3d = points[right_eye_ids].mean(axis=0)
    left_eye_3d = points[left_eye_ids].mean(axis=0)
    across = left_eye_3d[:2] - right_eye_3d[:2]
    axis_u = across / max(float(np.linalg.norm(across)), 1e-6)
    axis_v = np.array([-axis_u[1], axis_u[0]])
    scale = max(float(np.linalg.norm(left_eye_3d - right_eye_3d)), 4.0)
    frame = FaceRig(axis_u, axis_v, scale, None, None, None)  # type: ignore[arg-type]
    mouth = _mouth_rig(frame, points)
    eyes = (
        _eye_rig(frame, xy, RIGHT_EYE_UPPER, RIGHT_EYE_LOWER, RIGHT_BROW),
        _eye_rig(frame, xy, LEFT_EYE_UPPER, LEFT_EYE_LOWER, LEFT_BROW),
    )
    head = _head_rig(frame, xy)
    return FaceRig(axis_u, axis_v, scale, mouth, eyes, head, _outline(xy))


def _mouth_rig(frame: FaceRig, points: np.ndarray) -> MouthRig:
    xy = points[:, :2]
    scale = frame.scale
    center = (xy[UPPER_LIP_INNER] + xy[LOWER_LIP_INNER]) / 2.0
    upper = xy[list(UPPER_INNER_LIP)]
    lower = xy[list(LOWER_INNER_LIP)]
    mid_u, mid_v = frame.local((upper + lower) / 2.0, center)
    _, up_v = frame.local(upper, center)
    _, low_v = frame.local(lower, center)
    gaps = np.clip(low_v - up_v, 0.0, None)
    gaps[0] = gaps[-1] = 0.0
    half_left = max(-float(mid_u[0]), 0.12 * scale)
    half_right = max(float(mid_u[-1]), 0.12 * scale)
    mid_u[0], mid_u[-1] = -half_left, half_right

    def v_of(index: int) -> float:
        return float(frame.local(xy[index], center)[1])

    def u_of(index: int) -> float:
        return float(frame.local(xy[index], center)[0])

    jaw_u, jaw_v = frame.local(xy[list(JAW_LINE)], center)
    width_3d = float(np.linalg.norm(points[291] - points[61]))
    open_unit = float(np.clip(0.55 * width_3d, OPEN_UNIT_MIN * scale, 0.55 * scale))
    return MouthRig(
        center=center,
        half_left=half_left,
        half_right=half_right,
        slit=Curve.from_points(mid_u, mid_v),
        upper_inner=Curve.from_points(mid_u, mid_v - gaps / 2.0),
        lower_inner=Curve.from_points(mid_u, mid_v + gaps / 2.0),
        gap=Curve.from_points(mid_u, gaps),
        upper_height=max(v_of(UPPER_LIP_INNER) - v_of(UPPER_LIP_TOP), 0.05 * scale),
        lower_height=max(v_of(LOWER_LIP_BOTTOM) - v_of(LOWER_LIP_INNER), 0.05 * scale),
        nose_height=max(-v_of(SUBNASALE), 0.18 * scale),
        jaw_line=Curve.from_points(jaw_u, np.maximum(jaw_v, 0.3 * scale)),
        jaw_left=max(-u_of(JAW_ANGLE_RIGHT), half_left * 1.3),
        jaw_right=max(u_of(JAW_ANGLE_LEFT), half_right * 1.3),
        open_unit=open_unit,
    )


def _eye_rig(
    frame: FaceRig,
    xy: np.ndarray,
    upper_ids: tuple[int, ...],
    lower_ids: tuple[int, ...],
    brow_ids: tuple[tuple[int, ...], tuple[int, ...]],
) -> EyeRig:
    scale = frame.scale
    center = xy[list(upper_ids + lower_ids)].mean(axis=0)
    up_u, up_v = frame.local(xy[list(upper_ids)], center)
    low_u, low_v = frame.local(xy[list(lower_ids)], center)
    # Both lids share the corners; make the lower lid never rise above the upper one.
    upper = Curve.from_points(up_u, up_v)
    lower_v = np.maximum(low_v, upper(low_u))
    lower = Curve.from_points(low_u, lower_v)
    brow_top = xy[list(brow_ids[0])]
    brow_bottom = xy[list(brow_ids[1])]
    brow_u, brow_v = frame.local((brow_top + brow_bottom) / 2.0, center)
    brow_v = np.minimum(brow_v, upper(brow_u) - 0.08 * scale)
    face_mid = (xy[list(RIGHT_EYE_UPPER)].mean(axis=0) + xy[list(LEFT_EYE_UPPER)].mean(axis=0)) / 2
    outward = 1.0 if float(np.dot(center - face_mid, frame.axis_u)) >= 0 else -1.0
    return EyeRig(
        center=center,
        upper=upper,
        lower=lower,
        u_min=float(min(up_u.min(), low_u.min())),
        u_max=float(max(up_u.max(), low_u.max())),
        brow=Curve.from_points(brow_u, brow_v),
        brow_center=float((brow_u.min() + brow_u.max()) / 2.0),
        brow_half=max(float((brow_u.max() - brow_u.min()) / 2.0), 0.2 * scale),
        outward=outward,
    )


def _outline(xy: np.ndarray) -> np.ndarray:
    """(n, 2) convex hull of the face oval and the eye contours, image pixels."""
    import cv2

    ids = FACE_OVAL + RIGHT_EYE_UPPER + RIGHT_EYE_LOWER + LEFT_EYE_UPPER + LEFT_EYE_LOWER
    hull = cv2.convexHull(np.ascontiguousarray(xy[list(ids)], np.float32))
    return hull.reshape(-1, 2).astype(np.float64)


def _head_rig(frame: FaceRig, xy: np.ndarray) -> HeadRig:
    oval = xy[list(FACE_OVAL)]
    origin = oval.mean(axis=0)
    u, v = frame.local(oval, origin)
    center = frame.to_image(origin, (u.max() + u.min()) / 2.0, (v.max() + v.min()) / 2.0)
    half_width = max(float(u.max() - u.min()) / 2.0, 0.6 * frame.scale)
    half_height = max(float(v.max() - v.min()) / 2.0, 0.8 * frame.scale)
    _, chin_v = frame.local(xy[CHIN], center)
    pivot = frame.to_image(center, 0.0, float(chin_v) + 0.35 * half_height)
    return HeadRig(center, half_width, half_height, pivot)


def inside_outline(rig: FaceRig, xs: np.ndarray, ys: np.ndarray, spill: float) -> np.ndarray:
    """How far image points are inside the face's outline: 1 inside, 0 beyond ``spill``.

    Args:
        rig: The face (with its outline).
        xs: (...) image x of the points, pixels.
        ys: (...) image y, same shape.
        spill: Distance outside the outline over which the result falls to 0, pixels.

    Returns:
        (...) float64 0..1 (all ones when the rig has no outline).
    """
    import cv2

    if rig.outline is None:
        return np.ones(np.shape(xs))
    pad = int(np.ceil(spill)) + 2
    x0 = int(np.floor(min(float(np.min(xs)), float(rig.outline[:, 0].min())))) - pad
    y0 = int(np.floor(min(float(np.min(ys)), float(rig.outline[:, 1].min())))) - pad
    x1 = int(np.ceil(max(float(np.max(xs)), float(rig.outline[:, 0].max())))) + pad
    y1 = int(np.ceil(max(float(np.max(ys)), float(rig.outline[:, 1].max())))) + pad
    mask = np.zeros((y1 - y0 + 1, x1 - x0 + 1), np.uint8)
    cv2.fillPoly(mask, [np.round(rig.outline - np.array([x0, y0])).astype(np.int32)], 1)
    outside = cv2.distanceTransform(1 - mask, cv2.DIST_L2, 3)
    rows = np.clip(np.round(np.asarray(ys) - y0).astype(int), 0, mask.shape[0] - 1)
    cols = np.clip(np.round(np.asarray(xs) - x0).astype(int), 0, mask.shape[1] - 1)
    distance = outside[rows, cols].astype(np.float64)
    t = np.clip(1.0 - distance / max(spill, 1e-6), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)
