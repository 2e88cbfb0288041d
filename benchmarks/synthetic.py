"""A synthetic FOI corpus of any size, for scale benchmarks: past decisions (question–answer units) and policy
chunks written from templates and word lists, with figures, financial years and dates. The same seed gives the
same corpus.

Every sentence is drawn from a fixed pool of sentence templates (topic × pattern), filled with figures for the unit.
That lets the retrieval benchmark make a unit's vector cheaply — the normalised sum of its sentences' pool vectors —
instead of running the embedding model over 100k texts. Figures barely move a sentence embedding, so each pool
vector is taken from the template filled with fixed figures.

Run `.venv/bin/python benchmarks/synthetic.py --n 5` to print a sample, or `--out DIR` to write structured Markdown
decisions that `foi ingest DIR` reads (for checking with real embeddings).
"""
from __future__ import annotations

import argparse
import hashlib
import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Callable, Sequence

# (topic phrase, short title, service that holds it)
TOPICS: list[tuple[str, str, str]] = [
    ("children in care", "Children in care", "Children's Services"),
    ("unaccompanied asylum-seeking children", "Unaccompanied asylum-seeking children", "the Leaving Care Service"),
    ("care leavers aged 18 to 25", "Care leavers", "the Leaving Care Service"),
    ("children placed in residential children's homes", "Residential children's homes", "Children's Commissioning"),
    ("foster carers", "Foster carers", "the Fostering Service"),
    ("special guardianship orders", "Special guardianship", "the Permanence Team"),
    ("adoptions", "Adoption", "Regional Adoption Agency"),
    ("Education, Health and Care plans", "EHC plans", "the SEND Service"),
    ("requests for an EHC needs assessment", "EHC needs assessments", "the SEND Service"),
    ("SEND tribunal appeals", "SEND tribunals", "the SEND Service"),
    ("children electively home educated", "Elective home education", "the Elective Home Education Team"),
    ("children missing education", "Children missing education", "the Inclusion Service"),
    ("permanent exclusions", "School exclusions", "the Inclusion Service"),
    ("suspensions for carrying an offensive weapon", "Exclusions for weapons", "the Inclusion Service"),
    ("pupils using home to school transport", "Home to school transport", "Transport Services"),
    ("taxi contracts for school transport", "School transport contracts", "Transport Services"),
    ("referrals to the Multi-Agency Safeguarding Hub", "Multi-Agency Safeguarding Hub", "Children's Services"),
    ("child protection plans", "Child protection", "Children's Services"),
    ("children identified as at risk of child sexual exploitation", "Child sexual exploitation", "the MACE Team"),
    ("children identified as at risk of criminal exploitation", "Child criminal exploitation", "the MACE Team"),
    ("missing episodes of looked after children", "Missing children in care", "Children's Services"),
    ("return home interviews", "Return home interviews", "Children's Services"),
    ("Prevent referrals", "Prevent duty", "the Prevent Coordinator"),
    ("allegations referred to the LADO", "LADO referrals", "the LADO Service"),
    ("family group conferences", "Family group conferences", "the Early Help Service"),
    ("early help assessments", "Early help", "the Early Help Service"),
    ("young carers assessments", "Young carers", "the Early Help Service"),
    ("direct payments for disabled children", "Direct payments", "Children's Disability Services"),
    ("short breaks for disabled children", "Short breaks", "Children's Disability Services"),
    ("agency social workers", "Agency social workers", "Human Resources"),
    ("children's social worker vacancies", "Social worker vacancies", "Human Resources"),
    ("educational psychologist posts", "Educational psychologists", "the Educational Psychology Service"),
    ("complaints about children's social care", "Social care complaints", "the Customer Relations Team"),
    ("drug and alcohol treatment places", "Drug and alcohol treatment", "Public Health"),
    ("inpatient detoxification beds", "Inpatient detox", "Public Health"),
    ("supported accommodation placements for 16 and 17 year olds", "Supported accommodation", "Children's Commissioning"),
    ("leaving care setting up home allowances", "Setting up home allowance", "the Leaving Care Service"),
    ("alternative provision placements", "Alternative provision", "the Inclusion Service"),
    ("young people supervised by the youth offending service", "Youth justice", "Future4Me"),
    ("modern slavery referrals through the National Referral Mechanism", "Modern slavery", "the Community Safety Team"),
]

