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
