"""The app as a newcomer meets it, in Debian's Chromium: no stale state, no dead ends.

Each test drives the real app (real models) at a desktop (1366x900) and, where layout matters,
a phone (390x844) viewport: consent next to each action, errors and old results cleared when
they no longer belong, one face detection per photo, a chat that says how to begin, a Group
script that streams in while Render waits, and a transcript for the visitor's own recording.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from tests.launched_app import save_screenshot

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
RENDER_TIMEOUT_MS = 180_000
#: The Gradio error pill an output shows after its event failed.
ERROR_PILL = '[data-testid="status-tracker"] .error'
#: An error toast still on screen.
ERROR_TOAST = '[data-testid="toast-body"]:has([data-testid="toast-close"].error)'
#: The Generate button's label in each interface language (the language radio's text).
GENERATE_LABEL = {"English": "Generate", "简体中文": "生成"}


def _open(browser, url: str, viewport: dict[str, int], **options: object):
    """A fresh page on the app, once it is ready; JavaScript errors collect in ``page.errors``."""
    page = browser.new_page(viewport=viewport, **options)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(url)
    page.wait_for_selector("#generate", timeout=60_000)
    return page


def _example(page, name: str) -> None:
    page.locator(f'#examples button.gallery-item:has(img[src*="{name}"])').click()


def _pick_example_and_wait(page, name: str) -> None:
    _example(page, name)
    page.wait_for_selector("#faces img", timeout=60_000)


def _choose_language(page, language: str) -> None:
    """Switches the interface to ``language`` and waits until Generate is relabelled."""
    page.get_by_text(language, exact=True).click()
    page.wait_for_function(
        "word => document.querySelector('#generate').innerText.includes(word)",
        arg=GENERATE_LABEL[language],
        timeout=10_000,
    )


def _box(page, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not on screen"
    return box


# --------------------------------------------------------------------- 1. consent at the action
@pytest.mark.parametrize("viewport", VIEWPORTS, ids=list(VIEWPORTS))
def test_consent_sits_right_above_the_action_of_every_tab(
    browser, app_url: str, viewport: str
) -> None:
    page = _open(browser, app_url, VIEWPORTS[viewport])
    tabs = (
        ("One person", "#consent", "#generate"),
        ("Group", "#group-consent", "#group-render"),
        ("Chat", "#chat-consent", "#chat-start"),
    )
    for tab, consent, action in tabs:
        page.get_by_role("tab", name=tab).click()
        page.locator(consent).first.wait_for(state="visible", timeout=10_000)
        box, button = _box(page, consent), _box(page, action)
        gap = button["y"] - (box["y"] + box["height"])
        assert 0 <= gap <= 80, f"{tab}: the consent box ends {gap:.0f} px above {action}"
        overlap = min(box["x"] + box["width"], button["x"] + button["width"]) - max(
            box["x"], button["x"]
        )
        assert overlap > 0, f"{tab}: the consent box is not in the action's column"
    # One promise: ticking it on one tab ticks it on the others.
    page.locator("#chat-consent input[type=checkbox]").check()
    page.get_by_role("tab", name="One person").click()
    page.wait_for_function(
        "() => document.querySelector('#consent input[type=checkbox]').checked",
        timeout=10_000,
    )
    assert not page.errors, page.errors
    page.close()


# --------------------------------------------------------------------- 1, 2. no stale state
def test_errors_and_old_results_leave_when_the_next_action_starts(browser, app_url: str) -> None:
    page = _open(browser, app_url, DESKTOP)
    _pick_example_and_wait(page, "woman_waterfall")
    page.locator("#line textarea").fill("Hello, it is a lovely day.")
    page.locator("#generate").click()  # the consent box is not ticked
    page.locator(ERROR_TOAST).first.wait_for(timeout=30_000)

    page.locator("#consent input[type=checkbox]").check()
    page.locator("#generate").click()
    # The moment the new run starts, the last run's error is gone: toast and pills.
    page.wait_for_function(
        "sel => document.querySelectorAll(sel).length === 0", arg=ERROR_TOAST, timeout=3_000
    )
    for output in ("#video", "#transcript"):
        assert page.locator(f"{output} {ERROR_PILL}").count() == 0, f"{output} still says Error"
    # Progress is drawn once, where the video will be: counted in the same moment it first
    # shows (a render whose first frames stream soon may hide it again a moment later).
    drawn = page.wait_for_function(
        "() => { const n = [...document.querySelectorAll("
        "'#tab-single [data-testid=status-tracker]')]"
        ".filter(t => !t.classList.contains('hide') && t.innerText.includes('Step')).length;"
        " return n > 0 ? n : false; }",
        timeout=60_000,
        polling=50,
    ).json_value()
    assert drawn == 1, f"the progress is drawn {drawn} times"
    page.wait_for_selector("#video video", timeout=RENDER_TIMEOUT_MS)
    page.wait_for_function(
        "() => document.querySelector('#summary').innerText.includes('s of video')",
        timeout=30_000,
    )
    assert "lovely" in page.locator("#transcript textarea").input_value()

    # A new photo: the last person's video, transcript and summary leave with it.
    _example(page, "shiba_dog")
    page.wait_for_function(
        "() => !document.querySelector('#video video')"
        " && !document.querySelector('#transcript textarea').value"
        " && !document.querySelector('#summary').innerText.trim()",
        timeout=10_000,
    )
    assert not page.locator("#downloads").is_visible()
    assert not page.errors, page.errors
    page.close()


def test_a_failed_run_leaves_no_frozen_progress_and_no_old_result(
    browser, app_url: str, pipeline
) -> None:
    page = _open(browser, app_url, DESKTOP)
    _pick_example_and_wait(page, "einstein_bw")
    page.locator("#consent input[type=checkbox]").check()
    page.locator("#line textarea").fill("Hi.")
    page.locator("#generate").click()
    page.wait_for_selector("#video video", timeout=RENDER_TIMEOUT_MS)
    # The next run fails halfway (a line over the limit is refused after the photo is read).
    page.locator("#line textarea").fill("word " * (pipeline.settings.limits.max_text_chars // 4))
    page.locator("#generate").click()
    page.locator(ERROR_TOAST).first.wait_for(timeout=60_000)
    page.wait_for_timeout(500)
    assert page.locator("#video video").count() == 0, "the last run's video is still shown"
    summary = page.locator("#summary").inner_text()
    assert "Step" not in summary and "s of video" not in summary, summary
    page.close()


# --------------------------------------------------------------------- 3. faces found once
def test_each_photo_is_read_once_and_its_error_shown_once(
    browser, app_url: str, pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    detections: list[float] = []
    detect = pipeline.detect_faces

    def counted(*args: object, **kwargs: object):
        detections.append(time.monotonic())
        return detect(*args, **kwargs)

    monkeypatch.setattr(pipeline, "detect_faces", counted)
    page = _open(browser, app_url, DESKTOP)
    # A visitor double-clicks an example: one photo, one detection, one message.
    _example(page, "shiba_dog")
    page.wait_for_timeout(150)
    _example(page, "shiba_dog")
    page.locator(ERROR_TOAST).first.wait_for(timeout=30_000)
    page.wait_for_timeout(3_000)
    assert len(detections) == 1, f"the dog photo was searched for faces {len(detections)} times"
    toasts = page.locator(ERROR_TOAST).all_inner_texts()
    assert len(toasts) == 1 and "(2)" not in toasts[0], toasts

    _example(page, "einstein_bw")
    page.wait_for_selector("#faces img", timeout=120_000)
    _example(page, "einstein_bw")
    page.wait_for_timeout(3_000)
    assert len(detections) == 2, "a new photo is searched once"
    assert page.locator("#faces img").count() == 1, "the faces overview stays"
    assert page.locator("#speaker input").input_value().startswith("Person 1")
    page.close()


# --------------------------------------------------------------------- 8. chat before starting
@pytest.mark.parametrize("viewport", VIEWPORTS, ids=list(VIEWPORTS))
def test_before_a_chat_starts_ask_is_off_and_the_box_says_how_to_begin(
    browser, app_url: str, viewport: str
) -> None:
    page = _open(browser, app_url, VIEWPORTS[viewport])
    page.get_by_role("tab", name="Chat").click()
    page.locator("#chat-ask").wait_for(state="visible", timeout=10_000)
    assert page.locator("#chat-ask").is_disabled(), "Ask can be pressed before a chat starts"
    question = page.locator("#chat-question textarea, #chat-question input").first
    assert "Start a chat" in (question.get_attribute("placeholder") or "")
    assert "ended" not in page.locator("#tab-chat").inner_text()
    page.close()


# --------------------------------------------------------------------- 4. Group writes, streams
def test_group_render_waits_while_turns_stream_into_the_table(browser, app_url: str) -> None:
    page = _open(browser, app_url, DESKTOP)
    _pick_example_and_wait(page, "einstein_and_mona_lisa")
    page.get_by_role("tab", name="Group").click()
    page.locator("#group-write").click()
    writing_seen: list[tuple[str, bool]] = []  # (the "Writing turn k of 4" shown, Render off)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        text = page.locator("#group-script").inner_text()
        disabled = page.locator("#group-render").is_disabled()
        shown = re.search(r"Writing turn \d of 4", text)
        if shown:
            writing_seen.append((shown.group(), disabled))
        elif "Reading the photo" not in text and not disabled and writing_seen:
            break
        page.wait_for_timeout(100)
    assert writing_seen, "the table never said which turn was being written"
    assert all(disabled for _, disabled in writing_seen), "Render could be pressed while writing"
    turns = sorted({shown for shown, _ in writing_seen})
    assert len(turns) >= 3, f"the turns did not stream in one by one: {turns}"
    body = page.locator("#group-script").inner_text().split("\ntext\n", 1)[1]
    cells = [line for line in body.splitlines() if line.strip() and "CSV" not in line]
    assert len(cells) == 8, f"four turns of [person, text] in the end: {cells}"
    assert not page.locator("#group-render").is_disabled()
    page.close()


# --------------------------------------------------------------------- 5. who takes part
def test_group_leaves_out_a_face_cut_off_at_the_edge_unless_ticked(
    browser, app_url: str, tmp_path: Path
) -> None:
    from PIL import Image

    # The two-person example plus a third face, half of it outside the picture.
    examples = ROOT / "assets" / "examples"
    pair = Image.open(examples / "einstein_and_mona_lisa.jpg").convert("RGB")
    cut = Image.open(examples / "smiling_woman_256.png").convert("RGB").resize((320, 320))
    photo = Image.new("RGB", (pair.width + 200, pair.height), (236, 230, 218))
    photo.paste(pair, (0, 0))
    photo.paste(cut, (pair.width, 200))
    photo.save(tmp_path / "three_people.jpg", quality=92)

    page = _open(browser, app_url, DESKTOP)
    with page.expect_file_chooser() as chooser:
        page.locator("#photo button.upload-container").click()
    chooser.value.set_files(str(tmp_path / "three_people.jpg"))
    page.wait_for_selector("#faces img", timeout=60_000)
    single_overview = page.locator("#faces img").get_attribute("src")
    page.get_by_role("tab", name="Group").click()
    boxes = page.locator("#group-people input[type=checkbox]")
    page.wait_for_function(
        "() => document.querySelectorAll('#group-people input[type=checkbox]').length === 3",
        timeout=10_000,
    )
    assert [boxes.nth(i).is_checked() for i in range(3)] == [True, True, False]
    page.wait_for_function(
        "src => document.querySelector('#faces img').getAttribute('src') !== src",
        arg=single_overview,
        timeout=10_000,
    )  # the overview now highlights who takes part

    page.locator("#group-write").click()
    # Writing has started (Render is off) before its end is awaited: Render is on at the click.
    page.wait_for_function("() => document.querySelector('#group-render').disabled", timeout=30_000)
    page.wait_for_function(
        "() => { const t = document.querySelector('#group-script').innerText;"
        " return !/Writing turn|Reading the photo/.test(t)"
        " && !document.querySelector('#group-render').disabled; }",
        timeout=240_000,
    )
    body = page.locator("#group-script").inner_text().split("\ntext\n", 1)[1]
    cells = [line for line in body.splitlines() if line.strip() and "CSV" not in line]
    people = {cell for cell in cells[::2]}
    assert people == {"1", "2"}, f"only persons 1 and 2 speak: {cells}"
    page.get_by_text("简体中文", exact=True).click()
    page.wait_for_function(
        "() => document.querySelector('#group-people').innerText.includes('第 3 人')",
        timeout=10_000,
    )
    assert [boxes.nth(i).is_checked() for i in range(3)] == [True, True, False]
    page.close()


# --------------------------------------------------------------------- 6. own voice
def test_own_voice_gets_a_transcript_and_subtitles(
    browser, app_url: str, data_dir: Path, tmp_path: Path
) -> None:
    page = _open(browser, app_url, DESKTOP, accept_downloads=True)
    _pick_example_and_wait(page, "woman_waterfall")
    assert page.locator("#rate").is_visible() and page.locator("#pitch").is_visible()
    page.get_by_role("tab", name="Use my own voice").click()
    page.wait_for_function("() => !document.querySelector('#rate')?.checkVisibility()")
    assert not page.locator("#pitch").is_visible(), "pitch does nothing to your own voice"
    with page.expect_file_chooser() as chooser:
        page.locator(
            "#own-voice button.upload-container, #own-voice [aria-label*=upload]"
        ).first.click()
    chooser.value.set_files(str(data_dir / "english_speech_16k.wav"))
    page.locator("#own-voice audio").first.wait_for(state="attached", timeout=30_000)
    page.locator("#consent input[type=checkbox]").check()
    page.locator("#generate").click()
    page.wait_for_selector("#video video", timeout=RENDER_TIMEOUT_MS)
    page.wait_for_function(
        "() => document.querySelector('#transcript textarea').value.split(' ').length > 5",
        timeout=30_000,
    )
    assert "recording" not in page.locator("#transcript textarea").input_value()
    link = page.locator('#downloads a[download$=".srt"]')
    with page.expect_download(timeout=60_000) as download:
        link.click()
    saved = tmp_path / "subtitles.srt"
    download.value.save_as(saved)
    assert "-->" in saved.read_text(encoding="utf-8"), "the SRT has cues"
    page.get_by_role("tab", name="Type a line").click()
    page.locator("#rate").wait_for(state="visible", timeout=10_000)
    assert not page.errors, page.errors
    page.close()


# --------------------------------------------------------------------- 9. accessibility
def _axe_script() -> Path:
    """axe-core's browser build, as installed by ``make setup`` (axe-playwright-python)."""
    axe_package = pytest.importorskip("axe_playwright_python")
    return Path(axe_package.__file__).parent / "axe.min.js"


