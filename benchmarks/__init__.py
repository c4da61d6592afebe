"""Benchmarks of Talking Photo: stage speed and talking-face quality.

Quality is measured with an independent face model (dlib's HOG detector, 68-point shape
predictor and ResNet face embedding), never with the MediaPipe mesh the animator itself uses.
Run ``make bench`` (``python -m benchmarks.run``); ``--quick`` for a short check.
"""
