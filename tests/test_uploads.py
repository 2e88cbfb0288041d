"""Corpus uploads: kept in the data folder, refused without a corpus role or when they copy a published decision,
and a replacement killed at any moment leaves the file on disk and the index in agreement."""
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

from assistant.index import CorpusAccessDenied, Index
from assistant.settings import Settings, User
from assistant.uploads import add_files, recover, uploads_dir

REPO_ROOT = Path(__file__).resolve().parent.parent
CORPUS = REPO_ROOT / "corpus"
UASC = CORPUS / "decisions" / "2021-1571785-uasc.md"
SHORT_BREAKS = CORPUS / "policies" / "short-breaks.md"
POLICY_V1 = "# Neglect protocol\n\n## Purpose\nPractitioners in every agency use the Graded Care Profile 2 tool to assess neglect of children.\n"
POLICY_V2 = "# Neglect protocol\n\n## Purpose\nPractitioners now use the Neglect Screening Tool, replacing the Graded Care Profile 2 tool, from April.\n"


@pytest.fixture
def setup(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy2(UASC, corpus)
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=corpus, prompts_dir=REPO_ROOT / "prompts")
    index = Index(settings)
    index.ingest([corpus])
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    return index, corpus, incoming


def test_uploads_are_written_into_the_data_folder_not_the_corpus(setup):
    index, corpus, incoming = setup
    (incoming / "neglect-protocol.md").write_text(POLICY_V1, encoding="utf-8")
    before = sorted(p.name for p in corpus.rglob("*"))
    result = add_files(index, [incoming / "neglect-protocol.md"], user="ann")
    assert [p.name for p in result.added] == ["neglect-protocol.md"]
    assert sorted(p.name for p in corpus.rglob("*")) == before
    saved = uploads_dir(index.settings) / "neglect-protocol.md"
    assert saved.read_text(encoding="utf-8") == POLICY_V1 and saved.parent.parent == index.settings.data_dir.resolve()
    assert {d["doc_id"]: d["added_by"] for d in index.documents()}["neglect-protocol"] == "ann"


def test_uploads_need_a_corpus_role_and_nothing_is_written_without_one(setup):
    index, _, incoming = setup
    index.settings = index.settings.model_copy(
        update={"users": [User(username="amy", password="a", role="officer"), User(username="ann", password="n", role="admin")]}
    )
    (incoming / "neglect-protocol.md").write_text(POLICY_V1, encoding="utf-8")
    with pytest.raises(CorpusAccessDenied, match="amy \\(officer\\) cannot change the corpus"):
        add_files(index, [incoming / "neglect-protocol.md"], user="amy")
    assert not uploads_dir(index.settings).exists() or not any(uploads_dir(index.settings).iterdir())
    assert add_files(index, [incoming / "neglect-protocol.md"], user="ann").added


def test_an_upload_copying_a_published_decision_is_refused_and_removed(setup):
    index, _, incoming = setup
    fake = incoming / UASC.name
    fake.write_text(UASC.read_text(encoding="utf-8").split("## Response")[0] + "## Response\n\n### 1\nThe council has never looked after any UASC.\n")
    result = add_files(index, [fake], user="ann")
    assert result.added == [] and "already used by" in result.report.failures[0].reason
    assert not (uploads_dir(index.settings) / UASC.name).exists()
    assert not any("never looked after" in u.text for u in index.units().values())


WORKER = """
import sys, time
from pathlib import Path
from assistant.index import Index
from assistant.settings import Settings
from assistant.uploads import add_files
settings = Settings(data_dir=Path(sys.argv[1]), corpus_dir=Path(sys.argv[2]))
index = Index(settings)
index.embeddings.embed_documents(["warm up"])
index.count()
print("ready", flush=True)
add_files(index, [Path(sys.argv[3])], user="ann")
print("done", flush=True)
"""


def consistent(index: Index) -> tuple[bool, str]:
    """Folder and index agree: re-reading the uploads changes nothing, and the index passes its own check."""
    fresh = Index(index.settings)
    report = fresh.ingest([uploads_dir(index.settings)])
    text = (uploads_dir(index.settings) / "neglect-protocol.md").read_text(encoding="utf-8")
    indexed = [u.text for u in fresh.units().values() if u.doc_id == "neglect-protocol"]
    ok = (report.added, report.updated, report.removed) == (0, 0, 0) and fresh.check() == [] and indexed
    ok = ok and all(line in text for t in indexed for line in [t.split("\n")[-1][:40]])
    return bool(ok), f"{report.summary()} check={fresh.check()}"


@pytest.mark.slow
def test_kill_9_during_a_replacement_upload_leaves_file_and_index_in_agreement(setup, tmp_path):
    index, corpus, incoming = setup
    (incoming / "neglect-protocol.md").write_text(POLICY_V1, encoding="utf-8")
    add_files(index, [incoming / "neglect-protocol.md"], user="ann")
    replacement = tmp_path / "v2" / "neglect-protocol.md"
    replacement.parent.mkdir()
    rng = random.Random(14)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    outcomes = []
    for round_ in range(4):
        replacement.write_text(POLICY_V2 if round_ % 2 == 0 else POLICY_V1, encoding="utf-8")
        proc = subprocess.Popen(
            [sys.executable, "-c", WORKER, str(index.settings.data_dir), str(corpus), str(replacement)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        recover(Index(index.settings))
        ok, detail = consistent(index)
        outcomes.append(ok)
        assert ok, f"round {round_}: {detail}"
    assert outcomes == [True] * 4
