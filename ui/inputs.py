"""Every value a visitor sends, checked once at the edge: its type, its range, a file's origin.

The app's events are wired with ``preprocess=False``, so Gradio hands the handlers the JSON the
client sent, unconverted: a checkbox may arrive as the string "false", a number as "abc", and a
file as ``{"path": "/some/server/file"}`` without the ``meta`` marker that makes Gradio check it
was uploaded. Each handler passes its arguments through these functions first; a value that
does not fit is refused with one sentence in the visitor's language (a ``gr.Error``, which
Gradio shows without logging a traceback), and the rest of the app only ever sees clean values.

A file is accepted only when Gradio received it: it lies in Gradio's upload folder (uploads and
Gradio's own cached copies, each in a folder named by a keyed hash of its content), or it is one
of the bundled example photos. The refusal is the same whether or not the path exists.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.utils import get_upload_folder

from ui.strings import bundled_photos, tr

#: Most rows a turns table may have when it arrives (the script's own limit is checked later).
MAX_TABLE_ROWS = 64
#: Seeds are 32-bit signed integers.
SEED_RANGE = (-(2**31), 2**31 - 1)
#: Most characters of a chat or session id.
MAX_ID_CHARS = 64


def refusal(lang: str, key: str, **values: Any) -> gr.Error:
    """A gr.Error with the interface string ``key`` (Gradio logs no traceback for it)."""
    return gr.Error(tr(lang, key, **values), title=tr(lang, "error_title"), print_exception=False)


def _wrong(lang: str, name: str, expected_key: str, **values: Any) -> gr.Error:
    expected = tr(lang, expected_key, **values)
    return refusal(lang, "error_parameter", name=name, expected=expected)


def allowed_file_roots() -> tuple[Path, ...]:
    """The folders whose files Gradio itself wrote: its upload folder (uploads and its cache)."""
    return (Path(get_upload_folder()).resolve(),)


def _bundled_examples() -> frozenset[Path]:
    return frozenset(path.resolve() for path in bundled_photos())


def is_received_file(path: str | Path) -> bool:
    """Whether a path names a file Gradio received, or a bundled example (symlinks resolved).

    Nothing is read or stat'ed outside the allowed places, so the answer says nothing about
    whether a path elsewhere exists.
    """
    try:
        resolved = Path(path).resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop, an embedded NUL byte
        return False
    inside = any(resolved.is_relative_to(root) for root in allowed_file_roots())
    if not inside and resolved not in _bundled_examples():
        return False
    return resolved.is_file()


def uploaded_file(value: Any, name: str, lang: str) -> str | None:
    """The server path of a file the visitor sent, or None when none was sent.

    Args:
        value: A FileData mapping (``{"path": ...}``), a path string, or None/"".
        name: The API parameter's name, for the message.
        lang: Interface language code.

    Raises:
        gr.Error: It is not a file reference, or not a file this app received.
    """
    if value is None or value == "":
        return None
    path = value.get("path") if isinstance(value, Mapping) else value
    if not isinstance(path, str) or not path or "\x00" in path:
        raise _wrong(lang, name, "expect_file")
    if not is_received_file(path):
        raise refusal(lang, "error_not_uploaded")
    return str(Path(path).resolve())


def consent_given(value: Any, lang: str) -> None:
    """Refuses anything but the JSON value ``true`` (a ticked box): "false", "no", 1 are not."""
    if value is not True:
        raise refusal(lang, "error_consent")


def flag(value: Any, name: str, lang: str) -> bool:
    """A checkbox: True or False (None counts as False)."""
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _wrong(lang, name, "expect_flag")
    return value


def whole_number(
    value: Any, name: str, lang: str, low: int, high: int, default: int | None = None
) -> int | None:
    """A whole number in [low, high]; None (or "") gives ``default``.

    A float with no fractional part counts (a browser may send 2.0); booleans and strings do
    not.
    """
    if value is None or value == "":
        return default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _wrong(lang, name, "expect_whole", low=low, high=high)
    return value


def number(value: Any, name: str, lang: str, low: float, high: float, default: float) -> float:
    """A finite number in [low, high]; None gives ``default``."""
    if value is None:
        return default
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or not low <= value <= high:
        raise _wrong(lang, name, "expect_number", low=f"{low:g}", high=f"{high:g}")
    return float(value)


def choice(value: Any, name: str, lang: str, options: Sequence[str], default: str) -> str:
    """One of ``options``; None or "" gives ``default``."""
    if value is None or value == "":
        return default
    if not isinstance(value, str) or value not in options:
        raise _wrong(lang, name, "expect_choice", options=", ".join(options))
    return value


def text(value: Any, name: str, lang: str, most: int | None = None) -> str:
    """A string (of at most ``most`` characters when given); None gives "".

    Leave ``most`` out where the pipeline checks the length itself, with its own message.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _wrong(lang, name, "expect_text_any" if most is None else "expect_text", most=most)
    if most is not None and len(value) > most:
        raise _wrong(lang, name, "expect_text", most=most)
    return value


def face_index(value: Any, name: str, lang: str) -> int | None:
    """A face number (0 = the leftmost) or None for the largest face."""
    return whole_number(value, name, lang, 0, 999)


def face_indices(value: Any, name: str, lang: str) -> set[int] | None:
    """A set of face numbers (0 = the leftmost), or None when none are given.

    At most MAX_TABLE_ROWS numbers; each is checked as by ``face_index``.
    """
    if value is None or (isinstance(value, list | tuple) and not value):
        return None
    if not isinstance(value, list | tuple) or len(value) > MAX_TABLE_ROWS:
        raise _wrong(lang, name, "expect_faces")
    indices = (face_index(item, name, lang) for item in value)
    return {index for index in indices if index is not None}


def table_rows(value: Any, name: str, lang: str) -> list[list[Any]]:
    """The rows of a turns table: a ``{"data": [...]}`` mapping or a list of rows.

    Each row is a list of cells, each cell a string, a number or None; the table has at most
    MAX_TABLE_ROWS rows. What the cells mean is checked later (``turns_from_table``).
    """
    rows = value.get("data") if isinstance(value, Mapping) else value
    if rows is None:
        return []
    if not isinstance(rows, list) or len(rows) > MAX_TABLE_ROWS:
        raise _wrong(lang, name, "expect_table", most=MAX_TABLE_ROWS)
    for row in rows:
        if not isinstance(row, list) or not all(_is_cell(cell) for cell in row):
            raise _wrong(lang, name, "expect_table", most=MAX_TABLE_ROWS)
    return [list(row) for row in rows]


def _is_cell(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str | int | float) and not isinstance(cell, bool))


def session_key(value: Any, name: str, lang: str) -> str:
    """A chat id as sent back by the client ("" when none)."""
    return text(value, name, lang, MAX_ID_CHARS)
