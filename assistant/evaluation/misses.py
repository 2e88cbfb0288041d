"""Why a question the corpus answers was not answered correctly: one first cause per question, read from its
evaluation record alone (pure: no index, no model), so the report and the issue notes can list the misses of each
unmet target by what broke.

The causes follow the pipeline: retrieval (the expected evidence never reached the drafter) → verdict (it was read
but judged not to fit) → what was drafted (another period's figures, a reply or policy section for review, or an
answer with other facts). A confident error is named as such whatever came before it: it is the worst outcome, and
its grade reason says what the draft stated.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Sequence

from assistant.models import Draft, VerdictRecord

RETRIEVAL, NOT_FIT, OTHER_PERIOD, FOR_REVIEW, OTHER_FACTS, CONFIDENT_ERROR, NO_VERDICT = (
    "retrieval", "not_fit", "other_period", "for_review", "other_facts", "confident_error", "no_verdict",
)
CAUSES: dict[str, tuple[str, str]] = {  # cause: (short name, what it means), in pipeline order
    RETRIEVAL: ("retrieval", "no expected evidence among the passages the drafter read"),
    NOT_FIT: ("judged not to fit", "the evidence was read and judged related or none: nothing drafted"),
    OTHER_PERIOD: ("other period drafted", "the newest figures of another period drafted, not the expected ones"),
    FOR_REVIEW: ("drafted for review", "a differently worded reply or a policy section drafted for review, key facts missing"),
    OTHER_FACTS: ("answered with other facts", "answered from evidence that does not state the key facts"),
    CONFIDENT_ERROR: ("confident error", "a claim of another period, measure or group, or a status the evidence does not bear"),
    NO_VERDICT: ("no verdict", "no verdict recorded: no draft, or nothing to analyse"),
}
SEARCH_DEPTH = 60  # how deep the hybrid search is read for evidence the drafter never saw
_FROM = {"worded_reply": "a reply to a differently worded question", "policy": "a policy section", "published_copy": "a reply saying where a document is published"}


# The verdicts' wording of what differs (assistant/drafting/verdicts.py, evidence.py) → plain words, first match wins.
_PLAIN: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"a different question$"), "the nearest past question is a different one (below the match floor)"),
    (re.compile(r"no past answer to this question", re.I), "nothing close enough"),
    (re.compile(r"the past question is about (.+?), which the question does not ask about$"), "another group: the past reply is about {0}"),
    (re.compile(r"asks about (.+?), which the evidence does not name$"), "another group: {0} (the evidence does not name it)"),
    (re.compile(r"asks about (.+?), the evidence about (.+)$"), "another measure or group: {0} asked, the evidence is about {1}"),
)


def plain_differs(text: str) -> str:
    """A verdict's 'what differs' in a few plain words ("covers too little of what is asked", "another group: boys")."""
    t = " ".join(text.split()).rstrip(".")
    for pattern, words in _PLAIN:
        found = pattern.match(t)
        if found:
            return words.format(*found.groups())
    t = re.sub(r"^it\s+", "", t)
    return re.sub(r"\s*\(likeness [\d.]+\)", "", t)


def _where(v: Mapping[str, Any], quote: bool) -> str:
    """' (part b)', ' (ask “…”)' or ''."""
    bits = []
    if v.get("part"):
        bits.append(f"part {v['part']}")
    if v.get("ask"):
        ask = v["ask"] if len(v["ask"]) <= 60 else v["ask"][:59] + "…"
        bits.append(f"ask “{ask}”" if quote else "one ask of its sentence")
    return f" ({', '.join(bits)})" if bits else ""


def _source(v: Mapping[str, Any], what: str, read_at: int | None = None) -> str:
    """Whether the verdict's evidence is the one the case expects (nothing when the verdict names no evidence), and
    where the expected evidence stood among the passages read when it was another."""
    expected = v.get("expected_source")
    if expected is None:
        return ""
    if expected:
        return f"; {what} is the expected evidence"
    return f"; {what} is not the expected evidence" + (f" (read at rank {read_at})" if read_at else "")


def _facts(q: Mapping[str, Any], quote: bool) -> str:
    facts = list(q.get("key_facts") or [])
    if not facts:
        return "no key facts listed"
    found = set(q.get("key_facts_found") or [])
    missing = [f for f in facts if f not in found]
    text = f"key facts {len(facts) - len(missing)}/{len(facts)}"
    if missing and quote:
        text += ", missing " + ", ".join(f"'{f}'" for f in missing[:3]) + (" …" if len(missing) > 3 else "")
    return text


def _retrieval_detail(q: Mapping[str, Any]) -> str:
    wanted = ", ".join(q.get("evidence_units") or q.get("evidence") or []) or "the expected evidence"
    text = f"{wanted} not among the {q.get('passages_read', len(q.get('passages') or []))} passages read"
    if "evidence_search_rank" in q:
        rank = q["evidence_search_rank"]
        depth = q.get("evidence_search_depth", SEARCH_DEPTH)
        if rank is None:
            text += f"; not in the hybrid search's top {depth} either"
        else:
            text += f"; hybrid search ranks it {rank} ({'within the top 30' if rank <= 30 else f'in the top {depth}, below 30'})"
    return text


