"""Prompt files from prompts/: read once, so wording can change without touching code."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from assistant.settings import get_settings


@lru_cache(maxsize=32)
def _read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def prompt_text(name: str, prompts_dir: Path | None = None) -> str:
    folder = prompts_dir or get_settings().prompts_dir
    return _read(str(folder / name))
