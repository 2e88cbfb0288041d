"""What made drafting slow in the app, each checked for what it does (timings live in benchmarks/, not here):

- past questions were embedded again at every draft, although their vectors are stored in the index at ingest;
- every saved answer closed the last connection to the cases database, which checkpoints and deletes the WAL
  (two more syncs per answer);
- the app embedded with two torch threads that spun against the web server and the browser for two cores;
- the cards were redrawn mid-draft even when the last answers were due within a moment.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from assistant.cases import CaseStore
from assistant.models import Draft, Question, Status
from assistant.settings import Settings
from assistant.ui.app import serving_settings
from assistant.ui.draft_view import redraw_now

REPO_ROOT = Path(__file__).resolve().parent.parent


class _CountingModel:
    """The real embedding model, recording every text it is asked to embed."""

    def __init__(self, model) -> None:  # noqa: ANN001
        self.model, self.texts = model, []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.texts.extend(texts)
        return self.model.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        self.texts.append(text)
        return self.model.embed_query(text)


def test_drafting_uses_the_past_question_vectors_stored_at_ingest(foi_settings, corpus_index, corpus_drafter) -> None:
    from assistant.drafting import Drafter
    from assistant.index import Index

    index = Index(foi_settings)  # its own memo of vectors: nothing embedded by other tests
    real = index.embeddings.load()
    counting = _CountingModel(real)
    index.embeddings.load = lambda: counting  # type: ignore[method-assign]
    drafter = Drafter(foi_settings, index)
    question = Question("1", "How often does the multi-agency child exploitation (MACE) panel meet?")
    draft = drafter.draft_question(question, received=date(2025, 5, 14))

    asked = {p.unit.question for p in draft.passages if p.unit.question}
    assert asked, "the question should retrieve past decisions with their questions"
    assert not asked & set(counting.texts), "past questions were embedded again instead of read from the index"
    assert question.text in counting.texts or question.query_text in counting.texts  # the new question is embedded
    # The stored vectors are the model's own vectors of those questions. fp32 gives the same vector whatever else is
    # in the batch; the int8 model quantises activations per batch, so a text embedded among others at ingest
    # differs slightly from the same text embedded alone (still far closer than any two different questions).
    some = sorted(asked)[:3]
    stored = index.embeddings.embed_documents(some)
    fresh = real.embed_documents(some)
    same_vector = 0.9999 if foi_settings.embedding_backend == "torch" else 0.98  # 0.992 measured
    cosines = [float(np.dot(a, b)) for a, b in zip(stored, fresh)]
    assert min(cosines) > same_vector, cosines
    # And the draft is the one a drafter that embeds everything itself makes.
    same = corpus_drafter.draft_question(question, received=date(2025, 5, 14))
    assert draft.answer == same.answer and draft.status is same.status


def _draft(number: str, answer: str) -> Draft:
    return Draft(Question(number, f"Question {number}?"), answer, Status.PROVIDED, [], [], [], "extractive", [], "")


def test_saving_answers_keeps_the_wal_and_every_answer_is_committed(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "cases.sqlite3"
    store = CaseStore(path)
    case_id = store.create_case("1. One?\n2. Two?", reference="FOI 1", created_by="officer")
    store.save_drafts(case_id, [_draft("1", "First answer.")], "officer")
    wal = path.with_name(path.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0  # not checkpointed and deleted after the save
    store.save_drafts(case_id, [_draft("2", "Second answer.")], "officer")
    other = sqlite3.connect(path)  # another reader (process) sees both answers at once
    rows = other.execute("SELECT number, answer FROM drafts WHERE case_id = ? ORDER BY position", (case_id,)).fetchall()
    other.close()
    assert rows == [("1", "First answer."), ("2", "Second answer.")]
    store.release()
    assert not wal.exists() or wal.stat().st_size == 0  # the last connection checkpoints into the file
    assert [d.answer for d in CaseStore(path).get_case(case_id).drafts] == ["First answer.", "Second answer."]


def test_the_app_embeds_with_one_thread_unless_told_otherwise() -> None:
    assert serving_settings(Settings()).embedding_threads == 1
    assert serving_settings(Settings(embedding_threads=2)).embedding_threads == 2
    assert serving_settings(Settings(app_embedding_threads=0)).embedding_threads == 0


@pytest.mark.slow
def test_loading_the_model_with_one_thread_sets_torch_for_threads_started_later() -> None:
    code = textwrap.dedent(
        """
        import threading, torch
        from assistant.embeddings import LazyEmbeddings
        from assistant.settings import Settings
        s = Settings()
        e = LazyEmbeddings(s.embedding_model, "cpu", 32, threads=1)
        e.embed_query("How often does the panel meet?")
        seen = []
        t = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
        t.start(); t.join()
        print(torch.get_num_threads(), seen[0])
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, timeout=600, check=True)
    assert out.stdout.split()[-2:] == ["1", "1"]


def test_cards_are_not_redrawn_mid_draft_when_the_last_answers_are_due_at_once() -> None:
    # Too soon after the last redraw, or nothing drafted yet: wait.
    assert not redraw_now(done=3, total=10, seconds=1.0, since_drawn=1.0, every=2.0)
    assert not redraw_now(done=0, total=10, seconds=5.0, since_drawn=5.0, every=2.0)
    # A slow draft with much left: show what is there.
    assert redraw_now(done=2, total=10, seconds=4.0, since_drawn=4.0, every=2.0)
    # Nine of ten done in 2.7 s: the last is due in 0.3 s, so the final redraw will show it all.
    assert not redraw_now(done=9, total=10, seconds=2.7, since_drawn=2.7, every=2.0)
    # An LLM draft, two minutes a question: every answer is shown as it comes.
    assert redraw_now(done=9, total=10, seconds=1080.0, since_drawn=120.0, every=2.0)
