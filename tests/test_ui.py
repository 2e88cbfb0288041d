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
from assistant.signin import SignInGuard, check_users, hash_password, verify_password
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


def test_flags_are_escaped_in_plain_words_and_an_empty_list_says_so():
    shown = html.flags_html(draft().flags)
    assert "Source [1] is &lt;old&gt;." in shown
    assert "Source may be out of date" in shown and "stale_source" not in shown
    assert "No flags." in html.flags_html([])


def test_a_needs_review_card_shows_its_reason_as_the_top_flag_never_no_flags():
    pending = draft("Note for the officer: no past decision matches.")
    pending.status, pending.flags = Status.NEEDS_REVIEW, []
    pending.status_reason = "No past decision answers this question."
    shown = html.draft_flags_html(pending)
    assert "No flags" not in shown
    assert re.search(r"Needs the officer to decide</span>: No past decision answers this question", shown)


def test_resolved_flags_stay_visible_greyed_with_who_when_and_why(tmp_path):
    store = CaseStore(tmp_path / "c.db")
    case_id = store.create_case("1. How many return interviews?", created_by="olga")
    store.save_drafts(case_id, [draft()], "olga")
    flag = draft().flags[0]
    store.resolve_flag(case_id, "1", flag.kind, flag.message, "Checked with <Children's Services>", "olga")
    shown = html.draft_flags_html(store.get_case(case_id).draft("1"), store.get_case(case_id))
    assert 'class="flag resolved" style="color:#888"' in shown
    assert "resolved by olga on" in shown and "Checked with &lt;Children&#x27;s Services&gt;" in shown
    assert "Flags (0 open)" in shown


def test_version_diff_marks_removed_and_added_words_escaped():
    out = html.diff_html("There were 712 <b>children</b>.", "There were 715 <b>children</b>.")
    assert "<del style='color:#b00020'>712</del>" in out and "<ins style='color:#1b6e20'>715</ins>" in out
    assert "<b>" not in out and "&lt;b&gt;children&lt;/b&gt;." in out


def test_chat_and_user_text_cannot_become_markup_or_load_remote_images():
    """L1: requester, corpus and user text in chat is escaped: no HTML element, link or image survives."""
    hostile = '<img src=x onerror=alert(1)> ![t](http://evil.example/t.png) [login](http://evil.example) <div style="position:fixed">'
    reply = html.chat_markdown(hostile, [Citation(1, "u", "d", "<b>T</b>", "R", "2024", hostile)], [Flag("x", hostile)])
    assert "<img" not in reply and "<div" not in reply and "<b>" not in reply
    assert "![" not in reply and "](" not in reply
    rendered = __import__("markdown_it").MarkdownIt().render(reply)
    assert "<img" not in rendered and "<a " not in rendered and "<div" not in rendered


def test_case_list_shows_overdue_cases_in_red_states_in_words_and_rows_that_open():
    row = CaseSummary(1, "FOI <1>", date(2025, 1, 6), "R", 3, date(2025, 2, 3), -5, True, "in_review", "alice")
    table = html.cases_table([row])
    assert "FOI &lt;1&gt;" in table
    assert re.search(r'class="overdue" style="color:#b00020[^"]*">overdue by 5 working days', table)
    assert "<td class='case-state'>In review</td>" in table and 'data-case="1"' in table
    fine = CaseSummary(2, "FOI 2", date(2025, 3, 3), "R", 3, date(2025, 3, 31), 12, False, "new", "alice")
    assert "overdue" not in html.cases_table([fine])
    sent = CaseSummary(3, "FOI 3", date(2025, 3, 3), "R", 3, date(2025, 3, 31), 0, False, "sent", "alice", date(2025, 4, 2))
    assert "sent 02 Apr 2025 (late)" in html.cases_table([sent])


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
    users = [
        User(username="olga", password_hash=hash_password("pw-1", rounds=4), role="officer"),
        User(username="rav", password_hash=hash_password("pw-2", rounds=4), role="reviewer"),
    ]
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
    case_id = store.create_case(
        "1. How many return interviews?", reference="FOI 77/A", received=date(2024, 5, 1), requester="Ms R", created_by="olga"
    )
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
    case_id = store.create_case(request, reference="FOI RESUME", created_by="olga")
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


def test_passwords_are_bcrypt_hashes_and_plain_passwords_in_settings_are_refused():
    """L4: settings hold a hash; a plain password is refused with the way to make a hash."""
    hashed = hash_password("correct horse", rounds=4)
    assert hashed.startswith("$2b$04$") and "correct horse" not in hashed
    assert verify_password("correct horse", hashed) and not verify_password("wrong", hashed)
    with pytest.raises(ValueError, match="plain password in the settings.*foi hash-password"):
        check_users([User(username="amy", password="hunter2")])
    check_users([User(username="amy", password_hash=hashed)])


def test_sign_in_is_rate_limited_per_name(tmp_path):
    """L4: after five wrong passwords the right one is refused too, until the window has passed."""
    now = [1000.0]
    users = [User(username="olga", password_hash=hash_password("pw-1", rounds=4))]
    guard = SignInGuard(max_failures=5, window_seconds=300, clock=lambda: now[0])
    ctx = AppContext(Settings(data_dir=tmp_path, users=users), SimpleNamespace(), CaseStore(tmp_path / "c.db"), guard=guard)
    assert not any(ctx.check_password("olga", f"guess-{i}") for i in range(5))
    assert not ctx.check_password("olga", "pw-1")
    now[0] += 301
    assert ctx.check_password("olga", "pw-1")


