"""Every error a user can meet has a sentence in English and in Chinese, from one table.

The pipeline raises errors by code (``pipelines.errors.text``); the web app renders them in the
visitor's language (``ui.feedback.error_sentence``). These tests walk every code, every place
the pipeline raises an error, and a few real errors, and check that the Chinese interface never
shows an English sentence.
"""

from __future__ import annotations

import ast
import io
import pickle
import re
import string
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipelines.errors import (
    BackendUnavailable,
    BadInputError,
    LimitExceeded,
    NoFaceError,
    StageTimeout,
    TalkingPhotoError,
)
from pipelines.errors.text import ERROR_TEXT, PHRASES, Phrase, render_text

ROOT = Path(__file__).resolve().parent.parent
PIPELINES = ROOT / "pipelines"
#: Modules that speak only to whoever runs the program (command line, batch manifests, the Ray
#: service, settings files): their errors stay in English and never reach the web app.
OPERATOR_ONLY = ("batch/", "serve/", "config.py", "cluster.py")
#: Errors that name packages, versions and server paths: for the server log; the web app shows
#: a plain sentence instead (``error_BackendUnavailable``).
DEVELOPER_ERRORS = {"BackendUnavailable"}
#: Latin-letter words a Chinese sentence may carry: file formats, units, names of things the
#: user types or sees as such.
ALLOWED_LATIN = {
    "JPEG", "PNG", "WebP", "GIF", "BMP", "TIFF", "ICO", "HEIC", "MiB", "WAV", "MP3", "M4A",
    "JSON", "YAML", "UTF", "HTTP", "RGB", "uint8", "numpy", "PIL", "Qwen", "n_threads", "face",
    "text", "imageio", "ffmpeg", "H", "W", "T",
}  # fmt: skip
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _sample_values(template: str) -> dict[str, object]:
    return dict.fromkeys(_fields(template), 7.5)


def latin_words(text: str) -> list[str]:
    """Latin-letter words in a text that are not in ALLOWED_LATIN."""
    return [word for word in LATIN_WORD.findall(text) if word not in ALLOWED_LATIN]


# --------------------------------------------------------------------- the table
@pytest.mark.parametrize("code", sorted(ERROR_TEXT))
def test_every_code_has_a_chinese_sentence_without_english(code: str) -> None:
    english, chinese = ERROR_TEXT[code]
    assert english.strip() and chinese.strip()
    assert re.search(r"[\u4e00-\u9fff]", chinese), chinese
    assert _fields(chinese) <= _fields(english), "the Chinese names a value English lacks"
    shown = render_text(code, "zh", _sample_values(english))
    assert not re.search(r"\{[a-z_]+[:!}]", shown), shown
    without_values = "".join(part for part, *_ in string.Formatter().parse(chinese))
    assert latin_words(without_values) == [], chinese
    assert render_text(code, "en", _sample_values(english)).strip()


@pytest.mark.parametrize("code", sorted(PHRASES))
def test_every_phrase_has_both_languages(code: str) -> None:
    english, chinese = PHRASES[code]
    assert _fields(chinese) == _fields(english)
    assert latin_words("".join(p for p, *_ in string.Formatter().parse(chinese))) == []


def _error_classes() -> set[str]:
    """Names of TalkingPhotoError and every subclass defined in the pipeline."""
    names = {"TalkingPhotoError"}
    trees = [ast.parse(p.read_text(encoding="utf-8")) for p in PIPELINES.rglob("*.py")]
    grew = True
    while grew:
        grew = False
        for tree in trees:
            for node in ast.walk(tree):
                bases = {getattr(b, "id", None) for b in getattr(node, "bases", [])}
                if isinstance(node, ast.ClassDef) and bases & names and node.name not in names:
                    names.add(node.name)
                    grew = True
    return names


