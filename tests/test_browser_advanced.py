"""The Advanced panel as a visitor reads it, in Debian's Chromium: plain words, no server talk.

The app runs with a model server configured that does not answer (so the readiness check meets
a refused connection) and without the optional models. At a desktop and a phone size, in
English and in 简体中文, the open panel must show no server path, no module or backend name,
no Python syntax and no error text; every offered choice says what it changes; what cannot run
here is listed only under the folded "Why are some choices missing?", in plain words (with the
command for whoever runs the app), still without paths, syntax or error text.
"""

from __future__ import annotations

import dataclasses
import re
import socket
from collections.abc import Iterator

import pytest

from pipelines import TalkingPhotoPipeline
from pipelines.registry import STAGES, specs
from tests.launched_app import CHROMIUM, launched_app
from tests.test_browser_chinese import LATIN_WORD, NAMES

pytestmark = [pytest.mark.slow, pytest.mark.browser]

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
LANGUAGE_LABEL = {"en": "English", "zh": "简体中文"}
PANEL_STAGES = ("faces", "scene", "dialogue", "speech", "animator")
#: Backend names that are also plain English words a description may use.
ORDINARY_WORDS = {"voices", "template", "caption", "portrait"}
DEVELOPER_WORDS = sorted(
    {
        word.lower()
        for stage in STAGES
        for spec in specs(stage)
        for word in (spec.name, *spec.requires)
        if word.lower() not in ORDINARY_WORDS
    }
    | {"fetch-models", "pip", "backend_options", "gguf", "onnx", "cuda", "huggingface"}
)
SERVER_PATH = re.compile(r"/(home|root|tmp|usr|opt|var|path)\b|\.cache|site-packages|\.gguf|\.onnx")
PYTHON_SYNTAX = re.compile(r"\[\s*['\"]|\{\s*['\"]|\w\[|\w+\(\)|\w=\w|\.\.\.")
ERROR_TEXT = re.compile(r"errno|connection refused|traceback|exception", re.IGNORECASE)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def app_url(pipeline) -> Iterator[str]:
    """The app with an unanswering model server configured (nothing else differs)."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium not installed: apt-get install chromium")
    server = {"openai": {"base_url": f"http://127.0.0.1:{_closed_port()}/v1"}}
    settings = dataclasses.replace(pipeline.settings, backend_options=server)
    with launched_app(TalkingPhotoPipeline(settings)) as url:
        yield url


def developer_talk(text: str, commands_allowed: bool = False) -> list[str]:
    """What in a text speaks to developers: paths, module names, Python syntax, error text."""
    found = SERVER_PATH.findall(text) + ERROR_TEXT.findall(text) + PYTHON_SYNTAX.findall(text)
    if not commands_allowed:
        found += [
            word
            for word in DEVELOPER_WORDS
            if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text, re.IGNORECASE)
        ]
    return [str(item) for item in found]


def open_panel(browser, url: str, viewport: str, lang: str):
    page = browser.new_page(viewport=VIEWPORTS[viewport])
    page.goto(url)
    page.wait_for_selector("#generate", timeout=60_000)
    if lang == "zh":
        page.get_by_text(LANGUAGE_LABEL[lang], exact=True).click()
        page.wait_for_function("() => document.querySelector('#generate').innerText === '生成'")
    page.locator("#backends button.label-wrap").click()
    page.locator("#backend-faces").wait_for(timeout=10_000)
    return page


def offered_choices(page, stage: str) -> list[str]:
    """The texts of a stage's dropdown options (the list is opened, read, and closed)."""
    page.locator(f"#backend-{stage} input").click()
    options = page.locator("[data-testid=dropdown-option]")
    options.first.wait_for(timeout=5_000)
    texts = [text.replace("✓", "").strip() for text in options.all_inner_texts()]
    page.keyboard.press("Escape")
    return texts


@pytest.mark.parametrize("lang", LANGUAGE_LABEL)
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_advanced_speaks_plainly_and_keeps_server_details_out(
    browser, app_url: str, viewport: str, lang: str
) -> None:
    page = open_panel(browser, app_url, viewport, lang)
    shown = page.locator("#backends").inner_text()
    assert developer_talk(shown) == [], shown
    for stage in PANEL_STAGES:
        choices = offered_choices(page, stage)
        assert choices, f"{stage} offers nothing"
        for choice in choices:
            name, _, does = choice.partition(" — ")
            assert name and (len(does.split()) >= 2 if lang == "en" else len(does) >= 4), choice
            assert developer_talk(choice) == [], choice
            if lang == "zh":
                assert [w for w in LATIN_WORD.findall(choice) if w not in NAMES] == [], choice
    if lang == "zh":
        leftovers = [w for w in LATIN_WORD.findall(shown) if w not in NAMES]
        assert leftovers == [], shown

    why_not = page.locator("#backends-why-not")
    assert not why_not.locator("li").first.is_visible(), "the reasons are not folded"
    why_not.locator("summary").click()
    reasons = why_not.inner_text()
    server = "Model server" if lang == "en" else "模型服务器"
    assert server in reasons, reasons  # the unanswering server is listed as not available
    assert developer_talk(reasons, commands_allowed=True) == [], reasons
    page.close()
