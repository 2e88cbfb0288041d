"""A corpus read from another place is the same documents: the project folder moved, a copied data folder, another
checkout beside the first. Nothing is refused, nothing unchanged is embedded again, provenance stays, search works;
two existing files with one id or one reference are still refused; `--rebuild` ingests the files as given, and
leaves the index as it was when it can read nothing. Real files in temporary folders, real Chroma, real embeddings."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from assistant.index import Index, answer_item_texts
from assistant.sources import find_moves, folder_recorded, location_of, moved
from assistant.uploads import add_files, corpus_roots

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS = REPO_ROOT / "corpus"
SEED = CORPUS / "decisions" / "2025-12409004-child-exploitation.txt"
ADOPTION = CORPUS / "decisions" / "2025-13519457-adoption-disruptions.md"
UASC = CORPUS / "decisions" / "2021-1571785-uasc.md"
SHORT_BREAKS = CORPUS / "policies" / "short-breaks.md"
ADOPTION_ID = "2025-13519457-adoption-disruptions"
UASC_QUESTION = "How many unaccompanied asylum-seeking children (UASC) are in the council's care?"
ADOPTION_QUESTION = "How many adoptions disrupted before the adoption order was made?"
UPLOAD = "# Neglect protocol\n\n## Purpose\nPractitioners in every agency use the Graded Care Profile 2 tool to assess neglect of children.\n"


def make_project(root: Path) -> Path:
    """A project folder as a checkout holds it: corpus/decisions, corpus/policies, and its data folder (empty)."""
    for sub, files in (("decisions", (SEED, ADOPTION, UASC)), ("policies", (SHORT_BREAKS,))):
        folder = root / "corpus" / sub
        folder.mkdir(parents=True)
        for f in files:
            shutil.copy2(f, folder / f.name)
    return root


def index_of(project: Path, make_foi_settings) -> Index:
    return Index(make_foi_settings(project / "data", corpus_dir=project / "corpus"))


def vectors(index: Index) -> dict[str, list[float]]:
    got = index._all(include=("embeddings",))
    return {uid: [float(x) for x in vec] for uid, vec in zip(got["ids"], got["embeddings"])}


def counted_embeddings(index: Index, monkeypatch) -> list[int]:
    """How many texts the real model embeds from now on (the call goes through to it)."""
    calls: list[int] = []
    real = index.embeddings.embed_uncached

    def counting(texts):  # noqa: ANN001
        calls.append(len(texts))
        return real(texts)

    monkeypatch.setattr(index.embeddings, "embed_uncached", counting)
    return calls


def under(path: str, folder: Path) -> bool:
    return path.startswith(os.path.abspath(folder) + os.sep)


# -- the location of a file, pure --------------------------------------------------------------------------------


def test_a_file_is_known_by_its_folder_name_and_its_path_inside_it(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "decisions").mkdir(parents=True)
    f = corpus / "decisions" / "x.md"
    f.write_text("x")
    assert location_of(f, corpus) == ("corpus", "decisions", "x.md")
    assert location_of(f, None) == ("decisions", "x.md")  # a file given by itself
    assert folder_recorded("/old/place/corpus/decisions/x.md", ("corpus", "decisions", "x.md")) == "/old/place/corpus"
    assert folder_recorded("/old/place/extra/decisions/x.md", ("corpus", "decisions", "x.md")) is None
    assert folder_recorded("/old/x.md", ("x.md",)) is None  # a bare name is no evidence of a move
    moves = {"/old/place/corpus": str(corpus)}
    assert moved("/old/place/corpus/policies/y.md", moves) == str(corpus / "policies" / "y.md")
    assert moved("/old/place/corpus-2/y.md", moves) == "/old/place/corpus-2/y.md"
    registry = {"x": {"source": "/old/place/corpus/decisions/x.md"}, "y": {"source": "/elsewhere/uploads/y.md"}}
    assert find_moves(registry, [(f, corpus)]) == {"/old/place/corpus": str(corpus)}
    upload = tmp_path / "uploads" / "x.md"
    upload.parent.mkdir()
    upload.write_text("x")
    assert find_moves(registry, [(upload, None)]) == {}, "an upload is not the corpus file of the same name"


# -- a moved project folder ----------------------------------------------------------------------------------------


def test_a_moved_project_folder_is_the_same_corpus(tmp_path, make_foi_settings, monkeypatch):
    project = make_project(tmp_path / "before" / "foi")
    index = index_of(project, make_foi_settings)
    first = index.ingest([project / "corpus"])
    assert first.failures == [] and first.documents == 4
    stored = vectors(index)
    provenance = {doc: (info["added_by"], info["added_at"]) for doc, info in index.state()["documents"].items()}
    top_before = [p.unit.id for p in index.search(UASC_QUESTION, k=3)]

    moved_to = tmp_path / "after" / "renamed-project"
    moved_to.parent.mkdir()
    shutil.move(str(project), str(moved_to))
    assert not project.exists()

    index = index_of(moved_to, make_foi_settings)
    embedded = counted_embeddings(index, monkeypatch)
    again = index.ingest([moved_to / "corpus"])
    assert again.failures == [], [str(f) for f in again.failures]
    assert (again.documents, again.added, again.updated, again.removed) == (4, 0, 0, 0)
    assert again.unchanged == again.relocated == len(stored)
    assert embedded == [], "nothing that did not change may be embedded again"
    now = vectors(index)  # the stored vectors, copied (Chroma keeps float32: equal to within rounding)
    assert set(now) == set(stored)
    assert all(max(abs(a - b) for a, b in zip(now[uid], stored[uid])) < 1e-6 for uid in stored)
    # Every path now names the file at its new place; who added each document and when is kept.
    assert all(under(u.source_path, moved_to / "corpus") for u in index.units().values())
    registry = index.state()["documents"]
    assert all(under(info["source"], moved_to / "corpus") for info in registry.values())
    assert {doc: (info["added_by"], info["added_at"]) for doc, info in registry.items()} == provenance
    assert index.check() == []
    assert [p.unit.id for p in index.search(UASC_QUESTION, k=3)] == top_before
    assert index.search(ADOPTION_QUESTION, k=1)[0].unit.doc_id == ADOPTION_ID
    # Another ingest finds nothing to do.
    steady = index.ingest([moved_to / "corpus"])
    assert (steady.added, steady.updated, steady.removed, steady.relocated, steady.failures) == (0, 0, 0, 0, [])


# -- a second checkout beside the first, with a copied data folder -----------------------------------------------


def test_a_copied_checkout_beside_the_original_takes_its_own_files(tmp_path, make_foi_settings, monkeypatch):
    original = make_project(tmp_path / "main")
    index = index_of(original, make_foi_settings)
    index.ingest([original / "corpus"])
    uploaded = tmp_path / "incoming" / "neglect-protocol.md"
    uploaded.parent.mkdir()
    uploaded.write_text(UPLOAD, encoding="utf-8")
    result = add_files(index, [uploaded], user=None)
    assert result.refused == [] and result.report.failures == []
    original_units = set(index.units())
    adoption_units = {uid for uid, u in index.units().items() if u.doc_id == ADOPTION_ID}
    breaks_units = {uid for uid, u in index.units().items() if u.doc_id == "short-breaks"}
    upload_info = index.state()["documents"]["neglect-protocol"]

    # The checkout: everything copied, the original left where it is; then one answer edited, one policy deleted.
    copy = tmp_path / "worktree"
    shutil.copytree(original, copy)
    edited = copy / "corpus" / "decisions" / ADOPTION.name
    edited.write_text(
        edited.read_text(encoding="utf-8").replace("3 children experienced a disruption", "4 children experienced a disruption"),
        encoding="utf-8",
    )
    (copy / "corpus" / "policies" / SHORT_BREAKS.name).unlink()

    settings = make_foi_settings(copy / "data", corpus_dir=copy / "corpus")
    index = Index(settings)
    embedded = counted_embeddings(index, monkeypatch)
    report = index.ingest(corpus_roots(settings))  # what `foi ingest` reads: the corpus and the uploads folder
    assert report.failures == [], [str(f) for f in report.failures]
    assert report.documents == 4  # three decisions and the upload
    assert report.updated == 1 and report.removed == len(breaks_units)
    units = index.units()
    [edited_unit] = [u for uid, u in units.items() if u.doc_id == ADOPTION_ID and uid not in adoption_units]
    # the edited answer: its passage, its past question and its answer items, nothing else
    assert sum(embedded) == 1 + 1 + len(answer_item_texts(edited_unit))
    assert all(under(u.source_path, copy) for u in units.values()), "no unit may point into the other checkout"
    assert "short-breaks" not in {u.doc_id for u in units.values()}
    assert any("4 children experienced" in u.text for u in units.values() if u.doc_id == ADOPTION_ID)
    assert len(set(units) & adoption_units) == len(adoption_units) - 1
    registry = index.state()["documents"]
    assert registry["neglect-protocol"]["source"] == os.path.abspath(copy / "data" / "uploads" / "neglect-protocol.md")
    assert registry["neglect-protocol"]["added_at"] == upload_info["added_at"]
    assert index.search("Graded Care Profile neglect assessment tool", k=1)[0].unit.doc_id == "neglect-protocol"
    assert index.check() == []

    # The original checkout's own index is untouched and still takes its own files.
    back = index_of(original, make_foi_settings)
    assert set(back.units()) == original_units
    steady = back.ingest(corpus_roots(back.settings))
    assert (steady.added, steady.updated, steady.removed, steady.failures) == (0, 0, 0, [])


# -- the duplicate guard still holds --------------------------------------------------------------------------------


def test_after_a_move_a_second_existing_file_with_the_id_or_reference_is_still_refused(tmp_path, make_foi_settings):
    project = make_project(tmp_path / "before")
    index = index_of(project, make_foi_settings)
    index.ingest([project / "corpus"])
    moved_to = tmp_path / "after"
    shutil.move(str(project), str(moved_to))
    index = index_of(moved_to, make_foi_settings)
    assert index.ingest([moved_to / "corpus"]).failures == []
    before = {uid: u.text for uid, u in index.units().items()}

    # Another folder with a file of the same name (another document): both files exist, so it is refused.
    other = tmp_path / "extra" / "decisions"
    other.mkdir(parents=True)
    impostor = other / UASC.name
    impostor.write_text(UASC.read_text(encoding="utf-8").replace("## Response", "## Response\n\nNo UASC are looked after.\n"))
    report = index.ingest([tmp_path / "extra"])
    [failure] = report.failures
    assert failure.kind == "duplicate" and failure.path == str(impostor)
    assert "already used by" in failure.reason and str(moved_to / "corpus" / "decisions" / UASC.name) in failure.reason
    # Another name claiming the reference of the moved decision: refused too.
    renamed = other / "uasc-update.md"
    impostor.rename(renamed)
    report = index.ingest([tmp_path / "extra"])
    [failure] = report.failures
    assert "reference 1571785 already belongs to the decision '2021-1571785-uasc'" in failure.reason
    assert {uid: u.text for uid, u in index.units().items()} == before
    # Two files with one id in the corpus being read: the registered one is kept, the other refused.
    shutil.copy2(SHORT_BREAKS, moved_to / "corpus" / "decisions" / SHORT_BREAKS.name)
    report = index.ingest([moved_to / "corpus"])
    [failure] = report.failures
    assert failure.path == str(moved_to / "corpus" / "decisions" / SHORT_BREAKS.name)
    assert "already used by" in failure.reason
    assert {u.source_path for u in index.units().values() if u.doc_id == "short-breaks"} == {
        os.path.abspath(moved_to / "corpus" / "policies" / SHORT_BREAKS.name)
    }


def test_a_file_moved_inside_the_corpus_keeps_its_units_and_provenance(tmp_path, make_foi_settings, monkeypatch):
    project = make_project(tmp_path / "p")
    index = index_of(project, make_foi_settings)
    index.ingest([project / "corpus"])
    added = index.state()["documents"]["short-breaks"]["added_at"]
    (project / "corpus" / "guidance").mkdir()
    shutil.move(str(project / "corpus" / "policies" / SHORT_BREAKS.name), str(project / "corpus" / "guidance" / SHORT_BREAKS.name))
    embedded = counted_embeddings(index, monkeypatch)
    report = index.ingest([project / "corpus"])
    assert (report.failures, report.added, report.updated, report.removed) == ([], 0, 0, 0)
    assert report.relocated > 0 and embedded == []
    new_path = os.path.abspath(project / "corpus" / "guidance" / SHORT_BREAKS.name)
    assert {u.source_path for u in index.units().values() if u.doc_id == "short-breaks"} == {new_path}
    info = index.state()["documents"]["short-breaks"]
    assert (info["source"], info["added_at"]) == (new_path, added)


# -- --rebuild ---------------------------------------------------------------------------------------------------


def test_rebuild_after_a_move_ingests_the_corpus_as_given(tmp_path, make_foi_settings, foi_cli):
    original = make_project(tmp_path / "main")
    index = index_of(original, make_foi_settings)
    index.ingest([original / "corpus"])
    count = index.count()
    copy = tmp_path / "checkout"
    shutil.copytree(original, copy)  # the original stays: its files still exist

    result = foi_cli(copy / "data", "ingest", copy / "corpus", "--rebuild")
    assert result.exit_code == 0, result.output
    assert "Documents read: 4" in result.output and "Failures: 0" in result.output
    rebuilt = index_of(copy, make_foi_settings)
    assert rebuilt.count() == count and rebuilt.check() == []
    assert all(under(u.source_path, copy / "corpus") for u in rebuilt.units().values())
    assert rebuilt.search(ADOPTION_QUESTION, k=1)[0].unit.doc_id == ADOPTION_ID
    # A rebuild still refuses a second file claiming an id among the files it is given.
    shutil.copy2(ADOPTION, copy / "corpus" / "policies" / ADOPTION.name)
    result = foi_cli(copy / "data", "ingest", copy / "corpus", "--rebuild")
    assert "already used by" in result.output and f"policies/{ADOPTION.name}" in result.output
    assert index_of(copy, make_foi_settings).count() == count


def test_a_rebuild_that_can_read_nothing_keeps_the_index(tmp_path, make_foi_settings, foi_cli):
    project = make_project(tmp_path / "p")
    index = index_of(project, make_foi_settings)
    index.ingest([project / "corpus"])
    before = set(index.units())
    empty = tmp_path / "empty-corpus"
    empty.mkdir()
    (empty / "broken.pdf").write_bytes(b"%PDF-1.4 not really")

    result = foi_cli(project / "data", "ingest", empty, "--rebuild")
    assert result.exit_code == 1
    assert "broken.pdf" in result.output and "kept as it was" in result.output
    after = index_of(project, make_foi_settings)
    assert set(after.units()) == before and after.check() == []
    assert after.search(UASC_QUESTION, k=1)[0].unit.doc_id == "2021-1571785-uasc"
