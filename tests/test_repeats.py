"""The rule against copying one answer into two questions, on real wordings."""
from __future__ import annotations

from assistant.drafting.repeats import Answered, repeated_from

WEAPONS = "In 2019-20 there were 129 fixed-term exclusions and 3 permanent exclusions where a pupil had an offensive weapon or used an object as a weapon."
PERMANENT = Answered("1", "How many permanent exclusions from Lincolnshire schools in 2019-20 involved an offensive weapon?", frozenset({"u#1"}))


def test_evidence_naming_what_the_later_question_adds_is_not_a_copy() -> None:
    asked = "How many fixed-term exclusions in 2019-20 involved an offensive weapon?"
    assert repeated_from(asked, ["u#1"], WEAPONS, [PERMANENT]) is None


def test_evidence_silent_on_what_the_later_question_adds_is_a_copy() -> None:
    carers = Answered("1", "How many foster carers were registered with the council at the end of 2020/21?", frozenset({"f#3"}))
    evidence = "Registered foster carers: 2020/21: 276."
    assert repeated_from("How many of these foster carers are from an ethnic minority background?", ["f#3"], evidence, [carers]) == "1"


def test_the_same_question_reworded_is_a_copy() -> None:
    carers = Answered("1", "How many foster carers were registered with the council at the end of 2020/21?", frozenset({"f#3"}))
    reworded = "Please tell me the number of registered foster carers you had at the end of 2020/21."
    assert repeated_from(reworded, ["f#3"], "Registered foster carers: 2020/21: 276.", [carers]) == "1"


def test_other_or_extra_evidence_is_never_a_copy() -> None:
    assert repeated_from("How many fixed-term exclusions?", ["u#2"], WEAPONS, [PERMANENT]) is None
    assert repeated_from("How many fixed-term exclusions?", ["u#1", "u#2"], WEAPONS, [PERMANENT]) is None
    assert repeated_from("How many fixed-term exclusions?", [], WEAPONS, [PERMANENT]) is None
