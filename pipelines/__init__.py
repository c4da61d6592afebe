"""Talking Photo: hear the people in a photo speak.

The pipeline runs photo -> faces -> scene -> lines -> speech -> motion -> frames -> video, each
stage behind a small registry of backends whose offline default runs on a plain CPU with no
network. ``import pipelines`` is light: it imports no model library, no torch and no gradio.
"""
