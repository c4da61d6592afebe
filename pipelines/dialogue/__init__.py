"""The dialogue stage: what a person in the photo says.

Modules:
    writer: ``DialogueWriter`` (prompt, checks, template fallback over any chat backend) and the
        offline chat backends ``SmolLM2Chat`` and ``TemplateChat``.
    prompt: the scene as a few-shot chat prompt, and a grammar per mood.
    checks: what a written line must pass before anyone hears it; words: their word lists.
    templates: hand-written lines by mood and scene (the fallback).
    llama_stream: a llama.cpp completion read piece by piece.
"""

from pipelines.dialogue.writer import DialogueWriter

__all__ = ["DialogueWriter"]