#: Runs axe-core on the page: the serious and critical violations, each with its first nodes.
RUN_AXE_JS = """
async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' '))}`);
}
"""


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=list(VIEWPORTS))
def test_axe_finds_no_serious_violation_on_any_tab(browser, app_url: str, viewport: str) -> None:
    page = _open(browser, app_url, VIEWPORTS[viewport])
    page.locator("#examples button.gallery-item").first.wait_for(timeout=30_000)
    page.wait_for_timeout(500)
    page.add_script_tag(path=str(_axe_script()))
    for language in GENERATE_LABEL:
        _choose_language(page, language)
        page.wait_for_timeout(1_500)  # the relabelled text settles (no pending fade)
        for tab in ("#tab-single-button", "#tab-group-button", "#tab-chat-button"):
            page.locator(tab).click()
            page.wait_for_timeout(300)
            violations = page.evaluate(RUN_AXE_JS)
            assert not violations, f"{language}, {tab}: {violations}"
    page.close()


def test_examples_are_named_and_keyboard_users_reach_generate_at_once(
    browser, app_url: str
) -> None:
    page = _open(browser, app_url, DESKTOP)
    thumbnails = page.locator("#examples button.gallery-item")
    thumbnails.first.wait_for(timeout=30_000)
    names = [thumbnails.nth(i).get_attribute("aria-label") for i in range(thumbnails.count())]
    assert all(names) and len(set(names)) == len(names), names

    # The first Tab stop leads straight to Generate.
    page.keyboard.press("Tab")
    assert "Generate" in page.evaluate("document.activeElement.innerText")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'generate'", timeout=5_000)

    # Radios, checkboxes and the dropdown show where the keyboard is.
    def ring(selector: str) -> str:
        page.locator(selector).first.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")  # keyboard focus, so :focus-visible applies
        return page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return s.outlineStyle === 'none' ? '' : s.outlineWidth; }"
        )

    for selector in ("#language input[type=radio]", "#consent input", "#speaker input"):
        width = ring(selector)
        assert width and float(width.rstrip("px")) >= 2, f"{selector} hides keyboard focus"
    page.close()


