"""Benchmark reports say where each part was measured; their hand-written data is sound."""

from __future__ import annotations

import re

from benchmarks.mandarin import _run_note


def test_a_mandarin_part_measured_on_another_machine_says_which() -> None:
    run = {"date": "2026-12-07", "load_before": 0.9, "load_after": 1.2}
    results = {
        "machine": {"cpu": "Intel(R) Xeon(R) Processor", "commit": "1b7c725"},
        "runs": {
            "chat": {**run, "cpu": "Intel(R) Xeon(R) Processor", "commit": "1b7c725"},
            "voices": {**run, "cpu": "AMD EPYC 7B13", "commit": "a2eac70"},
            "lipsync": run,  # recorded before parts kept their machine
        },
    }
    assert "Machine" not in _run_note(results, "chat")
    assert _run_note(results, "voices").endswith("Machine: AMD EPYC 7B13, commit a2eac70.")
    assert "Machine" not in _run_note(results, "lipsync")
    assert _run_note(results, "cold") == ""


def test_each_held_out_mandarin_line_has_one_syllable_per_character() -> None:
    # A slip in the hand-written syllables would count against the reader.
    from benchmarks.zh_readings import _HAN, LINES

    for line, said in LINES:
        assert len(said.split()) == sum(map(len, _HAN.findall(line))), line
        assert all(re.fullmatch(r"[a-z]+[1-5]", form) for form in re.split(r"[ |]", said)), line


def test_a_reading_scores_each_syllable_against_every_accepted_form() -> None:
    from benchmarks.zh_readings import score

    assert score(["ni2", "hao3"], "ni2 hao3") == 2
    assert score(["zhao4", "pian1"], "zhao4 pian4|pian1") == 2
    assert score(["zhao4", "pian3"], "zhao4 pian4|pian1") == 1
    assert score(["ni2"], "ni2 hao3") == 0  # a reading of another length matches nothing
