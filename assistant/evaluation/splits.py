"""The frozen dev/test split of the evaluation cases (`evals/splits.yaml`).

Rules and thresholds are tuned on `dev` only; the baseline and the CI gate use `test`. The split is made once per
case, when the case is written, by a stratified rule that needs no judgement: within each stratum (the case's
kind), cases are ordered by the SHA-256 of their id and alternate test, dev, test, ... An assignment, once in
the file, never changes; a new case is appended with the same rule applied to the batch it arrived in.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable, Mapping

import yaml

SPLITS = ("dev", "test")


class SplitError(ValueError):
    """The split file is missing, malformed, or does not cover a case."""


def case_hash(case_id: str) -> str:
    return hashlib.sha256(case_id.encode("utf-8")).hexdigest()


def assign(strata: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """{case id: split} for a batch of new cases grouped by stratum: hash order, alternating test then dev."""
    out: dict[str, str] = {}
    for ids in strata.values():
        for i, case_id in enumerate(sorted(ids, key=case_hash)):
            out[case_id] = "test" if i % 2 == 0 else "dev"
    return out


def load_splits(path: Path) -> dict[str, dict[str, str]]:
    """{case id: {"split": dev|test, "stratum": kind}} from the split file."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise SplitError(f"{path}: cannot be read ({exc})") from exc
    cases = data.get("cases") if isinstance(data, dict) else None
    if not isinstance(cases, dict):
        raise SplitError(f"{path}: no 'cases' mapping")
    out: dict[str, dict[str, str]] = {}
    for case_id, entry in cases.items():
        if not isinstance(entry, dict) or entry.get("split") not in SPLITS:
            raise SplitError(f"{path}: case '{case_id}' needs split: dev or test")
        out[str(case_id)] = {"split": str(entry["split"]), "stratum": str(entry.get("stratum", ""))}
    return out


def split_of(splits: Mapping[str, Mapping[str, str]], case_id: str) -> str:
    entry = splits.get(case_id)
    if entry is None:
        raise SplitError(f"case '{case_id}' is not in the split file: add it with its stratum before using it")
    return entry["split"]