def miss_cause(q: Mapping[str, Any], *, quote: bool = True) -> tuple[str, str] | None:
    """(cause, detail) for a question with evidence whose outcome is not correct; None for any other question
    (a correct answer whose status differs from the expected one is no miss: the officer sets the status).

    A confident error is named first, with its grade reason: it is the worst outcome whatever came before it. Then,
    in pipeline order, the first that holds: the expected evidence was not among the passages the drafter read
    (with its rank in the hybrid search when the runner looked); a verdict judged the evidence not to fit (related
    or none with nothing drafted: its first 'what differs' in plain words); another period's newest figures drafted
    (other_period); a differently worded reply or a policy section drafted for review; an answer drafted with other
    facts. `quote=False` leaves out every text taken from the case or the question (key facts, asks, periods), for
    the held-out split: counts and evidence ids only."""
    if not q.get("has_evidence") or q.get("outcome") in (None, "correct"):
        return None
    if q.get("outcome") == "confident_error":
        why = q.get("outcome_why") or "graded a confident error"
        return CONFIDENT_ERROR, why if quote else re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", why)
    if q.get("evidence_read") is False:
        return RETRIEVAL, _retrieval_detail(q)
    verdicts: Sequence[Mapping[str, Any]] = q.get("verdicts") or []
    if not verdicts:
        return NO_VERDICT, f"status {q.get('status', '?')}; {_facts(q, quote)}"
    for v in verdicts:
        if v["kind"] in ("related", "none") and not v.get("drafted_from"):
            differs = v.get("differs") or []
            why = plain_differs(differs[0]) if differs else "nothing close enough"
            return NOT_FIT, f"{v['kind']}{_where(v, quote)}: {why}{_source(v, 'the nearest evidence', q.get('evidence_read_rank'))}"
    for v in verdicts:
        if v["kind"] == "other_period":
            reason = " ".join((v.get("reason") or q.get("status_reason") or "").split()).rstrip(".")
            reason = reason if len(reason) <= 160 else reason[:159] + "…"
            said = f"{reason}; " if reason and quote else ""
            return OTHER_PERIOD, f"{said}{_facts(q, quote)}{_source(v, 'the reply drafted', q.get('evidence_read_rank'))}{_where(v, quote)}"
    for v in verdicts:
        if v["kind"] == "related":
            return FOR_REVIEW, f"from {_FROM.get(v['drafted_from'], v['drafted_from'])}{_where(v, quote)}{_source(v, 'it', q.get('evidence_read_rank'))}; {_facts(q, quote)}"
    flags = [f for f in q.get("flags") or [] if f in _TELLING_FLAGS]
    flagged = f", flagged {', '.join(flags)}" if flags else ""
    return OTHER_FACTS, f"status {q.get('status', '?')}{flagged}; {_facts(q, quote)}{_source(verdicts[0], 'the reply drafted', q.get('evidence_read_rank'))}"


_TELLING_FLAGS = ("repeated_evidence", "ask_not_answered", "figure_mismatch", "unsupported_sentence", "figure_not_in_source")


def misses(rows: Iterable[tuple[str, str, Mapping[str, Any]]]) -> list[dict[str, str]]:
    """Every missed question of (case id, split, question record) rows with its cause and detail (as recorded by the
    runner, else worked out here), in cause order."""
    out = []
    for case_id, split, q in rows:
        found = (q["miss_cause"], q.get("miss_detail", "")) if q.get("miss_cause") else miss_cause(q, quote=split != "test")
        if found:
            out.append({"case": case_id, "split": split, "number": q["number"], "cause": found[0], "detail": found[1]})
    order = list(CAUSES)
    return sorted(out, key=lambda r: (order.index(r["cause"]), r["split"], r["case"], _number_key(r["number"])))


def count_by_cause(rows: Sequence[Mapping[str, str]]) -> dict[str, int]:
    """How many misses each cause has, in pipeline order, causes with none left out."""
    counts = {cause: sum(r["cause"] == cause for r in rows) for cause in CAUSES}
    return {cause: n for cause, n in counts.items() if n}


def cause_table(rows: Sequence[Mapping[str, str]], splits: Sequence[str]) -> list[list[Any]]:
    """[cause, what it means, count per split …, all] for every cause that occurs, in pipeline order."""
    table = []
    for cause, (name, meaning) in CAUSES.items():
        mine = [r for r in rows if r["cause"] == cause]
        if mine:
            table.append([name, meaning, *[sum(r["split"] == s for r in mine) for s in splits], len(mine)])
    return table


def verdicts_for(number: str, draft: Draft | None) -> list[VerdictRecord]:
    """The drafting verdicts behind one case question: a lettered case question ('7b') answered inside its parent's
    draft ('7') takes that part's verdicts when the draft has them, else all of them."""
    if draft is None:
        return []
    records = list(draft.verdict_records)
    letter = number[len(draft.question.number):] if number != draft.question.number and number.startswith(draft.question.number) else ""
    mine = [v for v in records if v.part == letter] if letter else []
    return mine or records


def _number_key(number: str) -> tuple[int, str]:
    found = re.match(r"(\d+)(.*)", number)
    return (int(found.group(1)), found.group(2)) if found else (10**6, number)
