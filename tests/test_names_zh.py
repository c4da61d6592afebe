"""Names a model invents in a Chinese line are found with jieba's real dictionary and HMM;
ordinary words its dictionary tags as names are not."""

from __future__ import annotations

import pytest

from pipelines.dialogue.checks_zh import inspect_line_zh
from pipelines.dialogue.names_zh import invented_names_zh


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("我拍这张彩色照片是肖邦。", ["肖邦"]),  # written by Qwen 0.5B in the chat benchmark
        ("我因为喜欢肖邦，所以拍这张彩色照片。", ["肖邦"]),
        ("我叫李明，今天很高兴。", ["李明"]),
        ("我和王小红一起去公园。", ["王小红"]),
        ("我小时候跟王芳一起上学。", ["王芳"]),
        ("我叫小明。", ["小明"]),
        ("我喜欢贝多芬和莫扎特的音乐。", ["贝多芬", "莫扎特"]),
        ("我最喜欢爱因斯坦。", ["爱因斯坦"]),
        ("我是林黛玉。", ["林黛玉"]),
        ("我的朋友汤姆很高。", ["汤姆"]),
        ("我去年去了莫斯科。", ["莫斯科"]),
    ],
)
def test_invented_names_are_found(line: str, names: list[str]) -> None:
    assert invented_names_zh(line) == names


@pytest.mark.parametrize(
    "line",
    [
        # Lines the project's models wrote (benchmarks/results); jieba tags the marked words
        # as names: 安静, 宁静, 谢谢, 阳光, 叶子, 阴凉, 幼儿园, 巧克力, 长大, 美丽.
        "我感觉很安静，没有太多人来打扰。这让我感到很舒服。",
        "我今天看了这张黑白的老照片，感觉很温馨和宁静。",
        "我过得挺好的，谢谢你的关心和祝福。",
        "謝謝你來看我，我很高興。",
        "我周围满是绿色的树木和叶子，它们在阳光下闪闪发光！我必须找一个阴凉的地方躲避。",
        "我小时候在幼儿园里，有几条小路和一些小房子。",
        "我最喜欢吃巧克力蛋糕。",
        "我小时候在北方长大，父母对我的生活充满期待和好奇。",
        "我觉得这里非常美丽，绿色和灰色的背景让我感到舒适和放松。",
        # Words jieba tags as names that people say every day.
        "我觉得道德很重要。",
        "我家的保姆做饭很好吃。",
        "我今天买了胡萝卜。",
        "我想去看金字塔。",
        "我们很恩爱，拜托你给我们拍一张。",
    ],
)
def test_ordinary_words_tagged_as_names_are_not_names(line: str) -> None:
    assert invented_names_zh(line) == []


def test_a_known_name_may_be_said() -> None:
    assert invented_names_zh("我叫李明，今天很高兴。", known_names=("李明",)) == []
    assert invented_names_zh("我站在肖邦的海报前面。", known_names=("肖邦故居",)) == []
    line, reason = inspect_line_zh("我叫李明，今天很高兴。", known_names=("李明",))
    assert (line, reason) == ("我叫李明，今天很高兴。", "ok")


def test_the_chinese_line_check_refuses_an_invented_name() -> None:
    assert inspect_line_zh("我拍这张彩色照片是肖邦。") == (None, "name")
    assert inspect_line_zh("我和李明一起来的，今天很开心。") == (None, "name")
    assert inspect_line_zh("我今天过得很好，谢谢你。")[1] == "ok"
