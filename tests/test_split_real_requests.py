"""The splitter on real FOI requests sent to UK councils (evals/real_requests/*.yaml), against a careful human's
split: the question count must match on at least 95 % of requests, no ask may sit outside the questions
without the `possible_question_left_out` flag, and scope lines must reach the questions they govern.
Scoring is the evaluation's own (`assistant.evaluation.real_requests`)."""
from __future__ import annotations

import re

import pytest
import yaml
from rapidfuzz import fuzz

from assistant.evaluation.real_requests import load_real_requests, score_split, splitting_summary
from assistant.requests import parse_request

from tests.test_real_requests import SET_DIR

REQUESTS = load_real_requests(SET_DIR) if SET_DIR.is_dir() else []
pytestmark = pytest.mark.skipif(not REQUESTS, reason="no real requests in evals/real_requests")

#: The asks the issue names: a question mark, "how many", "please provide", "the number of", "I would like to know".
ASK = re.compile(r"\?|\bhow many\b|\bplease provide\b|\bthe number of\b|\bi would like to know\b", re.I)
#: Pieces of a line: sentences, and labels written mid-line ("…Act:1) As of…").
PIECE_END = re.compile(r"(?<=[.?!:;])\s+|(?<=[?:;])(?=\(?\d{1,3}[a-z]?[.)])|\s(?=\(?\d{1,3}[a-z]?[.)]\s*[A-Z])")
INLINE_LABEL = re.compile(r"(?<=\s)\(?(?:[a-z]|[ivx]{1,4})\)(?=\s)")
LABEL = re.compile(r"^\s*(?:\(?(?:\d{1,3}[a-z]?|[a-zA-Z]|[ivx]{1,5})[.)]|Q\s*\d{1,3}[.:]?|[*•+-])\s*")


def norm(text: str) -> str:
    return " ".join(text.split()).lower()


def human_scope_lines(request_id: str) -> list[str]:
    data = yaml.safe_load((SET_DIR / f"{request_id}.yaml").read_text(encoding="utf-8"))
    return list((data.get("human_split") or {}).get("scope_lines") or [])


def test_question_count_matches_the_human_count_on_95_percent_of_requests() -> None:
    rows = [score_split(r) for r in REQUESTS]
    summary = splitting_summary(rows)
    wrong = [f"{r['id']}: {r['split_questions']} for {r['human_questions']}" for r in rows if not r["questions_match"]]
    print(f"\n{summary}\nwrong: {wrong}")
    assert len(REQUESTS) >= 30
    assert summary["question_count_match"] >= 0.95, f"{summary}; wrong: {wrong}"


@pytest.mark.parametrize("real", REQUESTS, ids=lambda r: r.id)
def test_no_ask_outside_the_questions_goes_unflagged(real) -> None:  # noqa: ANN001
    """Checked independently of the splitter's own left-out finder: every piece of the request holding an ask
    is (fuzzily) inside a question, a sub-part, a scope or fallback line, or a flagged sentence, unless it only
    introduces the list ("Please provide the following:")."""
    parsed = parse_request(real.request)
    kept = [t for q in parsed.questions for t in (q.text, *(t for _, t in q.parts))]  # each question with its parts
    kept += parsed.scope_lines + parsed.fallback_lines + [item.text for item in parsed.left_out]
    kept_text = norm("\n".join(kept))
    unflagged = []
    for line in real.request.splitlines():
        if re.match(r"^(?:-{5,}|_{5,})", line.strip()):
            break
        for piece in PIECE_END.split(line):
            piece = LABEL.sub("", piece).strip()
            if not ASK.search(piece) or piece.endswith(":") or re.search(r"\bthe following\b", piece, re.I):
                continue
            words = INLINE_LABEL.sub(" ", piece)  # "… to a) X, b) Y" split into parts: the labels are not words of the ask
            if max(fuzz.partial_ratio(norm(piece), kept_text), fuzz.partial_ratio(norm(words), kept_text)) < 90:
                unflagged.append(piece)
    assert unflagged == [], f"{real.id}: asks outside the questions and not flagged: {unflagged}"


@pytest.mark.parametrize("real", [r for r in REQUESTS if human_scope_lines(r.id)], ids=lambda r: r.id)
def test_scope_lines_reach_every_question(real) -> None:  # noqa: ANN001
    """A request the human marked with a scope line ("for each of the last five financial years") gives the
    questions it governs that line as context, so retrieval searches with it."""
    parsed = parse_request(real.request)
    assert parsed.scope_lines, f"{real.id}: no scope line found; the human marked {human_scope_lines(real.id)}"
    assert any(q.context for q in parsed.questions)
    for q in parsed.questions:
        for line in q.context:
            assert norm(line) in norm(q.query_text)
