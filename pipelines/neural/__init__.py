"""Heavier neural backends, for machines that have the weights (a GPU Space, a workstation).

Each backend here sits in the stage registry (``pipelines.registry``) beside the offline
default and is chosen by ``Settings.<stage>_backend`` plus ``Settings.backend_options[name]``.
None of them downloads anything while it runs: when its weights or packages are missing it
raises ``BackendUnavailable`` naming what is missing and where, and the pipeline falls back to
the offline default. ``talking-photo fetch-models`` downloads the weights beforehand.

==========  =================  ===============================================================
stage       name               class
==========  =================  ===============================================================
faces       face-alignment     ``fan_faces.FaceAlignmentFaces`` (FAN refines the mesh)
scene       caption            ``hf_scene.TransformersCaptionScene`` (captioner / chat VLM)
dialogue    transformers-chat  ``hf_chat.TransformersChat`` (any chat LLM)
dialogue    gguf               ``gguf_chat.GGUFChat`` (any GGUF file via llama.cpp)
dialogue    openai             ``openai_chat.OpenAICompatibleChat`` (an HTTP server)
speech      coqui              ``coqui_speech.CoquiSpeech`` (XTTS-v2 cloning, VITS voices)
speech      piper-path         ``piper_path.PiperVoiceFile``: Piper with your own .onnx voice
portrait    portrait           ``portrait.PortraitGenerator`` (text-to-image, no photo)
==========  =================  ===============================================================

Importing this package, or any module in it, imports neither torch nor transformers: they are
imported in the constructors.
"""
