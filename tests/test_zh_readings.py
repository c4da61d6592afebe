"""How the Mandarin reader says words whose reading depends on their use, with the real
dictionaries (jieba, pypinyin, misaki's tone sandhi), one table of cases by rule (READINGS).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipelines.speech.kokoro_onnx import read_vocabulary
from pipelines.speech.zh_phonemes import MandarinPhonemizer


@pytest.fixture(scope="module")
def reader() -> MandarinPhonemizer:
    return MandarinPhonemizer(frozenset(read_vocabulary()))


def said(reader: MandarinPhonemizer, text: str) -> str:
    """The text's syllables as spoken, tone digits included, space-separated."""
    return " ".join(syllable for word in reader.pinyin(text) for syllable in word)


#: (text, how it is spoken), by rule. Each rule's first cases were read wrongly before it (the
#: old reading is in the comment); the cases marked unchanged guard readings it must not touch.
READINGS = [
    # 地 after an adverbial is the particle de.
    pytest.param("愉快地微笑", "yu2 kuai4 de5 wei1 xiao4", id="di"),  # di5: 地 as the ground
    pytest.param("慢慢地走", "man4 man4 de5 zou3", id="di"),
    pytest.param("很和谐地配在一起", "hen3 he2 xie2 de5 pei4 zai4 yi4 qi3", id="di"),
    # A word ending in 地 keeps its dictionary reading.
    # Was di5: misaki makes every 地 that ends a word neutral.
    pytest.param("当地美食", "dang1 di4 mei3 shi2", id="ending-di"),
    pytest.param("坐在草地上", "zuo4 zai4 cao3 di4 shang4", id="ending-di"),
    pytest.param("他的目的", "ta1 de5 mu4 di4", id="ending-di"),
    # Unchanged: the dictionary's de5.
    pytest.param("我觉得很好", "wo3 jue2 de5 hen2 hao3", id="ending-di"),
    # 得 after a pronoun is děi (must); before 了 or 过, dé.
    pytest.param("我们得走了", "wo3 men5 dei2 zou3 le5", id="dei"),  # de5
    pytest.param("我得去上班", "wo2 dei3 qu4 shang4 ban1", id="dei"),  # de2, jieba joins 得去
    pytest.param("我们还得等一会儿", "wo3 men5 hai2 dei2 deng3 yi2 hui4 er5", id="dei"),  # de5
    pytest.param("他得了感冒", "ta1 de2 le5 gan3 mao4", id="dei"),  # de5; got a cold
    pytest.param("他得过奖", "ta1 de2 guo4 jiang3", id="dei"),
    # After a verb 得 is the particle, even where the sandhi joined 这里等 into a word.
    pytest.param("我在这里等得太久了", "wo3 zai4 zhe4 li2 deng3 de5 tai4 jiu3 le5", id="dei"),
    pytest.param("你过得好吗", "ni3 guo4 de5 hao3 ma5", id="dei"),  # guo5: see "guo"
    # 长 after a degree word is cháng (long).
    # Was hen2 zhang3 (grow), with the 3-3 sandhi.
    pytest.param("很长的路", "hen3 chang2 de5 lu4", id="chang"),
    pytest.param("好长时间", "hao3 chang2 shi2 jian1", id="chang"),
    pytest.param("我长大了", "wo2 zhang3 da4 le5", id="chang"),  # grow: unchanged
    pytest.param("视频长二十秒", "shi4 pin2 chang2 er4 shi2 miao3", id="chang"),  # zhang3
    pytest.param("这件衣服有点长", "zhe4 jian4 yi1 fu5 you2 dian3 chang2", id="chang"),  # zhang3
    pytest.param("他有点长大了", "ta1 you2 dian2 zhang3 da4 le5", id="chang"),  # unchanged
    pytest.param("头发长了三厘米", "tou2 fa5 zhang3 le5 san1 li2 mi3", id="chang"),  # unchanged
    pytest.param("校长一直很忙", "xiao4 zhang3 yi4 zhi2 hen3 mang2", id="chang"),  # unchanged
    # Doubled syllables, as their kind is spoken.
    # Was xiang2 xiang3: jieba joined 我想想.
    pytest.param("让我想想", "rang4 wo3 xiang2 xiang5", id="double"),
    # Was zou3 zou5: a third tone rises before the neutral one.
    pytest.param("出去走走", "chu1 qu5 zou2 zou5", id="double"),
    pytest.param("我们聊聊天", "wo3 men5 liao2 liao5 tian1", id="double"),  # liao2 liao2
    pytest.param("数一数", "shu3 yi5 shu3", id="double"),  # shu4: the noun
    pytest.param("走走停停", "zou2 zou3 ting2 ting2", id="double"),  # zou3 zou5 ting2 ting5
    pytest.param("闪闪发光", "shan2 shan3 fa1 guang1", id="double"),  # shan3 shan5
    pytest.param("我喜欢画画", "wo2 xi3 huan5 hua4 hua4", id="double"),  # hua4 hua5: to paint
    pytest.param("事事顺心", "shi4 shi4 shun4 xin1", id="double"),  # shi4 shi5: every matter
    pytest.param("点点星光", "dian2 dian3 xing1 guang1", id="double"),  # dian3 dian5
    # Unchanged: doubled nouns and the verbs misaki already read.
    pytest.param("妈妈", "ma1 ma5", id="double"),
    pytest.param("我看看", "wo3 kan4 kan5", id="double"),
    pytest.param(
        "听听照片里的人怎么说", "ting1 ting5 zhao4 pian1 li3 de5 ren2 zen3 me5 shuo1", id="double"
    ),
    # 着 by its use.
    pytest.param("我找着了", "wo2 zhao3 zhao2 le5", id="zhe"),  # zhe5: found it
    pytest.param("你猜怎么着", "ni3 cai1 zen3 me5 zhe5", id="zhe"),  # zhao1
    pytest.param("我看着你", "wo3 kan4 zhe5 ni3", id="zhe"),  # unchanged
    # A lone verb with its verb reading.
    pytest.param("我可以教你", "wo3 ke2 yi3 jiao1 ni3", id="verb"),  # jiao4: the noun's reading
    pytest.param("教室", "jiao4 shi4", id="verb"),  # unchanged
    pytest.param(
        "我要在这里待一会儿", "wo3 yao4 zai4 zhe4 li3 dai1 yi2 hui4 er5", id="verb"
    ),  # dai4
    pytest.param("我们待在一起", "wo3 men5 dai1 zai4 yi4 qi3", id="verb"),  # dai4
    # 过 after no verb, or before 得, is the verb guò.
    pytest.param("日子过得真快", "ri4 zi5 guo4 de5 zhen1 kuai4", id="guo"),  # guo5
    pytest.param("你今天过得怎么样", "ni3 jin1 tian1 guo4 de5 zen3 me5 yang4", id="guo"),  # guo5
    pytest.param("他曾经来过", "ta1 ceng2 jing1 lai2 guo5", id="guo"),  # unchanged: aspect
    # Measure words: 只 zhī and 行 háng before a noun they count.
    pytest.param("两只猫", "liang3 zhi1 mao1", id="measure"),  # liang2 zhi3 (only)
    pytest.param("那只鸟很漂亮", "na4 zhi1 niao2 hen3 piao4 liang5", id="measure"),  # zhi2
    pytest.param("一行字", "yi4 hang2 zi4", id="measure"),  # xing2
    pytest.param("两只可爱的小狗", "liang3 zhi1 ke3 ai4 de5 xiao2 gou3", id="measure"),  # zhi3
    pytest.param("我只想要你的爱", "wo3 zhi2 xiang3 yao4 ni3 de5 ai4", id="measure"),  # unchanged
    pytest.param(
        "他在这一行干了很多年", "ta1 zai4 zhe4 yi4 hang2 gan4 le5 hen3 duo1 nian2", id="measure"
    ),
    pytest.param("剧本第三行", "ju4 ben3 di4 san1 hang2", id="measure"),  # xing2
    pytest.param("每行写一句", "mei3 hang2 xie3 yi2 ju4", id="measure"),  # xing2
    pytest.param("这只是一个梦", "zhe4 zhi3 shi4 yi2 ge5 meng4", id="measure"),  # unchanged
    pytest.param("我们一行人", "wo3 men5 yi4 xing2 ren2", id="measure"),  # unchanged
    pytest.param("这行吗", "zhe4 xing2 ma5", id="measure"),  # unchanged: does this work
    # 还 before a pronoun and what is given back is huán.
    pytest.param("你还我钱", "ni3 huan2 wo3 qian2", id="huan"),  # hai2
    pytest.param("还我的书", "huan2 wo3 de5 shu1", id="huan"),
    pytest.param("明天我还你", "ming2 tian1 wo3 huan2 ni3", id="huan"),
    pytest.param("他还没来", "ta1 hai2 mei2 lai2", id="huan"),  # unchanged: still
    pytest.param("今天还我一个人在家", "jin1 tian1 hai2 wo3 yi2 ge5 ren2 zai4 jia1", id="huan"),
    # 重 before a verb is chóng (again).
    pytest.param("重来一次", "chong2 lai2 yi2 ci4", id="chong"),  # zhong4
    pytest.param("重说一遍", "chong2 shuo1 yi2 bian4", id="chong"),
    pytest.param("它重五公斤", "ta1 zhong4 wu3 gong1 jin1", id="chong"),  # unchanged: heavy
    # 数 before what is counted is shǔ.
    pytest.param("我在数钱", "wo3 zai4 shu3 qian2", id="shu"),  # shu4
    pytest.param("数星星", "shu3 xing1 xing5", id="shu"),
    pytest.param("我数了数", "wo2 shu3 le5 shu3", id="shu"),
    pytest.param("数到十", "shu3 dao4 shi2", id="shu"),
    pytest.param("我们走了数天", "wo3 men5 zou3 le5 shu4 tian1", id="shu"),  # unchanged: several
    pytest.param("这个数很大", "zhe4 ge5 shu4 hen3 da4", id="shu"),  # unchanged: a number
    # 等等 at the start or beside a pronoun is the verb (wait a bit), else "etc.".
    pytest.param("我等等你", "wo3 deng2 deng5 ni3", id="dengdeng"),  # deng2 deng3
    pytest.param("等等我", "deng2 deng5 wo3", id="dengdeng"),
    pytest.param("苹果香蕉等等", "ping2 guo3 xiang1 jiao1 deng2 deng3", id="dengdeng"),
    # Words pypinyin's dictionary reads wrongly, and a word the sandhi joined (挺美的).
    pytest.param("处处都是花", "chu4 chu4 dou1 shi4 hua1", id="word"),  # chu2 chu5
    pytest.param("这真是难得的机会", "zhe4 zhen1 shi5 nan2 de2 de5 ji1 hui4", id="word"),  # de5
    pytest.param("挺美的", "ting2 mei3 de5", id="word"),  # di5
    # pypinyin's own readings win over pypinyin-dict's where both have a phrase.
    pytest.param("我把书送还给你", "wo2 ba3 shu1 song4 huan2 gei2 ni3", id="dictionary"),  # hai2
    pytest.param("她留着短发", "ta1 liu2 zhe5 duan3 fa4", id="dictionary"),  # fa1
    pytest.param("只见他笑了", "zhi3 jian4 ta1 xiao4 le5", id="dictionary"),  # zhi1
    # Phrases inside jieba's words, where the dictionaries or misaki's neutral tones err.
    pytest.param("我去看大夫", "wo3 qu4 kan4 dai4 fu5", id="phrase"),  # da4 with pypinyin's
    pytest.param("取得成功", "qu3 de2 cheng2 gong1", id="phrase"),  # de5
    pytest.param("我舍不得你", "wo2 she3 bu5 de5 ni3", id="phrase"),  # she4 bu4 de2
    pytest.param("开心得不得了", "kai1 xin1 de5 bu4 de2 liao3", id="phrase"),  # le5
    pytest.param("我们照张相吧", "wo3 men5 zhao4 zhang1 xiang4 ba5", id="phrase"),  # xiang1
    # Surnames, in a name or before a title, read as surnames.
    pytest.param("我叫曾小明", "wo3 jiao4 zeng1 xiao3 ming2", id="surname"),  # ceng2
    pytest.param("单老师好", "shan4 lao3 shi1 hao3", id="surname"),  # dan1
    pytest.param("我姓解", "wo3 xing4 xie4", id="surname"),  # jie3
    pytest.param("纪老师", "ji2 lao3 shi1", id="surname"),  # ji4; ji3 rises before lao3
    pytest.param("我曾经去过", "wo3 ceng2 jing1 qu4 guo4", id="surname"),  # unchanged
    pytest.param("我去查资料", "wo3 qu4 cha2 zi1 liao4", id="surname"),  # unchanged
    # Third tones left in a row inside one word rise, all but the last.
    pytest.param("我好想你", "wo3 hao2 xiang2 ni3", id="third"),  # hao3 xiang3 ni3
    pytest.param("如果你需要", "ru2 guo2 ni3 xu1 yao4", id="third"),  # guo3: misaki joined 如果你
    pytest.param("我很好", "wo3 hen2 hao3", id="third"),  # unchanged
    # Across words: a run that still has two third tones in a row, or a subject misaki joined
    # to the adverb after it, is read again; the subject is a group of its own.
    pytest.param("我很喜欢", "wo3 hen2 xi3 huan5", id="third"),  # wo2 hen3 xi3
    pytest.param("我很想你", "wo3 hen2 xiang2 ni3", id="third"),  # wo2 hen3
    pytest.param("小狗很可爱", "xiao2 gou3 hen2 ke3 ai4", id="third"),  # gou2 hen3 ke3
    pytest.param("我有两个孩子", "wo3 you2 liang3 ge5 hai2 zi5", id="third"),  # wo2 you3 liang3
    pytest.param("我想买点水果", "wo2 xiang3 mai2 dian3 shui2 guo3", id="third"),  # unchanged
    # 一 beside another digit is yī: numbers read digit by digit.
    pytest.param("一九九八年", "yi1 jiu2 jiu3 ba1 nian2", id="yi"),  # yi4 jiu3 jiu3
    pytest.param("三点一四", "san1 dian3 yi1 si4", id="yi"),  # unchanged
    pytest.param("一百", "yi4 bai3", id="yi"),  # unchanged
]