# --------------------------------------------------------------------- 10. polish
#: How many lines each Group table header takes (a header broken inside a word takes two).
HEADER_LINES_JS = """
() => [...document.querySelectorAll('#group-script th')].filter((th) => th.innerText.trim())
  .map((th) => {
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    const tops = new Set();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) continue;
      const range = document.createRange(); range.selectNodeContents(node);
      for (const rect of range.getClientRects()) tops.add(Math.round(rect.top));
    }
    return tops.size; })
"""


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=list(VIEWPORTS))
def test_labels_captions_and_buttons_are_easy_to_read_and_hit(
    browser, app_url: str, viewport: str
) -> None:
    page = _open(browser, app_url, VIEWPORTS[viewport])
    _pick_example_and_wait(page, "einstein_and_mona_lisa")
    label, picture = _box(page, "#faces > label"), _box(page, "#faces img")
    assert label["y"] + label["height"] <= picture["y"] + 1, "the label covers the faces"
    captions = page.evaluate(
        "() => [...document.querySelectorAll('#examples button.gallery-item')]"
        ".map((b) => getComputedStyle(b, '::after').content)"
    )
    assert captions and all(c not in ("none", "", '""') for c in captions), captions
    assert _box(page, "#suggest")["height"] >= 36, "Suggest a line is a thin button"
    page.get_by_role("tab", name="Group").click()
    page.locator("#group-script th").first.wait_for(timeout=10_000)
    header_lines = page.evaluate(HEADER_LINES_JS)
    assert header_lines, "the Group table shows no headers"
    assert all(lines == 1 for lines in header_lines), f"a header is broken: {header_lines}"
    _choose_language(page, "简体中文")
    photo_label = _box(page, "#photo > label")
    icons = [b.bounding_box() for b in page.locator("#photo .icon-button-wrapper button").all()]
    icons = [icon for icon in icons if icon]
    assert icons, "the photo's buttons are not on screen"
    for icon in icons:
        assert photo_label["x"] + photo_label["width"] <= icon["x"] + 1 or (
            icon["y"] >= photo_label["y"] + photo_label["height"]
        ), "the photo's label runs into its buttons"
    page.close()