QUESTION_PATTERNS = [
    "How many {t} were there in each financial year from {fy0} to {fy1}?",
    "Please provide the number of {t} as at {date}.",
    "How many {t} did the council record in the calendar year {year}?",
    "Please break down the number of {t} by age group and gender for {year}.",
    "What was the total spend on {t} in {fy1}?",
    "Does the council hold a policy or procedure relating to {t}? If so, please provide a copy.",
    "How many complaints were received about {t} between {date0} and {date}?",
    "Please provide the average length of time, in days, taken to deal with {t} in {year}.",
    "How many {t} were placed outside the county boundary at {date}?",
    "Which team or officer is responsible for {t}, and how many staff are employed in that team?",
    "Has the council commissioned any external provider to deliver services for {t} since {year0}?",
    "Please provide any internal audit or evaluation report about {t} completed since {year0}.",
]

ANSWER_PATTERNS = [
    "In {fy1} there were {n} {t}, compared with {m} in {fy0}.",
    "As at {date} the council recorded {n} {t}.",
    "The council recorded {n} {t} in {year}; {part} of these were aged 16 or over.",
    "Total expenditure on {t} in {fy1} was {money}.",
    "The information about {t} is not held by {s} in the format requested.",
    "Figures for {t} below five have been suppressed to protect the identity of individuals, as they are personal data exempt under section 40(2).",
    "Information about {t} is already published on the council's website and is exempt under section 21.",
    "{s} is responsible for {t} and employs {k} full-time equivalent staff.",
    "The average time to complete work on {t} in {year} was {d} days.",
    "Of the {n} {t}, {part} were placed outside the county at {date}.",
    "The council does not hold a standalone policy for {t}; the relevant procedures are part of the partnership procedures manual.",
    "A copy of the current procedure for {t}, last reviewed on {date}, is attached.",
    "Complying with the request about {t} would exceed the appropriate limit under section 12, as {s} would need to review around {n} case files.",
    "{s} commissioned {k} external providers for {t} at a total contract value of {money}.",
    "No internal audit of {t} has been completed since {year0}.",
    "We received {n} complaints about {t} between {date0} and {date}, of which {part} were upheld.",
    "Numbers of {t} rose by {pct}% between {year0} and {year}.",
    "The figures for {t} are taken from the council's case management system on {date} and may change as records are updated.",
    "Please note that {t} are counted at the point of referral, so a child may appear in more than one year.",
    "Information about {t} for {fy1} will be published in the annual report in {monthyear}; it is exempt under section 22 until then.",
]

POLICY_PATTERNS = [
    "This procedure sets out how practitioners respond to {t} across the partnership.",
    "{s} reviews arrangements for {t} every {k} months and reports to the partnership board.",
    "Any practitioner who is concerned about {t} should contact the Children's Services Customer Service Centre.",
    "Decisions about {t} are recorded on the child's file within {k} working days.",
    "The threshold for statutory involvement with {t} is described in Meeting the Needs of Children.",
    "The partnership published its strategy for {t} on {date} and will review it in {monthyear}.",
    "Managers audit a sample of {k} case files about {t} each quarter.",
    "Where {t} involve another local authority, the placing authority keeps case responsibility.",
    "Training on {t} is offered to all partner agencies at least {k} times a year.",
    "Information about {t} is shared under the partnership's information sharing agreement.",
    "The multi-agency panel for {t} meets every {k} weeks and is chaired by a senior manager from {s}.",
    "Performance data on {t} is reported to the scrutiny committee each quarter.",
]

PATTERNS = QUESTION_PATTERNS + ANSWER_PATTERNS + POLICY_PATTERNS
_Q, _A = len(QUESTION_PATTERNS), len(ANSWER_PATTERNS)
_FIXED = dict(
    fy0="2019/20", fy1="2022/23", date="31 March 2023", date0="1 April 2022", year="2022", year0="2019",
    n="120", m="98", part="35", k="6", d="42", pct="12", money="£1,250,000", monthyear="September 2023",
)
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]


@dataclass
class SyntheticCorpus:
    """Units, the pool of canonical sentences and, for each unit, the pool sentences its text is made of."""

    units: list = field(default_factory=list)
    parts: list[list[int]] = field(default_factory=list)
    pool: list[str] = field(default_factory=list)
    question_parts: list[int | None] = field(default_factory=list)  # the pool sentence of a past question alone


def pool_sentences() -> list[str]:
    """Every (topic, pattern) sentence with fixed figures, then the topic titles: the vectors the units are made of."""
    out = [render(p, t, s, _FIXED) for p in PATTERNS for t, _, s in TOPICS]
    out.extend(title for _, title, _ in TOPICS)
    return out


