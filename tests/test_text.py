import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.errors import BadInputError, LimitExceeded, strip_terminal_escapes
from pipelines.text import clean_text, normalize_line, remove_unsayable, split_sentences

LIMIT = 600


# --- normalize_line: what is kept -------------------------------------------------------------


def test_plain_english_is_kept_as_typed():
    assert normalize_line("Hello, I am glad you came!", LIMIT) == "Hello, I am glad you came!"


def test_whitespace_runs_and_line_breaks_become_single_spaces():
    text = "  Hello\n\nthere,\tfriend.\r\nHow   are you?  "
    assert normalize_line(text, LIMIT) == "Hello there, friend. How are you?"


def test_chinese_is_kept():
    assert normalize_line("我很高兴见到你。你好吗？", LIMIT) == "我很高兴见到你。你好吗？"


def test_arabic_with_vowel_marks_is_kept():
    arabic = "مَرْحَبًا بِكُمْ"  # harakat are combining marks (Mn) and must survive
    assert normalize_line(arabic, LIMIT) == unicodedata.normalize("NFKC", arabic)


def test_hebrew_is_kept_and_bidi_controls_are_removed():
    text = "\u202bשלום עולם\u202c \u200fטוב\u200f"
    assert normalize_line(text, LIMIT) == "שלום עולם טוב"


def test_persian_zero_width_non_joiner_is_kept():
    assert normalize_line("می\u200cخواهم", LIMIT) == "می\u200cخواهم"


def test_accented_letters_are_composed():
    decomposed = "e\u0301te\u0301"  # e + combining acute
    assert normalize_line(decomposed, LIMIT) == "été"


def test_full_width_and_compatibility_forms_are_folded():
    assert normalize_line("ＨＥＬＬＯ １２３ ﬁne", LIMIT) == "HELLO 123 fine"


# --- normalize_line: what is removed ----------------------------------------------------------


def test_emoji_including_sequences_are_removed():
    text = "I love you ❤️ 👍🏽 👨‍👩‍👧 🇫🇷 1️⃣ so much 😀"
    assert normalize_line(text, LIMIT) == "I love you 1 so much"


def test_control_characters_are_removed():
    assert normalize_line("Hel\x00lo\x07 the\x1bre\x7f", LIMIT) == "Hello there"


def test_terminal_colour_sequences_are_removed_whole():
    pasted = "\x1b[1;31mHello\x1b[0m there, \x1b]8;;https://x.org\x1b\\friend\x1b]8;;\x07!"
    assert normalize_line(pasted, LIMIT) == "Hello there, friend!"
    assert normalize_line("Stop\x1b[K \x9b31mnow.", LIMIT) == "Stop now."


def test_strip_terminal_escapes_keeps_brackets_that_are_text():
    ffmpeg = "\x1b[0;35m[in#0 @ 0x55] \x1b[0m\x1b[1;31mError opening input\n\x1b[0m"
    assert strip_terminal_escapes(ffmpeg) == "[in#0 @ 0x55] Error opening input\n"
    assert strip_terminal_escapes("[31m] and [0]") == "[31m] and [0]"
    error = BadInputError("ffmpeg said: \x1b[4;31mInvalid data found\x1b[0m")
    assert error.message == str(error) == "ffmpeg said: Invalid data found"


def test_ssml_tags_are_stripped_keeping_their_text():
    ssml = '<speak>Hello <emphasis level="strong">wor</emphasis>ld.<break time="1s"/>Bye</speak>'
    assert normalize_line(ssml, LIMIT) == "Hello world. Bye"


def test_html_tags_comments_and_scripts_are_stripped():
    html = "<p>I am <b>very</b> happy</p><!-- note --><script>alert('x')</script><br>Truly."
    assert normalize_line(html, LIMIT) == "I am very happy Truly."


def test_html_entities_are_decoded():
    assert normalize_line("Fish &amp; chips&nbsp;today", LIMIT) == "Fish & chips today"


def test_comparison_signs_that_are_not_tags_survive():
    assert normalize_line("I <3 you and 2 < 5", LIMIT) == "I <3 you and 2 < 5"


# --- normalize_line: errors -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t\r", "😀😀", "<speak></speak>", "\x00\x01", "!!"])
def test_nothing_sayable_is_a_bad_input(text):
    with pytest.raises(BadInputError, match="Please type something for them to say"):
        normalize_line(text, LIMIT)


