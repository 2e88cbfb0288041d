"""Per-question retrieval over the real demo corpus index: floor, exclusions, dates."""
from datetime import date

from assistant.models import DocType, Question
from assistant.retrieval import retrieve

QUESTION = Question("1", "How many unaccompanied asylum-seeking children are in the council's care?")


def test_retrieval_keeps_only_passages_above_the_floor(corpus_index, foi_settings):
    passages = retrieve(corpus_index, QUESTION, foi_settings)
    assert passages
    assert all(p.similarity >= foi_settings.relevance_floor for p in passages)
    assert [p.rank for p in passages] == list(range(1, len(passages) + 1))


def test_retrieval_as_of_leaves_out_later_decisions(corpus_index, foi_settings):
    cutoff = date(2022, 1, 1)
    everything = retrieve(corpus_index, QUESTION, foi_settings)
    assert any(p.unit.decided and p.unit.decided > cutoff for p in everything), "the corpus has later UASC decisions"
    earlier = retrieve(corpus_index, QUESTION, foi_settings, as_of=cutoff)
    decisions = [p for p in earlier if p.unit.doc_type is DocType.DECISION]
    assert decisions and all(p.unit.decided is None or p.unit.decided <= cutoff for p in decisions)


def test_retrieval_excludes_documents(corpus_index, foi_settings):
    first = retrieve(corpus_index, QUESTION, foi_settings)[0].unit.doc_id
    assert first not in {p.unit.doc_id for p in retrieve(corpus_index, QUESTION, foi_settings, exclude=[first])}


def test_the_keyword_query_spells_abbreviations_both_ways():
    from assistant.retrieval import search_text

    assert "IFA" in search_text("How much did the council pay to independent fostering agencies in 2021/22?")
    assert "independent fostering agency" in search_text("How much was paid to IFAs?")
    assert search_text("How many foster carers are registered?") == "How many foster carers are registered?"


def test_a_reply_is_found_by_its_passage_when_its_past_question_is_worded_apart(corpus_index, foi_settings):
    """The 2023 reply asked about "the amount paid to IFAs"; its answer speaks of independent fostering agencies.
    One dense ranking at the better of a unit's two vectors finds it for the question in full words (it ranked
    21st when the passage and past-question vectors voted separately)."""
    asked = Question("3", "How much did the council pay to independent fostering agencies in 2021/22?")
    passages = retrieve(corpus_index, asked, foi_settings, as_of=date(2024, 2, 12))
    found = [(p.unit.doc_id, p.unit.question_numbers) for p in passages]
    assert ("2023-7510328-foster-carers-numbers", ("4",)) in found


def test_a_reply_is_found_by_what_its_answer_says(corpus_index, foi_settings, monkeypatch):
    """Each sentence, list item and table row of a past answer has its own vector: a reply is found by what its
    answer says when neither its question nor the opening of its answer is worded like the question asked. The
    2022 SEND reply was asked how many children have special educational needs; its answer points to the DfE's
    published statistics, which is what a question on EHC plan timeliness needs when the 2018-2022 reply is out."""
    from assistant.evaluation.metrics import unit_matches

    asked = "What proportion of EHC plans were finalised within the 20-week limit in each of the last five years?"
    held_out = ["2023-73134-ehc-assessments-and-plans-2018-2022"]

    def rank() -> int | None:
        found = corpus_index.search(asked, k=30, exclude=held_out)
        return next((p.rank for p in found if unit_matches("2022-70240-send-and-ehcps#1", p.unit.doc_id, p.unit.question_numbers, p.unit.heading_path)), None)

    with_answers = rank()
    monkeypatch.setattr(corpus_index, "_answer_ranking", lambda *args, **kwargs: [])
    assert rank() is None, "without answer items the reply is not among the candidates"
    assert with_answers is not None and with_answers <= 20


def test_the_answer_ranking_reads_answers_not_questions(corpus_index):
    """Ranked by its closest answer item, a reply whose past question never names the screening tool comes
    first for who completes it: its answer says so."""
    units = corpus_index.units()
    ranked = corpus_index._answer_ranking("Who completes the Child Exploitation Screening Tool?", 4)
    assert len({uid for uid, _ in ranked}) == len(ranked) == 4, "each reply once, at its best item"
    assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)
    top = units[ranked[0][0]]
    assert "screening tool" in top.answer.lower() and "screening tool" not in top.question.lower()


def test_the_request_prior_is_read_without_answer_items(corpus_index, monkeypatch):
    """A whole request is many asks: one answer sentence close to one of them is no sign that a past reply
    repeats the request, so the request-level search leaves answer items out."""
    from assistant.retrieval import request_prior

    calls: list[bool] = []
    real = corpus_index.search

    def spy(*args, **kwargs):
        calls.append(kwargs.get("answer_items", True))
        return real(*args, **kwargs)

    monkeypatch.setattr(corpus_index, "search", spy)
    request_prior(corpus_index, [Question("1", "How many foster carers?"), Question("2", "How much were they paid?")])
    assert calls == [False]


def test_better_of_two_vectors_ranks_each_unit_once():
    from assistant.index import _better_of

    merged = _better_of([("a", 0.70), ("b", 0.60)], [("b", 0.80), ("c", 0.50)], k=10)
    assert merged == [("b", 0.80), ("a", 0.70), ("c", 0.50)]
    assert _better_of([("a", 0.7)], [("b", 0.9)], k=1) == [("b", 0.9)]


