"""Request splitting speed: 200 numbered questions (the issue's goal: well under 100 ms), and the real requests.

Prints a Markdown table: median and worst of repeated runs of `parse_request` (the full split: numbering, scope
and fallback lines, left-out asks) on a 200-question request, and per request over evals/real_requests.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.evaluation.real_requests import load_real_requests  # noqa: E402
from assistant.requests import parse_request  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def two_hundred() -> str:
    lines = [f"{n}. How many widgets were bought in month {n} of the last 12 months, at what cost?" for n in range(1, 201)]
    return "Dear FOI team,\n\nFor each of the last three financial years:\n" + "\n".join(lines) + "\n\nKind regards\nBob"


def timed(text: str, runs: int) -> list[float]:
    parse_request(text)  # warm-up: regex compilation
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        parse_request(text)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    big = timed(two_hundred(), 30)
    real = load_real_requests(REPO / "evals" / "real_requests")
    per_request = [statistics.median(timed(r.request, 5)) for r in real]
    print("| what | runs | median ms | worst ms |")
    print("|---|---|---|---|")
    print(f"| 200 numbered questions (+ scope line) | {len(big)} | {statistics.median(big):.1f} | {max(big):.1f} |")
    if per_request:
        print(
            f"| real requests ({len(real)}), median per request | {len(real)} × 5 | "
            f"{statistics.median(per_request):.1f} | {max(per_request):.1f} |"
        )


if __name__ == "__main__":
    main()
