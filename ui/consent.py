"""The right-to-animate box: one per tab, right above the tab's action button.

Each tab (One person, Group, Chat) has its own box beside Generate, Render or Start, so the
promise is read where it is made. The boxes say the same thing about the same photo, so ticking
one ticks them all, and a new photo unticks them: the promise was about the old one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gradio as gr

from ui.strings import tr


def consent_box(elem_id: str) -> gr.Checkbox:
    """A right-to-animate checkbox in the current layout (English label: its tab relabels it)."""
    return gr.Checkbox(label=tr("en", "consent"), elem_id=elem_id, elem_classes="consent")


def keep_in_step(boxes: Sequence[Any], photo: Any) -> None:
    """Ticking or unticking one box does the same to the others; a new photo unticks them all.

    Args:
        boxes: The tabs' consent checkboxes.
        photo: The photo component: its change unticks every box.
    """

    def same_for_others(ticked: bool) -> list[bool]:
        return [bool(ticked)] * (len(boxes) - 1)

    for box in boxes:
        others = [other for other in boxes if other is not box]
        box.input(
            same_for_others,
            [box],
            others,
            queue=False,
            api_visibility="private",
        )
    photo.change(
        lambda: [False] * len(boxes),
        None,
        list(boxes),
        queue=False,
        api_visibility="private",
    )
