"""How right the Mandarin reader's syllables are, on sentences its rules were not written on.

Usage: ``python -m benchmarks.zh_readings [--name zh_readings] [--out benchmarks/results]``

Eighty short lines of the kind the product says (a grandmother in an old photo, a chat answer),
each with its syllables as a Mandarin speaker says them, written by hand before the reader's
output was looked at: pinyin with tone digits (5 = neutral) after the tone sandhi (你好 ni2
hao3, 一个 yi2 ge5, 不是 bu2 shi4). Where speakers differ, every accepted form is listed
(``shang4|shang5``). None of these lines is a case in ``tests/test_zh_readings.py``, but the
first fifty were written by the engineer who wrote the reader's rules, with those rules in
mind; the last thirty for no rule in particular.

Two readers are scored syllable by syllable:

- **reader**: ``MandarinPhonemizer.pinyin``, as the voice reads (its rules, pypinyin's own
  phrase readings first);
- **plain**: the same jieba cut, misaki's merges and tone sandhi, and pypinyin with
  pypinyin-dict's large phrase list loaded over its own (as misaki's frontend does), without
  the reader's rules; run in a fresh process so the two dictionaries do not mix.

Results go to ``<out>/<name>.json`` and ``<out>/<name>.md``.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks import report
from benchmarks.run import ROOT

logger = logging.getLogger(__name__)

#: (line, its syllables as said; alternatives joined by "|"), written by hand.
LINES: tuple[tuple[str, str], ...] = (
    (
        "你好，我是这张照片里的奶奶。",
        "ni2 hao3 wo3 shi4 zhe4 zhang1 zhao4 pian4|pian1 li3 de5 nai3 nai5",
    ),
    ("那年夏天我们一起去海边玩。", "na4 nian2 xia4 tian1 wo3 men5 yi4 qi3 qu4 hai3 bian1 wan2"),
    (
        "我很想念你们，希望你们一切都好。",
        "wo3|wo2 hen2 xiang3 nian4 ni3 men5 xi1 wang4 ni3 men5 yi2 qie4 dou1 hao3",
    ),
    ("这是我第一次看到大海。", "zhe4 shi4 wo3 di4 yi1 ci4 kan4 dao4 da4 hai3"),
    ("别担心，我过得很好。", "bie2 dan1 xin1 wo3 guo4 de5 hen2 hao3"),
    (
        "我们一家人在这里住了很多年。",
        "wo3 men5 yi4 jia1 ren2 zai4 zhe4 li3 zhu4 le5 hen3 duo1 nian2",
    ),
    ("我想告诉你一件事。", "wo2 xiang3 gao4 su5|su4 ni3 yi2 jian4 shi4"),
    ("你长得真像你的爸爸。", "ni2 zhang3 de5 zhen1 xiang4 ni3 de5 ba4 ba5"),
    ("这只小猫是我养的。", "zhe4 zhi1 xiao3 mao1 shi4 wo2 yang3 de5"),
    ("我们还要等多久？", "wo3 men5 hai2 yao4 deng3 duo1 jiu3"),
    ("我今天穿了一件红色的衣服。", "wo3 jin1 tian1 chuan1 le5 yi2 jian4 hong2 se4 de5 yi1 fu5"),
    (
        "外面下着雨，我们就在家里聊聊天。",
        "wai4 mian4|mian5 xia4 zhe5 yu3 wo3 men5 jiu4 zai4 jia1 li3 liao2 liao5 tian1",
    ),
    (
        "你还记得我们第一次见面吗？",
        "ni3 hai2 ji4 de5 wo3 men5 di4 yi1 ci4 jian4 mian4 ma5",
    ),
    ("把书还给我吧。", "ba3 shu1 huan2 gei2 wo3 ba5"),
    ("我的头发已经白了。", "wo3 de5 tou2 fa5 yi3 jing1 bai2 le5"),
    (
        "这幅画挂在墙上很多年了。",
        "zhe4 fu2 hua4 gua4 zai4 qiang2 shang4|shang5 hen3 duo1 nian2 le5",
    ),
    (
        "我每天早上都去公园散步。",
        "wo2 mei3 tian1 zao3 shang5|shang4 dou1 qu4 gong1 yuan2 san4 bu4",
    ),
    ("你看，那只鸟飞得好高。", "ni3 kan4 na4 zhi1 niao3 fei1 de5 hao3 gao1"),
    ("我们得赶快回家了。", "wo3 men5 dei2 gan3 kuai4 hui2 jia1 le5"),
    (
        "他得了第一名，大家都很高兴。",
        "ta1 de2 le5 di4 yi1 ming2 da4 jia1 dou1 hen3 gao1 xing4",
    ),
    ("这条路很长，我们慢慢走。", "zhe4 tiao2 lu4 hen3 chang2 wo3 men5 man4 man4|man1 zou3"),
    (
        "我数了数，一共有十二个人。",
        "wo2 shu3 le5 shu3 yi2 gong4 you3 shi2 er4 ge4|ge5 ren2",
    ),
    ("我睡不着，一直在想你。", "wo3 shui4 bu5|bu4 zhao2 yi4 zhi2 zai4 xiang2 ni3"),
    ("你为什么不说话？", "ni3 wei4 shen2 me5 bu4 shuo1 hua4"),
    ("我们重新开始吧。", "wo3 men5 chong2 xin1 kai1 shi3 ba5"),
    (
        "这个地方我小时候来过。",
        "zhe4 ge5|ge4 di4 fang5 wo2 xiao3 shi2 hou5 lai2 guo5",
    ),
    (
        "天气越来越冷了，多穿点衣服。",
        "tian1 qi4 yue4 lai2 yue4 leng3 le5 duo1 chuan1 dian3 yi1 fu5",
    ),
    ("我好久没有这么开心了。", "wo3|wo2 hao2 jiu3 mei2 you3 zhe4 me5 kai1 xin1 le5"),
    (
        "这张照片是一九八五年拍的。",
        "zhe4 zhang1 zhao4 pian4|pian1 shi4 yi1 jiu3 ba1 wu3 nian2 pai1 de5",
    ),
    (
        "我们一行人走了很远的路。",
        "wo3 men5 yi4 xing2 ren2 zou3 le5 hen2 yuan3 de5 lu4",
    ),
    ("她写了两行字。", "ta1 xie3 le5 liang3 hang2 zi4"),
    ("你等等我，我马上就来。", "ni3 deng2 deng5 wo3 wo2 ma3 shang4 jiu4 lai2"),
    ("我只是想看看你。", "wo2 zhi3 shi4 xiang3 kan4 kan5 ni3"),
    ("花园里到处都是花。", "hua1 yuan2 li3 dao4 chu4 dou1 shi4 hua1"),
    (
        "我们在这里等了你很久。",
        "wo3 men5 zai4 zhe4 li2 deng3 le5 ni3|ni2 hen2 jiu3",
    ),
    ("这个问题很难回答。", "zhe4 ge5 wen4 ti2 hen3 nan2 hui2 da2"),
    (
        "我觉得这里的风景特别美。",
        "wo3 jue2 de5 zhe4 li3 de5 feng1 jing3 te4 bie2 mei3",
    ),
    ("谢谢你一直陪着我。", "xie4 xie5 ni3 yi4 zhi2 pei2 zhe5 wo3"),
    ("他把钱还给了朋友。", "ta1 ba3 qian2 huan2 gei3 le5 peng2 you5"),
    (
        "等我长大了，我要当一名医生。",
        "deng3|deng2 wo2 zhang3 da4 le5 wo3 yao4 dang1 yi4 ming2 yi1 sheng1",
    ),
    ("我们都是一家人。", "wo3 men5 dou1 shi4 yi4 jia1 ren2"),
    (
        "你的笑容让我感到温暖。",
        "ni3 de5 xiao4 rong2 rang4 wo2 gan3 dao4 wen1 nuan3",
    ),
    ("我去银行取了点钱。", "wo3 qu4 yin2 hang2 qu3 le5 dian3 qian2"),
    ("请你重说一遍。", "qing2 ni3 chong2 shuo1 yi2 bian4"),
    ("这件事我记了很久。", "zhe4 jian4 shi4 wo3 ji4 le5 hen2 jiu3"),
    ("我们难得见一次面。", "wo3 men5 nan2 de2 jian4 yi2 ci4 mian4"),
    (
        "小时候，奶奶经常给我做饭。",
        "xiao3 shi2 hou5 nai3 nai5 jing1 chang2 gei2 wo3 zuo4 fan4",
    ),
    ("你累不累？", "ni3 lei4 bu5|bu4 lei4"),
    ("我想买一把伞。", "wo3|wo2 xiang2 mai3 yi4 ba2 san3"),
    ("今天的阳光真好。", "jin1 tian1 de5 yang2 guang1 zhen1 hao3"),
    # Thirty more, written for no rule in particular.
    (
        "我年轻的时候在上海工作过。",
        "wo3 nian2 qing1 de5 shi2 hou5 zai4 shang4 hai3 gong1 zuo4 guo5",
    ),
    (
        "这幅画是我最喜欢的作品之一。",
        "zhe4 fu2 hua4 shi4 wo3 zui4 xi3 huan5 de5 zuo4 pin3 zhi1 yi1",
    ),
    ("我的眼睛一直看着你。", "wo3 de5 yan3 jing5|jing1 yi4 zhi2 kan4 zhe5 ni3"),
    ("窗外的树叶都变黄了。", "chuang1 wai4 de5 shu4 ye4 dou1 bian4 huang2 le5"),
    ("你们要好好照顾自己。", "ni3 men5 yao4 hao2|hao3 hao3|hao1 zhao4 gu4|gu5 zi4 ji3"),
    ("今天是我们结婚五十周年。", "jin1 tian1 shi4 wo3 men5 jie2 hun1 wu3 shi2 zhou1 nian2"),
    ("我小时候特别调皮。", "wo2 xiao3 shi2 hou5 te4 bie2 tiao2 pi2"),
    ("每到春天，院子里开满了花。", "mei3 dao4 chun1 tian1 yuan4 zi5 li3 kai1 man3 le5 hua1"),
    ("你一定要相信自己。", "ni3 yi2 ding4 yao4 xiang1 xin4 zi4 ji3"),
    (
        "我在这幅画里已经站了三百年。",
        "wo3 zai4 zhe4 fu2 hua4 li2 yi3 jing1 zhan4 le5 san1 bai3 nian2",
    ),
    (
        "爷爷最喜欢坐在门口晒太阳。",
        "ye2 ye5 zui4 xi3 huan5 zuo4 zai4 men2 kou3 shai4 tai4 yang5|yang2",
    ),
    ("那天的晚饭特别香。", "na4 tian1 de5 wan3 fan4 te4 bie2 xiang1"),
    ("我们全家都在等你回来。", "wo3 men5 quan2 jia1 dou1 zai4 deng2 ni3 hui2 lai2|lai5"),
    ("你好像瘦了一点。", "ni2 hao3 xiang4 shou4 le5 yi4 dian3"),
    ("记得按时吃饭，早点睡觉。", "ji4 de5 an4 shi2 chi1 fan4 zao2 dian3 shui4 jiao4"),
    ("这是我亲手做的蛋糕。", "zhe4 shi4 wo3 qin1 shou3 zuo4 de5 dan4 gao1"),
    (
        "我听见外面有人在唱歌。",
        "wo3 ting1 jian4 wai4 mian4|mian5 you3 ren2 zai4 chang4 ge1",
    ),
    ("我们一起看过很多次日出。", "wo3 men5 yi4 qi3 kan4 guo4|guo5 hen3 duo1 ci4 ri4 chu1"),
    ("我从来没有忘记过你。", "wo3 cong2 lai2 mei2 you3 wang4 ji4 guo5 ni3"),
    ("你最近工作忙不忙？", "ni3 zui4 jin4 gong1 zuo4 mang2 bu5|bu4 mang2"),
    ("我希望你永远快乐。", "wo3 xi1 wang4 ni3|ni2 yong2 yuan3 kuai4 le4"),
    (
        "老照片总是让人想起过去。",
        "lao3 zhao4 pian4|pian1 zong3 shi4 rang4 ren2 xiang2 qi3 guo4 qu4|qu5",
    ),
    (
        "那时候我们没有多少钱，但是很快乐。",
        "na4 shi2 hou5 wo3 men5 mei2 you3 duo1 shao3|shao5 qian2 dan4 shi4 hen3 kuai4 le4",
    ),
    ("我给你唱一首歌吧。", "wo3|wo2 gei2 ni3 chang4 yi4 shou3 ge1 ba5"),
    ("你是我这辈子最好的朋友。", "ni3 shi4 wo3 zhe4 bei4 zi5 zui4 hao3 de5 peng2 you5"),
    ("外面的雪下得很大。", "wai4 mian4|mian5 de5 xue3 xia4 de5 hen3 da4"),
    ("我们来拍张合影吧。", "wo3 men5 lai2 pai1 zhang1 he2 ying3 ba5"),
    ("这只狗陪了我十几年。", "zhe4 zhi1 gou3 pei2 le5 wo3 shi2 ji3 nian2"),
    ("我妈妈做的菜最好吃。", "wo3 ma1 ma5 zuo4 de5 cai4 zui4 hao3 chi1"),
    ("别忘了给家里打个电话。", "bie2 wang4 le5 gei3 jia1 li2 da3 ge5 dian4 hua4"),
)
_HAN = re.compile("[\u3400-\u9fff]+")


def read(phonemizer: Any, line: str) -> list[str]:
    """The line's syllables as ``phonemizer.pinyin`` reads each run of Chinese characters."""
    return [s for han in _HAN.findall(line) for word in phonemizer.pinyin(han) for s in word]


