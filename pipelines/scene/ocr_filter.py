"""Which text found by OCR is worth telling the dialogue writer: no handles, links or watermarks.

A photo from the web often carries an Instagram handle, a URL, a hashtag or a stock-photo
watermark; read aloud by the person ("…your lady diana life") they are nonsense. ``keep_text``
removes such tokens from an OCR string and says whether what is left is still worth keeping.
"""

from __future__ import annotations

import re

#: Tokens that are handles, hashtags, e-mail addresses or links.
_NOISE_TOKEN = re.compile(
    r"^(?:[@#＠].*|.*@.*|(?:https?://|www\.).*|.*\.(?:com|net|org|io|ly|co|cn|me|tv|de|uk|jp)"
    r"(?:/.*)?)$",
    flags=re.IGNORECASE,
)
#: Words of stock-photo and social-media watermarks; a string holding one is dropped whole.
_WATERMARK = re.compile(
    r"©|\(c\)|copyright|shutterstock|getty ?images|alamy|istock|dreamstime|depositphotos|"
    r"123rf|adobe ?stock|stock ?photo|watermark|instagram|tiktok|facebook|twitter|weibo|"
    r"抖音|微博|小红书|快手|photo by|photographer|all rights reserved",
    flags=re.IGNORECASE,
)


def keep_text(text: str) -> str:
    """The OCR string without handles, hashtags and links, or "" when nothing worth saying is left.

    Args:
        text: One string read by OCR.

    Returns:
        The string with its noise tokens removed (whitespace collapsed), or "" when it is a
        watermark or fewer than 2 letters or digits remain.
    """
    if _WATERMARK.search(text):
        return ""
    kept = [token for token in text.split() if not _NOISE_TOKEN.match(token.strip(".,;:!?()"))]
    cleaned = " ".join(kept)
    if sum(ch.isalnum() for ch in cleaned) < 2:
        return ""
    return cleaned