# --------------------------------------------------------------------- 11. no public figures
def test_examples_show_no_living_public_figure_and_the_rule_is_said(browser, app_url: str) -> None:
    page = _open(browser, app_url, DESKTOP)
    thumbnails = page.locator("#examples button.gallery-item img")
    thumbnails.first.wait_for(timeout=30_000)
    sources = [thumbnails.nth(i).get_attribute("src") or "" for i in range(thumbnails.count())]
    for living in ("two_people", "couple_red_carpet", "lowres_240p", "painted_portrait"):
        assert not any(living in source for source in sources), f"{living} is offered"
    assert any("einstein_and_mona_lisa" in source for source in sources), "a two-person example"
    for language, rule in (("English", "Living public figures"), ("简体中文", "在世的公众人物")):
        page.get_by_text(language, exact=True).click()
        page.wait_for_function(
            "rule => document.querySelector('#consent').innerText.includes(rule)",
            arg=rule,
            timeout=10_000,
        )
    page.close()


# --------------------------------------------------------------------- the README's pictures
SCREENSHOTS = ROOT / "assets" / "screenshots"


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=list(VIEWPORTS))
def test_screenshots_in_both_languages(
    browser, app_url: str, viewport: str, tmp_path: Path
) -> None:
    """The first screen with an example chosen, in English and Chinese.

    UPDATE_SCREENSHOT=1 also writes them to assets/screenshots/ (the README shows them).
    """
    page = _open(browser, app_url, VIEWPORTS[viewport])
    _pick_example_and_wait(page, "einstein_and_mona_lisa")
    for code, language in (("en", "English"), ("zh", "简体中文")):
        _choose_language(page, language)
        page.wait_for_timeout(1_000)
        target = tmp_path / f"{viewport}-{code}.png"
        save_screenshot(page, target, full_page=False)
        assert target.stat().st_size > 10_000
        if os.environ.get("UPDATE_SCREENSHOT") == "1":
            SCREENSHOTS.mkdir(exist_ok=True)
            save_screenshot(page, SCREENSHOTS / target.name, full_page=False)
    page.close()
