"""The app's building blocks without a browser: HTML fragments, sign-in, exclusions, exports and corpus uploads."""
from __future__ import annotations

import re
from pathlib import Path
from datetime import date
from types import SimpleNamespace

import pytest
from docx import Document

from assistant.cases import CaseStore, CaseSummary
from assistant.export import export_case
from assistant.models import Citation, DocType, Draft, Flag, Passage, Question, Status, Unit
from assistant.settings import Settings, User
from assistant.ui import html
from assistant.ui.context import AppContext
from assistant.ui.draft_view import resolve_exclusions

PASSAGE = "Question 5: How many interviews?\nAnswer: In 2023/24,   412 return interviews were offered.\nOf these, 318 were completed <within 72 hours>."


def draft(answer: str = "In 2023/24, 412 return interviews were offered [1].") -> Draft:
    unit = Unit("u1", "2024-missing", DocType.DECISION, "Missing children & care", PASSAGE, "/c/x.md", reference="FOI 97")
    return Draft(
        Question("1", "How many return interviews were offered?"),
        answer,
        Status.PROVIDED,
        citations=[Citation(1, "u1", "2024-missing", "Missing children & care", "FOI 97", "2024-06-14", "412 return interviews were offered. … 318 were completed <within 72 hours>.")],
        flags=[Flag("stale_source", "Source [1] is <old>.")],
        passages=[Passage(unit, 0.03, 1)],
    )


def test_highlight_marks_each_quote_piece_across_whitespace_and_escapes():
    out = html.highlight(PASSAGE, "412 return interviews were offered. … 318 were completed <within 72 hours>.")
    assert out.count("<mark>") == 2
    assert "<mark>412 return interviews were offered.</mark>" in out
    assert "<mark>318 were completed &lt;within 72 hours&gt;.</mark>" in out
    assert "<within" not in out


def test_sources_panel_lists_citation_details_and_falls_back_to_the_quote():
    panel = html.sources_html(draft())
    assert "[1]</strong> Missing children &amp; care, FOI 97, 2024-06-14" in panel
    assert panel.count("<mark>") == 2
    lost = draft()
    lost.citations[0].quote = "words that are not in the passage"
    panel = html.sources_html(lost)
    assert "<blockquote><mark>words that are not in the passage</mark></blockquote>" in panel


def test_flags_are_escaped_and_an_empty_list_says_so():
    assert "Source [1] is &lt;old&gt;." in html.flags_html(draft().flags)
    assert "No flags." in html.flags_html([])


def test_case_list_shows_overdue_cases_in_red():
    row = CaseSummary(1, "FOI <1>", date(2025, 1, 6), "R", 3, date(2025, 2, 3), -5, True, "drafted", "alice")
    table = html.cases_table([row])
    assert "FOI &lt;1&gt;" in table
    assert re.search(r'class="overdue" style="color:#b00020[^"]*">overdue by 5 working days', table)
    fine = CaseSummary(2, "FOI 2", date(2025, 3, 3), "R", 3, date(2025, 3, 31), 12, False, "new", "alice")
    assert "overdue" not in html.cases_table([fine])


def test_resolve_exclusions_accepts_ids_and_unique_fragments():
    ids = ["2025-12409004-child-exploitation", "2024-81293-cse-strategy", "2021-1571785-uasc", "2025-14105733-uasc"]
    assert resolve_exclusions(["12409004", "2024-81293-cse-strategy", "12409004"], ids) == [
        "2025-12409004-child-exploitation",
        "2024-81293-cse-strategy",
    ]
    with pytest.raises(ValueError, match="matches several"):
        resolve_exclusions(["uasc"], ids)
    with pytest.raises(ValueError, match="No indexed document matches 'nothing'"):
        resolve_exclusions(["nothing"], ids)


def test_sign_in_and_roles(tmp_path):
    users = [User(username="olga", password="pw-1", role="officer"), User(username="rav", password="pw-2", role="reviewer")]
    ctx = AppContext(Settings(data_dir=tmp_path, users=users), drafter=SimpleNamespace(), store=CaseStore(tmp_path / "c.db"))
    assert ctx.check_password("olga", "pw-1") and not ctx.check_password("olga", "pw-2")
    assert not ctx.check_password("nobody", "pw-1")
    assert not ctx.viewer(SimpleNamespace(username="olga")).can_review
    assert ctx.viewer(SimpleNamespace(username="rav")).can_review
    assert ctx.viewer(SimpleNamespace(username="mallory")).role == "none"
    open_ctx = AppContext(Settings(data_dir=tmp_path), drafter=SimpleNamespace(), store=ctx.store)
    assert not open_ctx.auth_enabled and open_ctx.viewer(None).can_review


