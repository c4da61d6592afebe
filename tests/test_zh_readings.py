"""How the Mandarin reader says words whose reading depends on their use, with the real
dictionaries (jieba, pypinyin, misaki's tone sandhi): each first case below was read wrongly
before ``pipelines.speech.zh_readings`` (the old reading is in its comment)."""

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


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("愉快地微笑", "yu2 kuai4 de5 wei1 xiao4"),  # di5: 地 as the ground
        ("慢慢地走", "man4 man4 de5 zou3"),
        ("很和谐地配在一起", "hen3 he2 xie2 de5 pei4 zai4 yi4 qi3"),
    ],
)
def test_di_after_an_adverbial_is_the_particle_de(
    reader: MandarinPhonemizer, text: str, spoken: str
) -> None:
    assert said(reader, text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("当地美食", "dang1 di4 mei3 shi2"),  # di5: misaki makes every 地 ending a word neutral
        ("坐在草地上", "zuo4 zai4 cao3 di4 shang4"),
        ("他的目的", "ta1 de5 mu4 di4"),
        ("我觉得很好", "wo3 jue2 de5 hen2 hao3"),  # unchanged: the dictionary's de5
    ],
)
def test_words_ending_in_di_keep_their_dictionary_reading(
    reader: MandarinPhonemizer, text: str, spoken: str
) -> None:
    assert said(reader, text) == spoken


def test_mei_de_in_a_line_is_beautiful_and_the_particle(reader: MandarinPhonemizer) -> None:
    # jieba takes 美的 for the brand Měidí (mei3 di2, made di5 by the sandhi).
    assert said(reader, "我感觉这里挺美的").endswith("mei3 de5")


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("我们得走了", "wo3 men5 dei3 zou3 le5"),  # de5
        ("我得去上班", "wo3 dei3 qu4 shang4 ban1"),  # de2, jieba joins 得去
        ("我们还得等一会儿", "wo3 men5 hai2 dei3 deng3 yi2 hui4 er5"),  # de5
        ("他得了感冒", "ta1 de2 le5 gan3 mao4"),  # de5; got a cold
        ("他得过奖", "ta1 de2 guo4 jiang3"),
        # After a verb 得 is the particle, even where the sandhi joined 这里等 into a word.
        ("我在这里等得太久了", "wo3 zai4 zhe4 li3 deng3 de5 tai4 jiu3 le5"),
        ("你过得好吗", "ni3 guo5 de5 hao3 ma5"),
    ],
)
def test_de_after_a_pronoun_is_dei_must(reader: MandarinPhonemizer, text: str, spoken: str) -> None:
    assert said(reader, text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("很长的路", "hen3 chang2 de5 lu4"),  # hen2 zhang3: grow, with the 3-3 sandhi
        ("好长时间", "hao3 chang2 shi2 jian1"),
        ("我长大了", "wo2 zhang3 da4 le5"),  # grow: unchanged
    ],
)
def test_chang_after_a_degree_word_is_long(
    reader: MandarinPhonemizer, text: str, spoken: str
) -> None:
    assert said(reader, text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("让我想想", "rang4 wo3 xiang2 xiang5"),  # xiang2 xiang3: jieba joined 我想想
        ("出去走走", "chu1 qu5 zou2 zou5"),  # zou3 zou5: a third tone rises before it
        ("我们聊聊天", "wo3 men5 liao2 liao5 tian1"),  # liao2 liao2
        ("数一数", "shu3 yi5 shu3"),  # shu4: the noun
        ("走走停停", "zou2 zou3 ting2 ting2"),  # zou3 zou5 ting2 ting5
        ("闪闪发光", "shan2 shan3 fa1 guang1"),  # shan3 shan5
        ("我喜欢画画", "wo2 xi3 huan5 hua4 hua4"),  # hua4 hua5: to paint
        ("事事顺心", "shi4 shi4 shun4 xin1"),  # shi4 shi5: every matter
        ("点点星光", "dian2 dian3 xing1 guang1"),  # dian3 dian5
        # Unchanged: doubled nouns and the verbs misaki already read.
        ("妈妈", "ma1 ma5"),
        ("我看看", "wo3 kan4 kan5"),
        ("听听照片里的人怎么说", "ting1 ting5 zhao4 pian1 li3 de5 ren2 zen3 me5 shuo1"),
    ],
)
def test_doubled_syllables_are_read_by_their_kind(
    reader: MandarinPhonemizer, text: str, spoken: str
) -> None:
    assert said(reader, text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("我找着了", "wo2 zhao3 zhao2 le5"),  # zhe5: found it
        ("你猜怎么着", "ni3 cai1 zen3 me5 zhe5"),  # zhao1
        ("我看着你", "wo3 kan4 zhe5 ni3"),  # unchanged
    ],
)
def test_zhe_is_read_by_its_use(reader: MandarinPhonemizer, text: str, spoken: str) -> None:
    assert said(reader, text) == spoken


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("我可以教你", "wo3 ke2 yi3 jiao1 ni3"),  # jiao4: the noun's reading
        ("教室", "jiao4 shi4"),  # unchanged
    ],
)
def test_a_lone_verb_is_read_as_the_verb(
    reader: MandarinPhonemizer, text: str, spoken: str
) -> None:
    assert said(reader, text) == spoken


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
