"""Word lists of the line checks (``pipelines.dialogue.checks``).

Capitalised words that are not people's names, and the words a finished sentence does not end
on.
All lists are lower case; compare with ``word.lower()``.
"""

from __future__ import annotations

from pipelines.text import word_set

#: Capitalised words that are not a person's name: the pronoun I, family words used as names,
#: calendar words, languages, nationalities and faiths, and well-known places (a place may be
#: said; a person may not be named). Words of several-word places ("New York") are listed one
#: by one.
ORDINARY_CAPITALISED = word_set(
    # I, and family or respect words written with a capital when they address someone.
    "i i'm i've i'll i'd god lord heaven mom mum dad mommy daddy mama papa grandma grandpa "
    "granny nana mother father sir madam miss santa claus "
    # Calendar.
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december christmas xmas easter halloween "
    "thanksgiving hanukkah diwali ramadan eid valentine new year eve day "
    # Greetings and words a model capitalises inside a sentence.
    "oh wow yes no well hello hi hey please thank thanks dear goodness happy merry good morning "
    "evening night birthday internet earth sun moon nature "
    # Languages, nationalities, faiths.
    "english french german spanish italian portuguese dutch greek russian chinese japanese "
    "korean indian arabic hebrew turkish polish swedish norwegian danish finnish irish scottish "
    "welsh british american canadian mexican brazilian argentinian australian african european "
    "asian latin egyptian persian thai vietnamese hindi swiss austrian belgian hungarian czech "
    "ukrainian jewish christian muslim catholic buddhist hindu "
    # Continents, countries, regions.
    "africa america americas asia europe australia antarctica england britain uk usa france "
    "germany spain italy portugal ireland scotland wales greece russia china japan korea india "
    "egypt mexico canada brazil argentina peru chile cuba turkey israel iran iraq poland sweden "
    "norway denmark finland iceland netherlands holland belgium switzerland austria hungary "
    "ukraine kenya nigeria morocco thailand vietnam indonesia philippines pakistan zealand "
    "united states kingdom north south east west central texas california florida hawaii alaska "
    # Cities and sights.
    "london paris rome berlin madrid vienna venice florence milan naples athens moscow tokyo "
    "kyoto beijing shanghai delhi mumbai cairo sydney melbourne toronto montreal vancouver "
    "chicago boston seattle miami vegas las orleans hollywood manhattan brooklyn amsterdam "
    "prague dublin edinburgh lisbon barcelona istanbul jerusalem new york los angeles san "
    "francisco hong kong rio city town park street river lake mount sea ocean pacific atlantic "
    "mediterranean alps nile amazon thames seine eiffel tower"
)

#: Titles before a name ("Mr. Brown", "Aunt May").
TITLES = word_set("mr mrs ms miss dr sir madam lady lord aunt uncle prof")

#: Words that often open a sentence and are not names ("This is my friend", "You and I").
SENTENCE_OPENERS = word_set(
    "i you he she it we they me him her us them this that these those there here what who "
    "which my your his our their the a an and but so yes no oh well"
)

#: Words a finished sentence never ends on: articles, possessives, conjunctions, "of".
NEVER_LAST = word_set(
    "a an the my our your their its his of and or but nor than because if whether into very"
)

#: Prepositions a statement does not end on in a tiny model's lines ("...playing with."); a
#: question may ("Who are you with?").
PREPOSITIONS = word_set("with for to at from by on in about")

#: A preposition may end a statement after these words ("I'd love to.", "thankful for.").
BEFORE_FINAL_PREPOSITION = word_set(
    "love like want need have has had going used ought got try wish hope mean meant thankful "
    "grateful waiting looking asking hoping longing wait ask look"
)

#: "that" ends a sentence after these words only when the sentence was cut off ("the fact that").
BEFORE_DANGLING_THAT = word_set(
    "fact so such now given except hope wish think believe say said and but or than"
)

#: A preposition or a form of "be" may end a sentence that has one of these in its last few
#: words: its own subject ("as it is", "who we are", "the people I used to be with").
CLAUSE_SUBJECTS = word_set(
    "i i'm i've you you're we we're they they're he she it it's who what where how which"
)

#: Forms of "be" that leave a sentence unfinished after other words ("My life is.").
BE_FORMS = word_set("is are was were am")

#: "I" ends a finished sentence only after one of these ("So do I.", "You and I.").
BEFORE_FINAL_I = word_set("am do did can could will would should have had was and than as nor")