def test_non_string_is_a_bad_input():
    with pytest.raises(BadInputError):
        normalize_line(None, LIMIT)  # type: ignore[arg-type]


def test_a_long_line_exceeds_the_limit_with_both_numbers_in_the_message():
    with pytest.raises(LimitExceeded) as caught:
        normalize_line("a" * 5000, LIMIT)
    assert "5000" in caught.value.message and "600" in caught.value.message
    assert "Shorten" in caught.value.message


def test_limit_counts_the_normalised_text():
    # 700 characters typed, of which 300 are emoji: 400 remain, within a 600 limit.
    text = "ab" * 200 + "😀" * 300
    assert len(normalize_line(text, LIMIT)) == 400
    assert normalize_line("x" * LIMIT, LIMIT) == "x" * LIMIT


# --- remove_unsayable / clean_text -------------------------------------------------------------


def test_remove_unsayable_keeps_digits_currency_and_punctuation():
    assert remove_unsayable("It costs $5, €3 or ¥100 (50%)!") == "It costs $5, €3 or ¥100 (50%)!"


def test_clean_text_removes_space_left_before_punctuation():
    assert clean_text("Hello <br> ! I am <i>here</i> .") == "Hello! I am here."


# --- split_sentences --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two! Three?", ["One.", "Two!", "Three?"]),
        ("Wait… what? Fine", ["Wait…", "what?", "Fine"]),
        ("I met Mr. Brown and Dr. Who. Bye.", ["I met Mr. Brown and Dr. Who.", "Bye."]),
        ("It is 3.5 metres. OK.", ["It is 3.5 metres.", "OK."]),
        ('She said "Stop!" Then left.', ['She said "Stop!"', "Then left."]),
        ("Really?! Yes...", ["Really?!", "Yes..."]),
        ("我很高兴。你好吗？好！", ["我很高兴。", "你好吗？", "好！"]),
        ("真的吗?!太好了.我们走吧", ["真的吗?!", "太好了.", "我们走吧"]),  # half-width marks
        ("OK!好的", ["OK!好的"]),
        ("  no end punctuation ", ["no end punctuation"]),
        ("", []),
        ("   ", []),
    ],
)
def test_split_sentences(text, expected):
    assert split_sentences(text) == expected


# --- properties -------------------------------------------------------------------------------

_ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=300)
_FORBIDDEN_CATEGORIES = {"Cc", "Cs", "Co", "Cn", "So", "Sk", "Me", "Zl", "Zp"}


@settings(max_examples=300, deadline=None)
@given(text=_ANY_TEXT, max_chars=st.integers(min_value=1, max_value=200))
def test_normalize_line_only_raises_its_two_errors_and_output_is_clean(text, max_chars):
    try:
        result = normalize_line(text, max_chars)
    except (BadInputError, LimitExceeded):
        return
    assert 0 < len(result) <= max_chars
    assert result == result.strip()
    assert "  " not in result
    for char in result:
        assert unicodedata.category(char) not in _FORBIDDEN_CATEGORIES, repr(char)
        assert unicodedata.category(char) != "Cf" or char == "\u200c", repr(char)


@settings(max_examples=200, deadline=None)
@given(text=_ANY_TEXT.filter(lambda t: "&" not in t))
def test_normalize_line_is_idempotent(text):
    try:
        once = normalize_line(text, 10_000)
    except BadInputError:
        return
    assert normalize_line(once, 10_000) == once


@settings(max_examples=200, deadline=None)
@given(text=_ANY_TEXT)
def test_split_sentences_loses_no_words(text):
    sentences = split_sentences(text)
    assert all(s and s == s.strip() for s in sentences)
    # No character is lost or added (compared without whitespace: a Chinese mark ends a
    # sentence with no space after it, so "。0" is two sentences of one word between them).
    assert "".join("".join(sentences).split()) == "".join(text.split())


def test_full_width_chinese_punctuation_is_kept_and_half_width_forms_are_folded():
    assert normalize_line("你好！你是谁？好，走（现在）", LIMIT) == "你好！你是谁？好，走（现在）"
    assert normalize_line("ﾃｽﾄ｡", LIMIT) == "テスト。"
