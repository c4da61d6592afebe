"""Kokoro as shipped (int8, every convolution quantized at run time) against the model the
Mandarin voices run, whose costliest convolutions are quantized statically
(``pipelines.speech.kokoro_quantized``): time, sound and intelligibility on the same phonemes.

Usage: ``python -m benchmarks.kokoro_speed [--rounds 3] [--sentences 20] [--out DIR]``

Each of the 20 digit-free sentences of ``benchmarks.mandarin`` is spoken by both models in the
four styles the Mandarin voices use (``STYLES``), the two models taking turns, ``--rounds``
times; two onnxruntime threads each, one call at a time. Reported:

- time: the median over rounds per sentence, then the median of the per-sentence ratios
  (quantized / shipped) and each model's real-time factor (seconds per second of audio);
- sound: the log-spectral distance between the two models' audio of each sentence (80
  log-spaced bands, 60 Hz-11 kHz, 1024-sample frames every 10 ms, frames within 50 dB of the
  loudest), and whether every token's duration is the same;
- intelligibility: the character error rate of what multilingual whisper base hears in each.

Results: ``<out>/kokoro_speed.json`` and ``<out>/kokoro_speed.md``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.mandarin import SENTENCES, simplified_cer
from benchmarks.run import ROOT
from tests.media_measures import log_spectral_distance

logger = logging.getLogger(__name__)

#: The Kokoro styles spoken: the zh-male, zh-female and zh-child voices' own, and jf_alpha
#: (half of zh-neutral's mix).
STYLES = ("jm_kumo", "jf_gongitsune", "jf_tebukuro", "jf_alpha")
SAMPLE_RATE = 24000


def measure(rounds: int, sentences: tuple[str, ...]) -> dict[str, Any]:
    """Both models on every sentence and style; per-sentence rows and medians."""
    from pipelines.audio import resample
    from pipelines.speech.asr import WhisperTranscriber
    from pipelines.speech.kokoro_onnx import KokoroModel, read_vocabulary
    from pipelines.speech.kokoro_zh import _shared_model

    quantized, reader, _ = _shared_model(2)
    shipped = KokoroModel(threads=2, vocabulary=read_vocabulary())
    models = {"shipped": shipped, "quantized": quantized}
    whisper = WhisperTranscriber(beam_size=5)
    rows = []
    for style_name in STYLES:
        style = shipped.styles[style_name]
        for sentence in sentences:
            phonemes = "".join(unit.phonemes for unit in reader.units(sentence))
            seconds: dict[str, list[float]] = {name: [] for name in models}
            spoken: dict[str, tuple[np.ndarray, np.ndarray]] = {}
            for _ in range(rounds):
                for name, model in models.items():
                    started = time.perf_counter()
                    spoken[name] = model.infer(phonemes, style)
                    seconds[name].append(time.perf_counter() - started)
            duration = len(spoken["shipped"][0]) / SAMPLE_RATE
            row: dict[str, Any] = {
                "style": style_name,
                "text": sentence,
                "audio_s": round(duration, 3),
                "same_durations": bool(
                    np.array_equal(spoken["shipped"][1], spoken["quantized"][1])
                ),
                "distance_db": round(
                    log_spectral_distance(
                        spoken["shipped"][0], spoken["quantized"][0], SAMPLE_RATE
                    ),
                    2,
                ),
            }
            for name in models:
                heard = whisper.listen_samples(resample(spoken[name][0], SAMPLE_RATE, 16000))
                row[f"{name}_s"] = round(statistics.median(seconds[name]), 3)
                row[f"{name}_cer"] = round(simplified_cer(sentence, heard.text), 3)
                row[f"{name}_heard"] = heard.text
            row["ratio"] = round(row["quantized_s"] / row["shipped_s"], 3)
            logger.info(
                "%s %s: ratio %.2f, %.1f dB", style_name, sentence, row["ratio"], row["distance_db"]
            )
            rows.append(row)
    by_style = {name: summary([r for r in rows if r["style"] == name]) for name in STYLES}
    return {"rows": rows, **summary(rows), "styles": by_style}


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the rows: time ratio, real-time factors, distance, CERs."""
    audio = sum(row["audio_s"] for row in rows)
    return {
        "ratio_median": round(statistics.median(row["ratio"] for row in rows), 3),
        "shipped_rtf": round(sum(row["shipped_s"] for row in rows) / audio, 3),
        "quantized_rtf": round(sum(row["quantized_s"] for row in rows) / audio, 3),
        "distance_db_median": round(statistics.median(row["distance_db"] for row in rows), 2),
        "distance_db_max": round(max(row["distance_db"] for row in rows), 2),
        "same_durations": sum(row["same_durations"] for row in rows),
        "shipped_cer_mean": round(statistics.fmean(row["shipped_cer"] for row in rows), 3),
        "quantized_cer_mean": round(statistics.fmean(row["quantized_cer"] for row in rows), 3),
        "shipped_cer_median": round(statistics.median(row["shipped_cer"] for row in rows), 3),
        "quantized_cer_median": round(statistics.median(row["quantized_cer"] for row in rows), 3),
    }


def markdown(results: dict[str, Any]) -> str:
    """The report: the summary table, then one row per sentence and style."""
    lines = [
        "# Kokoro: shipped int8 against the statically quantized vocoder blocks",
        "",
        f"Run {results['date']} at commit {results['commit']}; 1-minute load average "
        f"{results['load_before']} before, {results['load_after']} after; "
        f"{results['rounds']} rounds, two threads per model.",
        "",
        "| measure | shipped | quantized |",
        "|---|---|---|",
        f"| real-time factor (s per s of audio) | {results['shipped_rtf']} "
        f"| {results['quantized_rtf']} |",
        f"| CER mean / median | {results['shipped_cer_mean']} / {results['shipped_cer_median']} "
        f"| {results['quantized_cer_mean']} / {results['quantized_cer_median']} |",
        "",
        f"Time ratio (quantized / shipped), median of sentences: **{results['ratio_median']}**. "
        f"Log-spectral distance between the two: median {results['distance_db_median']} dB, "
        f"largest {results['distance_db_max']} dB. Same durations for every token: "
        f"{results['same_durations']} of {len(results['rows'])}.",
        "",
        "| style | ratio (median) | distance (dB, median) | CER mean shipped | CER mean quantized "
        "|",
        "|---|---|---|---|---|",
        *(
            f"| {name} | {style['ratio_median']} | {style['distance_db_median']} "
            f"| {style['shipped_cer_mean']} | {style['quantized_cer_mean']} |"
            for name, style in results["styles"].items()
        ),
        "",
        "| style | sentence | audio (s) | shipped (s) | quantized (s) | ratio | distance (dB) "
        "| CER shipped | CER quantized |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['style']} | {r['text']} | {r['audio_s']} | {r['shipped_s']} | {r['quantized_s']} "
        f"| {r['ratio']} | {r['distance_db']} | {r['shipped_cer']} | {r['quantized_cer']} |"
        for r in results["rows"]
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Measures both models; writes the reports; returns the exit code."""
    from benchmarks.report import commit_of

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sentences", type=int, default=len(SENTENCES))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    load_before = round(os.getloadavg()[0], 2)
    results = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "commit": commit_of(ROOT),
        "rounds": args.rounds,
        "load_before": load_before,
        **measure(args.rounds, SENTENCES[: args.sentences]),
        "load_after": round(os.getloadavg()[0], 2),
    }
    text = markdown(results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "kokoro_speed.md").write_text(text, encoding="utf-8")
    (args.out / "kokoro_speed.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
