"""kill -9 at random moments (seeded) of `foi ingest` and `foi ingest --rebuild`: the index left behind is always
whole (its own check passes), searchable, and exactly the corpus before or after the run, never a mix; the next
ingest completes from there.

Each run is a real process running the `foi` command; it signals when its imports and model are loaded, and is
killed a random time into the ingest itself (0 to 1.2 times an uninterrupted run), so most kills land while
embedding, copying, writing BM25 or swapping.
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.documents import load_paths
from assistant.index import Index

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS = REPO_ROOT / "corpus"
FILES = [
    CORPUS / "decisions" / "2021-1571785-uasc.md",
    CORPUS / "decisions" / "2019-66775-foster-carers-registered.md",
    CORPUS / "decisions" / "2025-13519457-adoption-disruptions.md",
    CORPUS / "policies" / "short-breaks.md",
]
EXTRA = CORPUS / "policies" / "iro-service.md"
RUNS = 20

WORKER = """
import sys
from assistant.index import Index
from assistant.settings import get_settings
Index(get_settings()).embeddings.embed_documents(["warm up"])
print("ready", flush=True)
from assistant.cli import app
app(sys.argv[1:], standalone_mode=False)
print("done", flush=True)
"""


def set_state(corpus: Path, state: str) -> None:
    """State A: four files. State B: one answer edited and a fifth file added."""
    for f in FILES:
        shutil.copy2(f, corpus / f.name)
    (corpus / EXTRA.name).unlink(missing_ok=True)
    if state == "B":
        target = corpus / FILES[1].name
        target.write_text(target.read_text(encoding="utf-8").replace("2014/15: 344", "2014/15: 345"), encoding="utf-8")
        shutil.copy2(EXTRA, corpus / EXTRA.name)


def launch(data: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "FOI_DATA_DIR": str(data), "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, "ingest", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )


def timed_run(data: Path, *args: str) -> float:
    proc = launch(data, *args)
    assert proc.stdout.readline().strip() == "ready"
    started = time.monotonic()
    assert proc.wait(timeout=600) == 0
    return time.monotonic() - started


@pytest.mark.slow
def test_kill_9_at_20_random_moments_of_ingest_and_rebuild(tmp_path, make_foi_settings, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    data = tmp_path / "data"
    settings = make_foi_settings(data)
    expected = {}
    for state in ("A", "B"):
        set_state(corpus, state)
        expected[state] = {u.id for u in load_paths([corpus], settings).units}
    assert expected["A"] != expected["B"]

    set_state(corpus, "A")
    durations = {"ingest": timed_run(data, str(corpus))}
    set_state(corpus, "B")
    durations["rebuild"] = timed_run(data, str(corpus), "--rebuild")
    checker = Index(settings)
    assert set(checker.units()) == expected["B"] and checker.check() == []

    rng = random.Random(20261129)
    results = []
    for run in range(RUNS):
        mode = "rebuild" if run % 2 else "ingest"
        state = "A" if (run // 2) % 2 == 0 else "B"
        set_state(corpus, state)
        args = [str(corpus)] + (["--rebuild"] if mode == "rebuild" else [])
        proc = launch(data, *args)
        assert proc.stdout.readline().strip() == "ready"
        delay = rng.uniform(0.0, 1.2 * durations[mode])
        time.sleep(delay)
        finished_first = proc.poll() is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)

        index = Index(settings)
        problems = index.check()
        ids = set(index.units())
        which = next((s for s, e in expected.items() if ids == e), None)
        hits = index.search("How many unaccompanied asylum-seeking children are in the council's care?", k=3)
        ok = problems == [] and which is not None and bool(hits) and hits[0].unit.doc_id == "2021-1571785-uasc"
        results.append(ok)
        with capsys.disabled():
            print(
                f"run {run + 1:2d} {mode:7s} killed at {delay:5.2f}s{' (had finished)' if finished_first else ''}: "
                f"index = state {which}, check {problems or 'ok'}, top hit {hits[0].unit.doc_id if hits else None}"
            )
        assert ok, f"run {run + 1}: problems={problems} state={which}"

    # The next uninterrupted ingest completes from whatever was left, and leftovers are cleared.
    set_state(corpus, "A")
    timed_run(data, str(corpus))
    final = Index(settings)
    assert set(final.units()) == expected["A"] and final.check() == []
    names = [c.name for c in final._client().list_collections()]
    assert len(names) <= 6, names  # the current and the previous generation only (passages, questions, answer items)
    with capsys.disabled():
        print(f"kill -9 battery: {len(results)} runs, {sum(results)} consistent and searchable")
    assert results == [True] * RUNS
