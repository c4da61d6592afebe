"""The sentences of the pipeline's errors and warnings, in English and 简体中文, by stable code.

``ERROR_TEXT`` maps each code to its English and Chinese template (``str.format`` fields name the
values the error carries: ``{chars}``, ``{most:.0f}``). A template may leave out a value the
other language shows: the Chinese sentences leave out what a Chinese reader cannot use (an
English tool's own error output, an OS error text). ``tests/test_errors_text.py`` checks that
every code has both sentences, that they name only values the code is raised with, and that no
Chinese sentence carries an English one.

Values that are themselves words (the name of a step, "the script") are ``Phrase`` objects and
are rendered in the sentence's language too; so is an error carried inside another one.
"""

from __future__ import annotations

from typing import Any

from pipelines.errors.catalogue import ERROR_TEXT, PHRASES

__all__ = ["ERROR_TEXT", "LANGS", "PHRASES", "Notice", "Phrase", "render_text"]

#: Languages every code has a sentence in, in table order.
LANGS = ("en", "zh")


class Phrase:
    """A few words inside an error's sentence, rendered in the sentence's language.

    Attributes:
        code: A key of ``PHRASES``.
        params: Values for the phrase's fields.
    """

    def __init__(self, code: str, /, **params: Any) -> None:
        if code not in PHRASES:
            raise KeyError(f"unknown phrase code {code!r}")
        self.code = code
        self.params = params

    def text(self, lang: str) -> str:
        """The phrase in ``lang`` ("en" or "zh"; others get English)."""
        return _format(PHRASES[self.code], lang, self.params)

    def __str__(self) -> str:
        return self.text("en")

    def __repr__(self) -> str:
        return f"Phrase({self.code!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Phrase) and (other.code, other.params) == (self.code, self.params)

    def __hash__(self) -> int:
        return hash(self.code)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles by code and values."""
        return (_phrase, (self.code, self.params))


def _phrase(code: str, params: dict[str, Any]) -> Phrase:
    return Phrase(code, **params)


class Notice(str):
    """A warning for the user: its English sentence, which also knows its code and values.

    A ``str`` (its English sentence), so results, logs and the CLI treat it as before, and
    ``text("zh")`` gives it in Chinese from ``ERROR_TEXT``.

    Attributes:
        code: A key of ``ERROR_TEXT`` (``warn.*``).
        params: Values for its fields.
    """

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, /, **params: Any) -> Notice:
        """A notice of ``code`` with its values (KeyError for an unknown code)."""
        notice = super().__new__(cls, render_text(code, "en", params))
        notice.code = code
        notice.params = params
        return notice

    def text(self, lang: str) -> str:
        """The notice in ``lang`` ("en" or "zh"; others get English)."""
        return render_text(self.code, lang, self.params)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickles by code and values."""
        return (_notice, (self.code, self.params))


def _notice(code: str, params: dict[str, Any]) -> Notice:
    return Notice(code, **params)


def _format(templates: tuple[str, str], lang: str, params: dict[str, Any]) -> str:
    template = templates[LANGS.index(lang)] if lang in LANGS else templates[0]
    values = {
        key: value.text(lang) if callable(getattr(value, "text", None)) else value
        for key, value in params.items()
    }
    return template.format(**values)


def render_text(code: str, lang: str, params: dict[str, Any]) -> str:
    """The sentence of error ``code`` in ``lang`` with its values filled in.

    Args:
        code: A key of ``ERROR_TEXT``.
        lang: "en" or "zh" (any other language gets English).
        params: The values the error carries; ``Phrase`` values and nested errors are
            rendered in ``lang`` too.

    Raises:
        KeyError: Unknown code, or a value the sentence names is missing.
    """
    return _format(ERROR_TEXT[code], lang, params)
