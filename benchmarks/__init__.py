"""Benchmarks of Talking Photo: every figure the README quotes is written by one of them.

``make bench`` runs them all, each writing its results into ``benchmarks/results/``:

- ``python -m benchmarks.run``: stage speed, warm and cold renders, and talking-face quality on
  the example photos (``latest.md``, ``latest.json``, contact sheets); ``--quick`` for a short
  check. Quality is measured with an independent face model (dlib's HOG detector, 68-point
  shape predictor and ResNet face embedding), never with the MediaPipe mesh the animator uses.
- ``python -m benchmarks.codec_ceiling``: the background PSNR the video format allows on the
  untouched photo (``codec_ceiling.md``).
- ``python -m benchmarks.memory``: the voice's memory per call: phonemizer, ONNX session, whole
  syntheses (``memory.md``).
- ``python -m benchmarks.conversation``: chat latency, speech recognition, group videos
  (``conversation.md``).
- ``python -m benchmarks.load``: simulated users against the web app (``load.md``).
- ``python -m benchmarks.fuzz``: mutation fuzzing of the input decoders (``fuzz.md``).
- ``python -m benchmarks.batch``: batch renders per minute with 1 and 2 local workers and on
  Ray, and the overhead per row (``batch.json``).
"""
