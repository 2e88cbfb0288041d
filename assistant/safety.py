"""Requests and corpus passages are data, never instructions: spot and set aside text that tries to steer drafting."""
from __future__ import annotations

import re

from assistant.text import split_sentences

_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.?!\n]{0,40}\b(?:instructions?|prompts?|rules?|above|previous|prior|system)\b"
    r"|\byou\s+are\s+now\b|\bsystem\s+prompt\b|\bas\s+an?\s+(?:ai|language\s+model|assistant)\b"
    r"|\b(?:new|updated)\s+instructions?\s*:|\bdo\s+not\s+cite\b|\b(?:respond|reply|answer)\s+only\s+with\b"
    r"|<\s*/?\s*(?:system|assistant|instructions?)\s*>|\[\s*(?:system|inst)\s*\]",
    re.I,
)


def instruction_like(sentence: str) -> bool:
    return bool(_INSTRUCTION.search(sentence))


def without_instructions(text: str) -> tuple[str, list[str]]:
    """The text with instruction-like sentences removed, and the removed sentences (for a flag)."""
    kept_lines: list[str] = []
    removed: list[str] = []
    for line in text.split("\n"):
        sentences = split_sentences(line)
        bad = [s for s in sentences if instruction_like(s)]
        if not bad:
            kept_lines.append(line)
            continue
        removed.extend(bad)
        kept = " ".join(s for s in sentences if not instruction_like(s))
        if kept:
            kept_lines.append(kept)
    return "\n".join(kept_lines), removed
