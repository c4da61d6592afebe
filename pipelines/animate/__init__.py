"""The animate stage: ``MeshWarpAnimator`` moves each face's own pixels with its face mesh.

Modules:
    animator: ``MeshWarpAnimator``, the weights-free renderer (offline default).
    rig: a face's own frame and the curves the renderer moves, measured from its mesh.
    basis, layers, warp, shaping: the displacement fields and how they are mixed per frame.
    mouth: the inside of an opened mouth; eyelids, lashes: what a blink draws.
    head_motion: how a head turn moves the face.
"""
