"""The 中文 interface in Debian's Chromium: everything a visitor reads is Chinese.

The page is switched to 简体中文, then every tab is visited with its folded sections open, and
every visible text on screen is read: no English word may remain (Gradio's own words, table
headers and the Record button included), except a short list of names. A real pipeline
refusal (a line over the limit) shows as a Chinese toast with a Chinese title.
"""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
#: Latin words the Chinese page may show: the language radio (English is offered in its own
#: words, the label and the skip link are in both languages on purpose), names of things, file
#: formats and units.
NAMES = {
    "English", "Language", "Skip", "to", "Generate",
    "AI", "API", "CPU", "Gradio", "MediaPipe", "SmolLM2", "Piper", "Qwen", "Kokoro",
    "MP4", "WAV", "SRT", "JSON", "YAML", "CSV", "TSV", "JPEG", "PNG", "WebP", "MiB",
}  # fmt: skip
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")

#: Every visible text node on the page (outside the elements matched by ``skip``), and the
#: placeholder of every visible text box.
VISIBLE_TEXT_JS = """
(skip) => {
  const shown = (element) => {
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    return style.visibility !== "hidden" && style.display !== "none" && box.width > 1
      && box.height > 1 && box.right > 0 && box.bottom > 0;
  };
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    const text = node.textContent.trim();
    if (!text || !element || element.closest("script, style, svg")) continue;
    if (skip && element.closest(skip)) continue;
    if (shown(element)) texts.push(text);
  }
  for (const box of document.querySelectorAll("textarea[placeholder], input[placeholder]")) {
    if (shown(box) && !(skip && box.closest(skip))) texts.push(box.placeholder.trim());
  }
  return texts;
}
"""


def chinese_page(browser, url: str, viewport: dict[str, int]):
    """A fresh page in 简体中文 with the two-person example chosen and its faces found."""
    page = browser.new_page(viewport=viewport)
    page.goto(url)
    page.wait_for_selector("#generate", timeout=60_000)
    page.get_by_text("简体中文", exact=True).click()
    page.wait_for_function("() => document.querySelector('#generate').innerText.includes('生成')")
    page.locator('#examples button.gallery-item:has(img[src*="einstein_and_mona_lisa"])').click()
    page.wait_for_selector("#faces img", timeout=60_000)
    return page


def english_words(texts: list[str]) -> list[str]:
    """Each text that holds a Latin word outside NAMES (placeholders' {fields} aside)."""
    return [
        text
        for text in dict.fromkeys(texts)
        if any(word not in NAMES for word in LATIN_WORD.findall(text))
    ]


def open_folded_sections(page) -> None:
    """Opens every closed accordion on screen (Advanced too: its own test reads it)."""
    for toggle in page.locator("button.label-wrap:visible").all():
        if "open" not in (toggle.get_attribute("class") or ""):
            toggle.click()
            page.wait_for_timeout(200)


def read_every_tab(page, skip: str = "") -> list[str]:
    """Visible texts of the page on each tab, folded sections open."""
    texts: list[str] = []
    for tab in ("一个人", "多人对话", "聊天"):
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(500)
        open_folded_sections(page)
        page.wait_for_timeout(500)
        texts += page.evaluate(VISIBLE_TEXT_JS, skip)
    return texts


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=list(VIEWPORTS))
def test_the_chinese_page_shows_no_english_words(browser, app_url: str, viewport: str) -> None:
    page = chinese_page(browser, app_url, VIEWPORTS[viewport])
    page.get_by_role("tab", name="多人对话").click()
    open_folded_sections(page)
    page.locator("#group-script").scroll_into_view_if_needed()
    page.locator("textarea[placeholder*='你还记得']").fill("1: 你好。\n2: 你好呀。")
    page.get_by_role("button", name="放进表格").click()
    page.wait_for_function(
        "() => document.querySelector('#group-script').innerText.includes('你好呀')",
        timeout=30_000,
    )
    headers = page.locator("#group-script th").all_inner_texts()
    assert any("台词" in header for header in headers), headers
    # Advanced has its own test (tests/test_browser_advanced.py).
    leftovers = english_words(read_every_tab(page, skip="#backends"))
    assert leftovers == [], leftovers
    page.close()


def test_a_pipeline_refusal_is_a_chinese_toast_with_a_chinese_title(browser, app_url: str) -> None:
    page = chinese_page(browser, app_url, DESKTOP)
    page.locator("#line textarea").fill("你好，我的朋友。" * 80)  # 640 characters: over 600
    page.locator("#consent input[type=checkbox]").check()
    page.locator("#generate").click()
    toast = page.locator('[data-testid="toast-body"]').first
    toast.wait_for(timeout=60_000)
    shown = toast.inner_text()
    assert "上限是 600" in shown, shown
    assert english_words([shown]) == [], shown
    page.close()