@pytest.mark.parametrize(("text", "spoken"), READINGS)
def test_words_are_read_as_their_use_says(
    reader: MandarinPhonemizer, text: str, spoken: str
) -> None:
    assert said(reader, text) == spoken


def test_mei_de_in_a_line_is_beautiful_and_the_particle(reader: MandarinPhonemizer) -> None:
    # jieba takes 美的 for the brand Měidí (mei3 di2, made di5 by the sandhi).
    assert said(reader, "我感觉这里挺美的").endswith("mei3 de5")


#: Han characters of every block the reader takes (rare ones included), marks, digits, letters.
_ANY_LINE = st.text(
    st.one_of(
        st.characters(min_codepoint=0x3400, max_codepoint=0x9FFF),
        st.characters(min_codepoint=0xF900, max_codepoint=0xFAFF),
        st.sampled_from("，。！？、；：…—“”《》0123456789%:.-/¥$° abcXYZ"),
    ),
    min_size=1,
    max_size=16,
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_ANY_LINE)
@example("很龩㐄他")  # 龩 has no syllable: misaki's sandhi merge indexed its empty final
def test_any_text_is_read_without_failing(reader: MandarinPhonemizer, text: str) -> None:
    units = reader.units(text)
    assert all(unit.phonemes and set(unit.phonemes) <= reader.vocabulary for unit in units)
