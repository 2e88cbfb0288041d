"""The corpus index: a Chroma collection (dense, cosine) and a BM25 keyword index over the same units.

Unit ids are content hashes, so re-ingesting skips unchanged units, replaces edited ones and drops the units of
deleted files. Chroma is the single source of truth; the BM25 index is rebuilt from it whenever they disagree.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from assistant.decisions import parse_date  # noqa: E402
from assistant.documents import Failure, LoadReport, load_paths  # noqa: E402
from assistant.embeddings import LazyEmbeddings, embeddings_for, embeddings_from_settings  # noqa: E402,F401
from assistant.models import DocType, Passage, Unit  # noqa: E402
from assistant.settings import Settings  # noqa: E402

Progress = Callable[[int, int, str], None]
EMBEDDING_BACKEND_KEY = "embedding_backend"
_LIST_SEP = "|"


@dataclass
class IngestReport:
    documents: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.documents} documents read; units: {self.added} added, {self.updated} updated, "
            f"{self.removed} removed, {self.unchanged} unchanged; {len(self.failures)} failed; {self.seconds:.1f} s"
        )


def unit_to_metadata(unit: Unit) -> dict[str, Any]:
    """Chroma metadata holds scalars only: tuples are joined, dates are ISO strings, missing values are ''."""
    meta: dict[str, Any] = {
        "doc_id": unit.doc_id,
        "doc_type": unit.doc_type.value,
        "title": unit.title,
        "source_path": unit.source_path,
        "reference": unit.reference,
        "received": unit.received.isoformat() if unit.received else "",
        "decided": unit.decided.isoformat() if unit.decided else "",
        "question_numbers": _LIST_SEP.join(unit.question_numbers),
        "question": unit.question,
        "answer": unit.answer,
        "heading_path": _LIST_SEP.join(unit.heading_path),
    }
    for key, value in unit.extra.items():
        if isinstance(value, date):
            meta[key] = value.isoformat()
        elif isinstance(value, (list, tuple)):
            meta[key] = _LIST_SEP.join(str(v) for v in value)
        elif isinstance(value, (str, int, float, bool)):
            meta[key] = value
    return meta


def metadata_to_unit(unit_id: str, text: str, meta: dict[str, Any]) -> Unit:
    known = {"doc_id", "doc_type", "title", "source_path", "reference", "received", "decided", "question_numbers", "question", "answer", "heading_path"}
    extra: dict[str, Any] = {k: v for k, v in meta.items() if k not in known}
    if extra.get("published"):
        extra["published"] = parse_date(extra["published"])
    if isinstance(extra.get("exemptions"), str):
        extra["exemptions"] = [e for e in extra["exemptions"].split(_LIST_SEP) if e]
    return Unit(
        id=unit_id,
        doc_id=meta.get("doc_id", ""),
        doc_type=DocType(meta.get("doc_type", "policy")),
        title=meta.get("title", ""),
        text=text,
        source_path=meta.get("source_path", ""),
        reference=meta.get("reference", ""),
        received=parse_date(meta.get("received")),
        decided=parse_date(meta.get("decided")),
        question_numbers=tuple(q for q in meta.get("question_numbers", "").split(_LIST_SEP) if q),
        question=meta.get("question", ""),
        answer=meta.get("answer", ""),
        heading_path=tuple(h for h in meta.get("heading_path", "").split(_LIST_SEP) if h),
        extra=extra,
    )


class IndexBackendMismatch(RuntimeError):
    """The index holds vectors from another embedding backend than the configured one."""


class KeywordIndex:
    """BM25 over unit texts (bm25s, English stop words, Snowball stemming), persisted beside the Chroma data."""

    def __init__(self, ids: list[str], retriever: Any, stemmer: Any) -> None:
        self.ids = ids
        self.retriever = retriever
        self.stemmer = stemmer

    @staticmethod
    def _stemmer() -> Any:
        import Stemmer

        return Stemmer.Stemmer("english")

    @classmethod
    def build(cls, ids: list[str], texts: list[str]) -> "KeywordIndex":
        import bm25s

        stemmer = cls._stemmer()
        retriever = bm25s.BM25()
        if texts:
            tokens = bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False)
            retriever.index(tokens, show_progress=False)
        return cls(ids, retriever, stemmer)

    def save(self, folder: Path) -> None:
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.ids:
            self.retriever.save(str(tmp))
        (tmp / "ids.json").write_text(json.dumps(self.ids))
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)

    @classmethod
    def load(cls, folder: Path) -> "KeywordIndex | None":
        import bm25s

        ids_file = folder / "ids.json"
        if not ids_file.is_file():
            return None
        try:
            ids = json.loads(ids_file.read_text())
            retriever = bm25s.BM25.load(str(folder)) if ids else bm25s.BM25()
        except Exception:
            return None
        return cls(ids, retriever, cls._stemmer())

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        import bm25s

        if not self.ids:
            return []
        tokens = bm25s.tokenize([query], stopwords="en", stemmer=self.stemmer, return_ids=False, show_progress=False)
        vocab = getattr(self.retriever, "vocab_dict", {}) or {}
        known = [[t for t in tokens[0] if t in vocab]]
        if not known[0]:
            return []
        k = min(k, len(self.ids))
        docs, scores = self.retriever.retrieve(known, k=k, show_progress=False, n_threads=1)
        return [(self.ids[int(i)], float(s)) for i, s in zip(docs[0], scores[0]) if s > 0]


class Index:
    """Dense + keyword index of the corpus; ingest and search go through here, for the CLI, the app and evals."""

    COUNT_TTL = 5.0

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: Any = None
        self._keyword: KeywordIndex | None = None
        self._units: dict[str, Unit] | None = None
        self._embeddings: LazyEmbeddings | None = None
        self._side: dict[str, Any] = {}
        self._counts: dict[str, tuple[int, float]] = {}
        self._checked_store: Any = None

    # -- storage -------------------------------------------------------------------------------
    def _client(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
        if self.settings.server_mode:
            return chromadb.HttpClient(
                host=self.settings.chroma_host, port=self.settings.chroma_port or 8000, settings=chroma_settings
            )
        self.settings.chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(self.settings.chroma_dir), settings=chroma_settings)

    @property
    def embeddings(self) -> Any:
        if self._embeddings is None:
            self._embeddings = embeddings_from_settings(self.settings)
        return self._embeddings

    @property
    def store(self) -> Any:
        if self._store is None:
            from langchain_chroma import Chroma

            self._store = Chroma(
                collection_name=self.settings.collection,
                embedding_function=self.embeddings,
                client=self._client(),
                collection_configuration={"hnsw": {"space": "cosine"}},
            )
        return self._store

    @property
    def collection(self) -> Any:
        collection = self.store._collection
        if self._checked_store is not self._store:
            self._checked_store = self._store
            self._record_backend(collection)
        return collection

    def built_with(self, collection: Any = None) -> str:
        """The embedding backend whose vectors the index holds (an index from before the record: torch)."""
        collection = collection if collection is not None else self.collection
        return str((collection.metadata or {}).get(EMBEDDING_BACKEND_KEY, "torch"))

    def backend_mismatch(self) -> str | None:
        """Why the index's vectors cannot be compared with the configured backend's, or None."""
        built = self.built_with()
        wanted = self.settings.embedding_backend
        if built == wanted or self.collection.count() == 0:
            return None
        return (
            f"the index was built with the '{built}' embedding backend but FOI_EMBEDDING_BACKEND is '{wanted}'; "
            f"vectors from the two are not comparable. Run `foi ingest --rebuild` (ingest rebuilds it itself), "
            f"or set FOI_EMBEDDING_BACKEND={built}."
        )

    def _record_backend(self, collection: Any) -> None:
        """An empty collection takes the configured backend; a filled one keeps the record of what built it."""
        if collection.count() == 0 and self.built_with(collection) != self.settings.embedding_backend:
            collection.modify(metadata={**(collection.metadata or {}), EMBEDDING_BACKEND_KEY: self.settings.embedding_backend})

    def _side_collection(self, suffix: str) -> Any:
        if suffix not in self._side:
            self._side[suffix] = self.store._client.get_or_create_collection(
                f"{self.settings.collection}__{suffix}", configuration={"hnsw": {"space": "cosine"}}
            )
        return self._side[suffix]

    @property
    def questions(self) -> Any:
        """A second vector per past decision unit: its question alone, because officers search by question."""
        return self._side_collection("questions")

    @property
    def _keyword_dir(self) -> Path:
        suffix = f"{self.settings.chroma_host}-{self.settings.chroma_port}-" if self.settings.server_mode else ""
        return self.settings.data_dir / "bm25" / f"{suffix}{self.settings.collection}"

    def count(self) -> int:
        """Units in the collection. Counting costs a round trip (milliseconds at 100k units), so the figure is
        kept for a few seconds: long enough for one search, short enough to notice another process's ingest."""
        return self._count_of(self.collection)

    def _count_of(self, collection: Any) -> int:
        now = time.monotonic()
        key = collection.name
        cached = self._counts.get(key)
        if cached is None or now - cached[1] > self.COUNT_TTL:
            cached = (int(collection.count()), now)
            self._counts[key] = cached
        return cached[0]

    def _all(self, include: Sequence[str] = ("metadatas", "documents")) -> dict[str, Any]:
        total = self.count()
        out: dict[str, list[Any]] = {"ids": [], "metadatas": [], "documents": []}
        batch = 5000
        for offset in range(0, total, batch):
            got = self.collection.get(include=list(include), limit=batch, offset=offset)
            out["ids"].extend(got["ids"])
            for key in ("metadatas", "documents"):
                if key in include:
                    out[key].extend(got[key])
        return out

    def units(self) -> dict[str, Unit]:
        """Every unit by id, cached in memory until the next ingest."""
        if self._units is None or len(self._units) != self.count():
            got = self._all()
            self._units = {
                uid: metadata_to_unit(uid, doc, meta or {})
                for uid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"])
            }
        return self._units

    def keyword(self) -> KeywordIndex:
        if self._keyword is None:
            self._keyword = KeywordIndex.load(self._keyword_dir)
        if self._keyword is None or len(self._keyword.ids) != self.count():
            self._rebuild_keyword()
        assert self._keyword is not None
        return self._keyword

    def _rebuild_keyword(self) -> None:
        units = self.units()
        ids = sorted(units)
        self._keyword = KeywordIndex.build(ids, [_keyword_text(units[i]) for i in ids])
        self._keyword.save(self._keyword_dir)

    # -- ingest --------------------------------------------------------------------------------
    def ingest(
        self,
        paths: Iterable[Path],
        *,
        rebuild: bool = False,
        progress: Progress | None = None,
        show_bar: bool = False,
    ) -> IngestReport:
        started = time.perf_counter()
        roots = [Path(p) for p in paths]
        loaded: LoadReport = load_paths(roots, self.settings)
        report = IngestReport(documents=loaded.documents, failures=loaded.failures)
        if rebuild or self.backend_mismatch():
            self.reset()
        new_units: dict[str, Unit] = {}
        for unit in loaded.units:
            new_units.setdefault(unit.id, unit)
        existing = self._all(include=("metadatas",))
        existing_source = {uid: (meta or {}).get("source_path", "") for uid, meta in zip(existing["ids"], existing["metadatas"])}
        scope = [str(r.resolve()) for r in roots]
        failed = {str(Path(f.path).resolve()) for f in loaded.failures}
        to_add = [u for uid, u in new_units.items() if uid not in existing_source]
        to_remove = [
            uid
            for uid, source in existing_source.items()
            if uid not in new_units and _under(source, scope) and source not in failed
        ]
        report.unchanged = len(new_units) - len(to_add)
        touched_sources = {existing_source[uid] for uid in to_remove}
        report.updated = sum(1 for u in to_add if u.source_path in touched_sources)
        report.added = len(to_add) - report.updated
        report.removed = max(0, len(to_remove) - report.updated)
        self._write(to_add, to_remove, progress=progress, show_bar=show_bar)
        report.seconds = time.perf_counter() - started
        return report

    def _write(self, to_add: list[Unit], to_remove: list[str], *, progress: Progress | None, show_bar: bool) -> None:
        """Embed everything first, then write: a failure while embedding leaves the collection untouched."""
        batch = 64
        total = len(to_add)
        vectors: list[list[float]] = []
        bar = None
        if show_bar and total > batch:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="unit", desc="embedding")
        asked = [u for u in to_add if u.question]
        question_vectors = self.embeddings.embed_uncached([u.question for u in asked]) if asked else []

        for start in range(0, total, batch):
            texts = [_embedding_text(u) for u in to_add[start : start + batch]]
            vectors.extend(self.embeddings.embed_uncached(texts))
            done = min(total, start + batch)
            if bar is not None:
                bar.update(len(texts))
            if progress:
                progress(done, total, "embedding")
        if bar is not None:
            bar.close()
        max_batch = 5000
        for start in range(0, total, max_batch):
            part = to_add[start : start + max_batch]
            self.collection.upsert(
                ids=[u.id for u in part],
                embeddings=vectors[start : start + max_batch],
                documents=[u.text for u in part],
                metadatas=[unit_to_metadata(u) for u in part],
            )
        for start in range(0, len(asked), max_batch):
            part = asked[start : start + max_batch]
            self.questions.upsert(
                ids=[u.id for u in part],
                embeddings=question_vectors[start : start + max_batch],
                metadatas=[{"doc_id": u.doc_id, "doc_type": u.doc_type.value} for u in part],
            )
        for start in range(0, len(to_remove), max_batch):
            chunk = to_remove[start : start + max_batch]
            self.collection.delete(ids=chunk)
            self.questions.delete(ids=chunk)
        self._counts.clear()
        if to_add or to_remove or self._keyword is None:
            self._units = None
            self._rebuild_keyword()

    def reset(self) -> None:
        client = self.store._client
        for name in (self.settings.collection, f"{self.settings.collection}__questions"):
            try:
                client.delete_collection(name)
            except Exception:
                pass
        self._store = None
        self._side = {}
        self._counts.clear()
        self._units = None
        self._keyword = None
        shutil.rmtree(self._keyword_dir, ignore_errors=True)

    # -- search --------------------------------------------------------------------------------
    def dense(
        self, query: str, k: int, where: dict[str, Any] | None = None, *, collection: Any = None
    ) -> list[tuple[str, float]]:
        target = self.collection if collection is None else collection
        if self._count_of(target) == 0:
            return []
        mismatch = self.backend_mismatch()
        if mismatch:
            raise IndexBackendMismatch(mismatch)
        vector = self.embeddings.embed_query(query)
        got = target.query(query_embeddings=[vector], n_results=max(1, k), where=where, include=["distances"])
        return [(uid, 1.0 - float(d)) for uid, d in zip(got["ids"][0], got["distances"][0])]

    def similarities(self, query: str, ids: list[str]) -> dict[str, float]:
        """Cosine similarity of the query to given units (for keyword-only hits), from stored vectors."""
        import numpy as np

        if not ids:
            return {}
        got = self.collection.get(ids=ids, include=["embeddings"])
        q = np.asarray(self.embeddings.embed_query(query))
        return {uid: float(np.dot(q, np.asarray(vec))) for uid, vec in zip(got["ids"], got["embeddings"])}

    def search(
        self,
        query: str,
        *,
        k: int | None = None,
        doc_types: Sequence[DocType | str] | None = None,
        exclude: Sequence[str] = (),
        method: str = "hybrid",
    ) -> list[Passage]:
        """Hybrid search: dense (passage and past-question vectors) and BM25 rankings fused by reciprocal
        rank fusion."""
        k = k or self.settings.retrieval_k
        if not query.strip() or self.count() == 0:
            return []
        types = {DocType(t).value for t in doc_types} if doc_types else None
        excluded = set(exclude)
        candidates = max(self.settings.candidate_k, k)
        where = _where(types, excluded)
        units = self.units()
        dense = self.dense(query, candidates, where) if method in ("hybrid", "dense") else []
        asked = self.dense(query, candidates, where, collection=self.questions) if method == "hybrid" else []
        keyword: list[tuple[str, float]] = []
        if method in ("hybrid", "bm25"):
            raw = self.keyword().search(query, candidates * 3 if (types or excluded) else candidates)
            keyword = [
                (uid, s)
                for uid, s in raw
                if uid in units and units[uid].doc_id not in excluded and (types is None or units[uid].doc_type.value in types)
            ][:candidates]
        fused: dict[str, float] = {}
        for ranking in (dense, asked, keyword):
            for rank, (uid, _) in enumerate(ranking):
                fused[uid] = fused.get(uid, 0.0) + 1.0 / (self.settings.rrf_k + rank + 1)
        sims = dict(dense)
        missing = [uid for uid in fused if uid not in sims]
        sims.update(self.similarities(query, missing) if missing and method != "bm25" else {})
        ordered = sorted(fused.items(), key=lambda item: (-item[1], -sims.get(item[0], 0.0)))[:k]
        label = method if method != "hybrid" else "hybrid"
        return [
            Passage(unit=units[uid], score=score, rank=i + 1, method=label, similarity=sims.get(uid, 0.0))
            for i, (uid, score) in enumerate(ordered)
            if uid in units
        ]

    def documents(self) -> list[dict[str, Any]]:
        """One row per indexed document with its unit count, for the corpus view and `foi stats`."""
        rows: dict[str, dict[str, Any]] = {}
        for unit in self.units().values():
            row = rows.setdefault(
                unit.doc_id,
                {
                    "doc_id": unit.doc_id,
                    "title": unit.title,
                    "type": unit.doc_type.value,
                    "reference": unit.reference,
                    "date": unit.date.isoformat() if unit.date else "",
                    "units": 0,
                    "source": unit.source_path,
                },
            )
            row["units"] += 1
        return sorted(rows.values(), key=lambda r: (r["type"], r["doc_id"]))


def _where(types: set[str] | None, excluded: set[str]) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    if types:
        clauses.append({"doc_type": {"$in": sorted(types)}})
    if excluded:
        clauses.append({"doc_id": {"$nin": sorted(excluded)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _under(source: str, scope: list[str]) -> bool:
    return any(source == root or source.startswith(root.rstrip(os.sep) + os.sep) for root in scope)


def _embedding_text(unit: Unit, answer_words: int = 60) -> str:
    """The title and heading path give short passages their context. For a past decision the question leads and
    only the opening of the answer follows: the model reads a limited window, and a long answer (a list of
    partners, a table of figures) would otherwise drown out what the question was about."""
    head = " > ".join((unit.title,) + unit.heading_path)
    if unit.question:
        opening = " ".join(unit.answer.split()[:answer_words])
        return f"{head}\nQuestion: {unit.question}\nAnswer: {opening}"
    return f"{head}\n{unit.text}"


def _keyword_text(unit: Unit) -> str:
    """A past question counts twice (a simple field boost): requests are matched to questions first."""
    return f"{unit.title} {' '.join(unit.heading_path)} {unit.question} {unit.text}"
