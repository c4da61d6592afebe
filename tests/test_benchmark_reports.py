"""Benchmark reports say where each part was measured."""

from __future__ import annotations

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