def pool_index(pattern: int, topic: int) -> int:
    return pattern * len(TOPICS) + topic


def title_index(topic: int) -> int:
    return len(PATTERNS) * len(TOPICS) + topic


def render(pattern: str, topic: str, service: str, fill: dict[str, str]) -> str:
    text = pattern.format(t=topic, s=service, **fill)
    return text[0].upper() + text[1:]


def _fill(rng: random.Random, year: int | None = None) -> dict[str, str]:
    """Figures for one sentence group; `year` keeps a decision's figures no later than the year it was made."""
    year = year if year is not None else rng.randint(2016, 2025)
    year = rng.randint(year - 1, year)
    day = date(year, rng.randint(1, 12), rng.randint(1, 28))
    start = day - timedelta(days=rng.choice((90, 180, 365, 730)))
    n = rng.randint(5, 2500)
    return {
        "fy0": f"{year - 4}/{(year - 3) % 100:02d}",
        "fy1": f"{year - 1}/{year % 100:02d}",
        "date": f"{day.day} {_MONTHS[day.month - 1]} {day.year}",
        "date0": f"{start.day} {_MONTHS[start.month - 1]} {start.year}",
        "year": str(year),
        "year0": str(year - rng.randint(2, 6)),
        "n": str(n),
        "m": str(max(0, n + rng.randint(-n // 2, n // 2))),
        "part": str(rng.randint(1, max(2, n // 3))),
        "k": str(rng.randint(2, 12)),
        "d": str(rng.randint(3, 120)),
        "pct": str(rng.randint(2, 60)),
        "money": f"£{rng.randint(2_000, 9_000_000):,}",
        "monthyear": f"{_MONTHS[rng.randrange(12)]} {year + 1}",
    }


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _unit_id(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def build(n_units: int, seed: int = 20250514, policy_share: float = 0.15) -> SyntheticCorpus:
    """n_units units: about 85% past question–answer pairs in decisions of 3 to 10 questions, the rest policy chunks."""
    from assistant.models import DocType, Unit

    rng = random.Random(seed)
    corpus = SyntheticCorpus(pool=pool_sentences())
    n_policy = int(n_units * policy_share)
    n_decision = n_units - n_policy
    doc_no = 0
    while len(corpus.units) < n_decision:
        doc_no += 1
        topic = rng.randrange(len(TOPICS))
        title = TOPICS[topic][1]
        received = date(rng.randint(2016, 2025), rng.randint(1, 12), rng.randint(1, 28))
        decided = received + timedelta(days=rng.randint(5, 28))
        reference = str(rng.randint(60_000, 16_000_000))
        doc_id = f"{received.year}-{reference}-{_slug(title)}"
        outcome = rng.choice(("provided", "partly_provided", "not_held", "exempt", "published_elsewhere"))
        for q in range(1, min(rng.randint(3, 10), n_decision - len(corpus.units)) + 1):
            t = topic if rng.random() < 0.75 else rng.randrange(len(TOPICS))
            tp, _, ts = TOPICS[t]
            fill = _fill(rng, received.year)
            qp = rng.randrange(_Q)
            answers = rng.sample(range(_A), rng.randint(1, 3))
            question = render(QUESTION_PATTERNS[qp], tp, ts, fill)
            answer = " ".join(render(ANSWER_PATTERNS[a], tp, ts, fill) for a in answers)
            text = f"Question {q}: {question}\nAnswer: {answer}"
            corpus.units.append(
                Unit(
                    id=_unit_id(doc_id, "qa", str(q), text),
                    doc_id=doc_id,
                    doc_type=DocType.DECISION,
                    title=title,
                    text=text,
                    source_path=f"synthetic/decisions/{doc_id}.md",
                    reference=reference,
                    received=received,
                    decided=decided,
                    question_numbers=(str(q),),
                    question=question,
                    answer=answer,
                    extra={"outcome": outcome, "exemptions": [], "illustrative": True},
                )
            )
            corpus.parts.append([title_index(topic), pool_index(qp, t)] + [pool_index(_Q + a, t) for a in answers])
            corpus.question_parts.append(pool_index(qp, t))
    while len(corpus.units) < n_units:
        doc_no += 1
        topic = rng.randrange(len(TOPICS))
        phrase, title, service = TOPICS[topic]
        doc_id = f"policy-{doc_no}-{_slug(title)}"
        published = date(rng.randint(2016, 2025), rng.randint(1, 12), rng.randint(1, 28))
        for chunk in range(min(rng.randint(2, 8), n_units - len(corpus.units))):
            fill = _fill(rng, published.year)
            chosen = rng.sample(range(len(POLICY_PATTERNS)), rng.randint(3, 6))
            text = " ".join(render(POLICY_PATTERNS[p], phrase, service, fill) for p in chosen)
            heading = (f"{title} procedure", f"Section {chunk + 1}")
            corpus.units.append(
                Unit(
                    id=_unit_id(doc_id, "chunk", str(chunk), text),
                    doc_id=doc_id,
                    doc_type=DocType.POLICY,
                    title=f"{title} procedure",
                    text=text,
                    source_path=f"synthetic/policies/{doc_id}.md",
                    heading_path=heading,
                    extra={"published": published, "illustrative": True},
                )
            )
            corpus.parts.append([title_index(topic)] + [pool_index(_Q + _A + p, topic) for p in chosen])
            corpus.question_parts.append(None)
    return corpus


def queries(count: int, seed: int = 7) -> list[str]:
    """Officer-style questions on the corpus topics, worded as new requests (not copies of stored units)."""
    rng = random.Random(seed)
    openers = ("", "Under the Freedom of Information Act, ", "Could you tell me ", "I would like to know ", "Please confirm ")
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < count:
        phrase, _, service = TOPICS[rng.randrange(len(TOPICS))]
        text = render(QUESTION_PATTERNS[rng.randrange(_Q)], phrase, service, _fill(rng))
        opener = rng.choice(openers)
        query = opener + (text[0].lower() + text[1:] if opener else text)
        if query not in seen:
            seen.add(query)
            out.append(query)
    return out


def composed_vectors(corpus: SyntheticCorpus, embed: Callable[[list[str]], Sequence[Sequence[float]]]) -> "object":
    """Unit vectors as the normalised sum of their pool sentences' vectors (embeds only the pool)."""
    import numpy as np

    pool = np.asarray(embed(corpus.pool), dtype=np.float32)
    out = np.zeros((len(corpus.units), pool.shape[1]), dtype=np.float32)
    for row, parts in enumerate(corpus.parts):
        out[row] = pool[parts].sum(axis=0)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def question_vectors(corpus: SyntheticCorpus, pool_vectors: Sequence[Sequence[float]]) -> tuple[list[int], "object"]:
    """Positions of the units that hold a past question, and each question's own vector (its pool sentence's)."""
    import numpy as np

    pool = np.asarray(pool_vectors, dtype=np.float32)
    rows = [i for i, q in enumerate(corpus.question_parts) if q is not None]
    return rows, pool[[corpus.question_parts[i] for i in rows]]


def write_markdown(corpus: SyntheticCorpus, folder: Path) -> int:
    """Write the decision units as structured Markdown decisions (docs/formats.md); returns the file count."""
    folder.mkdir(parents=True, exist_ok=True)
    docs: dict[str, list] = {}
    for unit in corpus.units:
        if unit.doc_type.value == "decision":
            docs.setdefault(unit.doc_id, []).append(unit)
    for doc_id, units in docs.items():
        head = units[0]
        lines = [
            "---",
            f"title: {head.title}",
            f'reference: "{head.reference}"',
            f"received: {head.received.isoformat()}",
            f"decided: {head.decided.isoformat()}",
            f"outcome: {head.extra['outcome']}",
            "exemptions: []",
            "illustrative: true",
            "---",
            "",
            "## Request",
            "",
        ]
        for u in units:
            lines += [f"### {u.question_numbers[0]}", u.question, ""]
        lines += ["## Response", ""]
        for u in units:
            lines += [f"### {u.question_numbers[0]}", u.answer, ""]
        (folder / f"{doc_id}.md").write_text("\n".join(lines), encoding="utf-8")
    return len(docs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=5, help="How many units.")
    parser.add_argument("--seed", type=int, default=20250514)
    parser.add_argument("--out", type=Path, help="Write the decisions as Markdown files here instead of printing.")
    args = parser.parse_args()
    corpus = build(args.n, seed=args.seed)
    if args.out:
        print(f"{write_markdown(corpus, args.out)} decision files written to {args.out}")
        return
    print(f"pool: {len(corpus.pool)} distinct sentences; units: {len(corpus.units)}\n")
    for unit in corpus.units:
        print(f"[{unit.doc_type.value}] {unit.doc_id} — {unit.title}\n{unit.text}\n")


if __name__ == "__main__":
    main()
