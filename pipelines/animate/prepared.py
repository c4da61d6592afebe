"""Faces prepared once for animation and shared by every render of the same photo.

Preparing a face (its rig, mouth colours and motion fields, ``animator.prepare_face``) depends
only on the photo's pixels and the face's mesh, not on what is said, and takes 0.1-0.2 s a face
on a quiet machine (0.5 s under load): the part of a render between the words being spoken and
the first frame. The app prepares the faces when a photo is uploaded, while the visitor types,
so the render that follows starts drawing at once; a second render of the same photo (another
line, another mood) reuses them too. A face being prepared by one thread is waited for by
another, not prepared twice.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING

import numpy as np

from pipelines.types import Face

if TYPE_CHECKING:
    from pipelines.animate.warp import FaceWarp

#: How many prepared faces are kept (the most recently used); a face's fields take a few MB.
KEPT_FACES = 12


def photo_key(pixels: np.ndarray) -> bytes:
    """A digest of the photo's pixels and shape (16 bytes; ~5 ms for a 1146 px photo)."""
    digest = hashlib.blake2b(repr(pixels.shape).encode(), digest_size=16)
    digest.update(np.ascontiguousarray(pixels).data)
    return digest.digest()


class PreparedFaces:
    """The most recently prepared faces, keyed by photo and face mesh; safe across threads.

    Args:
        prepare: Prepares one face: (pixels (H, W, 3) uint8 RGB, face) -> its ``FaceWarp``.
        kept: How many prepared faces are kept.
    """

    def __init__(
        self, prepare: Callable[[np.ndarray, Face], FaceWarp], kept: int = KEPT_FACES
    ) -> None:
        self._prepare = prepare
        self._kept = kept
        self._entries: OrderedDict[tuple[bytes, bytes], Future[FaceWarp]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, pixels: np.ndarray, face: Face, photo: bytes | None = None) -> FaceWarp:
        """The face's warp: prepared now, or by an earlier call (waited for if still running).

        Args:
            pixels: (H, W, 3) uint8 RGB photo.
            face: The face, with its mesh in the photo's pixels.
            photo: ``photo_key(pixels)`` when the caller has it already (one per photo).

        Raises:
            ValueError: The face's landmarks are not a finite (478, 3) array (not kept).
        """
        landmarks = np.ascontiguousarray(face.landmarks, np.float64)
        key = (photo or photo_key(pixels), hashlib.blake2b(landmarks.data).digest())
        with self._lock:
            future = self._entries.get(key)
            owner = future is None
            if future is None:
                future = self._entries[key] = Future()
            self._entries.move_to_end(key)
            while len(self._entries) > self._kept:
                self._entries.popitem(last=False)
        if owner:
            try:
                future.set_result(self._prepare(pixels, face))
            except BaseException as error:  # noqa: BLE001 - handed to every waiting caller
                with self._lock:
                    if self._entries.get(key) is future:
                        del self._entries[key]
                future.set_exception(error)
        return future.result()
