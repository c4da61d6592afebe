"""The faces stage: every human face in the photo, with its mesh, geometry, expression and pose.

Modules:
    mediapipe_faces: ``MediaPipeFaces``, the offline default (full-range detector, then a
        478-point face mesh on each face crop).
    measures: geometry, expression and head pose measured from a face mesh.
    selection: which face speaks (``choose_face``) and which faces move (``faces_to_animate``).
"""

from pipelines.faces.selection import choose_face, faces_to_animate

__all__ = ["choose_face", "faces_to_animate"]
