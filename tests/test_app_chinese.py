"""The 中文 web app through gradio_client: its refusals are Chinese sentences, not English ones.

A client that switches the interface to 中文 (``/language``, as the page's radio does) meets
real errors of the real pipeline (a dog, a shopping list, a line that is too long, a face the
photo lacks) and reads each in Chinese, with no English sentence inside.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.launched_app import launched_app
from tests.test_errors_text import latin_words


@pytest.fixture(scope="module")
def chinese_client(pipeline) -> Iterator[object]:
    """A gradio_client whose session speaks 中文, on the app around the session's pipeline."""
    from gradio_client import Client

    with launched_app(pipeline) as url:
        client = Client(url, verbose=False)
        client.predict("zh", None, api_name="/language")
        yield client


def _refusal(call) -> str:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as refused:
        call()
    return str(refused.value)


def _render(client, photo: Path, **options: object) -> object:
    from gradio_client import handle_file

    arguments = {"speaker": None, "text": "", "audio": None, "consent": True}
    arguments.update(options)
    return client.predict(photo=handle_file(str(photo)), api_name="/render", **arguments)


@pytest.mark.slow
def test_real_refusals_reach_a_chinese_client_in_chinese(
    chinese_client, examples: Path, tmp_path: Path
) -> None:
    from gradio_client import handle_file

    client = chinese_client
    fake = tmp_path / "holiday.jpg"
    fake.write_text("this is a shopping list, not a photo\n" * 20, encoding="utf-8")
    woman = examples / "smiling_woman_256.png"
    one_face = handle_file(str(examples / "einstein_bw.jpg"))
    cases = {
        "照片里没有找到人脸": lambda: client.predict(
            handle_file(str(examples / "shiba_dog.jpg")), api_name="/faces"
        ),
        "不是能读取的图片": lambda: client.predict(handle_file(str(fake)), api_name="/faces"),
        "上限是 600": lambda: _render(client, woman, text="Hello there, my friend. " * 40),
        "没有编号为 5 的脸": lambda: client.predict(one_face, 5, "neutral", 0, api_name="/suggest"),
        "勾选": lambda: _render(client, woman, text="Hello.", consent=False),
    }
    for expected, call in cases.items():
        shown = _refusal(call)
        assert expected in shown, shown
        assert latin_words(shown) == [], shown
