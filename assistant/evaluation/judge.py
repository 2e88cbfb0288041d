"""Who decides whether cited passages support a sentence, and how far that decision can be trusted.

The default judge is the drafting check itself (`assistant.citations.check_sentence`, with the embedding
similarity the drafter adds), so the evaluation scores drafts by the rule the product applies. Because a judge
that grades its own rule could be wrong in the same way twice, `calibrate` compares it with hand labels in
`evals/judge_labels.jsonl` and sweeps its threshold.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol, Sequence

from assistant.citations import check_sentence, quotable, strip_markers
from assistant.models import DocType, Passage, Unit
from assistant.text import split_sentences

Embed = Callable[[list[str]], list[list[float]]]
SWEEP = tuple(round(0.3 + 0.05 * i, 2) for i in range(11))  # 0.30 … 0.80


class Judge(Protocol):
    name: str

    def __call__(self, sentence: str, passages: Sequence[Passage]) -> bool: ...


class CheckerJudge:
    """The offline checker: figures, names, dates, held/not-held and wording overlap (or embedding similarity)."""

    def __init__(self, threshold: float, embed: Embed | None = None) -> None:
        self.threshold = threshold
        self.embed = embed
        self.name = f"offline-checker (threshold {threshold:.2f}{', embeddings' if embed else ', lexical only'})"
        self._cache: dict[tuple[str, tuple[str, ...]], bool] = {}

    def similarity(self, sentence: str, passages: Sequence[Passage]) -> float | None:
        """Best cosine similarity of the sentence to one sentence of the cited passages, as the drafter computes it."""
        if self.embed is None or not passages:
            return None
        candidates = [c for p in passages for c in split_sentences(quotable(p))]
        if not candidates:
            return None
        vectors = self.embed([strip_markers(sentence), *candidates])
        first = vectors[0]
        return max(sum(a * b for a, b in zip(first, v)) for v in vectors[1:])

    def check(self, sentence: str, passages: Sequence[Passage], threshold: float | None = None) -> bool:
        t = self.threshold if threshold is None else threshold
        plain = strip_markers(sentence)
        lexical = check_sentence(plain, passages, threshold=t)
        if lexical.supported or lexical.boilerplate or not passages:
            return lexical.supported
        # Only a sentence failing on wording alone can be rescued by similarity; other reasons stand.
        only_overlap = all(r.startswith("too little overlap") for r in lexical.reasons)
        if not only_overlap or self.embed is None:
            return False
        return check_sentence(plain, passages, threshold=t, similarity=self.similarity(plain, passages)).supported

    def __call__(self, sentence: str, passages: Sequence[Passage]) -> bool:
        key = (strip_markers(sentence), tuple(p.unit.id for p in passages))
        if key not in self._cache:
            self._cache[key] = self.check(sentence, passages)
        return self._cache[key]


_YES = re.compile(r"^\W*(yes|supported|true)\b", re.I)
_JUDGE_PROMPT = (
    "You check an FOI reply against its sources. Answer with one word, yes or no.\n"
    "Answer yes only if the sources state everything the sentence says: every figure, date, name and whether "
    "information is held or not held.\n\nSources:\n{sources}\n\nSentence: {sentence}\n\nSupported?"
)


class LLMJudge:
    """A LangChain chat model asked yes/no per sentence; slower, and only as good as the model."""

    def __init__(self, chat_model: Any, name: str = "llm") -> None:
        self.model = chat_model
        self.name = f"llm-judge ({name})"
        self._cache: dict[tuple[str, tuple[str, ...]], bool] = {}

    def __call__(self, sentence: str, passages: Sequence[Passage]) -> bool:
        if not passages:
            return False
        key = (strip_markers(sentence), tuple(p.unit.id for p in passages))
        if key not in self._cache:
            sources = "\n\n".join(f"[{i}] {p.unit.text}" for i, p in enumerate(passages, start=1))
            reply = self.model.invoke(_JUDGE_PROMPT.format(sources=sources, sentence=key[0]))
            self._cache[key] = bool(_YES.match(str(getattr(reply, "content", reply))))
        return self._cache[key]


# -- hand labels and calibration ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Label:
    sentence: str
    passage: str
    supported: bool
    source: str = ""
    note: str = ""


def load_labels(path: Path) -> list[Label]:
    labels = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            labels.append(
                Label(str(row["sentence"]), str(row["passage"]), bool(row["supported"]), str(row.get("source", "")), str(row.get("note", "")))
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: not a label row ({exc})") from exc
    return labels


def passage_from_text(text: str, uid: str = "label") -> Passage:
    """A stand-alone passage for a labelled pair; a past decision's 'Question …\\nAnswer: …' keeps its answer part."""
    answer = ""
    doc_type = DocType.POLICY
    if text.startswith("Question") and "\nAnswer: " in text:
        answer = text.split("\nAnswer: ", 1)[1]
        doc_type = DocType.DECISION
    unit = Unit(id=uid, doc_id=uid, doc_type=doc_type, title="", text=text, source_path="", answer=answer)
    return Passage(unit=unit, score=1.0, rank=1)


