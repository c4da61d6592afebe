"""Conversation scripts: who says what, from a file, a text box or code.

A script is a tuple of ``Turn``s in speaking order. ``load_script`` reads a JSON or YAML file,
``parse_script_text`` reads what a person typed in a text box, and ``parse_script`` checks
already decoded data; all three normalise each text like a typed line and give errors a person
can act on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipelines.errors import BadInputError, LimitExceeded
from pipelines.errors.text import Phrase
from pipelines.text import normalize_line
from pipelines.timeline import Turn

#: The names ``parse_script`` accepts as plain strings for ``where``.
_WHERE = {
    "The script": Phrase("where.script"),
    "The conversation": Phrase("where.conversation"),
}

#: A typed script line: "1: text", "Person 2 - text", "3) text".
_NUMBERED_LINE = re.compile(r"^\s*(?:person\s*)?(\d{1,2})\s*[:.)\-]\s*(.*\S)\s*$", re.IGNORECASE)
#: Fewest and most turns in a script.
MIN_SCRIPT_TURNS, MAX_SCRIPT_TURNS = 1, 12


#: A conversation: turns in speaking order.
Script = tuple[Turn, ...]


def parse_script(
    data: Any,
    *,
    n_faces: int | None = None,
    max_chars: int = 600,
    where: str | Phrase = "The script",
) -> Script:
    """Checks a decoded script: a list of {"face": index, "text": line} mappings.

    Args:
        data: The decoded JSON or YAML value.
        n_faces: Number of faces in the photo, to check every index; None skips that check.
        max_chars: Longest turn, in characters after normalisation.
        where: How error messages name the script: a ``Phrase`` (``where.script_file``
            names its file), or "The script" or "The conversation".

    Returns:
        The turns, each text normalised with ``pipelines.text.normalize_line``.

    Raises:
        BadInputError: The shape is wrong, a face index is not a whole number or not in the
            photo, a text is empty, or there are not 1-12 turns.
        LimitExceeded: A text is longer than ``max_chars``.
    """
    if isinstance(where, str):
        where = _WHERE.get(where) or Phrase("where.script")
    if isinstance(data, Mapping) and "turns" in data:
        data = data["turns"]
    if not isinstance(data, list):
        raise BadInputError("script.not_list", where=where)
    if not MIN_SCRIPT_TURNS <= len(data) <= MAX_SCRIPT_TURNS:
        raise BadInputError(
            "script.turns_range",
            where=where,
            turns=len(data),
            least=MIN_SCRIPT_TURNS,
            most=MAX_SCRIPT_TURNS,
        )
    turns: list[Turn] = []
    for number, item in enumerate(data, 1):
        if not isinstance(item, Mapping) or "face" not in item or "text" not in item:
            raise BadInputError("script.turn_fields", turn=number)
        face = item["face"]
        if isinstance(face, bool) or not isinstance(face, int):
            raise BadInputError("script.turn_face_type", turn=number, face=face)
        if face < 0 or (n_faces is not None and face >= n_faces):
            if n_faces:
                raise BadInputError(
                    "script.turn_no_face", turn=number, face=face, faces=n_faces, last=n_faces - 1
                )
            raise BadInputError("script.turn_negative_face", turn=number, face=face)
        try:
            text = normalize_line(item["text"], max_chars)
        except (BadInputError, LimitExceeded) as error:
            raise type(error)("script.turn_text", turn=number, problem=error) from error
        turns.append(Turn(face, text, "user"))
    return tuple(turns)


def parse_script_text(text: str, *, n_faces: int | None = None, max_chars: int = 600) -> Script:
    """Reads a script typed in a text box.

    Two forms are accepted:

    * one turn per line, starting with the number of the person as the web app shows it
      (1 is the leftmost face), e.g. ``1: Do you remember this day?`` (``Person 2:`` works
      too); blank lines are skipped;
    * the JSON or YAML list that ``load_script`` reads (faces numbered from 0).

    Raises:
        BadInputError: A line does not start with a person's number, or the script is not
            valid (see ``parse_script``).
        LimitExceeded: A turn is too long.
    """
    import yaml

    stripped = (text or "").strip()
    if stripped[:1] in ("[", "{") or stripped.startswith("- "):
        try:
            data = yaml.safe_load(stripped)
        except yaml.YAMLError as error:
            raise BadInputError(
                "script.not_json_yaml", detail=str(error).splitlines()[0]
            ) from error
        return parse_script(data, n_faces=n_faces, max_chars=max_chars)
    items: list[dict[str, Any]] = []
    for number, line in enumerate(stripped.splitlines(), 1):
        if not line.strip():
            continue
        match = _NUMBERED_LINE.match(line)
        if match is None:
            raise BadInputError("script.line_no_person", line=number)
        items.append({"face": int(match.group(1)) - 1, "text": match.group(2)})
    if not items:
        raise BadInputError("script.empty")
    for item in items:
        if item["face"] < 0:
            raise BadInputError("script.numbered_from_one")
        if n_faces is not None and item["face"] >= n_faces:
            raise BadInputError("script.no_person", person=item["face"] + 1, faces=n_faces)
    return parse_script(items, n_faces=n_faces, max_chars=max_chars)


def load_script(path: str | Path, *, n_faces: int | None = None, max_chars: int = 600) -> Script:
    """Reads a conversation script from a JSON or YAML file.

    The file holds a list of turns, e.g. in YAML::

        - face: 0
          text: Do you remember this day?
        - face: 1
          text: Of course I do. It rained all afternoon.

    Faces are numbered as ``talking-photo faces`` lists them (0 is the leftmost).

    Args:
        path: A .json, .yaml or .yml file (other names are read as YAML, which includes JSON).
        n_faces: Number of faces in the photo, to check every index; None skips that check.
        max_chars: Longest turn, in characters.

    Returns:
        The turns.

    Raises:
        BadInputError: The file is missing or unreadable, or the script is not valid (see
            ``parse_script``).
        LimitExceeded: A turn is too long.
    """
    import yaml

    file = Path(path)
    if not file.is_file():
        raise BadInputError("script.file_missing", path=str(file))
    try:
        raw = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BadInputError("script.file_not_text", name=file.name) from error
    try:
        data = json.loads(raw) if file.suffix.lower() == ".json" else yaml.safe_load(raw)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        kind = "JSON" if file.suffix.lower() == ".json" else "YAML"
        raise BadInputError(
            "script.file_invalid", name=file.name, kind=kind, detail=str(error).splitlines()[0]
        ) from error
    where = Phrase("where.script_file", name=file.name)
    return parse_script(data, n_faces=n_faces, max_chars=max_chars, where=where)
