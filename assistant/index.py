"""The corpus index: a Chroma collection (dense, cosine) and a BM25 keyword index over the same units.

Unit ids are content hashes, so re-ingesting skips unchanged units, replaces edited ones and drops the units of
deleted files. Chroma is the single source of truth; the BM25 index is rebuilt from it whenever they disagree.
"""
from __future__ import annotations

import getpass
import json
import os
import re
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from assistant.decisions import parse_date  # noqa: E402
from assistant.documents import Failure, LoadReport, iter_files, load_paths, source_of  # noqa: E402
from assistant.embeddings import LazyEmbeddings, embeddings_for, embeddings_from_settings  # noqa: E402,F401
from assistant.models import DocType, Passage, Unit  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.sources import Moves, claimants, find_moves, moved  # noqa: E402

Progress = Callable[[int, int, str], None]
_LIST_SEP = "|"


@dataclass
class IngestReport:
    documents: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    refreshed: int = 0  # unchanged units whose evidence reading (periods, items) changed: metadata rewritten
    relocated: int = 0  # unchanged units read from a new path (the corpus or data folder moved): path rewritten
    kept: str = ""  # why the index was left as it was although a rebuild was asked for ('' when it was not)
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.documents} documents read; units: {self.added} added, {self.updated} updated, "
            f"{self.removed} removed, {self.unchanged} unchanged"
            + (f" ({self.refreshed} with their evidence periods read again)" if self.refreshed else "")
            + (f" ({self.relocated} at a new path)" if self.relocated else "")
            + f"; {len(self.failures)} failed; {self.seconds:.1f} s"
            + (f". {self.kept}" if self.kept else "")
        )


# Metadata read from a unit's text at ingest by rules that can improve (periods of the evidence items): an index
# written by older rules has them re-read on the next ingest, without embedding anything again.
DERIVED_METADATA = ("evidence", "evidence_version", "question_period")