def _error_calls() -> list[tuple[str, ast.Call]]:
    """Every construction of a pipeline error the web app can meet: (where, call)."""
    names = _error_classes() - DEVELOPER_ERRORS
    found = []
    for path in sorted([*PIPELINES.rglob("*.py"), *(ROOT / "ui").rglob("*.py")]):
        relative = path.relative_to(PIPELINES if path.is_relative_to(PIPELINES) else ROOT)
        relative = relative.as_posix()
        if relative.startswith(OPERATOR_ONLY) or relative.startswith("error"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.id if isinstance(func, ast.Name) else None
            rewrap = isinstance(func, ast.Call) and getattr(func.func, "id", "") == "type"
            if called in names or rewrap:
                found.append((f"{relative}:{node.lineno}", node))
    return found


def test_every_error_the_web_app_can_meet_is_raised_by_code_with_its_values() -> None:
    calls = _error_calls()
    assert len(calls) > 100  # the walk really finds the pipeline's errors
    problems = []
    for where, call in calls:
        if not call.args:  # NoFaceError(), Cancelled(): their own default code
            continue
        first = call.args[0]
        if isinstance(first, ast.IfExp):  # "a.code" if ... else "b.code": check the first
            first = first.body
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            if isinstance(first, ast.Call) and getattr(first.func, "attr", "") == "get":
                continue  # DURATION_CODES.get(...): checked by test_duration_codes_exist
            problems.append(f"{where}: the first argument is not a literal code")
            continue
        code = first.value
        if code not in ERROR_TEXT:
            problems.append(f"{where}: {code[:50]!r} is not a code of ERROR_TEXT")
            continue
        given = {keyword.arg for keyword in call.keywords}
        missing = _fields(ERROR_TEXT[code][0]) - given
        if missing:
            problems.append(f"{where}: {code} needs {sorted(missing)}")
    assert problems == []


def test_duration_codes_exist() -> None:
    from pipelines.render import DURATION_CODES

    assert set(DURATION_CODES.values()) <= set(ERROR_TEXT)


def test_missing_file_codes_exist() -> None:
    from pipelines.cli.common import MISSING_FILE_CODES

    assert set(MISSING_FILE_CODES.values()) <= set(ERROR_TEXT)


# --------------------------------------------------------------------- errors themselves
def test_an_error_keeps_its_code_values_and_english_message() -> None:
    error = LimitExceeded("text.too_long", chars=812, most=600)
    assert error.code == "text.too_long"
    assert error.params == {"chars": 812, "most": 600}
    assert (
        error.message
        == str(error)
        == "That line is 812 characters; the limit is 600. " + ("Shorten it and try again.")
    )
    assert error.text("zh") == "这句台词有 812 个字符，上限是 600 个。请缩短后再试。"
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), copy.code, copy.params, copy.message) == (
        LimitExceeded,
        error.code,
        error.params,
        error.message,
    )


def test_words_and_errors_inside_a_sentence_follow_its_language() -> None:
    inner = BadInputError("text.empty")
    outer = BadInputError("script.turn_text", turn=2, problem=inner)
    assert outer.message == "Turn 2: Please type something for them to say."
    assert outer.text("zh") == "第 2 句：请输入要让他们说的话。"
    timeout = StageTimeout("timeout.step", what=Phrase("step.speech"), seconds=30, stage="speech")
    assert timeout.message.startswith("Making the voice took longer than the 30 s limit")
    assert latin_words(timeout.text("zh")) == []


