"""Numbers and symbols in Chinese lines: read as a speaker says them, and heard so.

Usage: ``python -m benchmarks.zh_numbers [--voices zh-female,zh-male] [--name zh_numbers]
[--out benchmarks/results]``

Each sentence below is typed with Arabic numerals and symbols (2个, 2:30, ¥199, 25°C, 1,000)
and paired with how a Mandarin speaker says it, written by hand in words. Two measures:

- **Reading**: does ``read_numbers`` turn the typed sentence into the spoken one, exactly,
  read clause by clause (``split_clauses``) as the voice reads it?
- **Hearing**: each voice says the typed sentence; the multilingual whisper base (beam 5)
  transcribes it; what it heard, in simplified characters and with its own numerals read the
  same way, is compared with the spoken sentence (character error rate). Whisper writes
  numbers either as digits or as words, so a 2 it heard counts as right whether the voice
  said 二 or 两: the reading measure is the one that tells those apart.

Results go to ``<out>/<name>.json`` and ``<out>/<name>.md``.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
from pathlib import Path
from typing import Any

from benchmarks import report
from benchmarks.mandarin import simplified_cer
from benchmarks.run import ROOT

logger = logging.getLogger(__name__)

#: (typed, as a speaker says it), the second written by hand.
SENTENCES: tuple[tuple[str, str], ...] = (
    ("我有2个孩子，一个3岁，一个5岁。", "我有两个孩子，一个三岁，一个五岁。"),
    ("我1998年出生，今年26岁。", "我一九九八年出生，今年二十六岁。"),
    ("这件衣服要¥199。", "这件衣服要一百九十九元。"),
    ("今天25°C，很暖和。", "今天二十五摄氏度，很暖和。"),
    ("我每天走5km。", "我每天走五公里。"),
    ("我们下午2:30见。", "我们下午两点三十分见。"),
    ("这本书卖了1,000本。", "这本书卖了一千本。"),
    ("我在这里住了2年。", "我在这里住了两年。"),
    ("那是20世纪90年代的事。", "那是二十世纪九十年代的事。"),
    ("2024-03-05是我的生日。", "二零二四年三月五日是我的生日。"),
    ("我考了第2名。", "我考了第二名。"),
    ("这座城有2000多年的历史。", "这座城有两千多年的历史。"),
    ("价格是$5.99。", "价格是五点九九美元。"),
    ("只有50%的人来了。", "只有百分之五十的人来了。"),
    ("我每天睡8小时。", "我每天睡八小时。"),
    ("我们2人一起去。", "我们两人一起去。"),
)
VOICES = ("zh-female", "zh-male")


def measure(voices: tuple[str, ...]) -> dict[str, Any]:
    """Reading and hearing of every sentence, per voice."""
    from pipelines import Settings, TalkingPhotoPipeline, Voice
    from pipelines.audio import resample
    from pipelines.speech.asr import WhisperTranscriber
    from pipelines.speech.zh_text import read_numbers, split_clauses
    from pipelines.text import simplified_chinese

    def read(typed: str) -> str:
        # Clause by clause, as the voice reads it: a mark the cut takes out of a number
        # (the colon of 2:30) is a misreading too.
        return "".join(read_numbers(clause) for clause in split_clauses(typed))

    reading = [
        {"typed": typed, "spoken": spoken, "read": read(typed)} for typed, spoken in SENTENCES
    ]
    pipeline = TalkingPhotoPipeline(Settings())
    whisper = WhisperTranscriber(beam_size=5)
    heard: dict[str, Any] = {}
    for name in voices:
        rows = []
        for typed, spoken in SENTENCES:
            speech = pipeline.speak(typed, Voice(name, lang="zh"))
            text = whisper.listen_samples(resample(speech.audio, speech.sample_rate, 16000)).text
            # Whisper's numerals read as the voice's reader reads them (simplified first, as the
            # reader does: 2個 is 两个 only once 個 is 个), then compared.
            cer = simplified_cer(spoken, read_numbers(simplified_chinese(text)))
            rows.append({"typed": typed, "heard": text, "cer": round(cer, 3)})
            logger.info("%s: %s -> %s (CER %.3f)", name, typed, text, cer)
        cers = [row["cer"] for row in rows]
        heard[name] = {
            "cer_median": round(statistics.median(cers), 3),
            "cer_mean": round(statistics.fmean(cers), 3),
            "sentences": rows,
        }
    return {
        "machine": report.machine(),
        "read_as_spoken": sum(row["read"] == row["spoken"] for row in reading),
        "reading": reading,
        "heard": heard,
    }


def markdown(results: dict[str, Any]) -> list[str]:
    """The reading table and each voice's character error rates, as Markdown lines."""
    reading = results["reading"]
    lines = [
        "# Numbers and symbols in Chinese lines",
        "",
        f"Run {results['machine']['date']} at commit {results['machine']['commit']}.",
        "",
        f"Read as a speaker says them: **{results['read_as_spoken']} of {len(reading)}**.",
        "",
        "| typed | read | as a speaker says it |",
        "|---|---|---|",
    ]
    for row in reading:
        said = "=" if row["read"] == row["spoken"] else row["spoken"]
        lines.append(f"| {row['typed']} | {row['read']} | {said} |")
    lines += ["", "| voice | CER median | CER mean | worst (heard) |", "|---|---|---|---|"]
    for name, voice in results["heard"].items():
        worst = max(voice["sentences"], key=lambda row: row["cer"])
        lines.append(
            f"| {name} | {voice['cer_median']} | {voice['cer_mean']} |"
            f" {worst['cer']} ({worst['heard']}) |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voices", default=",".join(VOICES))
    parser.add_argument("--name", default="zh_numbers")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    os.environ.setdefault("GLOG_minloglevel", "2")
    results = measure(tuple(v for v in args.voices.split(",") if v))
    report.write_results(args.out, args.name, markdown(results), results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