def test_export_writes_letter_without_markers_and_reviewer_pack_with_sources(tmp_path):
    settings = Settings(data_dir=tmp_path)
    store = CaseStore(settings.cases_db)
    case_id = store.create_case("1. How many return interviews?", reference="FOI 77/A", received=date(2024, 5, 1), requester="Ms R")
    with pytest.raises(ValueError, match="no drafted answers"):
        export_case(store.get_case(case_id), settings)
    store.save_drafts(case_id, [draft()], "olga")
    files = export_case(store.get_case(case_id), settings, date(2024, 5, 20))
    assert files.letter_docx.parent == (tmp_path / "exports" / f"case-{case_id}").resolve()
    assert files.letter_docx.name == "foi-77-a-letter.docx"
    letter = "\n".join(p.text for p in Document(str(files.letter_docx)).paragraphs)
    assert "In 2023/24, 412 return interviews were offered." in letter
    assert not re.search(r"\[\d+\]", letter)
    pack = files.pack_md.read_text(encoding="utf-8")
    assert "Missing children & care" in pack and "Source may be out of date" in pack and "stale_source" not in pack
    pack_docx = "\n".join(p.text for p in Document(str(files.pack_docx)).paragraphs)
    assert "412 return interviews were offered" in pack_docx and "FOI 97" in pack_docx


def test_build_app_lays_out_every_tab(tmp_path):
    import gradio as gr

    from assistant.drafting import Drafter
    from assistant.ui.app import build_app

    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus")
    demo = build_app(settings, drafter=Drafter(settings), store=CaseStore(tmp_path / "cases.db"))
    assert isinstance(demo, gr.Blocks)
    labels = {getattr(block, "label", None) for block in demo.blocks.values()}
    assert {"Cases", "Draft", "Chat", "Review", "Export", "Corpus"} <= labels


@pytest.mark.slow
def test_corpus_upload_keeps_good_files_and_takes_back_failed_ones(tmp_path):
    from assistant.drafting import Drafter
    from assistant.ui.corpus_view import add_to_corpus

    corpus = tmp_path / "corpus"
    (corpus / "policies").mkdir(parents=True)
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    ctx = AppContext(settings, Drafter(settings), CaseStore(tmp_path / "cases.db"))
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    good = incoming / "neglect-protocol.md"
    good.write_text(
        "---\ntitle: Neglect protocol\n---\n# Neglect protocol\n\n## Purpose\n"
        "Practitioners in every agency use the Graded Care Profile 2 tool to assess neglect of children.\n",
        encoding="utf-8",
    )
    bad = incoming / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 this is not really a pdf")
    steps: list[float] = []
    report, added = add_to_corpus(ctx, [str(good), str(bad)], progress=lambda value, desc="": steps.append(value))
    assert [p.name for p in added] == ["neglect-protocol.md"]
    assert "broken.pdf` was not added: the PDF is damaged or unreadable" in report
    assert sorted(p.name for p in ctx.uploads_dir.iterdir()) == ["neglect-protocol.md"]
    assert [d["doc_id"] for d in ctx.index.documents()] == ["neglect-protocol"]
    assert steps[0] == 0.0 and steps[-1] == 1.0

    # A broken replacement of an indexed file restores the previous file and keeps its passages.
    units_before = ctx.index.count()
    broken = incoming / "sub"
    broken.mkdir()
    (broken / "neglect-protocol.md").write_bytes(b"")
    report, added = add_to_corpus(ctx, [str(broken / "neglect-protocol.md")])
    assert added == [] and "the file is empty" in report
    assert "Graded Care Profile 2" in (ctx.uploads_dir / "neglect-protocol.md").read_text(encoding="utf-8")
    assert ctx.index.count() == units_before


@pytest.mark.slow
def test_an_interrupted_draft_resumes_with_the_questions_left(tmp_path):
    import shutil
    import time as clock

    from assistant.drafting import Drafter
    from assistant.ui.jobs import DraftJobs

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    repo = Path(__file__).resolve().parent.parent
    shutil.copy(repo / "corpus" / "decisions" / "2024-9716254-missing-children-in-care.md", corpus)
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus)
    drafter = Drafter(settings)
    drafter.index.ingest([corpus])
    store = CaseStore(settings.cases_db)
    request = (
        "1. How many looked-after children went missing in 2023/24?\n"
        "2. How many return interviews were offered in 2023/24?\n"
        "3. Who carries out return interviews?"
    )
    case_id = store.create_case(request, reference="FOI RESUME")
    first = next(drafter.draft_request(request))
    store.save_drafts(case_id, [first], "olga")  # the server stopped here

    jobs = DraftJobs(drafter, store)
    assert [q.number for q in jobs.missing_questions(case_id)] == ["2", "3"]
    job = jobs.start(case_id, "olga")
    assert (job.done, job.total) == (1, 3)
    deadline = clock.monotonic() + 120
    while not job.finished and clock.monotonic() < deadline:
        clock.sleep(0.1)
    assert job.finished and not job.error and job.done == 3
    case = store.get_case(case_id)
    assert [d.question.number for d in case.drafts] == ["1", "2", "3"]
    assert case.draft("1").answer == first.answer
    assert jobs.missing_questions(case_id) == []