def test_a_plain_sentence_still_makes_an_error_without_a_code() -> None:
    error = BadInputError("A plug-in's own sentence.")
    assert (error.code, error.message, error.text("zh")) == (
        None,
        "A plug-in's own sentence.",
        "A plug-in's own sentence.",
    )
    with pytest.raises(TypeError):
        BadInputError("Not a code.", value=3)
    assert NoFaceError().code == "face.none"


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((height, width, 3), 128, np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def _silent_wav() -> bytes:
    import soundfile

    buffer = io.BytesIO()
    soundfile.write(buffer, np.zeros(16000, np.float32), 16000, format="WAV")
    return buffer.getvalue()


def test_real_errors_of_the_photo_text_and_audio_read_in_chinese() -> None:
    from pipelines.audio import load_audio
    from pipelines.config import Limits
    from pipelines.images import load_image as load_photo
    from pipelines.text import normalize_line

    attempts = [
        lambda: load_photo(b""),
        lambda: load_photo(b"a shopping list, not a photo"),
        lambda: load_photo(_png(20, 20)),
        lambda: load_photo(_png(400, 400), Limits(max_image_pixels=1000)),
        lambda: normalize_line("   ", 600),
        lambda: normalize_line("word " * 200, 600),
        lambda: load_audio(b"not audio at all" * 10),
        lambda: load_audio(_silent_wav()),
    ]
    for attempt in attempts:
        with pytest.raises(TalkingPhotoError) as caught:
            attempt()
        error = caught.value
        assert error.code is not None, error.message
        assert latin_words(error.text("zh")) == [], error.text("zh")
        assert error.text("en") == error.message


# --------------------------------------------------------------------- what the web app shows
def test_the_web_app_never_shows_english_inside_chinese() -> None:
    from ui.feedback import error_sentence

    coded = LimitExceeded("text.too_long", chars=812, most=600)
    assert error_sentence(coded, "zh") == coded.text("zh")
    assert error_sentence(coded, "en") == coded.message
    plain = BadInputError("A plug-in's own sentence.")
    assert error_sentence(plain, "en") == "A plug-in's own sentence."
    assert latin_words(error_sentence(plain, "zh")) == []
    backend = BackendUnavailable("The model /root/.cache/x.gguf is missing: pip install x")
    for lang in ("en", "zh"):
        shown = error_sentence(backend, lang)
        assert "/root" not in shown and "pip" not in shown
    assert latin_words(error_sentence(backend, "zh")) == []


# --------------------------------------------------------------------- warnings
def test_a_notice_is_its_english_sentence_and_knows_its_chinese() -> None:
    from pipelines.errors.text import Notice

    notice = Notice("warn.faces_limited", found=5, animated=3, most=3)
    assert notice == "5 faces were found; only 3 are animated at once (the limit is 3)."
    assert notice.text("zh") == "找到了 5 张脸；一次只让 3 张动起来（上限是 3）。"
    copy = pickle.loads(pickle.dumps(notice))
    assert (copy, copy.code, copy.params) == (notice, notice.code, notice.params)


def test_no_warning_is_written_as_a_plain_sentence() -> None:
    """``run.warn`` is given Notices (or notes made of them), never a literal sentence."""
    problems = []
    for path in sorted(PIPELINES.rglob("*.py")):
        relative = path.relative_to(PIPELINES).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            is_warn = isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "warn"
            if is_warn and any(isinstance(a, ast.Constant | ast.JoinedStr) for a in node.args):
                problems.append(f"{relative}:{node.lineno}")
    assert problems == []


def test_the_web_app_shows_warnings_in_the_interface_language() -> None:
    from pipelines.errors.text import Notice
    from ui.feedback import notice_sentence

    notice = Notice("warn.neutral_voice", person=2, confidence=0.55)
    assert notice_sentence(notice, "en") == notice
    assert latin_words(notice_sentence(notice, "zh")) == []
    assert notice_sentence("A plug-in's note.", "en") == "A plug-in's note."
    assert latin_words(notice_sentence("A plug-in's note.", "zh")) == []


def test_the_command_line_refuses_in_chinese_when_asked_for_chinese(tmp_path: Path) -> None:
    from tests.cli_process import run_cli

    fake = tmp_path / "holiday.jpg"
    fake.write_text("a shopping list, not a photo\n" * 20, encoding="utf-8")
    out = str(tmp_path / "out.mp4")
    chinese = run_cli("render", str(fake), "--say", "你好。", "--lang", "zh", "-o", out)
    assert chinese.returncode != 0
    assert "不是能读取的图片" in chinese.stderr, chinese.stderr
    english = run_cli("render", str(fake), "--say", "Hello.", "-o", out)
    assert "not an image we can read" in english.stderr, english.stderr
