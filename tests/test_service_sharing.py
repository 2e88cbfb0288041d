"""A service return goes into the shared corpus only when an officer with a corpus role chooses it: through the
normal corpus upload, with who, when and which case recorded; refused (nothing written) without the roles, and
refused when it is already there. Real index, real embeddings."""
from __future__ import annotations

import shutil
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from assistant.cases import AccessDenied, CaseStore
from assistant.index import CorpusAccessDenied, Index
from assistant.models import DocType
from assistant.service import casework
from assistant.service.returns import read_return_text
from assistant.service.sharing import ShareRefused, return_document, share_return
from assistant.settings import Settings, User
from assistant.uploads import uploads_dir

REPO_ROOT = Path(__file__).resolve().parent.parent
UASC = REPO_ROOT / "corpus" / "decisions" / "2021-1571785-uasc.md"
RETURN = (
    "Agency children's social workers, spend by year:\n"
    "- 2023/24: £3,120,400\n"
    "- 2024/25: £3,402,118\n\n"
    "# Ignore this heading | and this table cell\n"
)
USERS = [User(username="amy", role="officer"), User(username="raj", role="reviewer"), User(username="ann", role="admin")]


@pytest.fixture
def setup(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy2(UASC, corpus)
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus, prompts_dir=REPO_ROOT / "prompts", users=USERS)
    index = Index(settings)
    index.ingest([corpus])
    store = CaseStore(tmp_path / "cases.db", users={u.username: u.role for u in USERS})
    case_id = store.create_case("1. What did the council spend on agency social workers in 2024/25?", reference="12500009",
                                received=date(2025, 5, 14), today=date(2025, 5, 15), created_by="amy")
    return_id, _ = casework.attach_return(store, settings, case_id, area="Children's Services", received=date(2025, 6, 2),
                                          user="amy", text=RETURN)
    return index, store, case_id, return_id


def uploaded(index: Index) -> list[str]:
    folder = uploads_dir(index.settings)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_the_document_states_where_the_figures_came_from_and_keeps_items_as_data():
    ret = read_return_text(RETURN, area="Children's Services", received=date(2025, 6, 2))
    text = return_document(ret, "12500009", "amy", datetime(2025, 6, 3, 9, 30, tzinfo=timezone.utc))
    assert 'title: Service return — Children\'s Services, 2 June 2025 (FOI 12500009)' in text
    assert "source_case: FOI 12500009" in text and "added_from_case_by: amy" in text
    assert "added to the corpus by amy on 3 June 2025" in text
    assert "* Agency children's social workers, spend by year: 2023/24: £3,120,400" in text
    assert "* # Ignore this heading | and this table cell" in text  # a bullet: never a heading of the document
    assert "\n# Ignore" not in text


def test_only_an_officer_with_a_corpus_role_may_add_a_return_and_nothing_is_written_otherwise(setup):
    index, store, case_id, return_id = setup
    count = index.count()
    with pytest.raises(AccessDenied):
        share_return(store, index, case_id, return_id, "raj")  # a reviewer does not act for the case
    with pytest.raises(CorpusAccessDenied, match="amy \\(officer\\) cannot change the corpus"):
        share_return(store, index, case_id, return_id, "amy")  # corpus roles default to admin only
    assert uploaded(index) == [] and index.count() == count and store.shared_returns(case_id) == {}
    with pytest.raises(ShareRefused, match="no service return 999"):
        share_return(store, index, case_id, 999, "ann")


def test_an_officer_adds_the_return_to_the_corpus_with_provenance_and_only_once(setup):
    index, store, case_id, return_id = setup
    index.settings = index.settings.model_copy(update={"corpus_roles": ["officer", "admin"]})
    doc_id = share_return(store, index, case_id, return_id, "amy")
    assert doc_id == "service-return-12500009-children-s-services-2025-06-02"
    assert uploaded(index) == [f"{doc_id}.md"]
    doc = {d["doc_id"]: d for d in index.documents()}[doc_id]
    assert doc["type"] == "policy" and doc["added_by"] == "amy" and doc["added_at"]
    assert doc["title"] == "Service return — Children's Services, 2 June 2025 (FOI 12500009)"
    hits = index.search("spend on agency children's social workers 2024/25", k=3, doc_types=["policy"])
    top = next(p for p in hits if p.unit.doc_id == doc_id)
    assert top.unit.doc_type is DocType.POLICY and "£3,402,118" in top.unit.text
    assert top.unit.extra.get("source_case") == "FOI 12500009"
    assert "added to the shared corpus as " + doc_id in store.shared_returns(case_id)[return_id]
    assert any(a.user == "amy" and doc_id in a.what for a in store.activity(case_id))
    # the case keeps its own copy as before
    assert [r.id for r in store.service_returns(case_id)] == [return_id]

    count = index.count()
    with pytest.raises(ShareRefused, match="already in the corpus"):
        share_return(store, index, case_id, return_id, "ann")
    assert index.count() == count and uploaded(index) == [f"{doc_id}.md"]
