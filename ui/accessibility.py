"""What makes the app usable with a keyboard, a screen reader and weaker eyes (WCAG 2 AA).

- ``theme()``: the app's colours with every text at least 4.5:1 against its background (the
  stock Soft theme draws labels at 3.6:1, hints at 2.5:1 and Generate's text at 4.46:1).
- ``CSS``: a visible focus ring on every radio, checkbox, dropdown and button reached by
  keyboard, and the "skip to Generate" link that appears on the first Tab.
- ``HEAD``: a small script that names what Gradio leaves unnamed: the example thumbnails (by
  ``EXAMPLE_NAMES``, in English and Chinese), the empty media boxes (an ``aria-label`` on a
  ``div`` needs a role), and moves focus to Generate when the skip link is followed.

The browser test runs axe-core on every tab and expects no serious or critical violation.
"""

from __future__ import annotations

import json
from pathlib import Path

import gradio as gr

from ui.strings import EXAMPLES

#: An accessible name for each example photo, by file stem: what a sighted visitor sees.
EXAMPLE_NAMES = {Path(name).stem: label for name, label in EXAMPLES.items()}

#: The skip link's text (both languages: it is read before the language can be chosen).
SKIP_TO_GENERATE = "Skip to Generate · 跳到“生成”"


def theme() -> gr.themes.Base:
    """The Soft theme in indigo and pink, with AA contrast for every text."""
    return gr.themes.Soft(primary_hue="indigo", secondary_hue="pink").set(
        block_label_text_color="*primary_700",
        block_title_text_color="*primary_700",
        block_info_text_color="*neutral_600",
        body_text_color_subdued="*neutral_600",
        input_placeholder_color="*neutral_500",
        button_primary_background_fill="*primary_600",
        button_primary_background_fill_hover="*primary_700",
        checkbox_label_background_fill_selected="*primary_600",
        color_accent="*primary_600",
    )


CSS = """
.skip-link { position: absolute; left: -9999px; top: 0.5rem; z-index: 1000; padding: 0.5rem 1rem;
  background: #312e81; color: #ffffff; border-radius: 0.5rem; }
.skip-link:focus { left: 0.5rem; }
input[type=radio]:focus-visible, input[type=checkbox]:focus-visible, input:focus-visible,
textarea:focus-visible, button:focus-visible, a:focus-visible, [role=tab]:focus-visible {
  outline: 3px solid #312e81 !important; outline-offset: 2px !important;
}
.upload-container .or, [data-testid="upload-text"] { color: #3730a3; }
"""

#: Layout polish: the faces picture's label sits above the picture (not over face #1), labels
#: leave room for the image buttons, table headers never break inside a word, and each example
#: thumbnail shows its name under it.
POLISH_CSS = """
#faces > label[data-testid="block-label"] { position: static; margin-bottom: 0.25rem; }
#photo > label[data-testid="block-label"] { max-width: calc(100% - 5.5rem); }
#suggest { min-height: 2.75rem; font-weight: 600; }
#group-script th, #group-script th * { white-space: nowrap; word-break: keep-all; }
#examples button.gallery-item { display: flex; flex-direction: column; align-items: center; }
#examples button.gallery-item::after {
  content: attr(data-caption); display: block; max-width: 7rem; padding: 0.15rem 0.25rem;
  font-size: 0.7rem; line-height: 1.2; color: #1f2937; white-space: normal;
}
"""

_HEAD_TEMPLATE = """
<script>
(() => {
  const names = __NAMES__;
  const skipText = __SKIP__;
  const label = () => {
    document.querySelectorAll('#examples button.gallery-item').forEach((button) => {
      const img = button.querySelector('img');
      const file = img ? (img.getAttribute('src') || '').split('/').pop() : '';
      const stem = file.replace(/\\.[a-z]+$/i, '');
      const name = stem && (names[stem] || stem.replace(/_/g, ' '));
      if (!name) return;
      if (button.getAttribute('aria-label') !== name) {
        button.setAttribute('aria-label', name);
        img.setAttribute('alt', '');
      }
      const parts = name.split(' · ');
      const chinese = (document.querySelector('#generate')?.innerText || '').includes('生成');
      const caption = (chinese ? parts[parts.length - 1] : parts[0]).split(/[,，（(]/)[0];
      if (button.dataset.caption !== caption) button.dataset.caption = caption;
    });
    document.querySelectorAll('div.empty[aria-label]:not([role])').forEach((box) => {
      box.setAttribute('role', 'img');
    });
    if (!document.querySelector('.skip-link') && document.querySelector('#generate')) {
      const link = document.createElement('a');
      link.href = '#generate';
      link.className = 'skip-link';
      link.textContent = skipText;
      link.addEventListener('click', (event) => {
        event.preventDefault();
        const tab = document.querySelector('button[role=tab][id*="single"], #tab-single-button');
        if (tab && tab.getAttribute('aria-selected') !== 'true') tab.click();
        setTimeout(() => document.querySelector('#generate')?.focus(), 50);
      });
      document.body.prepend(link);
    }
  };
  new MutationObserver(label).observe(document.documentElement, {childList: true, subtree: true});
  document.addEventListener('DOMContentLoaded', label);
})();
</script>
"""

HEAD = _HEAD_TEMPLATE.replace("__NAMES__", json.dumps(EXAMPLE_NAMES, ensure_ascii=False)).replace(
    "__SKIP__", json.dumps(SKIP_TO_GENERATE, ensure_ascii=False)
)
