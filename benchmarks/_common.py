"""Helpers shared by the benchmark scripts: throw-away data folders, timing summaries, memory and machine facts.

Every benchmark works in a temporary data folder so the project's own `./data` index is never touched.
"""
from __future__ import annotations

import math
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Sequence

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "corpus"
PYTHON = sys.executable
SEED_PAGE = CORPUS / "decisions" / "2025-12409004-child-exploitation.txt"
SEED_DOC_ID = "2025-12409004-child-exploitation"


@contextmanager
def temp_data_dir(prefix: str = "foi-bench-") -> Iterator[Path]:
    """A data folder that disappears afterwards (FOI_BENCH_KEEP=1 keeps it for inspection)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        if os.environ.get("FOI_BENCH_KEEP") != "1":
            shutil.rmtree(path, ignore_errors=True)


def settings_for(data_dir: Path, **overrides: object):  # noqa: ANN201 - avoids importing settings at module load
    from assistant.settings import Settings

    return Settings(data_dir=data_dir, **overrides)


def seed_request() -> str:
    """The seed request: the text of the disclosure-log page between '- Request' and '- Decision'."""
    page = SEED_PAGE.read_text(encoding="utf-8")
    return page.split("- Request\n-\n", 1)[1].split(" - Decision", 1)[0].strip()


def corpus_snapshot(into: Path) -> Path:
    """A private copy of the demo corpus, so edits made to ./corpus during a run cannot change the figures."""
    target = into / "corpus"
    shutil.copytree(CORPUS, target)
    return target


def free_port() -> int:
    """A TCP port nobody listens on right now, on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers_http(url: str, timeout: float = 2.0) -> bool:
    """True when `url` answers with a status below 500 (a 401 or 404 still means the server is up)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout):
            return True
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except OSError:
        return False


@contextmanager
def loopback_server(
    cmd: Sequence[str],
    ready: str | Callable[[], bool],
    log: Path,
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 300,
    stop_timeout: float = 20,
) -> Iterator[subprocess.Popen]:
    """Start a server process (output to `log`, never a pipe that could fill and stall it), wait until it answers,
    yield it, and stop it afterwards (terminate, then kill).

    `ready` is a URL (up once it answers HTTP below 500) or a function returning True once the server is up.
    Raises RuntimeError with the end of the log when the process exits first or does not answer in `timeout` s.
    """
    probe = (lambda: answers_http(ready)) if isinstance(ready, str) else ready
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            list(cmd), stdout=out, stderr=subprocess.STDOUT, cwd=cwd, env={**os.environ, **(env or {})} if env else None
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{cmd[0]} exited with {proc.returncode}: {tail(log)}")
                try:
                    if probe():
                        break
                except Exception:  # noqa: BLE001 - not up yet, whatever the client library raises
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{cmd[0]} did not answer within {timeout:.0f} s: {tail(log)}")
                time.sleep(0.3)
            yield proc
        finally:
            stop(proc, stop_timeout)


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    """Terminate a process we started (SIGTERM: a clean stop), killing it if it does not stop in time."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@contextmanager
def app_server(data_dir: Path, log: Path, users: Sequence[dict] = (), timeout: float = 300, **env: str) -> Iterator[str]:
    """`foi serve` on a free loopback port over `data_dir` (users: dicts with username, password_hash, role);
    yields its base URL once the API answers, and stops it afterwards."""
    import json

    port = free_port()
    variables = {"FOI_DATA_DIR": str(data_dir), "FOI_HOST": "127.0.0.1", "FOI_PORT": str(port),
                 "FOI_USERS": json.dumps(list(users)), "PYTHONPATH": str(REPO), **env}
    base = f"http://127.0.0.1:{port}"
    cmd = [PYTHON, "-m", "assistant.cli", "serve"]
    with loopback_server(cmd, f"{base}/api/me", log, env=variables, cwd=REPO, timeout=timeout):
        yield base


def tail(log: Path, chars: int = 2000) -> str:
    try:
        return log.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100): the value a reader can find in the raw timings."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50": percentile(ms, 50),
        "p95": percentile(ms, 95),
        "mean": statistics.fmean(ms),
        "max": max(ms),
    }


def peak_rss_mb() -> float:
    """High-water resident memory of this process (Linux reports ru_maxrss in KiB).

    A child started with fork+exec inherits its parent's ru_maxrss, so child processes report VmHWM instead.
    """
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def proc_status_mb(pid: int, field: str) -> float:
    """VmRSS / VmHWM of another process from /proc, in MiB; 0 when it has gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def apply_torch_threads(threads: int | None) -> None:
    """Pin torch's intra-op threads (and those of child processes). On a busy machine two OpenMP threads fighting
    other processes for two cores make latency spiky; one thread gives the steadier figure."""
    if not threads:
        return
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)
    import torch

    torch.set_num_threads(threads)


def forget_vectors(index: object) -> None:
    """Empty the index's memo of text vectors, so the next query or passage is embedded as if new."""
    cache = getattr(getattr(index, "embeddings", None), "_cache", None)
    if cache is None:
        raise RuntimeError("the index keeps no vector memo where expected (embeddings._cache); update the benchmark")
    cache.clear()


class Timer:
    def __enter__(self) -> "Timer":
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain Markdown table, readable in a terminal and pasteable into the README."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
        return str(value)

    body = [[cell(v) for v in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in body)) if body else len(str(h)) for i, h in enumerate(headers)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    out = [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out.extend(line(r) for r in body)
    return "\n".join(out)


def machine() -> dict[str, str]:
    """The facts a reader needs to compare figures: cores, memory, CPU, Python, torch, date."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = next(int(l.split()[1]) for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal"))
        mem = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        mem = "?"
    try:
        import torch

        torch_version = f"{torch.__version__} ({torch.get_num_threads()} threads)"
    except Exception:  # pragma: no cover
        torch_version = "not installed"
    return {
        "cores (nproc)": str(os.cpu_count()),
        "memory": mem,
        "cpu": cpu or platform.processor(),
        "python": platform.python_version(),
        "torch": torch_version,
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "load average (1/5/15 min)": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def print_machine() -> None:
    print(table(["machine", "value"], list(machine().items())))
    print()


def run_python(code: str, env: dict[str, str] | None = None, timeout: float = 900) -> tuple[float, str]:
    """Run a snippet in a fresh interpreter; returns wall seconds and its stdout (raises on failure)."""
    started = time.perf_counter()
    done = subprocess.run(
        [PYTHON, "-c", code],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"child process failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, done.stdout


def finish_direct_build(index: object, backend: str | None = None, *, save: bool = True) -> float:
    """After units were written straight into an index's collections (composed vectors, no ingest): record the
    index state as ingest does (with the embedding backend the vectors stand for), then build and save BM25 from the
    collection. Returns the BM25 seconds."""
    import json

    from assistant.index import KeywordIndex

    state = {**index._legacy_state(), "embedding_backend": backend or index.settings.embedding_backend}  # type: ignore[attr-defined]
    index.state_path.parent.mkdir(parents=True, exist_ok=True)  # type: ignore[attr-defined]
    index.state_path.write_text(json.dumps(state), encoding="utf-8")  # type: ignore[attr-defined]
    index._state = None  # type: ignore[attr-defined]
    index._forget()  # type: ignore[attr-defined]
    started = time.perf_counter()
    keyword: KeywordIndex = index.keyword()  # type: ignore[attr-defined]
    if save:
        keyword.save(keyword_dir(index))
    return time.perf_counter() - started


def keyword_dir(index: object) -> Path:
    return index._bm25_dir(index.state())  # type: ignore[attr-defined]