def test_engines_offered_to_officers(tmp_path):
    """Naive is for the evaluation and CLI; the bundled tiny model only when a setting asks for it."""
    assert Settings(data_dir=tmp_path).officer_engines() == ["extractive"]
    assert Settings(data_dir=tmp_path, offer_bundled_model=True).officer_engines() == ["extractive", "llm"]
    assert Settings(data_dir=tmp_path, llm_gguf_path="/models/council.gguf").officer_engines() == ["extractive", "llm"]
    assert Settings(data_dir=tmp_path, llm_provider="openai", llm_model="gpt-x").officer_engines() == ["extractive", "llm"]


def _edge_client(tmp_path, users=()):
    import gradio as gr
    from fastapi.testclient import TestClient

    from assistant.ui.web import make_server_app

    ctx = AppContext(Settings(data_dir=tmp_path, users=list(users)), SimpleNamespace(), CaseStore(tmp_path / "c.db"))
    with gr.Blocks() as demo:
        gr.Markdown("hello")
    auth = ctx.check_password if users else None
    return TestClient(make_server_app(demo, ctx, "127.0.0.1", auth=auth, ssr_mode=False, footer_links=[]))


def test_responses_carry_a_content_security_policy_and_foreign_hosts_and_origins_are_refused(tmp_path):
    """M1 and the CSP: a page from a foreign Host name or a request from another site's Origin is refused."""
    client = _edge_client(tmp_path)
    page = client.get("/", headers={"host": "127.0.0.1:7860"})
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "http" not in csp
    assert client.get("/", headers={"host": "evil.example"}).status_code == 421
    assert client.get("/config", headers={"host": "localhost:7860", "origin": "http://evil.example"}).status_code == 403
    assert client.get("/config", headers={"host": "localhost:7860", "origin": "http://localhost:7860"}).status_code == 200


def test_without_users_the_app_refuses_to_listen_beyond_loopback():
    from assistant.ui.web import check_listen

    with pytest.raises(SystemExit, match="Refusing to listen on 0.0.0.0: no users are configured, so sign-in is off"):
        check_listen("0.0.0.0", users_configured=False)
    check_listen("127.0.0.1", users_configured=False)
    check_listen("::1", users_configured=False)
    check_listen("0.0.0.0", users_configured=True)


def test_repeated_failed_sign_ins_from_one_address_are_stopped(tmp_path):
    users = [User(username=f"u{i}", password_hash=hash_password("pw", rounds=4)) for i in range(2)]
    client = _edge_client(tmp_path, users)
    codes = [
        client.post("/login", data={"username": f"name-{i}", "password": "x"}, headers={"host": "127.0.0.1"}).status_code
        for i in range(7)
    ]
    assert codes[:5] == [400] * 5 and codes[5:] == [429, 429]


def test_chat_reads_last_year_this_year_and_a_named_year_with_the_drafting_period_analysis():
    from assistant.chat import asked_period

    assert asked_period("what did we say about MACE meetings last year?", date(2026, 3, 1)) == (date(2025, 3, 2), date(2026, 3, 1))
    assert asked_period("spending this year", date(2026, 3, 1)) == (date(2026, 1, 1), date(2026, 3, 1))
    assert asked_period("How many in 2023?", date(2026, 3, 1)) == (date(2023, 1, 1), date(2023, 12, 31))
    assert asked_period("How does the MACE process work?", date(2026, 3, 1)) is None


@pytest.mark.slow
def test_chat_answers_its_own_examples_from_the_corpus(corpus_drafter):
    """The Chat tab's examples: answered with checked citations, 'last year' read as a period (the year to today)."""
    from assistant import chat

    how = chat.answer(corpus_drafter, "How does the MACE process work?")
    assert how.citations and "MACE" in how.text and "close enough" not in how.text
    last_year = chat.answer(corpus_drafter, "what did we say about MACE meetings last year?", today=date(2026, 3, 1))
    assert last_year.citations and "close enough" not in last_year.text
    assert last_year.citations[0].date.startswith("2025") and "weekly" in last_year.text.lower()  # how often the MACE meetings sit


def test_the_progress_note_shows_a_hostile_reference_as_text(tmp_path):
    """L1: a reference typed by an officer (or taken from a request) is text in the progress note, never markup."""
    from markdown_it import MarkdownIt

    from assistant.ui.draft_view import follow
    from assistant.ui.jobs import Job

    store = CaseStore(tmp_path / "c.db")
    hostile = '<img src=x onerror=alert(1)> ![t](http://evil.example/t.png) <form action="http://evil.example">'
    case_id = store.create_case("1. How many return interviews?", reference=hostile, created_by="olga")
    ctx = AppContext(Settings(data_dir=tmp_path), SimpleNamespace(), store)
    ctx.jobs._jobs[case_id] = Job(case_id, total=1, done=1, finished=True)
    note = list(follow(ctx, case_id))[-1][1]
    rendered = MarkdownIt().render(note)
    assert "<img" not in rendered and "<form" not in rendered and "<a " not in rendered
    assert "evil.example" in rendered  # still shown, as text


def test_status_reasons_are_shown_without_raw_scores():
    """Plain words: an engine's 'match 0.79' never reaches the officer's card."""
    shown = draft()
    shown.status_reason = "Re-uses the answer to question 1 of 28 June 2023 (ref FOI 6981442), match 0.79."
    out = html.question_html(shown)
    assert "0.79" not in out and "Re-uses the answer to question 1 of 28 June 2023 (ref FOI 6981442)." in out
