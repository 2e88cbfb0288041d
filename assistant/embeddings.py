"""Text embeddings for the index: the all-MiniLM-L6-v2 weights run by torch (fp32) or by ONNX Runtime (int8).

`torch` runs the packaged weights through sentence-transformers. `onnx-int8` exports the same weights to ONNX and
quantises them dynamically to int8 on this machine (torch.onnx + onnxruntime.quantization), once, into a cache
folder under the data dir; later processes load the cached file. Nothing is downloaded. The two backends give
slightly different vectors (cosine ≥ 0.98 on the demo corpus), so an index records the backend that built it and
is rebuilt when the setting changes.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Sequence

from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)

BACKENDS = ("torch", "onnx-int8")
EXPORT_FORMAT = 1  # bump when the export recipe changes, so cached exports are rebuilt
_MODEL_FILE = "model_int8.onnx"
_MARKER = "export.json"
_TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
    "config.json",
    "sentence_bert_config.json",
)


class EmbeddingExportError(RuntimeError):
    """The int8 model could not be built; the message says why and how to carry on."""


def _weights_file(model_dir: Path) -> Path | None:
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (model_dir / name).is_file():
            return model_dir / name
    return None


def export_key(model: str) -> str:
    """Identifies the source weights: a re-installed or different model gets a fresh export."""
    path = Path(model)
    weights = _weights_file(path) if path.is_dir() else None
    stat = weights.stat() if weights else None
    raw = f"{path.resolve() if path.exists() else model}|{stat.st_size if stat else ''}|{stat.st_mtime_ns if stat else ''}|{EXPORT_FORMAT}"
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


def export_dir(model: str, cache_dir: Path) -> Path:
    name = Path(model).name if Path(model).name not in ("", "model") else Path(model).parent.name
    return Path(cache_dir) / f"{name or 'model'}-{export_key(model)}-onnx-int8"


def is_exported(folder: Path) -> bool:
    marker = folder / _MARKER
    if not (marker.is_file() and (folder / _MODEL_FILE).is_file()):
        return False
    try:
        return json.loads(marker.read_text()).get("format") == EXPORT_FORMAT
    except (OSError, ValueError):
        return False


@contextmanager
def _lock(folder: Path) -> Iterator[None]:
    """Two processes starting at once (app and `foi ingest`) build the export once, not twice into one folder."""
    import fcntl

    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_int8_export(model: str, cache_dir: Path) -> Path:
    """The folder of the int8 ONNX model for `model`, exporting and quantising it first when it is missing."""
    target = export_dir(model, cache_dir)
    if is_exported(target):
        return target
    with _lock(target):
        if is_exported(target):
            return target
        source = Path(model)
        if not source.is_dir() or _weights_file(source) is None:
            raise EmbeddingExportError(
                f"the int8 embedding backend needs the model's weights on disk, and {model} is not a model folder; "
                "set FOI_EMBEDDING_MODEL to a local sentence-transformers folder or FOI_EMBEDDING_BACKEND=torch"
            )
        started = time.perf_counter()
        log.warning("Building the int8 embedding model once into %s (a few seconds)", target)
        tmp = target.with_name(target.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        try:
            _export(source, tmp)
        except Exception as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise EmbeddingExportError(
                f"could not build the int8 embedding model from {model}: {type(exc).__name__}: {exc}. "
                "Set FOI_EMBEDDING_BACKEND=torch to use the original weights."
            ) from exc
        (tmp / _MARKER).write_text(
            json.dumps(
                {
                    "format": EXPORT_FORMAT,
                    "source": str(source.resolve()),
                    "key": export_key(model),
                    "seconds": round(time.perf_counter() - started, 2),
                    "quantisation": "onnxruntime quantize_dynamic, QInt8 weights, per channel",
                },
                indent=2,
            )
        )
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
        return target


def _export(source: Path, folder: Path) -> None:
    """torch → ONNX (fp32, dynamic batch and length) → int8 weights; the fp32 file is dropped afterwards."""
    import warnings

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(source))
    model = AutoModel.from_pretrained(str(source)).eval()

    class Encoder(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    sample = tokenizer(["An example request.", "A second, longer example of a request text."], padding=True, return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    fp32 = folder / "model_fp32.onnx"
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Encoder(model),
            tuple(sample[n] for n in names),
            str(fp32),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names + ["last_hidden_state"]},
            opset_version=17,
            dynamo=False,
        )
    quantize_dynamic(str(fp32), str(folder / _MODEL_FILE), weight_type=QuantType.QInt8, per_channel=True)
    fp32.unlink()
    for name in _TOKENIZER_FILES:
        if (source / name).is_file():
            shutil.copy2(source / name, folder / name)


class OnnxInt8Embeddings(Embeddings):
    """Mean-pooled, L2-normalised MiniLM vectors from the int8 ONNX model (what sentence-transformers computes)."""

    def __init__(self, folder: Path, batch_size: int = 32, threads: int = 0) -> None:
        import onnxruntime as ort
        from transformers import AutoTokenizer

        self.folder = folder
        self.batch_size = batch_size
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        try:
            self.max_length = int(json.loads((folder / "sentence_bert_config.json").read_text())["max_seq_length"])
        except (OSError, ValueError, KeyError):
            self.max_length = 256
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(folder / _MODEL_FILE), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}

    def _encode(self, texts: Sequence[str]) -> Any:
        import numpy as np

        batch = self.tokenizer(
            list(texts), padding=True, truncation=True, max_length=self.max_length, return_tensors="np"
        )
        feeds = {k: np.asarray(v, dtype=np.int64) for k, v in batch.items() if k in self._inputs}
        hidden = self.session.run(None, feeds)[0]
        mask = feeds["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Texts are batched by length (as sentence-transformers does), so short texts are not padded to long ones."""
        if not texts:
            return []
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out: list[list[float]] = [[] for _ in texts]
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            for row, vector in zip(rows, self._encode([texts[i] for i in rows])):
                out[row] = vector.tolist()
        return out

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def set_torch_threads(threads: int) -> None:
    """torch's intra-op threads for this process. A thread keeps the count it had at its first torch operation,
    so this is set when the model is loaded, before anything runs on it."""
    import torch

    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


