"""The corpus index cannot be spoofed or broken: provenance, owned document ids and references, roles, atomic
generations (build, then swap), repair of a damaged index, one writer at a time, readers that follow a swap,
links out of the corpus, file names that are not UTF-8. Real files, real Chroma, real embeddings."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.index import CorpusAccessDenied, Index, IndexBusy, IndexUnavailable
from assistant.models import DocType
from assistant.settings import User

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS = REPO_ROOT / "corpus"
UASC = CORPUS / "decisions" / "2021-1571785-uasc.md"
UASC_ID = "2021-1571785-uasc"
SHORT_BREAKS = CORPUS / "policies" / "short-breaks.md"
UASC_QUESTION = "How many unaccompanied asylum-seeking children (UASC) are in the council's care?"
FAKE_ANSWER = "The council has never looked after any UASC."


def copy_into(folder: Path, *files: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy2(f, folder / f.name)
    return folder


def spoof_of(original: Path, folder: Path, name: str | None = None) -> Path:
    """The published decision with its answer to question 1 replaced by a false one."""
    folder.mkdir(parents=True, exist_ok=True)
    text = original.read_text(encoding="utf-8")
    head, _, rest = text.partition("## Response")
    fake = head + "## Response\n\n### 1\n" + FAKE_ANSWER + "\n"
    path = folder / (name or original.name)
    path.write_text(fake, encoding="utf-8")
    return path


@pytest.fixture
def small(tmp_path, make_foi_settings):
    corpus = copy_into(tmp_path / "corpus", UASC, SHORT_BREAKS)
    index = Index(make_foi_settings(tmp_path / "data"))
    report = index.ingest([corpus])
    assert report.failures == [] and report.documents == 2
    return index, corpus


def texts(index: Index) -> set[str]:
    return {u.text for u in index.units().values()}


# -- H3: provenance, owned ids and references, roles ----------------------------------------------------------


def test_every_document_records_who_added_it_and_when(small):
    index, _ = small
    rows = {d["doc_id"]: d for d in index.documents()}
    assert rows[UASC_ID]["added_by"].startswith("local:") and rows[UASC_ID]["added_at"][:2] == "20"
    assert all(u.extra.get("added_by") for u in index.units().values())
    assert index.state()["documents"][UASC_ID]["source"] == os.path.abspath(small[1] / UASC.name)


def test_an_upload_with_the_name_of_a_published_decision_is_refused(small, tmp_path):
    index, corpus = small
    before = texts(index)
    fake = spoof_of(UASC, tmp_path / "uploads")
    report = index.ingest([fake])
    [failure] = report.failures
    assert failure.kind == "duplicate" and "already used by" in failure.reason
    assert texts(index) == before
    top = index.search(UASC_QUESTION, k=3)
    assert top[0].unit.doc_id == UASC_ID and FAKE_ANSWER not in top[0].unit.text
    # A later full ingest of both folders keeps the original and refuses the copy, whatever the order.
    full = index.ingest([tmp_path / "uploads", corpus])
    assert [f.kind for f in full.failures] == ["duplicate"] and texts(index) == before


def test_a_spoof_already_in_the_index_is_removed_by_the_next_ingest(small, tmp_path):
    """An index damaged before this check existed: the fake's units sit beside the original's."""
    from assistant.documents import load_file
    from assistant.index import unit_to_metadata

    index, corpus = small
    fake = spoof_of(UASC, tmp_path / "uploads")
    units = load_file(fake, index.settings)
    index.collection.add(
        ids=[u.id for u in units],
        documents=[u.text for u in units],
        embeddings=index.embeddings.embed_documents([u.text for u in units]),
        metadatas=[unit_to_metadata(u) for u in units],
    )
    index._forget()
    assert any(FAKE_ANSWER in t for t in texts(index))
    assert index.check(), "the consistency check must notice passages it did not write"
    index.ingest([corpus, tmp_path / "uploads"])
    assert index.check() == []
    assert not any(FAKE_ANSWER in t for t in texts(index))
    assert index.search(UASC_QUESTION, k=1)[0].unit.source_path == os.path.abspath(corpus / UASC.name)


def test_a_new_document_may_not_claim_the_reference_of_a_published_decision(small, tmp_path):
    index, _ = small
    fake = spoof_of(UASC, tmp_path / "uploads", name="uasc-update-2024.md")
    report = index.ingest([fake])
    [failure] = report.failures
    assert "reference 1571785 already belongs" in failure.reason
    assert {d["doc_id"] for d in index.documents()} == {UASC_ID, "short-breaks"}


def test_corpus_changes_need_a_corpus_role(tmp_path, make_foi_settings):
    users = [
        User(username="amy", password="a", role="officer"),
        User(username="raj", password="r", role="reviewer"),
        User(username="ann", password="n", role="admin"),
    ]
    corpus = copy_into(tmp_path / "corpus", SHORT_BREAKS)
    index = Index(make_foi_settings(tmp_path / "data", users=users))
    for who in ("amy", "raj", "nobody-at-all", "  "):
        with pytest.raises(CorpusAccessDenied):
            index.ingest([corpus], user=who)
    assert index.count() == 0
    index.ingest([corpus], user="ann")
    assert index.count() > 0 and index.documents()[0]["added_by"] == "ann"


# -- M4, M5: build then swap; a damaged generation is repaired -----------------------------------------------


def test_a_rebuild_that_dies_while_embedding_leaves_the_index_whole(small, monkeypatch):
    index, corpus = small
    before = texts(index)
    hits_before = [p.unit.id for p in index.search(UASC_QUESTION, k=5)]
    seen_during: list[int] = []

    def dies(self, to_add, **kw):  # noqa: ANN001
        seen_during.append(Index(self.settings).count())  # what another process sees mid-rebuild
        raise MemoryError("killed while embedding")

    monkeypatch.setattr(Index, "_embed", dies)
    with pytest.raises(MemoryError):
        index.ingest([corpus], rebuild=True)
    assert seen_during == [len(before)], "the old index must stay in place while the new one is built"
    fresh = Index(index.settings)
    assert texts(fresh) == before and fresh.check() == []
    assert [p.unit.id for p in fresh.search(UASC_QUESTION, k=5)] == hits_before


def test_a_damaged_question_collection_is_found_and_repaired_by_the_next_ingest(small):
    index, corpus = small
    hits_before = [p.unit.id for p in index.search(UASC_QUESTION, k=5)]
    asked = index.questions.get()["ids"]
    index.questions.delete(ids=asked[: len(asked) // 2])  # as a kill in the middle of the write phase once did
    index._forget()
    assert any("past-question" in p for p in index.check())
    report = index.ingest([corpus])
    assert (report.added, report.removed) == (report.added, 0)
    assert index.check() == [] and index.questions.count() == len(asked)
    assert [p.unit.id for p in index.search(UASC_QUESTION, k=5)] == hits_before


def test_an_upload_while_the_index_needs_repair_keeps_the_rest_of_the_corpus(small, tmp_path):
    """The repair builds everything again: the corpus files are read again beside the one uploaded, not dropped."""
    from assistant.uploads import add_files

    index, corpus = small
    before = {uid: u.text for uid, u in index.units().items()}
    asked = index.questions.get()["ids"]
    index.questions.delete(ids=asked[: len(asked) // 2])
    index._forget()
    assert index.check()
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    (incoming / "neglect-protocol.md").write_text(
        "# Neglect protocol\n\n## Purpose\nPractitioners use the Graded Care Profile 2 tool to assess neglect.\n",
        encoding="utf-8",
    )
    result = add_files(index, [incoming / "neglect-protocol.md"], user=None)
    assert result.report.failures == [] and result.report.documents == 3
    after = {uid: u.text for uid, u in index.units().items()}
    assert set(before) < set(after) and {u.doc_id for u in index.units().values()} == {UASC_ID, "short-breaks", "neglect-protocol"}
    assert index.check() == [] and index.questions.count() == len(asked)
    assert index.search(UASC_QUESTION, k=1)[0].unit.doc_id == UASC_ID


def test_a_damaged_keyword_index_is_repaired(small):
    index, corpus = small
    shutil.rmtree(index.settings.data_dir / "bm25" / index.state()["bm25"])
    assert any("BM25" in p for p in index.check())
    assert index.search("short breaks overnight", k=3, method="bm25"), "a reader rebuilds BM25 in memory"
    index.ingest([corpus])
    assert index.check() == []


# -- M6: one writer; readers follow a new generation; no raw store errors -----------------------------------


def test_only_one_ingest_at_a_time(small):
    index, corpus = small
    other = Index(index.settings)
    other.LOCK_WAIT = 0.2
    with index.writer():
        with pytest.raises(IndexBusy, match="Another ingest"):
            other.ingest([corpus])


def test_a_running_reader_picks_up_a_new_generation_from_another_process(small, tmp_path):
    index, corpus = small
    reader = Index(index.settings)  # the app's index, open before the ingest
    assert not reader.search("adoption disruptions", k=3, doc_types=["decision"]) or True
    assert "2025-13519457-adoption-disruptions" not in {d["doc_id"] for d in reader.documents()}
    shutil.copy2(CORPUS / "decisions" / "2025-13519457-adoption-disruptions.md", corpus)
    env = {**os.environ, "FOI_DATA_DIR": str(index.settings.data_dir), "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "ingest", str(corpus)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    hits = reader.search("How many adoptions were disrupted", k=3)
    assert hits[0].unit.doc_id == "2025-13519457-adoption-disruptions"
    assert "2025-13519457-adoption-disruptions" in {d["doc_id"] for d in reader.documents()}


def test_people_never_see_a_raw_store_error(small):
    index, _ = small
    reader = Index(index.settings)
    reader.search(UASC_QUESTION, k=2)
    client = reader._client()
    client.delete_collection(reader.state()["collection"])
    with pytest.raises(IndexUnavailable, match="foi ingest"):
        reader.search(UASC_QUESTION, k=2)
    with pytest.raises(ValueError, match="Unknown document type 'bogus'"):
        reader.search(UASC_QUESTION, doc_types=["bogus"])
    with pytest.raises(ValueError, match="at least 1"):
        reader.search(UASC_QUESTION, k=-5)


# -- L2: links; M9: names that are not UTF-8 --------------------------------------------------------------------


def test_a_link_out_of_the_corpus_is_refused_and_a_removed_link_leaves_no_units(tmp_path, make_foi_settings):
    corpus = copy_into(tmp_path / "corpus", SHORT_BREAKS)
    outside = tmp_path / "secret.md"
    outside.write_text("# Secret\n\nThe password of the finance system is swordfish, written here by mistake.\n")
    (corpus / "secret.md").symlink_to(outside)
    inside = copy_into(tmp_path / "corpus" / "_kept", UASC)
    (corpus / "uasc-link.md").symlink_to(inside / UASC.name)
    index = Index(make_foi_settings(tmp_path / "data"))
    report = index.ingest([corpus])
    [failure] = report.failures
    assert failure.path.endswith("secret.md") and "outside the corpus folder" in failure.reason
    assert not any("swordfish" in t for t in texts(index))
    assert "uasc-link" in {d["doc_id"] for d in index.documents()}
    (corpus / "uasc-link.md").unlink()
    index.ingest([corpus])
    assert {d["doc_id"] for d in index.documents()} == {"short-breaks"}


def test_a_file_name_that_is_not_utf8_gets_a_message_and_ingest_goes_on(tmp_path, make_foi_settings, foi_cli):
    corpus = copy_into(tmp_path / "corpus", SHORT_BREAKS)
    bad = os.path.join(os.fsencode(corpus), b"caf\xe9-policy.md")
    with open(bad, "wb") as fh:
        fh.write(b"# Cafe policy\n\nThe council runs a cafe in the library on weekdays from nine until five.\n")
    index = Index(make_foi_settings(tmp_path / "data"))
    report = index.ingest([corpus])
    [failure] = report.failures
    assert "not valid UTF-8" in failure.reason and "caf\ufffd-policy.md" in failure.path
    assert {d["doc_id"] for d in index.documents()} == {"short-breaks"}
    result = foi_cli(tmp_path / "data2", "ingest", corpus)
    assert result.exit_code == 0 and result.exception is None, result.output
    assert "not valid UTF-8" in result.output and "Documents read: 1" in result.output