def plain_readings() -> list[list[str]]:
    """Every line read without the reader's rules, with pypinyin-dict's phrases winning.

    Meant for a fresh process: it loads pypinyin-dict's list over pypinyin's own.
    """
    import jieba.posseg as psg
    from misaki.tone_sandhi import ToneSandhi
    from pypinyin import Style, lazy_pinyin
    from pypinyin_dict.phrase_pinyin_data import large_pinyin

    large_pinyin.load()
    sandhi = ToneSandhi()
    readings = []
    for line, _ in LINES:
        syllables: list[str] = []
        for han in _HAN.findall(line):
            for word, tag in sandhi.pre_merge_for_modify(psg.lcut(han)):
                pinyin = lazy_pinyin(word, style=Style.TONE3, neutral_tone_with_five=True)
                syllables += sandhi.modified_tone(word, tag, pinyin)
        readings.append(syllables)
    return readings


def score(said: list[str], expected: str) -> int:
    """How many syllables are read as one of the accepted forms (0 if the counts differ)."""
    accepted = [form.split("|") for form in expected.split()]
    if len(said) != len(accepted):
        return 0
    return sum(syllable in forms for syllable, forms in zip(said, accepted, strict=True))


def measure() -> dict[str, Any]:
    """Both readers' syllables and scores for every line."""
    from pipelines.speech.kokoro_onnx import read_vocabulary
    from pipelines.speech.zh_phonemes import MandarinPhonemizer

    plain = json.loads(
        subprocess.run(
            [sys.executable, "-m", "benchmarks.zh_readings", "--plain"],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
    )
    phonemizer = MandarinPhonemizer(frozenset(read_vocabulary()))
    rows = []
    for (line, expected), plain_said in zip(LINES, plain, strict=True):
        said = read(phonemizer, line)
        rows.append(
            {
                "line": line,
                "expected": expected,
                "reader": " ".join(said),
                "reader_right": score(said, expected),
                "plain": " ".join(plain_said),
                "plain_right": score(plain_said, expected),
                "syllables": len(expected.split()),
            }
        )
    total = sum(row["syllables"] for row in rows)
    return {
        "machine": report.machine(),
        "syllables": total,
        "lines": len(rows),
        "reader_syllables_right": sum(row["reader_right"] for row in rows),
        "plain_syllables_right": sum(row["plain_right"] for row in rows),
        "reader_lines_right": sum(row["reader_right"] == row["syllables"] for row in rows),
        "plain_lines_right": sum(row["plain_right"] == row["syllables"] for row in rows),
        "rows": rows,
    }


def markdown(results: dict[str, Any]) -> list[str]:
    """The two readers' scores and every line either reads wrongly, as Markdown lines."""
    total, lines = results["syllables"], results["lines"]

    def share(right: int, of: int) -> str:
        return f"{right} of {of} ({100 * right / of:.1f} %)"

    out = [
        "# Mandarin readings on held-out lines",
        "",
        f"Run {results['machine']['date']} at commit {results['machine']['commit']}.",
        "",
        "| reader | syllables right | lines right |",
        "|---|---|---|",
        f"| reader (rules) | {share(results['reader_syllables_right'], total)} |"
        f" {share(results['reader_lines_right'], lines)} |",
        f"| plain (pypinyin-dict first, misaki's sandhi) | "
        f"{share(results['plain_syllables_right'], total)} |"
        f" {share(results['plain_lines_right'], lines)} |",
        "",
        "Lines either reads wrongly (as said, then each reader's syllables):",
        "",
        "| line | as said | reader | plain |",
        "|---|---|---|---|",
    ]
    for row in results["rows"]:
        if row["reader_right"] < row["syllables"] or row["plain_right"] < row["syllables"]:
            reader = "=" if row["reader_right"] == row["syllables"] else row["reader"]
            plain = "=" if row["plain_right"] == row["syllables"] else row["plain"]
            out.append(f"| {row['line']} | {row['expected']} | {reader} | {plain} |")
    return out


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark (or, with --plain, prints the plain readings as JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plain", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--name", default="zh_readings")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    if args.plain:
        logging.disable(logging.WARNING)
        sys.stdout.write(json.dumps(plain_readings()))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    results = measure()
    report.write_results(args.out, args.name, markdown(results), results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
