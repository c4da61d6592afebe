"""Which face speaks and which faces move: the choices every render makes the same way."""

from __future__ import annotations

from collections.abc import Sequence

from pipelines.errors import BadInputError, LimitExceeded
from pipelines.types import Face


def choose_face(faces: Sequence[Face], face_index: int | None) -> Face:
    """The requested face, or the largest one.

    Args:
        faces: The faces found, left to right.
        face_index: Index into ``faces`` (0 = leftmost), or None for the largest face.

    Raises:
        BadInputError: There is no face of that index; the message gives the valid range.
    """
    if face_index is None:
        return max(faces, key=lambda f: f.box.width * f.box.height)
    if not 0 <= face_index < len(faces):
        raise BadInputError("face.no_such", index=face_index, count=len(faces), last=len(faces) - 1)
    return faces[face_index]


def faces_to_animate(
    faces: Sequence[Face], speakers: Sequence[int], max_faces: int
) -> tuple[Face, ...]:
    """Every speaker plus the largest listeners, up to ``max_faces``, in photo order.

    Raises:
        LimitExceeded: More different people speak than ``max_faces``.
    """
    speaking = set(speakers)
    if len(speaking) > max_faces:
        raise LimitExceeded("face.too_many_speakers", speakers=len(speaking), most=max_faces)
    listeners = sorted(
        (f for f in faces if f.index not in speaking), key=lambda f: -(f.box.width * f.box.height)
    )
    chosen = [f for f in faces if f.index in speaking]
    chosen += listeners[: max(0, max_faces - len(chosen))]
    return tuple(sorted(chosen, key=lambda f: f.index))