@lru_cache(maxsize=4)
def embeddings_for(
    model: str, device: str = "cpu", batch_size: int = 32, backend: str = "torch", cache_dir: str = "", threads: int = 0
) -> Embeddings:
    """One embedding model per process and backend: loading it costs seconds, so it is shared."""
    if backend == "onnx-int8":
        folder = ensure_int8_export(model, Path(cache_dir or "data/models"))
        return OnnxInt8Embeddings(folder, batch_size=batch_size, threads=threads)
    if backend != "torch":
        raise ValueError(f"unknown embedding backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if threads > 0:
        set_torch_threads(threads)
    from langchain_huggingface import HuggingFaceEmbeddings
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    return HuggingFaceEmbeddings(
        model_name=model,
        model_kwargs={"device": device},
        encode_kwargs={"normalize_embeddings": True, "batch_size": batch_size},
    )


class LazyEmbeddings(Embeddings):
    """Loads the model on first use, so commands that need no vectors (stats, unchanged re-ingest) stay fast.

    Vectors of short texts (questions, sentences) are memoised: drafting embeds the same passage sentences
    again and again, and a re-drafted question should cost nothing.
    """

    def __init__(
        self,
        model: str,
        device: str,
        batch_size: int,
        cache_size: int = 50_000,
        *,
        backend: str = "torch",
        cache_dir: Path | str = "",
        threads: int = 0,
    ) -> None:
        self.backend = backend
        self._args = (model, device, batch_size, backend, str(cache_dir), threads)
        self._cache: dict[str, list[float]] = {}
        self._cache_size = cache_size

    def load(self) -> Embeddings:
        """The underlying model (building the int8 export first when it is missing)."""
        return embeddings_for(*self._args)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            vectors = self.load().embed_documents(missing)
            if len(self._cache) + len(missing) > self._cache_size:
                self._cache.clear()
            self._cache.update(zip(missing, vectors))
        return [self._cache[t] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    def remember(self, texts: Sequence[str], vectors: Sequence[Sequence[float]]) -> None:
        """Vectors already computed for these texts (stored in the index at ingest), so they are not embedded again."""
        if len(self._cache) + len(texts) > self._cache_size:
            self._cache.clear()
        self._cache.update((t, list(v)) for t, v in zip(texts, vectors))

    def known(self, text: str) -> bool:
        return text in self._cache

    def embed_uncached(self, texts: list[str]) -> list[list[float]]:
        """For bulk ingest: corpus units are embedded once and stored in Chroma, not memoised."""
        return self.load().embed_documents(texts)


def embeddings_from_settings(settings: Any) -> LazyEmbeddings:
    """The index's embeddings as the settings choose them (model, backend, batch size, threads, export cache)."""
    return LazyEmbeddings(
        settings.embedding_model,
        settings.embedding_device,
        settings.embedding_batch_size,
        backend=settings.embedding_backend,
        cache_dir=settings.embedding_cache_path,
        threads=settings.embedding_threads,
    )


os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
