"""Which Mandarin child voice: intelligibility and pitch of each way of making one.

Usage: ``python -m benchmarks.zh_child [--sentences N] [--out benchmarks/results]``

No child's voice ships offline, so the Mandarin child is made from Kokoro's female styles: a
pitch shift, with the formants either moving with the pitch (resampling, as
``pipelines.audio.shift_pitch`` does) or placed on their own
(``benchmarks.formants.shift_pitch_and_formants``), and other Kokoro styles as the base.
Each candidate says the 20 digit-free sentences of ``benchmarks.mandarin``; the multilingual
whisper base (beam 5) transcribes them and the character error rate is reported with the
median pitch. Results go to ``<out>/zh_child.json`` and ``<out>/zh_child.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.formants import shift_pitch_and_formants
from benchmarks.mandarin import SENTENCES, simplified_cer
from benchmarks.run import ROOT

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Candidate:
    """One way of making the child voice.

    Attributes:
        label: Short name in the report.
        mix: Kokoro (style, weight) pairs.
        semitones: Pitch shift.
        formant_factor: Spectral-envelope scale; None = the formants move with the pitch.
    """

    label: str
    mix: tuple[tuple[str, float], ...]
    semitones: float
    formant_factor: float | None


_ALPHA = (("jf_alpha", 1.0),)
CANDIDATES = (
    Candidate("jf_alpha as is", _ALPHA, 0.0, 1.0),
    Candidate("jf_alpha +4 st, formants with pitch (x1.26)", _ALPHA, 4.0, None),
    Candidate("jf_alpha +3 st, formants with pitch (x1.19)", _ALPHA, 3.0, None),
    Candidate("jf_alpha +2 st, formants with pitch (x1.12)", _ALPHA, 2.0, None),
    Candidate("jf_alpha +4 st, formants kept", _ALPHA, 4.0, 1.0),
    Candidate("jf_alpha +4 st, formants x1.10", _ALPHA, 4.0, 1.10),
    Candidate("jf_alpha +3 st, formants x1.08", _ALPHA, 3.0, 1.08),
    Candidate("jf_nezumi as is", (("jf_nezumi", 1.0),), 0.0, 1.0),
    Candidate("jf_tebukuro as is", (("jf_tebukuro", 1.0),), 0.0, 1.0),
    Candidate("jf_gongitsune as is", (("jf_gongitsune", 1.0),), 0.0, 1.0),
    Candidate("jf_tebukuro +2 st, formants x1.06", (("jf_tebukuro", 1.0),), 2.0, 1.06),
    Candidate("jf_tebukuro +2 st, formants kept", (("jf_tebukuro", 1.0),), 2.0, 1.0),
)


def measure(engine: Any, whisper: Any, candidate: Candidate, sentences: tuple[str, ...]) -> dict:
    """CER and median pitch of one candidate over the sentences."""
    from pipelines.audio import resample
    from pipelines.protocols import Voice
    from tests.media_measures import median_f0

    factor = candidate.formant_factor
    if factor is None:
        factor = 2.0 ** (candidate.semitones / 12.0)
    plain = Voice("zh-female", lang="zh")
    rows, audio = [], []
    for sentence in sentences:
        spoken = engine.synthesize_with_style(sentence, candidate.mix, plain)
        spoken = dataclasses.replace(
            spoken,
            audio=shift_pitch_and_formants(
                spoken.audio, spoken.sample_rate, candidate.semitones, factor
            ),
        )
        heard = whisper.listen_samples(resample(spoken.audio, spoken.sample_rate, 16000))
        rows.append(
            {
                "text": sentence,
                "heard": heard.text,
                "cer": round(simplified_cer(sentence, heard.text), 3),
            }
        )
        audio.append(spoken.audio)
    cers = [row["cer"] for row in rows]
    return {
        "label": candidate.label,
        "mix": [list(pair) for pair in candidate.mix],
        "semitones": candidate.semitones,
        "formant_factor": round(factor, 3),
        "cer_median": round(statistics.median(cers), 3),
        "cer_mean": round(statistics.fmean(cers), 3),
        "median_pitch_hz": round(median_f0(np.concatenate(audio), spoken.sample_rate), 1),
        "sentences": rows,
    }


def markdown(results: dict[str, Any]) -> str:
    """The report as Markdown."""
    lines = [
        "# Mandarin child voice: candidates",
        "",
        f"{results['sentences']} digit-free sentences each (``benchmarks.mandarin``), "
        "transcribed by the multilingual whisper base (beam 5); CER = character error rate "
        f"(target ≤ 0.10). Run {results['date']}, 1-minute load average "
        f"{results['load_before']} before, {results['load_after']} after (CER and pitch do "
        "not depend on it).",
        "",
        "| candidate | pitch shift (st) | formant factor | CER median | CER mean "
        "| median pitch (Hz) |",
        "|---|---|---|---|---|---|",
    ]
    for row in results["candidates"]:
        lines.append(
            f"| {row['label']} | {row['semitones']:+g} | {row['formant_factor']} | "
            f"{row['cer_median']} | {row['cer_mean']} | {row['median_pitch_hz']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Measures every candidate; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=len(SENTENCES))
    parser.add_argument(
        "--only", help="comma-separated candidate numbers (0-based), measured in that order"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    from pipelines.speech.asr import WhisperTranscriber
    from pipelines.speech.kokoro_zh import KokoroMandarinFemale

    chosen = [int(i) for i in args.only.split(",")] if args.only else range(len(CANDIDATES))
    engine = KokoroMandarinFemale()
    whisper = WhisperTranscriber(beam_size=5)
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "load_before": round(os.getloadavg()[0], 2),
        "sentences": args.sentences,
        "candidates": [],
    }
    text = ""
    for index in chosen:
        row = measure(engine, whisper, CANDIDATES[index], SENTENCES[: args.sentences])
        logger.info(
            "%s: CER %.3f, %.0f Hz", row["label"], row["cer_median"], row["median_pitch_hz"]
        )
        results["candidates"].append(row)
        results["load_after"] = round(os.getloadavg()[0], 2)
        text = write(results, args.out)  # after each candidate: a long run keeps what it did
    sys.stdout.write(text)
    return 0


def write(results: dict[str, Any], out: Path) -> str:
    """Writes the JSON and Markdown reports; returns the Markdown."""
    text = markdown(results)
    (out / "zh_child.md").write_text(text, encoding="utf-8")
    (out / "zh_child.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return text


if __name__ == "__main__":
    sys.exit(main())