def _derived_changes(units: dict[str, Unit], existing: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """For units already indexed, the derived metadata that now reads differently."""
    out: dict[str, dict[str, Any]] = {}
    for uid, unit in units.items():
        if uid not in existing:
            continue
        fresh = unit_to_metadata(unit)
        changed = {k: fresh[k] for k in DERIVED_METADATA if k in fresh and fresh[k] != existing[uid].get(k)}
        if changed:
            out[uid] = changed
    return out


def _relocations(
    units: dict[str, Unit], existing: dict[str, dict[str, Any]], now_at: dict[str, str], removed: set[str]
) -> dict[str, dict[str, Any]]:
    """For units kept, the new path of those whose file is now elsewhere (read there now, or under a folder that
    moved): only the recorded path is rewritten, nothing is embedded again."""
    out: dict[str, dict[str, Any]] = {}
    for uid, meta in existing.items():
        if uid in removed:
            continue
        path = units[uid].source_path if uid in units else now_at.get(uid, "")
        if path and path != meta.get("source_path", ""):
            out[uid] = {"source_path": path}
    return out


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


class IndexBusy(RuntimeError):
    """Another process is writing the index; the message says so (one writer at a time)."""


class IndexUnavailable(RuntimeError):
    """The index cannot be read just now; the message says what to do (raw store errors never reach people)."""


class IndexBackendMismatch(IndexUnavailable):
    """The index holds vectors from another embedding backend than the configured one (`foi ingest` rebuilds it)."""


class CorpusAccessDenied(PermissionError):
    """The acting user may not change the corpus."""


def corpus_actor(settings: Settings, user: str | None) -> str:
    """Who is changing the corpus, checked against the users in the settings.

    `None` is the machine's own operator (the `foi` command, scripts): recorded as `local:<login>`. With sign-in
    on, a named user must be one of the configured users and hold a role in `settings.corpus_roles`."""
    if user is None:
        return f"local:{_login()}"
    name = user.strip()
    if not name:
        raise CorpusAccessDenied("Say who is changing the corpus: the user name is empty.")
    if not settings.users:
        return name
    record = next((u for u in settings.users if u.username == name), None)
    if record is None:
        raise CorpusAccessDenied(f"'{name}' is not a user of this service, so cannot change the corpus.")
    if record.role not in settings.corpus_roles:
        raise CorpusAccessDenied(
            f"{name} ({record.role}) cannot change the corpus: only {' or '.join(settings.corpus_roles)} users may."
        )
    return name


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no login name in some containers
        return "unknown"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Index:
    """Dense + keyword index of the corpus; ingest and search go through here, for the CLI, the app and evals.

    Each ingest that changes anything builds a new *generation* (a passage collection, a past-question collection
    and a BM25 folder) beside the current one, then swaps a small state file to point at it. A kill at any moment
    leaves the previous generation whole; readers (the app) notice the swap at their next search and move over,
    with no restart. The state file records what was written, so a damaged generation is found and rebuilt by
    the next ingest. One writer at a time holds a lock file."""

    COUNT_TTL = 5.0
    LOCK_WAIT = 5.0

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._chroma: Any = None
        self._state: dict[str, Any] | None = None
        self._stamp: tuple[int, int, int] | None = None
        self._collections: dict[str, Any] = {}
        self._keyword: KeywordIndex | None = None
        self._units: dict[str, Unit] | None = None
        self._embeddings: LazyEmbeddings | None = None
        self._counts: dict[str, tuple[int, float]] = {}

    # -- storage -------------------------------------------------------------------------------
    def _client(self) -> Any:
        if self._chroma is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
            if self.settings.server_mode:
                self._chroma = chromadb.HttpClient(
                    host=self.settings.chroma_host, port=self.settings.chroma_port or 8000, settings=chroma_settings
                )
            else:
                self.settings.chroma_dir.mkdir(parents=True, exist_ok=True)
                self._chroma = chromadb.PersistentClient(path=str(self.settings.chroma_dir), settings=chroma_settings)
        return self._chroma

    @property
    def embeddings(self) -> Any:
        if self._embeddings is None:
            self._embeddings = embeddings_from_settings(self.settings)
        return self._embeddings

    def built_with(self) -> str:
        """The embedding backend whose vectors the index holds (an index from before the record: torch)."""
        return str(self.state().get("embedding_backend", "torch"))

    def backend_mismatch(self) -> str | None:
        """Why the index's vectors cannot be compared with the configured backend's, or None."""
        built, wanted = self.built_with(), self.settings.embedding_backend
        if built == wanted or self.count() == 0:
            return None
        return (
            f"The index was built with the '{built}' embedding backend but FOI_EMBEDDING_BACKEND is '{wanted}'; "
            f"vectors from the two are not comparable. Run `foi ingest` (it rebuilds the index with '{wanted}'), "
            f"or set FOI_EMBEDDING_BACKEND={built}."
        )

    @property
    def _key(self) -> str:
        prefix = f"{self.settings.chroma_host}-{self.settings.chroma_port}-" if self.settings.server_mode else ""
        return f"{prefix}{self.settings.collection}"

    @property
    def state_path(self) -> Path:
        return self.settings.data_dir / "index" / f"{self._key}.json"

    @property
    def lock_path(self) -> Path:
        return self.settings.data_dir / "index" / f"{self._key}.lock"

    def _bm25_dir(self, state: dict[str, Any]) -> Path:
        return self.settings.data_dir / "bm25" / state["bm25"]

    def _legacy_state(self) -> dict[str, Any]:
        """An index written before generations (or none yet): the plain collection names."""
        base = self.settings.collection
        return {"generation": 0, "collection": base, "questions": f"{base}__questions", "bm25": self._key, "documents": {}}

    def _answers_collection(self) -> Any | None:
        """The answer-item vectors of the current generation; None for an index written before they were stored
        (it is searched without them until `foi ingest` rebuilds it)."""
        state = self.state()
        name = state.get("answers")
        return self._collection_named(name, legacy=False) if name else None

    def state(self) -> dict[str, Any]:
        """The current generation, re-read whenever the state file changed (another process swapped one in)."""
        try:
            st = self.state_path.stat()
            stamp: tuple[int, int, int] | None = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            stamp = None
        if self._state is None or stamp != self._stamp:
            state = None
            if stamp is not None:
                try:
                    state = json.loads(self.state_path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    state = None
            state = state or self._legacy_state()
            if self._state is None or state.get("collection") != self._state.get("collection"):
                self._forget()
            self._state, self._stamp = state, stamp
        return self._state

    def _forget(self) -> None:
        self._collections = {}
        self._keyword = None
        self._units = None
        self._counts.clear()

    def _collection_named(self, name: str, *, legacy: bool) -> Any:
        if name not in self._collections:
            client = self._client()
            if legacy:  # a fresh data folder reads as an empty index
                col = client.get_or_create_collection(name, configuration={"hnsw": {"space": "cosine"}})
            else:
                try:
                    col = client.get_collection(name)
                except Exception as exc:
                    raise IndexUnavailable(
                        "The corpus index is missing its stored passages; run `foi ingest` to rebuild it."
                    ) from exc
            self._collections[name] = col
        return self._collections[name]

    @property
    def collection(self) -> Any:
        state = self.state()
        return self._collection_named(state["collection"], legacy=state["generation"] == 0)

    @property
    def questions(self) -> Any:
        """A second vector per past decision unit: its question alone, because officers search by question."""
        state = self.state()
        return self._collection_named(state["questions"], legacy=state["generation"] == 0)

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

    def _all(self, include: Sequence[str] = ("metadatas", "documents"), collection: Any = None) -> dict[str, Any]:
        target = self.collection if collection is None else collection
        total = int(target.count())
        out: dict[str, list[Any]] = {"ids": [], "metadatas": [], "documents": [], "embeddings": []}
        batch = 5000
        for offset in range(0, total, batch):
            got = target.get(include=list(include), limit=batch, offset=offset)
            out["ids"].extend(got["ids"])
            for key in ("metadatas", "documents", "embeddings"):
                if key in include:
                    out[key].extend(list(got[key]))
        return out

    def units(self) -> dict[str, Unit]:
        """Every unit by id, cached in memory until the next ingest."""
        if self._units is None or len(self._units) != self.count():
            try:
                got = self._all()
            except IndexUnavailable:
                raise
            except Exception as exc:  # raw store errors never reach people
                self._state = None
                self._forget()
                raise IndexUnavailable(
                    "The corpus index cannot be read just now (it may be being updated). Try again in a moment; "
                    "if this persists, run `foi ingest` to repair it."
                ) from exc
            self._units = {
                uid: metadata_to_unit(uid, doc, meta or {})
                for uid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"])
            }
        return self._units

    def keyword(self) -> KeywordIndex:
        """The BM25 index of the current generation; rebuilt in memory (never written by a reader) if damaged."""
        state = self.state()
        if self._keyword is None:
            self._keyword = KeywordIndex.load(self._bm25_dir(state))
        if self._keyword is None or len(self._keyword.ids) != self.count():
            units = self.units()
            ids = sorted(units)
            self._keyword = KeywordIndex.build(ids, [_keyword_text(units[i]) for i in ids])
        return self._keyword

    def check(self) -> list[str]:
        """What is wrong with the current generation (empty when it is whole): every part holds what was recorded."""
        state = self.state()
        try:
            units = int(self.collection.count())
            asked = int(self.questions.count())
        except Exception as exc:  # a missing or unreadable collection
            return [f"the stored passages cannot be read ({type(exc).__name__})"]
        if state["generation"] == 0:
            return ["the index was written by an earlier version and is rebuilt once"] if units else []
        problems = []
        if units != state.get("units"):
            problems.append(f"{units} passages stored, {state.get('units')} recorded")
        if asked != state.get("question_units"):
            problems.append(f"{asked} past-question vectors stored, {state.get('question_units')} recorded")
        if not state.get("answers") or state.get("answers_version") != _answers_version():
            problems.append("the index holds no answer-item vectors of the current reading (an earlier version wrote it)")
        else:
            try:
                items = int(self._answers_collection().count())
            except Exception as exc:  # noqa: BLE001 - a missing collection is a damaged generation
                items = -1
                problems.append(f"the answer-item vectors cannot be read ({type(exc).__name__})")
            if items >= 0 and items != state.get("answer_items"):
                problems.append(f"{items} answer-item vectors stored, {state.get('answer_items')} recorded")
        keyword = KeywordIndex.load(self._bm25_dir(state))
        if keyword is None or len(keyword.ids) != state.get("units"):
            problems.append("the keyword (BM25) index does not match the passages")
        return problems

    @contextmanager
    def writer(self) -> Iterator[None]:
        """Hold the index's write lock: one ingest at a time, across processes."""
        from filelock import FileLock, Timeout

        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.lock_path))
        try:
            lock.acquire(timeout=self.LOCK_WAIT)
        except Timeout as exc:
            raise IndexBusy("Another ingest is updating the corpus index; try again when it has finished.") from exc
        try:
            yield
        finally:
            lock.release()

    # -- ingest --------------------------------------------------------------------------------
    def ingest(
        self,
        paths: Iterable[Path],
        *,
        rebuild: bool = False,
        progress: Progress | None = None,
        show_bar: bool = False,
        user: str | None = None,
    ) -> IngestReport:
        """Bring the index in line with the files under `paths`, as `user` (checked: see `corpus_actor`)."""
        started = time.perf_counter()
        actor = corpus_actor(self.settings, user)
        roots = [Path(p) for p in paths]
        with self.writer():
            self._state = None  # re-read under the lock
            state = self.state()
            problems = self.check()
            base_ok = not rebuild and not problems and not self.backend_mismatch()
            registry: dict[str, dict[str, Any]] = dict(state.get("documents") or {})
            if not registry and state["generation"] == 0:
                registry = self._registry_from_units()
            # A document is known by its place in the corpus, not by where the corpus folder is (`sources`): the
            # folders read now from another place are found first, so the old paths are read at the new place.
            found = list(iter_files(roots))
            moves = find_moves(registry, found)
            live = claimants(registry, moves)
            given = {source_of(path) for path, _ in found}
            scope = [os.path.abspath(r) for r in roots]
            if rebuild:  # the files as given: only an owner among them keeps its id or reference (read first)
                live = {doc: path for doc, path in live.items() if path in given}
            elif not base_ok:
                # A repair (a damaged generation, another embedding backend) builds everything again, so the files
                # of the corpus outside the paths given (an upload is given alone) are read again too, not dropped.
                found += [(Path(p), None) for p in sorted(set(live.values()) - given) if not _under(p, scope)]
            loaded: LoadReport = load_paths(roots, self.settings, live, found=found)
            _refuse_claimed_references(loaded, registry, live)
            report = IngestReport(documents=loaded.documents, failures=loaded.failures)
            new_units: dict[str, Unit] = {}
            for unit in loaded.units:
                new_units.setdefault(unit.id, unit)
            if not base_ok and not new_units and self._holds_units(state):
                report.kept = (
                    "No document could be read, so the index was not rebuilt: it is kept as it was. "
                    "Fix the files listed (or check the folder given) and run the rebuild again."
                )
                report.seconds = time.perf_counter() - started
                return report
            existing = self._all(include=("metadatas",)) if base_ok else {"ids": [], "metadatas": []}
            existing_meta = {uid: (meta or {}) for uid, meta in zip(existing["ids"], existing["metadatas"])}
            existing_source = {uid: moved(meta.get("source_path", ""), moves) for uid, meta in existing_meta.items()}
            keep_old = {os.path.abspath(f.path) for f in loaded.failures if f.kind == "read"}
            to_add = [u for uid, u in new_units.items() if uid not in existing_source]
            to_remove = [
                uid
                for uid, source in existing_source.items()
                if uid not in new_units
                and ((_under(source, scope) and source not in keep_old) or not os.path.lexists(source))
            ]
            report.unchanged = len(new_units) - len(to_add)
            refresh = _derived_changes(new_units, existing_meta)
            report.refreshed = len(refresh)
            relocated = _relocations(new_units, existing_meta, existing_source, set(to_remove))
            report.relocated = len(relocated)
            for uid, change in relocated.items():
                refresh[uid] = {**refresh.get(uid, {}), **change}
            doc_of = {uid: meta.get("doc_id", "") for uid, meta in existing_meta.items()}
            touched_docs = {doc_of[uid] for uid in to_remove}
            report.updated = sum(1 for u in to_add if u.doc_id in touched_docs)
            report.added = len(to_add) - report.updated
            report.removed = max(0, len(to_remove) - report.updated)
            if base_ok and not to_add and not to_remove and not refresh and state["generation"] > 0:
                report.seconds = time.perf_counter() - started
                return report
            gone = set(to_remove)
            kept_docs = {doc for uid, doc in doc_of.items() if uid not in gone}
            changed_docs = {u.doc_id for u in to_add} | touched_docs
            registry = _updated_registry(registry, kept_docs, loaded.units, changed_docs, actor, moves)
            self._write_generation(
                state, base_ok, to_add, set(to_remove), registry, progress=progress, show_bar=show_bar, refresh=refresh
            )
        report.seconds = time.perf_counter() - started
        return report

    def _holds_units(self, state: dict[str, Any]) -> bool:
        """Whether the current index holds anything a rebuild from no documents would throw away."""
        try:
            return self.count() > 0
        except Exception:  # an unreadable collection: what its state recorded
            return bool(state.get("units"))

    def _registry_from_units(self) -> dict[str, dict[str, Any]]:
        """Owners of document ids in an index written before provenance was kept. Where two files claim one id,
        the one outside an uploads folder is taken as the original."""
        registry: dict[str, dict[str, Any]] = {}
        try:
            got = self._all(include=("metadatas",))
        except Exception:  # an unreadable old index: no owners to keep, the rebuild starts afresh
            return {}
        for meta in got["metadatas"]:
            meta = meta or {}
            doc, source = meta.get("doc_id", ""), meta.get("source_path", "")
            info = registry.get(doc)
            uploaded = f"{os.sep}uploads{os.sep}" in source
            if info is None or (info["uploaded"] and not uploaded):
                registry[doc] = {
                    "source": source,
                    "uploaded": uploaded,
                    "type": meta.get("doc_type", ""),
                    "reference": meta.get("reference", ""),
                    "added_by": meta.get("added_by", "") or "unknown (indexed before provenance was kept)",
                    "added_at": meta.get("added_at", ""),
                }
        for info in registry.values():
            info.pop("uploaded", None)
        return registry

    def _write_generation(
        self,
        state: dict[str, Any],
        base_ok: bool,
        to_add: list[Unit],
        to_remove: set[str],
        registry: dict[str, dict[str, Any]],
        *,
        progress: Progress | None,
        show_bar: bool,
        refresh: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        """Embed, copy what is kept into new collections (with `refresh`'s metadata over the old), write BM25,
        then swap the state file (the commit)."""
        vectors, asked, question_vectors, answer_items, answer_vectors = self._embed(to_add, progress=progress, show_bar=show_bar)
        client = self._client()
        base = self.settings.collection
        generation = max([state["generation"], *self._generations()]) + 1
        names = {
            "collection": f"{base}__g{generation}",
            "questions": f"{base}__g{generation}__questions",
            "answers": f"{base}__g{generation}__answers",
        }
        for name in names.values():  # a leftover of a killed run with the same number
            _drop_collection(client, name)
        passages = client.create_collection(names["collection"], configuration={"hnsw": {"space": "cosine"}})
        questions = client.create_collection(names["questions"], configuration={"hnsw": {"space": "cosine"}})
        answers = client.create_collection(names["answers"], configuration={"hnsw": {"space": "cosine"}})
        texts: dict[str, str] = {}
        metas: dict[str, dict[str, Any]] = {}
        if base_ok:
            old = self._all(include=("embeddings", "documents", "metadatas"))
            keep = [i for i, uid in enumerate(old["ids"]) if uid not in to_remove]
            for part in _batches(keep):
                ids = [old["ids"][i] for i in part]
                metadatas = [
                    _with_provenance({**(old["metadatas"][i] or {}), **(refresh or {}).get(old["ids"][i], {})}, registry)
                    for i in part
                ]
                passages.add(
                    ids=ids,
                    embeddings=[old["embeddings"][i] for i in part],
                    documents=[old["documents"][i] for i in part],
                    metadatas=metadatas,
                )
                texts.update(zip(ids, (old["documents"][i] for i in part)))
                metas.update(zip(ids, metadatas))
            old_q = self._all(include=("embeddings", "metadatas"), collection=self.questions)
            keep_q = [i for i, uid in enumerate(old_q["ids"]) if uid not in to_remove]
            for part in _batches(keep_q):
                questions.add(
                    ids=[old_q["ids"][i] for i in part],
                    embeddings=[old_q["embeddings"][i] for i in part],
                    metadatas=[old_q["metadatas"][i] for i in part],
                )
            old_a = self._all(include=("embeddings", "metadatas"), collection=self._answers_collection())
            keep_a = [i for i, aid in enumerate(old_a["ids"]) if _answer_unit(aid) not in to_remove]
            for part in _batches(keep_a):
                answers.add(
                    ids=[old_a["ids"][i] for i in part],
                    embeddings=[old_a["embeddings"][i] for i in part],
                    metadatas=[old_a["metadatas"][i] for i in part],
                )
        for part in _batches(list(range(len(to_add)))):
            units = [to_add[i] for i in part]
            metadatas = [_with_provenance(unit_to_metadata(u), registry) for u in units]
            passages.add(
                ids=[u.id for u in units],
                embeddings=[vectors[i] for i in part],
                documents=[u.text for u in units],
                metadatas=metadatas,
            )
            texts.update((u.id, u.text) for u in units)
            metas.update(zip((u.id for u in units), metadatas))
        for part in _batches(list(range(len(asked)))):
            questions.add(
                ids=[asked[i].id for i in part],
                embeddings=[question_vectors[i] for i in part],
                metadatas=[{"doc_id": asked[i].doc_id, "doc_type": asked[i].doc_type.value} for i in part],
            )
        for part in _batches(list(range(len(answer_items)))):
            answers.add(
                ids=[answer_items[i][0] for i in part],
                embeddings=[answer_vectors[i] for i in part],
                metadatas=[{"doc_id": answer_items[i][1].doc_id, "doc_type": answer_items[i][1].doc_type.value} for i in part],
            )
        if progress:
            progress(1, 1, "writing")
        ids = sorted(texts)
        keyword = KeywordIndex.build(ids, [_keyword_text(metadata_to_unit(i, texts[i], metas[i])) for i in ids])
        new_state = {
            "generation": generation,
            "collection": names["collection"],
            "questions": names["questions"],
            "bm25": f"{self._key}.g{generation}",
            "units": len(ids),
            "question_units": int(questions.count()),
            "answers": names["answers"],
            "answer_items": int(answers.count()),
            "answers_version": _answers_version(),
            "documents": registry,
            "embedding_backend": self.settings.embedding_backend,
            "written_at": _now(),
        }
        keyword.save(self._bm25_dir(new_state))
        if int(passages.count()) != len(ids):
            raise IndexUnavailable("The new index generation did not store every passage; the previous one is kept.")
        _atomic_write_json(self.state_path, new_state)
        self._state = None
        self._forget()
        self._collect_garbage(keep={generation, state["generation"]})

    def _embed(
        self, to_add: list[Unit], *, progress: Progress | None, show_bar: bool
    ) -> tuple[list, list[Unit], list, list[tuple[str, Unit]], list]:
        """Embed everything before anything is written: a failure here leaves the index untouched.

        Units and their past questions go to the model together in large blocks: the model batches a call's
        texts by length, so a block of a thousand mixed texts pads far less than many calls of 64 (a quarter
        less CPU for the demo corpus with the int8 model)."""
        block = 1024
        total = len(to_add)
        asked = [u for u in to_add if u.question]
        items = [(f"{u.id}{_ANSWER_SEP}{n}", u, text) for u in asked for n, text in enumerate(answer_item_texts(u))]
        jobs = [_embedding_text(u) for u in to_add] + [_question_text(u) for u in asked] + [t for _, _, t in items]
        out: list[list[float]] = []
        bar = None
        if show_bar and total > 64:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="unit", desc="embedding")
        for start in range(0, len(jobs), block):
            out.extend(self.embeddings.embed_uncached(jobs[start : start + block]))
            done = min(total, round(len(out) * total / len(jobs)))
            if bar is not None:
                bar.update(done - bar.n)
            if progress:
                progress(done, total, "embedding")
        if bar is not None:
            bar.close()
        split = total + len(asked)
        return out[:total], asked, out[total:split], [(aid, u) for aid, u, _ in items], out[split:]

    def _generations(self) -> list[int]:
        found = []
        pattern = re.compile(rf"^{re.escape(self.settings.collection)}__g(\d+)(?:__questions|__answers)?$")
        for col in self._client().list_collections():
            m = pattern.match(getattr(col, "name", str(col)))
            if m:
                found.append(int(m.group(1)))
        return found

    def _collect_garbage(self, keep: set[int]) -> None:
        """Drop generations other than the current and the previous one (a reader may still be on it), and the
        leftovers of killed ingests."""
        base = self.settings.collection
        pattern = re.compile(rf"^{re.escape(base)}(?:__g(\d+))?(?:__questions|__answers)?$")
        client = self._client()
        for col in client.list_collections():
            name = getattr(col, "name", str(col))
            m = pattern.match(name)
            if m and int(m.group(1) or 0) not in keep:
                _drop_collection(client, name)
        bm25_root = self.settings.data_dir / "bm25"
        if bm25_root.is_dir():
            gen_dir = re.compile(rf"^{re.escape(self._key)}(?:\.g(\d+))?(?:\.tmp)?$")
            for folder in bm25_root.iterdir():
                m = gen_dir.match(folder.name)
                if m and int(m.group(1) or 0) not in keep:
                    shutil.rmtree(folder, ignore_errors=True)

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

    def remember_question_vectors(self, passages: Sequence[Passage]) -> int:
        """Hand the past questions' vectors stored at ingest to the embedding memo, so drafting compares a new
        question with them without embedding them again (most of a first draft's model time). Returns how many."""
        remember = getattr(self.embeddings, "remember", None)
        known = getattr(self.embeddings, "known", None)
        if remember is None or known is None or self.backend_mismatch():
            return 0
        # a follow-on past question is stored read on from its lead question: not the vector of its own words
        wanted = {
            p.unit.id: p.unit.question
            for p in passages
            if p.unit.question and not p.unit.extra.get("lead_question") and not known(p.unit.question)
        }
        if not wanted:
            return 0
        got = self.questions.get(ids=list(wanted), include=["embeddings"])
        pairs = [(wanted[uid], [float(x) for x in vec]) for uid, vec in zip(got["ids"], got["embeddings"]) if uid in wanted]
        remember([t for t, _ in pairs], [v for _, v in pairs])
        return len(pairs)

    def search(
        self,
        query: str,
        *,
        k: int | None = None,
        doc_types: Sequence[DocType | str] | None = None,
        exclude: Sequence[str] = (),
        method: str = "hybrid",
        keyword_query: str | None = None,
        answer_items: bool = True,
    ) -> list[Passage]:
        """Hybrid search: a dense ranking (each unit at the better of its passage and past-question vectors) and
        a BM25 ranking fused by reciprocal rank fusion; `keyword_query` (default: the query) is what BM25 searches with;
        `answer_items=False` leaves the answer-item vectors out of the dense ranking (a whole request's text, whose
        one sentence an answer item can match, is not a question). Raises ValueError for bad arguments and IndexUnavailable (with a message for people) when
        the store cannot be read; a generation swapped in mid-search is picked up and the search run again."""
        if k is not None and k < 1:
            raise ValueError(f"k must be at least 1, not {k}")
        if method not in ("hybrid", "dense", "bm25"):
            raise ValueError(f"Unknown search method '{method}': use hybrid, dense or bm25")
        types = None
        if doc_types:
            known = {t.value for t in DocType}
            bad = [str(getattr(t, "value", t)) for t in doc_types if str(getattr(t, "value", t)) not in known]
            if bad:
                raise ValueError(f"Unknown document type '{bad[0]}': use {' or '.join(sorted(known))}")
            types = {DocType(t).value for t in doc_types}
        for attempt in (1, 2):
            try:
                return self._search(
                    query, k or self.settings.retrieval_k, types, set(exclude), method, keyword_query, answer_items
                )
            except IndexUnavailable:
                if attempt == 2:
                    raise
            except Exception as exc:  # raw store errors (a collection swapped away, a damaged segment)
                if attempt == 2:
                    raise IndexUnavailable(
                        "The corpus index cannot be read just now (it may be being updated). Try again in a moment; "
                        "if this persists, run `foi ingest` to repair it."
                    ) from exc
            self._state = None
            self._forget()
        return []  # pragma: no cover - the loop returns or raises

    def _search(
        self,
        query: str,
        k: int,
        types: set[str] | None,
        excluded: set[str],
        method: str,
        keyword_query: str | None = None,
        answer_items: bool = True,
    ) -> list[Passage]:
        if not query.strip() or self.count() == 0:
            return []
        candidates = max(self.settings.candidate_k, k)
        where = _where(types, excluded)
        units = self.units()
        dense = self.dense(query, candidates, where) if method in ("hybrid", "dense") else []
        asked = self.dense(query, candidates, where, collection=self.questions) if method == "hybrid" else []
        answered = self._answer_ranking(query, candidates, types, excluded) if method == "hybrid" and answer_items else []
        keyword: list[tuple[str, float]] = []
        if method in ("hybrid", "bm25"):
            raw = self.keyword().search(keyword_query or query, candidates * 3 if (types or excluded) else candidates)
            keyword = [
                (uid, s)
                for uid, s in raw
                if uid in units and units[uid].doc_id not in excluded and (types is None or units[uid].doc_type.value in types)
            ][:candidates]
        passage_sims = dict(dense)  # the relevance floor reads the passage vector's similarity
        if asked or answered:
            dense = _better_of(_better_of(dense, asked, candidates), answered, candidates)
        fused: dict[str, float] = {}
        for ranking in (dense, keyword):
            for rank, (uid, _) in enumerate(ranking):
                fused[uid] = fused.get(uid, 0.0) + 1.0 / (self.settings.rrf_k + rank + 1)
        sims = passage_sims
        missing = [uid for uid in fused if uid not in sims]
        sims.update(self.similarities(query, missing) if missing and method != "bm25" else {})
        ordered = sorted(fused.items(), key=lambda item: (-item[1], -sims.get(item[0], 0.0)))[:k]
        label = method if method != "hybrid" else "hybrid"
        return [
            Passage(unit=units[uid], score=score, rank=i + 1, method=label, similarity=sims.get(uid, 0.0))
            for i, (uid, score) in enumerate(ordered)
            if uid in units
        ]

    def _answer_ranking(
        self, query: str, k: int, types: set[str] | None = None, excluded: set[str] = frozenset()
    ) -> list[tuple[str, float]]:
        """Past replies ranked by their closest answer item (sentence, list item, table row): a reply is found by
        what its answer says when its question was worded apart ("Please describe those monitoring mechanisms"
        answers "how children at risk are identified" with the screening tool and MACE). Empty for an index
        written before answer items were stored. Types and exclusions are applied to what the store returns (a
        store-side filter costs several times the query itself), from a deeper list when there are any."""
        collection = self._answers_collection()
        if collection is None:
            return []
        units = self.units()
        best: dict[str, float] = {}
        for item_id, sim in self.dense(query, k * (8 if types or excluded else 4), collection=collection):
            uid = _answer_unit(item_id)
            unit = units.get(uid)
            if unit is None or unit.doc_id in excluded or (types is not None and unit.doc_type.value not in types):
                continue
            if sim > best.get(uid, -1.0):
                best[uid] = sim
        return sorted(best.items(), key=lambda item: -item[1])[:k]

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
                    "added_by": str(unit.extra.get("added_by", "") or ""),
                    "added_at": str(unit.extra.get("added_at", "") or ""),
                },
            )
            row["units"] += 1
        return sorted(rows.values(), key=lambda r: (r["type"], r["doc_id"]))



