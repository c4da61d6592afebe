"""Batch rendering on local worker processes: manifests, results, bad rows, resuming."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.batch import ManifestError, read_manifest
from pipelines.batch.job import RowJob, one_sentence, request_for

#: (id, photo, text, mood): four good rows, a photo with no face and a photo that is missing.
ROWS = (
    ("einstein", "einstein.jpg", "Hello there.", "happy"),
    ("woman", "woman.jpg", "Good morning.", ""),
    ("dog", "dog.jpg", "Woof.", ""),
    ("lost", "missing.jpg", "Nobody is here.", ""),
    ("mona", "mona.jpg", "I am here.", "sad"),
    ("einstein-2", "einstein.jpg", "Bye now.", ""),
)
GOOD = {"einstein", "woman", "mona", "einstein-2"}


def tiny_photos(folder: Path, examples: Path) -> None:
    """Small copies of example photos (192 px), so renders are quick."""
    from PIL import Image

    sources = {
        "einstein.jpg": "einstein_bw.jpg",
        "woman.jpg": "smiling_woman_256.png",
        "dog.jpg": "shiba_dog.jpg",
        "mona.jpg": "mona_lisa.jpg",
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, source in sources.items():
        image = Image.open(examples / source).convert("RGB")
        image.thumbnail((192, 192))
        image.save(folder / name)


def write_manifest(folder: Path, examples: Path) -> Path:
    """A six-row CSV manifest (two bad rows) with its photos in ``folder/photos``."""
    tiny_photos(folder / "photos", examples)
    lines = ["id,photo,text,mood"] + [f"{i},photos/{p},{t},{m}" for i, p, t, m in ROWS]
    manifest = folder / "manifest.csv"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return manifest


def results(outdir: Path) -> list[dict]:
    lines = (outdir / "results.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def check_first_run(outdir: Path) -> list[dict]:
    """Four videos, two one-sentence errors, one results line per row."""
    records = results(outdir)
    assert sorted(r["id"] for r in records) == sorted(i for i, *_ in ROWS)
    for record in records:
        assert set(record) == {"id", "photo", "status", "message", "seconds", "outputs", "worker"}
        if record["id"] in GOOD:
            assert record["status"] == "ok" and record["message"] == ""
            assert record["outputs"] == [f"{record['id']}{s}" for s in (".mp4", ".wav", ".srt")]
            assert all((outdir / name).stat().st_size > 0 for name in record["outputs"])
        else:
            assert record["status"] == "error" and record["outputs"] == []
            message = record["message"]
            assert message.endswith(".") and message.count(". ") == 0, message
    by_id = {r["id"]: r for r in records}
    assert "face" in by_id["dog"]["message"]
    assert "missing.jpg" in by_id["lost"]["message"]
    assert sorted(p.name for p in outdir.glob("*.mp4")) == sorted(f"{i}.mp4" for i in GOOD)
    assert not list(outdir.glob(".*.tmp"))
    return records


# --------------------------------------------------------------------- manifest
def test_csv_and_jsonl_manifests_read_the_same_rows(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(
        "Photo,text,face,voice\nimgs/x.jpg,Hello there.,1,female\n/abs/y.png,,,\n",
        encoding="utf-8",
    )
    (tmp_path / "a.jsonl").write_text(
        '{"photo": "imgs/x.jpg", "text": "Hello there.", "face": 1, "voice": "female"}\n\n'
        '{"photo": "/abs/y.png", "text": ""}\n',
        encoding="utf-8",
    )
    from_csv, from_jsonl = read_manifest(tmp_path / "a.csv"), read_manifest(tmp_path / "a.jsonl")
    assert from_csv == from_jsonl
    first, second = from_csv
    assert first.photo_path == tmp_path / "imgs" / "x.jpg"  # relative to the manifest
    assert second.photo_path == Path("/abs/y.png")
    assert (first.face, first.voice, second.text) == ("1", "female", "")
    assert first.id.startswith("x-") and second.id.startswith("y-") and first.id != second.id


def test_a_row_s_cells_become_its_render_request(tmp_path: Path) -> None:
    bare = request_for(RowJob("a", "a.jpg", b"photo", text="Hi."), tmp_path / "a.mp4")
    assert (bare.voice.name, bare.lang, bare.face_index, bare.mood) == (
        "auto",  # an empty voice cell fits the face, as the command line does
        "auto",
        None,
        "neutral",
    )
    full = request_for(
        RowJob("b", "b.jpg", b"photo", text="Hi.", face="1", voice="female", lang="zh"),
        tmp_path / "b.mp4",
    )
    assert (full.voice.name, full.lang, full.face_index) == ("female", "zh", 1)


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("m.txt", "photo,text\n", ".csv or .jsonl"),
        ("m.csv", "", "empty"),
        ("m.csv", "photo,text\n", "no rows"),
        ("m.csv", "photo,words\na.jpg,hi\n", "no text column"),
        ("m.csv", "photo,text,colour\na.jpg,hi,red\n", "unknown column"),
        ("m.csv", "photo,text\na.jpg,hi,extra\n", "3 values"),
        ("m.csv", "id,photo,text\nsame,a.jpg,hi\nsame,b.jpg,ho\n", "same id"),
        ("m.csv", "id,photo,text\n../up,a.jpg,hi\n", "the id"),
        ("m.jsonl", '{"photo": "a.jpg", "text": "hi"}\n{"photo": \n', "not valid JSON"),
        ("m.jsonl", '["a.jpg", "hi"]\n', "not a JSON object"),
    ],
)
def test_a_broken_manifest_is_refused_in_one_sentence(
    tmp_path: Path, name: str, content: str, words: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ManifestError) as refused:
        read_manifest(path)
    assert words in refused.value.message
    assert "\n" not in refused.value.message


def test_a_missing_manifest_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="could not be read"):
        read_manifest(tmp_path / "nowhere.csv")


def test_one_sentence_keeps_the_first_sentence() -> None:
    assert one_sentence("No face here. Try another photo.") == "No face here."
    assert one_sentence("It lasts 95 s; the limit is 90 s.\nUse less.") == (
        "It lasts 95 s; the limit is 90 s."
    )
    assert one_sentence("version 1.5 is needed") == "version 1.5 is needed."


def test_a_rerun_keeps_only_finished_rows_after_a_crash(tmp_path: Path) -> None:
    from pipelines.batch import ResultsLog
    from pipelines.batch.job import RowOutcome

    log = ResultsLog(tmp_path)
    files = {".mp4": b"video", ".wav": b"audio", ".srt": b"1\n"}
    log.record(RowOutcome("done", "a.jpg", "ok", "", 1.0, "w", files))
    log.record(RowOutcome("gone", "b.jpg", "ok", "", 1.0, "w", files))
    log.record(RowOutcome("bad", "c.jpg", "error", "No face.", 0.1, "w"))
    (tmp_path / "gone.mp4").unlink()  # its video was lost since
    with log.path.open("a", encoding="utf-8") as handle:
        handle.write('{"id": "cut", "status": "o')  # a line cut short by a crash
    assert list(log.finished()) == ["done"]
    assert [json.loads(line)["id"] for line in log.path.read_text().splitlines()] == ["done"]
    assert (tmp_path / "done.mp4").read_bytes() == b"video"


# --------------------------------------------------------------------- local engine
@pytest.mark.slow
def test_local_batch_survives_a_killed_worker_records_bad_rows_and_resumes(
    tmp_path: Path, examples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import multiprocessing
    import os
    import signal

    from pipelines.batch import LocalEngine, run_batch
    from pipelines.cli import main

    manifest = write_manifest(tmp_path, examples)
    outdir = tmp_path / "out"
    engine = LocalEngine(workers=2)
    killed: list[int] = []

    def kill_a_worker(record: dict) -> None:
        if record["worker"] != "driver" and not killed:
            workers = multiprocessing.active_children()
            os.kill(workers[0].pid, signal.SIGKILL)
            killed.append(workers[0].pid)

    summary = run_batch(manifest, outdir, engine, show_progress=False, on_record=kill_a_worker)
    assert killed and engine.retried  # the rows under way went to a new pool
    assert (summary.ok, summary.failed) == (4, 2)
    records = check_first_run(outdir)  # every row once: none lost, none twice
    assert {r["worker"] for r in records if r["id"] == "lost"} == {"driver"}
    stamps = {p.name: p.stat().st_mtime_ns for p in outdir.glob("*.mp4")}

    # The command, run again: it skips the four done rows, tries the two bad ones again and
    # renders nothing new.
    code = main(["batch", str(manifest), "-o", str(outdir), "--workers", "1"])
    assert code == 2  # some rows failed
    assert "0 rendered, 2 failed, 4 already done" in capsys.readouterr().out
    assert {p.name: p.stat().st_mtime_ns for p in outdir.glob("*.mp4")} == stamps
    check_first_run(outdir)  # still one line per row
