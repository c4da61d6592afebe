"""The web app in a real browser: Debian's Chromium driven by Playwright, the real models behind.

Set UPDATE_SCREENSHOT=1 to also rewrite assets/screenshot.png (the README's picture).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import pytest

from tests.launched_app import (
    SCREENSHOT_MAX_BYTES,
    save_screenshot,
)
from tests.media_measures import stream_facts

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "assets" / "screenshot.png"
RENDER_TIMEOUT_MS = 180_000

logger = logging.getLogger(__name__)


def test_a_visitor_makes_a_photo_talk_and_downloads_the_video(
    browser, app_url: str, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    started = time.perf_counter()
    page.goto(app_url)
    page.wait_for_selector("#consent input[type=checkbox]", timeout=60_000)

    # One click on an example photo finds its face and picks it as the speaker.
    page.locator('#examples button.gallery-item:has(img[src*="woman_waterfall"])').click()
    page.wait_for_selector("#faces img", timeout=60_000)
    page.locator("#speaker input").click()
    page.get_by_role("option", name="Person 1").click()
    assert page.locator("#speaker input").input_value().startswith("Person 1")

    page.locator("#consent input[type=checkbox]").check()
    page.locator("#line textarea").fill("Hello! I am a photo, and today I can talk.")
    page.locator("#generate").click()

    page.wait_for_selector("#video video", timeout=RENDER_TIMEOUT_MS)
    page.wait_for_function(
        "() => { const v = document.querySelector('#video video');"
        " return v && v.readyState >= 1 && v.duration > 0; }",
        timeout=60_000,
    )
    # The player streams: it plays the first segment while the rest renders. The transcript
    # and the downloads come once the render is over; the whole line's length is read from
    # the downloaded MP4. Served names carry 128 random bits: talking-photo-<id>.mp4.
    link = page.locator('#downloads a[download^="talking-photo-"][download$=".mp4"]')
    link.wait_for(timeout=RENDER_TIMEOUT_MS)
    transcript = page.locator("#transcript textarea").input_value()
    assert "talk" in transcript
    # The player saves nothing itself (it would save stitched segments): Downloads do.
    saving = (
        "#video a[download], #video button[aria-label*='ownload' i], #video [title*='ownload' i]"
    )
    assert page.locator(saving).count() == 0

    # The MP4 download link hands over a real MP4.
    with page.expect_download(timeout=60_000) as download_info:
        link.click()
    saved = tmp_path / "downloaded.mp4"
    download_info.value.save_as(saved)
    landing_to_download = time.perf_counter() - started
    data = saved.read_bytes()
    assert data[4:8] == b"ftyp", "the download is an MP4 file"
    assert stream_facts(saved)["video_seconds"] > 1.0, "the line takes more than a second to say"
    logger.info("landing to downloaded video: %.1f s", landing_to_download)
    assert not errors, f"the page raised JavaScript errors: {errors}"

    # Show a frame with the mouth open rather than the first one, then take the pictures.
    page.evaluate(
        "() => new Promise(done => { const v = document.querySelector('#video video');"
        " v.addEventListener('seeked', done, {once: true}); v.currentTime = v.duration * 0.4; })"
    )
    page.screenshot(path=str(tmp_path / "app.png"), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOT") == "1":
        save_screenshot(page, SCREENSHOT)
        assert SCREENSHOT.stat().st_size < SCREENSHOT_MAX_BYTES
    page.close()


def test_cancel_stops_the_render_on_the_server(browser, app_url: str, pipeline) -> None:
    output_dir = Path(pipeline.settings.output_dir)

    def request_folders() -> set[Path]:
        """Render folders: 32-hex-digit folders, minus those holding a faces overview image."""
        return {
            p
            for p in output_dir.iterdir()
            if p.is_dir() and len(p.name) == 32 and not any(p.glob("faces-*.webp"))
        }

    before = request_folders()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(app_url)
    page.wait_for_selector("#consent input[type=checkbox]", timeout=60_000)
    page.locator('#examples button.gallery-item:has(img[src*="einstein_bw"])').click()
    page.wait_for_selector("#faces img", timeout=60_000)
    page.locator("#consent input[type=checkbox]").check()
    long_line = " ".join(
        [
            "Let me tell you a long story about the summer I spent by the sea.",
            "Every morning I walked along the beach and counted the boats in the harbour.",
            "In the afternoons I read old books under a tree and fell asleep in the shade.",
            "At night the whole village gathered to sing songs and tell stories by the fire.",
            "It was the happiest summer of my life, and I still think about it every day.",
            "My friends and I built a small boat and sailed it to the island across the bay.",
            "We came home late, tired and sunburnt, with our pockets full of shells.",
        ]
    )
    assert len(long_line) < 600  # the pipeline's limit; about 30 s of speech
    page.locator("#line textarea").fill(long_line)
    page.locator("#generate").click()
    page.get_by_text("Step 5/6").first.wait_for(timeout=RENDER_TIMEOUT_MS)
    assert len(request_folders() - before) == 1, "the render has its own folder"
    # Cancel once the first streamed part of the video plays: the stopped video must go too.
    page.wait_for_selector("#video video", timeout=RENDER_TIMEOUT_MS)
    page.locator("#cancel").click()

    # The server stops at its next progress report and deletes the half-made output.
    deadline = time.monotonic() + 30
    while request_folders() - before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not request_folders() - before, "the cancelled render's folder was removed"
    # The page empties the video once Cancel's answer is back (the server may be quicker).
    page.wait_for_function("() => !document.querySelector('#video video')", timeout=10_000)
    page.wait_for_timeout(1_000)  # and no late segment of the stopped render brings it back
    assert page.locator("#video video").count() == 0
    page.close()


def test_chinese_interface_and_choosing_a_speaker_by_clicking_their_face(
    browser, app_url: str
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(app_url)
    page.wait_for_selector("#generate", timeout=60_000)
    assert "Generate" in page.locator("#generate").inner_text()
    page.get_by_text("简体中文").click()
    page.wait_for_function(
        "() => document.querySelector('#generate').innerText.includes('生成')", timeout=10_000
    )
    assert "谁来说话" in page.content()

    page.locator('#examples button.gallery-item:has(img[src*="einstein_and_mona_lisa"])').click()
    # The faces are found once the speaker is chosen: the largest face, before any click.
    page.wait_for_function(
        "() => document.querySelector('#speaker input').value.startsWith('第')", timeout=60_000
    )
    overview = page.locator("#faces img")
    size = overview.bounding_box()
    assert size is not None
    # einstein_and_mona_lisa.jpg: Einstein on the left, the Mona Lisa on the right, faces a
    # little above the middle. The face not chosen yet is clicked first, so each click must
    # change the speaker.
    faces = {"第 1 人": (0.26, 0.4), "第 2 人": (0.75, 0.36)}
    chosen = page.locator("#speaker input").input_value()
    for name in sorted(faces, key=chosen.startswith):
        x, y = faces[name]
        overview.click(position={"x": size["width"] * x, "y": size["height"] * y})
        page.wait_for_function(
            f"() => document.querySelector('#speaker input').value.startsWith('{name}')",
            timeout=30_000,
        )
    page.locator("#generate").click()  # the right-to-animate box is not ticked yet
    page.get_by_text("生成前请先勾选").first.wait_for(timeout=30_000)
    page.close()


#: Notes, in order, each new source the chat's voice player and its video element take.
WATCH_CHAT_SOURCES_JS = """
window.chatSources = [];
setInterval(() => {
  const video = document.querySelector('#chat-video video');
  const sources = {
    voice: (window.chatVoice && window.chatVoice.player.src) || '',
    video: (video && (video.currentSrc || video.src)) || '',
  };
  for (const [kind, source] of Object.entries(sources)) {
    const key = 'last_' + kind;
    if (source && source !== window[key]) { window[key] = source; window.chatSources.push(kind); }
  }
}, 10);
"""

CHAT_QUESTIONS = [
    "Hello! How are you today?",
    "Where was this photo taken?",
    "What do you like to do on weekends?",
    "Who is standing next to you?",
    "Thank you, goodbye!",
]


def test_a_visitor_holds_a_five_turn_chat_hearing_each_answer_before_its_video(
    browser, app_url: str
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(WATCH_CHAT_SOURCES_JS)
    page.goto(app_url)
    page.wait_for_selector("#consent input[type=checkbox]", timeout=60_000)
    page.locator('#examples button.gallery-item:has(img[src*="einstein_and_mona_lisa"])').click()
    page.wait_for_selector("#faces img", timeout=60_000)
    page.locator("#consent input[type=checkbox]").check()

    page.get_by_role("tab", name="Chat").click()
    page.locator("#chat-start").click()
    page.get_by_text("Chatting with").first.wait_for(timeout=60_000)
    history = page.locator("#chat-history")
    for turn, question in enumerate(CHAT_QUESTIONS):
        seen_before = page.evaluate("window.chatSources.length")
        page.locator("#chat-question textarea, #chat-question input").first.fill(question)
        page.locator("#chat-ask").click()
        page.wait_for_function(
            "n => { const v = document.querySelector('#chat-video video');"
            " return window.chatSources.slice(n).includes('video')"
            " && v && v.readyState >= 1 && v.duration > 0; }",
            arg=seen_before,
            timeout=RENDER_TIMEOUT_MS,
        )
        page.wait_for_function(
            "q => document.querySelector('#chat-history').innerText.includes(q)",
            arg=question,
            timeout=30_000,
        )
        shown = history.inner_text()
        answer = shown[shown.rindex(question) + len(question) :]
        assert any(ch.isalpha() for ch in answer), f"turn {turn + 1}: the answer is shown"
        sources = page.evaluate("window.chatSources")[seen_before:]
        assert "voice" in sources, f"turn {turn + 1}: the voice played"
        assert sources.index("voice") < sources.index("video"), (
            f"turn {turn + 1}: the voice started before the video arrived ({sources})"
        )
    assert all(question in history.inner_text() for question in CHAT_QUESTIONS)
    assert page.evaluate("document.querySelector('#chat-video video').autoplay") is False
    voice = page.evaluate(
        "(() => { const p = window.chatVoice.player;"
        " return {error: p.error && p.error.code, played: p.played.length}; })()"
    )
    assert voice["error"] is None, f"the browser could not play the voice: {voice}"
    assert page.locator("#chat-voice audio, #chat-voice [data-testid]").count() > 0

    page.locator("#chat-clear").click()
    page.wait_for_function(
        "q => !document.querySelector('#chat-history').innerText.includes(q)",
        arg=CHAT_QUESTIONS[0],
        timeout=30_000,
    )
    assert not errors, f"the page raised JavaScript errors: {errors}"
    page.close()
