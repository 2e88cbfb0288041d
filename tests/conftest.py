"""Shared fixtures: settings under a temporary data folder and one real index of the repository's corpus.

The corpus index uses real Chroma and the real embedding model, and is built once per test session (it takes
tens of seconds); tests that change an index build their own small one instead of touching this one.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

import pytest

# Nothing may be fetched from a model hub: the embedding model ships inside a Python package.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# The int8 embedding export is built once per machine for the tests, not once per temporary data folder.
os.environ.setdefault("FOI_EMBEDDING_CACHE_DIR", os.path.join(tempfile.gettempdir(), "foi-test-models"))

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = REPO_ROOT / "corpus"
SEED_DOC_ID = "2025-12409004-child-exploitation"
SEED_PATH = CORPUS_DIR / "decisions" / f"{SEED_DOC_ID}.txt"
# Starting a server on loopback and waiting until it answers is shared with the benchmarks (`_common.loopback_server`).
sys.path.insert(0, str(REPO_ROOT / "benchmarks"))


@pytest.fixture(scope="session")
def make_foi_settings() -> Callable[..., Any]:
    """Build Settings for a given data folder; keyword arguments override any other field."""
    from assistant.settings import Settings

    def build(data_dir: Path, **overrides: Any) -> Settings:
        fields = {"corpus_dir": CORPUS_DIR, "prompts_dir": REPO_ROOT / "prompts", **overrides}
        return Settings(data_dir=Path(data_dir), **fields)

    return build


@pytest.fixture(scope="session")
def foi_settings(tmp_path_factory, make_foi_settings):
    """Settings whose data folder (Chroma, BM25, models) is a fresh temporary directory for the session."""
    return make_foi_settings(tmp_path_factory.mktemp("foi-data"))


@pytest.fixture(scope="session")
def corpus_ingest(foi_settings):
    """(Index, IngestReport) for the whole repository corpus, ingested once for the session."""
    from assistant.index import Index

    index = Index(foi_settings)
    report = index.ingest([foi_settings.corpus_dir])
    return index, report


@pytest.fixture(scope="session")
def corpus_index(corpus_ingest):
    """The real index over the repository's corpus (read-only: do not ingest into it)."""
    return corpus_ingest[0]


@pytest.fixture(scope="session")
def corpus_drafter(foi_settings, corpus_index):
    """A Drafter over the session corpus index, with the default (extractive) engine."""
    from assistant.drafting import Drafter

    return Drafter(foi_settings, corpus_index)


@pytest.fixture(scope="session")
def seed_request_text() -> str:
    """The request of the seed decision page: the text between '- Request\\n-\\n' and ' - Decision'."""
    page = SEED_PATH.read_text(encoding="utf-8")
    return page.split("- Request\n-\n", 1)[1].split(" - Decision", 1)[0]


@pytest.fixture
def foi_cli(monkeypatch):
    """Run the `foi` command in-process with FOI_DATA_DIR (and any FOI_* variables) set for that call.

    Returns run(data_dir, *args, **env) -> click Result. In-process runs reuse the loaded embedding model.
    """
    from typer.testing import CliRunner

    from assistant.cli import app
    from assistant.settings import get_settings

    runner = CliRunner()

    def run(data_dir: Path, *args: Any, stdin: bytes | str | None = None, **env: str):
        monkeypatch.setenv("FOI_DATA_DIR", str(data_dir))
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        try:
            return runner.invoke(app, [str(a) for a in args], input=stdin)
        finally:
            get_settings.cache_clear()

    yield run
    get_settings.cache_clear()
