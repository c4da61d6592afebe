"""The scene stage: what the photo shows, as facts the dialogue writer can use.

Modules:
    heuristic: ``HeuristicSceneReader``, the offline default (people and placement, colour,
        brightness, photo or painting, background colours, text read by OCR).
    sentence: the scene's facts as one English sentence.
"""
