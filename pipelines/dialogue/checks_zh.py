"""Checks and cleans a Chinese line written by a chat model (the lang="zh" ``inspect_line``).

A fit line is Chinese (Latin letters only in names the line may say, e.g. text read in the
photo), names no one the photo does not (``pipelines.dialogue.names_zh``), is in the first
person (我/我们), 1-3 whole sentences of 4-80 characters in all, with no assistant
talk (作为一个AI, 很抱歉, 有什么可以帮您), no third-person narration at its start (他/她/照片里…),
no links or markup, no repeated sentence, and passes the content check
(``pipelines.dialogue.content``, which knows Chinese words). Cleaning strips wrapping quotes, a
speaker label, emoji and an unfinished last sentence, and ends the line with 。 when it has no
end punctuation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from pipelines.dialogue.checks import strip_wrapping_quotes
from pipelines.dialogue.content import content_problem
from pipelines.dialogue.names_zh import invented_names_zh
from pipelines.text import TAG, remove_unsayable

#: Fewest and most characters (Chinese characters and letters) in an accepted line.
MIN_CHARS_ZH = 4
MAX_CHARS_ZH = 80
MAX_SENTENCES_ZH = 3

_END = "。！？!?…"
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_LINK = re.compile(r"https?://|www\.|@\w|#\w|\.(?:com|cn|org|net)\b", re.IGNORECASE)
_MARKUP = re.compile(r"[<>{}\[\]*_`|\\~^=]")
_META = re.compile(
    r"作为一?个?(?:AI|人工智能|助手|语言模型|机器人|程序)|人工智能|语言模型|AI助手|助手|"
    r"很抱歉|抱歉|对不起，我(?:无法|不能)|我无法(?:回答|提供|帮助)|有什么我?(?:可以|能)帮|帮助您|为您服务|"
    r"提示词|指令|用户|关于你：|心情：|我看到一个|"
    r"我是一[个张](?:程序(?!员)|(?:彩色)?照片|图片)(?![里中上的])|"
    r"我是一?[个种款]?(?:计算机|电脑|聊天|智能)?(?:程序(?!员)|软件|机器人)|帮助你|各种任务|为你服务",
    flags=re.IGNORECASE,
)
_NARRATION_START = re.compile(
    r"^(?:他|她|它|他们|她们|这个人|那个人|这位|那位|这张(?:照片|图)|这幅|照片[里中上]|画面[里中上]|图[片中里上]|画[中里上])"
)
_SPEAKER_LABEL = re.compile(r"^[^，。！？:：]{1,8}[:：]\s*")
_QUOTES = (("“", "”"), ("「", "」"), ('"', '"'), ("‘", "’"), ("'", "'"))


def is_chinese(text: str) -> bool:
    """Whether the text is mostly Chinese: more Chinese characters than Latin letters."""
    han = len(_HAN.findall(text))
    latin = sum(len(w) for w in _LATIN_WORD.findall(text))
    return han > 0 and han >= latin


def _sentences(text: str) -> list[str]:
    """Splits on 。！？ (and ! ? …), keeping the end marks; a trailing fragment is last."""
    parts = re.findall(rf"[^{_END}]+[{_END}]+|[^{_END}]+$", text)
    return [p.strip() for p in parts if p.strip()]


def inspect_line_zh(text: str, known_names: Iterable[str] = ()) -> tuple[str | None, str]:
    """Cleans a model-written Chinese line and says why it is rejected, if it is.

    Args:
        text: The raw reply of a chat model.
        known_names: Names the line may say, in Latin letters or Chinese (text read in the
            photo, the persona's name).

    Returns:
        (cleaned line, "ok") or (None, reason), reason one of "empty", "markup", "link",
        "unsafe", "meta", "not chinese", "narration", "not first person", "too short", "too
        long", "too many sentences", "name", "repetition".
    """
    if not isinstance(text, str):
        return None, "empty"
    raw = unicodedata.normalize("NFKC", text)
    # NFKC turns full-width punctuation into ASCII; Chinese prose wants it full-width.
    raw = raw.replace(",", "，").replace("!", "！").replace("?", "？").replace(":", "：")
    raw = raw.replace(";", "；")
    if TAG.search(raw) or _MARKUP.search(raw):
        return None, "markup"
    if _LINK.search(raw):
        return None, "link"
    if content_problem(raw) is not None:
        return None, "unsafe"
    cleaned = " ".join(remove_unsayable(raw).split())
    cleaned = strip_wrapping_quotes(cleaned.strip(), _QUOTES)
    label = _SPEAKER_LABEL.match(cleaned)
    if label and not cleaned.startswith("我"):
        cleaned = strip_wrapping_quotes(cleaned[label.end() :].strip(), _QUOTES)
    cleaned = re.sub(r"\s*([，。！？、；：])\s*", r"\1", cleaned)
    if not cleaned:
        return None, "empty"
    if _META.search(cleaned):
        return None, "meta"
    if not is_chinese(cleaned):
        return None, "not chinese"
    known_names = tuple(known_names)
    known = {w.lower() for name in known_names for w in _LATIN_WORD.findall(name)}
    if any(w.lower() not in known for w in _LATIN_WORD.findall(cleaned)):
        return None, "name"
    sentences = _sentences(cleaned)
    if len(sentences) > 1 and sentences[-1][-1] not in _END:
        sentences = sentences[:-1]
    if sentences and sentences[-1][-1] not in _END:
        sentences[-1] = sentences[-1].rstrip("，、；：") + "。"
    if not sentences:
        return None, "empty"
    if any(_NARRATION_START.match(s) for s in sentences):
        return None, "narration"
    line = "".join(sentences)
    if "我" not in line:
        return None, "not first person"
    size = len(_HAN.findall(line)) + len(_LATIN_WORD.findall(line))
    if size < MIN_CHARS_ZH:
        return None, "too short"
    if size > MAX_CHARS_ZH:
        return None, "too long"
    if len(sentences) > MAX_SENTENCES_ZH:
        return None, "too many sentences"
    bare = [s.rstrip(_END) for s in sentences]
    if len(set(bare)) < len(bare):
        return None, "repetition"
    if invented_names_zh(line, known_names):
        return None, "name"
    return line, "ok"
