"""Every string the web app shows, in English and 简体中文, and the examples gallery.

The strings themselves are in ``assets/ui_text.yaml``; ``tr`` picks one in the visitor's
language.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pipelines.speech.catalogue import AUTO, VOICES
from pipelines.text import LANGUAGE_CHOICES
from pipelines.types import MOODS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = ROOT / "assets" / "examples"
UI_TEXT_PATH = ROOT / "assets" / "ui_text.yaml"

#: Every interface string by language code ("en", "zh"), then by key.
LANGUAGES: dict[str, dict[str, str]] = yaml.safe_load(UI_TEXT_PATH.read_text(encoding="utf-8"))

#: The examples gallery, in order, each photo with the name a screen reader gives it (English ·
#: Chinese; ``ui.accessibility``): clear single faces first, two people next, the no-face dog
#: last. Paintings, long-dead historical subjects, unnamed faces and a dog: never a living
#: public figure (the other photos in the folder are for the tests only; SOURCES.md).
EXAMPLES: dict[str, str] = {
    "woman_waterfall.jpg": "A woman by a waterfall · 瀑布边的女子",
    "einstein_bw.jpg": "Albert Einstein, an old photo · 爱因斯坦，老照片",
    "smiling_woman_256.png": "A smiling woman, small photo · 微笑的女子，小照片",
    "mona_lisa.jpg": "Mona Lisa, the painting · 《蒙娜丽莎》油画",
    "einstein_and_mona_lisa.jpg": (
        "Einstein and the Mona Lisa, two people · 爱因斯坦和蒙娜丽莎，两个人"
    ),
    "cartoon_boy.jpg": "A cartoon boy · 卡通男孩",
    "shiba_dog.jpg": "A Shiba dog (no human face) · 柴犬（没有人脸）",
}
#: The gallery's file names, in order.
EXAMPLE_ORDER = tuple(EXAMPLES)

CSS = """
#header { align-items: center; }
#header h1 { margin-bottom: 0.25rem; }
.step h2 { margin: 0.4rem 0 0 0; font-size: 1.15rem; }
#consent { border: 1px solid var(--color-accent-soft); border-radius: var(--radius-lg); }
#summary { opacity: 0.8; font-size: 0.9rem; }
#downloads .label-clear-button { display: none; }
#footer { text-align: center; opacity: 0.7; font-size: 0.85rem; margin-top: 0.5rem; }
"""


def tr(lang: str, key: str, **values: Any) -> str:
    """The interface string ``key`` in language ``lang`` (English when unknown).

    Args:
        lang: Language code, a key of LANGUAGES.
        key: String key from assets/ui_text.yaml.
        **values: Values for the string's {placeholders}.
    """
    table = LANGUAGES.get(lang, LANGUAGES["en"])
    template = table.get(key, LANGUAGES["en"][key])
    return template.format(**values) if values else template


def mood_choices(lang: str) -> list[tuple[str, str]]:
    """Mood dropdown choices: (label in the language, mood name)."""
    return [(tr(lang, f"mood_{mood}"), mood) for mood in MOODS]


def voice_choices(lang: str) -> list[tuple[str, str]]:
    """Voice dropdown choices: (label in the language, voice name), "auto" first.

    A voice is labelled by its language and kind ("English · woman (en-female)"; in Chinese
    the catalogue's own ``label_zh``), so every voice of ``pipelines.speech.catalogue`` shows
    up by itself.
    """
    choices = [(tr(lang, "voice_auto"), AUTO)]
    for entry in VOICES:
        if lang == "zh":
            choices.append((f"{entry.label_zh}（{entry.name}）", entry.name))
            continue
        language = LANGUAGES["en"].get(f"voice_lang_{entry.language}", entry.language)
        kind = tr("en", f"voice_role_{entry.role}")
        choices.append((f"{language} · {kind} ({entry.name})", entry.name))
    return choices


def speech_lang_choices(lang: str) -> list[tuple[str, str]]:
    """Choices of the language the person speaks: (label in the interface language, code)."""
    return [(tr(lang, f"speech_lang_{code}"), code) for code in LANGUAGE_CHOICES]


def spoken_language(choice: str, line: str | None, interface: str) -> str:
    """What a "Language spoken" choice means for a render: "en", "zh", or "auto".

    "auto" follows a typed line; with no line (the app writes one) it is the interface's
    language, so the 中文 interface has the person speak Chinese.
    """
    if choice != "auto" or (line and line.strip()):
        return choice
    return "zh" if interface == "zh" else "en"


def example_photos() -> list[Path]:
    """The examples gallery's photos, in gallery order (EXAMPLE_ORDER)."""
    return [EXAMPLES_DIR / name for name in EXAMPLE_ORDER if (EXAMPLES_DIR / name).is_file()]


def bundled_photos() -> list[Path]:
    """Every photo in the examples folder: the gallery's and the tests' own."""
    return sorted(p for p in EXAMPLES_DIR.iterdir() if p.suffix.lower() in {".jpg", ".png"})