def test_the_request_prior_reorders_candidates_and_adds_none(corpus_index, foi_settings):
    from assistant.retrieval import request_prior, with_request_prior

    questions = [
        Question("1", "The number of foster carers registered with the council at the end of each year."),
        Question("2", "The number of foster-care nights paid for, split between own carers and independent fostering agencies."),
        Question("3", "The amount paid to independent fostering agencies."),
    ]
    prior = request_prior(corpus_index, questions, as_of=date(2024, 2, 12))
    assert prior and set(prior.values()) == set(range(1, len(prior) + 1))
    assert any(doc.startswith("2023-7510328") or doc.startswith("2019-66775") for doc in prior)
    assert request_prior(corpus_index, questions[:1]) == {}, "one question: its own search is the whole request"
    found = corpus_index.search("foster carers registered", k=12)
    last = found[-1].unit
    moved = with_request_prior(found, {last.doc_id: 1})
    assert {p.unit.id for p in moved} == {p.unit.id for p in found}
    assert [p.unit.id for p in moved].index(last.id) < len(found) - 1, "a passage of the matched reply moves up"
    assert [p.rank for p in moved] == list(range(1, len(moved) + 1))
    assert [p.unit.id for p in with_request_prior(found, {})] == [p.unit.id for p in found], "no prior, no change"


def test_dedupe_drops_a_repeated_answer_but_keeps_answers_to_two_asks():
    from assistant.models import Passage, Unit
    from assistant.retrieval import dedupe

    def unit(doc: str, number: str, question: str, answer: str) -> Passage:
        u = Unit(id=f"{doc}#{number}", doc_id=doc, doc_type=DocType.DECISION, title="t", text=answer, source_path=f"{doc}.md",
                 question_numbers=(number,), question=question, answer=answer)
        return Passage(u, 1.0, 1, "hybrid", 0.9)

    sexual = "This information is not held. Whether a child was sexually exploited during a particular missing episode is not recorded."
    criminal = sexual.replace("sexually", "criminally")
    a = unit("2021-missing", "4a", "Occasions a missing child was believed sexually exploited?", sexual)
    b = unit("2021-missing", "4b", "Occasions a missing child was believed criminally exploited?", criminal)
    again = unit("2024-missing", "4a", "Occasions a missing child was believed sexually exploited?", sexual)
    kept = dedupe([a, b, again])
    assert [p.unit.id for p in kept] == ["2021-missing#4a", "2021-missing#4b"], "the later word-for-word copy goes"


def _past(uid: str, question: str) -> "Passage":
    from assistant.models import Passage, Unit

    unit = Unit(uid, f"doc-{uid}", DocType.DECISION, "t", f"{question} Answer.", "/x", question=question, answer="Answer.")
    return Passage(unit, 1.0, 1)


def test_a_question_asking_how_reads_descriptions_before_counts():
    """Real wordings: a question asking how something is done, which or who (and no figure) reads the past
    replies that describe before those that only count; nothing is dropped, and a question asking for a figure,
    or for both, keeps the search's order."""
    from assistant.retrieval import figures_after_descriptions

    found = [
        _past("a", "How many CSE cases were monitored in each year from 2010 to 2024?"),
        _past("b", "How much was spent on exploitation work?"),
        _past("c", "Please describe those monitoring mechanisms and the strategy."),
        _past("d", "Which organisations take part, and how many meetings were held?"),
        _past("e", ""),
    ]
    how = figures_after_descriptions(found, "How children who might be exploited are identified, and how their cases are looked at by the different agencies.")
    assert [p.unit.id for p in how] == ["c", "d", "e", "a", "b"]
    assert [p.rank for p in how] == [1, 2, 3, 4, 5]
    who = figures_after_descriptions(found, "Who carries out return interviews for children in your care?")
    assert [p.unit.id for p in who][:3] == ["c", "d", "e"]
    for asks_figures in (
        "How many return interviews were offered?",
        "What percentage of EHC plans were issued within 20 weeks?",
        "Which organisations sit on the panel and how many meetings were held?",
        "The number of foster carers at the end of the year.",
    ):
        assert [p.unit.id for p in figures_after_descriptions(found, asks_figures)] == list("abcde"), asks_figures


def test_the_request_prior_never_pushes_a_questions_own_best_passages_out(corpus_index, foi_settings):
    """Barnet 2022, one question of a long request about social workers: the whole request matches the workforce
    replies best, and their passages move up, but the question's own three best passages stay among its k (without
    that rule the prior filled the places and its best passage was lost)."""
    question = Question("1", "What is a social worker's average case load in your borough?")
    received = date(2022, 4, 25)
    prior = {"2022-69772-agency-childrens-social-workers": 1, "2022-69438-social-worker-turnover-2017-2021": 2,
             "2023-75198-educational-psychology-services": 3, "2023-71876-flexible-working-adult-social-care": 4,
             "2024-80987-social-worker-recruitment-retention": 5}
    own = retrieve(corpus_index, question, foi_settings, as_of=received)
    best = [p.unit.id for p in own[:3]]
    with_prior = [p.unit.id for p in retrieve(corpus_index, question, foi_settings, as_of=received, prior=prior)]
    assert set(best) <= set(with_prior) and len(with_prior) == len(own)
    crowded = retrieve(corpus_index, question, foi_settings.model_copy(update={"own_passages_kept": 0}), as_of=received, prior=prior)
    assert best[0] not in {p.unit.id for p in crowded}
