"""The render service's HTTP messages: JSON, with files as base64.

``POST /render`` takes a JSON object of a render request's fields (``photo`` and ``audio`` as
base64 of the file's bytes) and answers 200 with the MP4, WAV and SRT (base64), the lines, the
scene, the duration, timings, warnings and which replica rendered it; or 400 (the request is
wrong), 422 (the pipeline refused it: no face, over a limit, ...) or 500, each with
``{"error": <kind>, "message": <one sentence>}``. The service and the client share this module;
it imports no Ray.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from pathlib import Path
from typing import Any

from pipelines import errors
from pipelines.config import Limits
from pipelines.errors import BadInputError, TalkingPhotoError
from pipelines.protocols import Voice
from pipelines.speech.catalogue import AUTO
from pipelines.types import Line, PersonInScene, RenderResult, Scene

#: Request fields and their JSON types (``photo`` is required).
_FIELDS: dict[str, tuple[type, ...]] = {
    "photo": (str,),
    "text": (str, type(None)),
    "audio": (str, type(None)),
    "face_index": (int, type(None)),
    "mood": (str,),
    "lang": (str,),
    "voice": (dict,),
    "still": (bool,),
    "seed": (int,),
    "watermark": (bool,),
    "captions": (bool,),
}
_VOICE_FIELDS: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "lang": (str,),
    "rate": (int, float),
    "pitch_semitones": (int, float),
    "formant_factor": (int, float),
    "speaker_id": (int, type(None)),
}


def max_body_bytes(limits: Limits) -> int:
    """Largest request body: a photo and a recording at the upload limit, in base64."""
    return 2 * (limits.max_upload_bytes * 4 // 3 + 4) + 64 * 1024


def encode_file(data: bytes) -> str:
    """A file's bytes as base64 text."""
    return base64.b64encode(data).decode("ascii")


def _decode_file(text: str, name: str, limit: int) -> bytes:
    if len(text) > limit * 4 // 3 + 4:
        raise BadInputError(f"The {name} is larger than the {limit / 2**20:.0f} MiB upload limit.")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadInputError(f"The {name} is not valid base64.") from None


def _check_types(payload: dict[str, Any], fields: dict[str, tuple[type, ...]], what: str) -> None:
    for key, value in payload.items():
        if key not in fields:
            raise BadInputError(f"Unknown {what} field {key[:40]!r}; fields: {', '.join(fields)}.")
        ok = isinstance(value, fields[key]) and not (
            isinstance(value, bool) and bool not in fields[key]
        )
        if not ok:
            raise BadInputError(f"The {what} field {key!r} has the wrong type.")


def encode_request(request: Any, photo: bytes, audio: bytes | None) -> dict[str, Any]:
    """The JSON body of a render request (``output`` stays with the caller).

    Args:
        request: A ``pipelines.RenderRequest``.
        photo: The photo file's bytes.
        audio: The recording's bytes, or None.
    """
    body: dict[str, Any] = {"photo": encode_file(photo)}
    body["audio"] = None if audio is None else encode_file(audio)
    body["voice"] = dataclasses.asdict(request.voice)
    for name in ("text", "face_index", "mood", "still", "seed", "watermark", "captions", "lang"):
        body[name] = getattr(request, name)
    return body


def decode_request(payload: Any, limits: Limits) -> dict[str, Any]:
    """The RenderRequest fields of a JSON body, every value checked.

    Raises:
        BadInputError: Not an object, a missing photo, an unknown field, a wrong type, or a
            file that is not base64 or over the upload limit.
    """
    if not isinstance(payload, dict):
        raise BadInputError("The request body must be a JSON object.")
    _check_types(payload, _FIELDS, "request")
    if "photo" not in payload:
        raise BadInputError("The request has no photo.")
    fields = dict(payload)
    fields["photo"] = _decode_file(payload["photo"], "photo", limits.max_upload_bytes)
    if payload.get("audio") is not None:
        fields["audio"] = _decode_file(payload["audio"], "recording", limits.max_upload_bytes)
    voice = payload.get("voice", {})
    _check_types(voice, _VOICE_FIELDS, "voice")
    fields["voice"] = Voice(**{"name": AUTO, **voice})  # no name: the face's voice
    return fields


def encode_result(result: RenderResult, replica: str) -> dict[str, Any]:
    """The JSON answer of a finished render."""
    return {
        "video": encode_file(Path(result.video).read_bytes()),
        "audio": encode_file(Path(result.audio).read_bytes()),
        "subtitles": encode_file(Path(result.subtitles).read_bytes()),
        "lines": [dataclasses.asdict(line) for line in result.lines],
        "scene": dataclasses.asdict(result.scene),
        "faces": len(result.faces),
        "duration": result.duration,
        "timings": result.timings,
        "warnings": list(result.warnings),
        "replica": replica,
    }


def decode_result(answer: dict[str, Any], video: Path) -> tuple[RenderResult, str]:
    """Writes an answer's files (``video``, its WAV and SRT beside it); (result, replica).

    The result's ``faces`` is empty: face landmarks stay on the replica (``answer["faces"]``
    says how many there were).
    """
    paths = (video, video.with_suffix(".wav"), video.with_suffix(".srt"))
    for path, key in zip(paths, ("video", "audio", "subtitles"), strict=True):
        path.write_bytes(base64.b64decode(answer[key]))
    scene = dict(answer["scene"])
    scene["people"] = tuple(PersonInScene(**person) for person in scene["people"])
    for key in ("background", "text_in_photo", "surroundings"):
        scene[key] = tuple(scene.get(key, ()))
    result = RenderResult(
        video=paths[0],
        audio=paths[1],
        subtitles=paths[2],
        lines=tuple(Line(**line) for line in answer["lines"]),
        faces=(),
        scene=Scene(**scene),
        duration=float(answer["duration"]),
        timings=dict(answer["timings"]),
        warnings=tuple(answer["warnings"]),
    )
    return result, str(answer["replica"])


def error_body(error: TalkingPhotoError) -> dict[str, str]:
    """``{"error": <kind>, "message": <its sentence>}`` of a pipeline error."""
    return {"error": type(error).__name__, "message": error.message}


def error_from_body(body: dict[str, Any]) -> TalkingPhotoError:
    """The pipeline error an error answer stands for (its own class where known)."""
    kind = getattr(errors, str(body.get("error", "")), None)
    if not (isinstance(kind, type) and issubclass(kind, TalkingPhotoError)):
        kind = TalkingPhotoError
    return kind(str(body.get("message") or "The render service failed."))
