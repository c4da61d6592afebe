"""Scenes built in code for the line-writing tests (what the scene reader would return)."""

from __future__ import annotations

from pipelines.types import PersonInScene, Scene


def couple_scene(background: tuple[str, ...], text: tuple[str, ...] = ()) -> Scene:
    """Two people in a colour photo: face 0 smiling in black (left), face 1 in grey (right).

    Args:
        background: Colour names behind them, most of the background first.
        text: Words the scene reader read in the photo.
    """
    return Scene(
        (
            PersonInScene(0, "left", "portrait", "smile", "black"),
            PersonInScene(1, "right", "portrait", "neutral", "grey"),
        ),
        "colour",
        "normal",
        "photo",
        background,
        text,
        "",
        "A colour photo of two people.",
    )
