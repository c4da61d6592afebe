"""What leaves the screen when it no longer belongs there.

A new run empties its own results (video, downloads, transcript, summary) and closes the
last run's error toasts the moment it starts, so neither the last run's video nor its error
stays beside the new run's progress; a failed run empties them again, so no frozen progress
text is left behind. A new photo empties every tab's results and the Group tab's script: they
were about the people of the old photo.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gradio as gr

#: Closes the error toasts still on screen (the last run's) when the next run starts.
CLOSE_ERROR_TOASTS_JS = """
() => {
  document.querySelectorAll('[data-testid="toast-close"].error').forEach((b) => b.click());
  return [];
}
"""

#: What each kind of result component becomes when emptied.
_EMPTY: dict[str, Any] = {"video": None, "text": "", "files": None, "table": None}


def emptied(kinds: Sequence[str]) -> list[Any]:
    """Updates that empty components of the given kinds ("video", "text", "files", "table").

    Downloads ("files") are also hidden until the next result; every component's error or
    progress mark goes with its value.
    """
    updates: list[Any] = []
    for kind in kinds:
        if kind == "files":
            updates.append(gr.update(value=None, visible=False))
        else:
            updates.append(gr.update(value=_EMPTY[kind]))
    return updates


def clear_on(trigger: Any, components: Sequence[tuple[Any, str]], **options: Any) -> Any:
    """Empties ``components`` whenever ``trigger`` fires.

    Args:
        trigger: An event listener, e.g. ``photo.change`` or ``event.failure``.
        components: (component, kind) pairs, kinds as in ``emptied``.
        **options: More options of the listener (e.g. ``js``).

    Returns:
        The emptying event's dependency: chain more work with ``.then``.
    """
    kinds = [kind for _, kind in components]
    return trigger(
        lambda: emptied(kinds),
        None,
        [component for component, _ in components],
        queue=False,
        api_visibility="private",
        **options,
    )


def clear_before(trigger: Any, components: Sequence[tuple[Any, str]]) -> Any:
    """Runs ``trigger`` (e.g. ``generate.click``) to empty ``components`` first.

    The last run's error toasts are closed at the same moment; chain the real work to the
    returned dependency with ``.then``.
    """
    return clear_on(trigger, components, js=CLOSE_ERROR_TOASTS_JS)


def clear_after_failure(event: Any, components: Sequence[tuple[Any, str]]) -> None:
    """Empties ``components`` when ``event`` fails (its frozen progress goes with them)."""
    clear_on(event.failure, components)
