"""The motion stage: speech to per-frame face motion (lips, blinks, head, mood) for one face.

Modules:
    planner: ``plan_face_motion``, a face's whole motion from its utterances.
    visemes: phonemes to mouth shapes with coarticulation.
    from_audio: mouth motion from audio alone (the user's own recording).
    expression: blinks, head motion, smile and brows.
    signal: the internal clock's grid, smoothing, easing and resampling.
"""

from pipelines.motion.planner import frame_count, plan_face_motion

__all__ = ["frame_count", "plan_face_motion"]
