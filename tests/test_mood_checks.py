"""A line may not state the feeling its mood contradicts, in Chinese or in English."""

import pytest

from pipelines.dialogue.mood_checks import contradicts_mood


@pytest.mark.parametrize(
    ("line", "mood", "lang", "feeling"),
    [
        # Qwen 1.5B's line for a sad face on einstein_bw.jpg (seed 0).
        ("我今天特别穿上我最心爱的黑色衣服，周围一片灰色，心情真好！", "sad", "zh", "心情真好"),
        ("我今天穿了黑色衣服，但我很开心！", "angry", "zh", "开心"),
        ("我今天特别开心！", "sad", "zh", "开心"),  # 特别 is not 别 (don't)
        ("我今天很难过。", "happy", "zh", "难过"),
        ("我心情不太好。", "excited", "zh", "心情不太好"),
        ("I got into an argument, but he made me so happy!", "angry", "en", "made me so happy"),
        ("It looks like I'm happy in this setting!", "sad", "en", "I'm happy"),
        ("I feel so lonely in this grey room.", "happy", "en", "I feel so lonely"),
    ],
)
def test_a_stated_opposite_feeling_is_refused(line, mood, lang, feeling):
    assert contradicts_mood(line, mood, lang) == feeling


@pytest.mark.parametrize(
    ("line", "mood", "lang"),
    [
        ("我今天心情不好。", "sad", "zh"),  # the mood's own feeling
        ("我不开心，也没那么高兴。", "sad", "zh"),  # denied
        ("我一点也不难过，今天心情很好！", "happy", "zh"),
        ("我怀念那些快乐的时光。", "sad", "zh"),  # about the times, not the speaker
        ("我今天很开心！", "neutral", "zh"),  # neutral and surprised lines may say either
        ("我很难过，真没想到！", "surprised", "zh"),
        ("I miss those happy days.", "sad", "en"),
        ("It made me angry: orange and yellow are such cheerful colours!", "angry", "en"),
        ("I'm not sad at all.", "happy", "en"),
        ("我很难过，但很高兴见到你。", "sad", "zh"),  # glad to see someone, sad or not
        ("I'm glad you came, even today.", "sad", "en"),
    ],
)
def test_a_feeling_that_fits_or_is_denied_passes(line, mood, lang):
    assert contradicts_mood(line, mood, lang) is None