def _batches(items: list[int], size: int = 5000) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _drop_collection(client: Any, name: str) -> None:
    try:
        client.delete_collection(name)
    except Exception:  # not there (or already half gone): nothing to drop
        pass


def _atomic_write_json(path: Path, data: dict[str, Any]) -> None:
    """Write whole or not at all: a temp file flushed to disk, then renamed over the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    try:
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:  # pragma: no cover - some file systems cannot sync a folder
        pass


def _with_provenance(meta: dict[str, Any], registry: dict[str, dict[str, Any]]) -> dict[str, Any]:
    info = registry.get(meta.get("doc_id", ""), {})
    out = dict(meta)
    for key in ("added_by", "added_at"):
        out[key] = str(info.get(key, "") or "")
    return out


def _updated_registry(
    registry: dict[str, dict[str, Any]],
    kept_docs: set[str],
    loaded: list[Unit],
    changed_docs: set[str],
    actor: str,
    moves: Moves,
) -> dict[str, dict[str, Any]]:
    """Who added each document and when (kept across edits and moves of its folder), who last changed it, where its
    file is now; documents gone are dropped. A file at another place than recorded is a new document unless its
    folder moved, or the recorded file is gone and the content is unchanged (the file was moved, nothing else)."""
    first: dict[str, Unit] = {}
    for unit in loaded:
        first.setdefault(unit.doc_id, unit)
    out: dict[str, dict[str, Any]] = {}
    for doc in kept_docs | set(first):
        if doc in registry:
            info = dict(registry[doc])
            if info.get("source"):
                info["source"] = moved(str(info["source"]), moves)
            out[doc] = info
    when = _now()
    for doc, unit in first.items():
        info = out.get(doc)
        same = info is not None and (
            info.get("source") == unit.source_path
            or (doc not in changed_docs and not os.path.lexists(str(info.get("source") or "")))
        )
        if info is not None and same:
            info["source"] = unit.source_path
            if doc in changed_docs:
                info.update(updated_by=actor, updated_at=when, type=unit.doc_type.value, reference=unit.reference)
        else:
            out[doc] = {
                "source": unit.source_path,
                "type": unit.doc_type.value,
                "reference": unit.reference,
                "added_by": actor,
                "added_at": when,
            }
    return out


def _refuse_claimed_references(loaded: LoadReport, registry: dict[str, dict[str, Any]], live: dict[str, str]) -> None:
    """A past decision cites its reference: a new document may not claim the reference of another decision that
    is already in the corpus (a spoofed copy would be cited under the real reference). Only decisions whose file
    exists (`live`, from `sources.claimants`) hold their reference."""
    claimed = {
        info["reference"]: doc
        for doc, info in registry.items()
        if doc in live and info.get("type") == DocType.DECISION.value and info.get("reference")
    }
    by_doc: dict[str, list[Unit]] = {}
    for unit in loaded.units:
        by_doc.setdefault(unit.doc_id, []).append(unit)
    refused: set[str] = set()
    for doc, units in by_doc.items():
        first = units[0]
        if first.doc_type is not DocType.DECISION or not first.reference:
            continue
        owner = claimed.get(first.reference)
        if owner is not None and owner != doc:
            refused.add(doc)
            loaded.failures.append(
                Failure(
                    first.source_path,
                    f"reference {first.reference} already belongs to the decision '{owner}' in the corpus: "
                    "a second document may not claim it",
                    "duplicate",
                )
            )
        else:
            claimed[first.reference] = doc
    if refused:
        loaded.units = [u for u in loaded.units if u.doc_id not in refused]
        loaded.documents -= len(refused)
        loaded.loaded_paths -= {by_doc[d][0].source_path for d in refused}


def _better_of(passages: list[tuple[str, float]], questions: list[tuple[str, float]], k: int) -> list[tuple[str, float]]:
    """One dense ranking from a unit's two vectors (its passage, its past question): each unit at the better of
    its two similarities. Fused as two rankings, every past reply got a second vote from any loosely similar
    question, and a reply whose question is worded apart ("the amount paid to IFAs") but whose passage matches
    ("independent fostering agencies charge …") fell below replies that were merely close on both."""
    best = dict(passages)
    for uid, sim in questions:
        if sim > best.get(uid, -1.0):
            best[uid] = sim
    return sorted(best.items(), key=lambda item: -item[1])[:k]


_ANSWER_SEP = "::"


def _answer_unit(item_id: str) -> str:
    """The unit an answer-item vector belongs to (its id is the unit's id, the separator and the item's number)."""
    return item_id.rsplit(_ANSWER_SEP, 1)[0]


def answer_item_texts(unit: Unit, min_words: int = 4) -> list[str]:
    """What a past reply's answer-item vectors are made from: each sentence, list item (after its lead-in) and
    table row (with its headers) of the answer, as drafting reads them; fragments too short to say anything
    ("Yes.", "Not held.") are left to the passage vector."""
    from assistant.drafting.evidence import items_of

    if not unit.question:
        return []
    texts = dict.fromkeys(item.render() for item in items_of(unit))
    return [t for t in texts if len(t.split()) >= min_words]


def _answers_version() -> int:
    """The reading the stored answer items follow: an index with another one is rebuilt by `foi ingest`."""
    from assistant.drafting.evidence import EVIDENCE_VERSION

    return EVIDENCE_VERSION


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
        return f"{head}\n{_lead(unit)}Question: {unit.question}\nAnswer: {opening}"
    return f"{head}\n{unit.text}"


def _lead(unit: Unit) -> str:
    """The past question a follow-on past question reads on from ("How many of these requests were refused?"
    after "How many requests for an EHC needs assessment …"), which names what it asks about."""
    lead = unit.extra.get("lead_question") or ""
    return f"Following: {lead}\n" if lead else ""


def _question_text(unit: Unit) -> str:
    """What the past-question vector is made from: the question, after its lead question when it is a follow-on."""
    lead = unit.extra.get("lead_question") or ""
    return f"{lead}\n{unit.question}" if lead else unit.question


def _keyword_text(unit: Unit) -> str:
    """A past question counts twice (a simple field boost): requests are matched to questions first."""
    return f"{unit.title} {' '.join(unit.heading_path)} {_lead(unit)}{unit.question} {unit.text}"
