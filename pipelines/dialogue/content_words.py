"""Word lists of the content check (``pipelines.dialogue.content``), English and Chinese.

English entries are whole words, matched case-insensitively at word boundaries; an entry may
be a short phrase. Chinese entries are matched as substrings (Chinese has no spaces), so only
compounds are listed: a single character such as 杀 would also hit 杀毒 ("antivirus").
The lists hold words that have no ordinary meaning a photo's person would need in a one- to
three-sentence line; a refused line is replaced by a safe one, so a false alarm costs little.
"""

from __future__ import annotations

#: Killing, wounding, weapons and threats.
VIOLENCE_EN = (
    "kill", "kills", "killed", "killing", "killer", "killers", "murder", "murders", "murdered",
    "murdering", "murderer", "stab", "stabs", "stabbed", "stabbing", "slaughter", "slaughtered",
    "massacre", "massacred", "behead", "beheaded", "beheading", "strangle", "strangled",
    "torture", "tortured", "torturing", "maim", "maimed", "bomb", "bombs", "bombing", "bombed",
    "bomber", "bombers",
    "explosives", "detonate", "grenade", "gun", "guns", "gunned", "rifle", "shotgun", "pistol",
    "weapon", "weapons", "assault", "assaulted", "terrorist", "terrorists", "terrorism",
    "genocide", "bloodshed", "shoot you", "shoot him", "shoot her", "shoot them",
    "shoot people", "shoot everyone", "hurt you", "hurt people", "beat you up", "punch you",
    "execute them", "blow up", "die screaming",
)  # fmt: skip
VIOLENCE_ZH = (
    "杀人", "杀了", "杀死", "杀掉", "杀光", "砍死", "捅死", "打死", "弄死", "枪杀", "屠杀",
    "谋杀", "殺人", "殺死", "殺了", "炸弹", "炸死", "爆炸物", "恐怖袭击", "恐怖分子", "砍人",
    "捅人", "血洗", "斩首", "酷刑",
)  # fmt: skip

#: Sexual content.
SEXUAL_EN = (
    "sex", "sexy", "sexual", "sexually", "naked", "nude", "nudes", "porn", "porno",
    "pornography", "orgasm", "erection", "genitals", "penis", "vagina", "horny", "aroused",
    "rape", "raped", "raping", "rapist", "molest", "molested", "stripper", "prostitute",
    "hooker", "blowjob", "masturbate", "masturbating", "intercourse", "make love",
)  # fmt: skip
SEXUAL_ZH = (
    "做爱", "性交", "色情", "裸体", "裸照", "强奸", "强暴", "阴茎", "阴道", "鸡巴", "妓女",
    "卖淫", "自慰", "淫荡", "性感",
)  # fmt: skip

#: Swearing.
PROFANITY_EN = (
    "fuck", "fucks", "fucked", "fucking", "fucker", "motherfucker", "shit", "shitty", "bullshit",
    "cunt", "dick", "dicks", "cock", "cocks", "pussy", "bitch", "bitches", "whore", "whores",
    "slut", "sluts", "asshole", "assholes", "bastard", "bastards", "wanker", "twat",
)  # fmt: skip
PROFANITY_ZH = (
    "操你", "肏", "他妈的", "妈的", "傻逼", "傻屄", "牛逼", "婊子", "贱人", "王八蛋", "混蛋",
    "滚蛋", "去死",
)  # fmt: skip

#: Slurs against a people, a faith, a sexuality or a disability. A persona name holding one of
#: these is refused (``name_problem``).
SLURS_EN = (
    "nigger", "niggers", "nigga", "niggas", "negro", "negroes", "chink", "chinks", "gook",
    "gooks", "spic", "spics", "kike", "kikes", "wetback", "wetbacks", "beaner", "beaners",
    "raghead", "ragheads", "towelhead", "towelheads", "paki", "pakis", "coon", "coons",
    "jap", "japs", "faggot", "faggots", "fag", "fags", "dyke", "dykes", "tranny", "trannies",
    "shemale", "retard", "retards", "retarded", "spastic", "mongoloid", "gyppo", "golliwog",
    "sambo", "zipperhead",
)  # fmt: skip
SLURS_ZH = (
    "黑鬼", "支那", "支那人", "小日本", "日本鬼子", "鬼子", "棒子", "阿三", "尼哥", "黑奴",
    "基佬", "死基佬", "娘炮", "人妖", "脑残", "弱智", "残废", "智障", "蛮夷",
)  # fmt: skip

#: Suicide and self-harm.
SELF_HARM_EN = (
    "suicide", "suicidal", "kill myself", "killing myself", "end my life", "ending my life",
    "take my own life", "cut myself", "cutting myself", "hang myself", "hurt myself",
    "harm myself", "self-harm", "self harm", "overdose", "slit my wrists", "want to die",
    "wanna die", "better off dead", "end it all",
)  # fmt: skip
SELF_HARM_ZH = (
    "自杀", "自残", "割腕", "想死", "跳楼", "上吊", "不想活", "结束生命", "轻生", "服毒",
)  # fmt: skip

#: Street-name endings that make "12 Baker Street" an address.
STREET_WORDS = (
    "street", "st", "avenue", "ave", "road", "rd", "boulevard", "blvd", "lane", "ln", "drive",
    "dr", "court", "ct", "way", "place", "pl", "square", "sq", "terrace", "crescent", "close",
    "highway", "parkway",
)  # fmt: skip
