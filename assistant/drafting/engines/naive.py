"""The baseline a plain RAG tutorial builds: the whole request as one query, the top-k chunks, no splitting and
no checks. It exists so the evaluation report shows what each part of the real design adds.
"""
from __future__ import annotations

from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda

from assistant.drafting.engines import EngineInput, EngineOutput
from assistant.drafting.engines.llm import format_sources
from assistant.models import Status
from assistant.text import split_sentences


def naive_engine(model: Any | None = None, sentences_per_chunk: int = 2) -> Runnable:
    """With a chat model: stuff the chunks into one prompt. Without: paste the leading sentences of each chunk."""

    def run(inp: EngineInput) -> EngineOutput:
        if model is not None:
            prompt = (
                "Answer the FOI request using these sources, citing [n].\n\n"
                f"{format_sources(inp.passages)}\n\nRequest:\n{inp.question.full_text}"
            )
            return EngineOutput(answer=str(model.invoke(prompt).content), status=Status.PROVIDED)
        lines = []
        for i, p in enumerate(inp.passages, start=1):
            body = p.unit.answer or p.unit.text
            lead = " ".join(split_sentences(body)[:sentences_per_chunk])
            if lead:
                lines.append(f"{lead} [{i}]")
        return EngineOutput(answer="\n".join(lines), status=Status.PROVIDED, reason="Naive baseline: top chunks pasted.")

    return RunnableLambda(run, name="naive")