def agreement(truth: Sequence[bool], predicted: Sequence[bool]) -> dict[str, Any]:
    """Accuracy, precision/recall/F1 for 'unsupported' (the class the check exists to catch) and Cohen's kappa."""
    from sklearn.metrics import accuracy_score, cohen_kappa_score, precision_recall_fscore_support

    y_true = [not t for t in truth]  # True = unsupported
    y_pred = [not p for p in predicted]
    precision, recall, f1, _ = precision_recall_fscore_support(
        y_true, y_pred, average="binary", pos_label=True, zero_division=0
    )
    kappa = cohen_kappa_score(y_true, y_pred) if len(set(y_true) | set(y_pred)) > 1 else 0.0
    return {
        "n": len(truth),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "unsupported_precision": float(precision),
        "unsupported_recall": float(recall),
        "unsupported_f1": float(f1),
        "kappa": float(kappa),
        "false_supported": sum(1 for t, p in zip(truth, predicted) if p and not t),
        "false_unsupported": sum(1 for t, p in zip(truth, predicted) if t and not p),
    }


def calibrate(
    labels: Sequence[Label],
    judge: CheckerJudge,
    *,
    thresholds: Iterable[float] = SWEEP,
) -> dict[str, Any]:
    """The checker against the hand labels at its own threshold, and a sweep showing which threshold fits best."""
    passages = [passage_from_text(lab.passage, f"label-{i}") for i, lab in enumerate(labels)]
    truth = [lab.supported for lab in labels]
    sims = [judge.similarity(lab.sentence, [p]) for lab, p in zip(labels, passages)]

    def predict(t: float) -> list[bool]:
        # Passing the similarity always is equivalent to the drafter's 'only when wording falls short'.
        return [
            check_sentence(strip_markers(lab.sentence), [p], threshold=t, similarity=s).supported
            for lab, p, s in zip(labels, passages, sims)
        ]

    current = predict(judge.threshold)
    sweep = [{"threshold": t, **agreement(truth, predict(t))} for t in thresholds]
    best = max(sweep, key=lambda row: (round(row["kappa"], 6), -abs(row["threshold"] - judge.threshold)))
    by_source: dict[str, dict[str, Any]] = {}
    for source in sorted({lab.source for lab in labels}):
        idx = [i for i, lab in enumerate(labels) if lab.source == source]
        by_source[source] = {
            "n": len(idx),
            "supported_share": sum(truth[i] for i in idx) / len(idx),
            "accuracy": sum(truth[i] == current[i] for i in idx) / len(idx),
        }
    disagreements = [
        {"sentence": lab.sentence, "passage": lab.passage[:300], "label": lab.supported, "checker": c, "source": lab.source, "note": lab.note}
        for lab, c in zip(labels, current)
        if lab.supported != c
    ]
    return {
        "judge": judge.name,
        "labels": len(labels),
        "supported_labels": sum(truth),
        "threshold": judge.threshold,
        "at_threshold": agreement(truth, current),
        "sweep": sweep,
        "best_threshold": best["threshold"],
        "best_kappa": best["kappa"],
        "by_source": by_source,
        "disagreements": disagreements,
    }
