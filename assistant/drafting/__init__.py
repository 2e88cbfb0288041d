"""The drafting stage, one module per step, in pipeline order:

1. `periods`   — spans of time, as asked by a question or stated by evidence (pure);
2. `analysis`  — what a question asks: answer type, measure and qualifiers, period, breakdown (pure);
3. `evidence`  — sentences, list items and table rows of the retrieved passages, each with its period, scored
   for fit to the analysed question (pure);
4. `verdicts`  — answered / other_period / related / none per question and sub-part, and the status that follows;
5. `engines/`  — extractive (default, no model), llm, naive baseline: LangChain runnables;
6. `pipeline`  — `Drafter`: split, retrieve, draft, check, flag; what the CLI, app and evals call.

`Drafter` and `ChatAnswer` are loaded on first use so that ingest (which reads evidence periods) can import the
pure modules without pulling in the index.
"""
from __future__ import annotations

from typing import Any

__all__ = ["ChatAnswer", "Drafter"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from assistant.drafting import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'assistant.drafting' has no attribute {name!r}")
