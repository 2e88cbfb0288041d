"""What identifies a corpus document's source: its place in the corpus, not where the corpus folder is on disk.

A file is known by its *location*: the name of the folder it was ingested under and its path inside that folder
("corpus/decisions/2021-1571785-uasc.md", "uploads/service-return.md"). The index records absolute paths (to read a
file again, to drop the units of a deleted one), but a recorded path that ends in the location of a file read now
is the same document read from another place: the project folder moved, a copied data folder, another checkout.
The folder it was recorded under has then *moved* to the folder read now, and every path recorded under it is
read at the new place: its documents keep their units (nothing is embedded again), their provenance and their
ids, and those missing at the new place are gone from the corpus.

The duplicate guard asks only about files that exist: an id or a reference is claimed by an indexed document only
while its file (after the moves) is there. Two existing files with one id are still refused.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable

from assistant.documents import doc_id_for, source_of

Location = tuple[str, ...]
Moves = dict[str, str]  # folder recorded in the index -> the folder read now (absolute paths)
Registry = dict[str, dict[str, Any]]


def location_of(path: Path, root: Path | None) -> Location:
    """The name of the folder a file was found under and its path inside it; for a file given by itself, its
    folder's name and its own ("uploads/return.md" either way, as an upload is indexed one file at a time)."""
    base = Path(os.path.abspath(root if root is not None else Path(path).parent))
    try:
        rel = Path(source_of(path)).relative_to(base)
    except ValueError:  # pragma: no cover - a file reached outside its folder (walks never yield one): its own folder
        base, rel = Path(source_of(path)).parent, Path(Path(path).name)
    return tuple(p for p in (base.name, *rel.parts) if p)


def folder_recorded(source: str, location: Location) -> str | None:
    """The folder a recorded path was read under when the path ends in `location` (the same document at another
    place), else None. A location is at least a folder and a file name: a bare name is no evidence of a move."""
    parts = Path(source).parts
    n = len(location)
    if n < 2 or len(parts) <= n or tuple(parts[-n:]) != location:
        return None
    return str(Path(*parts[: len(parts) - n + 1]))


def find_moves(registry: Registry, found: Iterable[tuple[Path, Path | None]]) -> Moves:
    """Folders of the index read now from another place: an indexed document's recorded path ends in the location
    of a file with its id found now. The first file found decides where a folder went."""
    moves: Moves = {}
    for path, root in found:
        try:
            info = registry.get(doc_id_for(path))
        except Exception:  # pragma: no cover - a name that cannot even be turned into an id: no move to read
            continue
        old = str((info or {}).get("source") or "")
        new = source_of(path)
        if not old or old == new:
            continue
        old_folder = folder_recorded(old, location_of(path, root))
        new_folder = os.path.abspath(root if root is not None else Path(path).parent)
        if old_folder is not None and old_folder != new_folder:
            moves.setdefault(old_folder, new_folder)
    return moves


def moved(source: str, moves: Moves) -> str:
    """Where a recorded path is now: under the new folder when its folder moved (the deepest move wins), else itself."""
    best = max(
        (old for old in moves if source == old or source.startswith(old.rstrip(os.sep) + os.sep)), key=len, default=None
    )
    return source if best is None else moves[best] + source[len(best) :]


def claimants(registry: Registry, moves: Moves) -> dict[str, str]:
    """Document id -> its file now, for the indexed documents whose file exists: only they may refuse a newcomer
    with their id or reference. A path that no longer exists claims nothing."""
    out: dict[str, str] = {}
    for doc, info in registry.items():
        source = str(info.get("source") or "")
        if source:
            now = moved(source, moves)
            if os.path.exists(now):
                out[doc] = now
    return out
