"""FOI Act 2000 exemptions and refusal grounds: the shared wording, and spotting them in free text.

The wording lives in `prompts/exemptions.yaml` so information governance staff can change it without touching
code. Text recognition is deliberately simple (regular expressions over section references and known phrases)
because it has to behave predictably when it decides whether a draft needs a flag.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from jinja2 import Environment, StrictUndefined

from assistant.settings import default_prompts_dir

DEFAULT_PATH = default_prompts_dir() / "exemptions.yaml"

Kind = Literal["exemption", "refusal_ground", "outcome"]
_KINDS = ("exemption", "refusal_ground", "outcome")

# One reference such as "40", "40(2)", "36(2)(b)(i)".
_ONE_REF = r"\d{1,3}(?:\s?\(\s?[0-9a-z]{1,4}\s?\))*"
# "section 40(2)", "sections 40(2) and 41", "s.40(2)", "s40", "ss. 21 and 22"; not "child's 40".
_SECTION_RE = re.compile(
    rf"(?<![\w'’])(?:sections?\s*|ss?\.\s?|s\s?)(?P<refs>{_ONE_REF}(?:\s*(?:,|and|or|&)\s*(?:ss?\.?\s?)?{_ONE_REF})*)",
    re.IGNORECASE,
)
_ONE_REF_RE = re.compile(r"(\d{1,3})((?:\s?\(\s?[0-9a-z]{1,4}\s?\))*)", re.IGNORECASE)
_PART_RE = re.compile(r"\(\s?([0-9a-z]{1,4})\s?\)", re.IGNORECASE)
# Section numbers of other Acts that safeguarding text uses all the time ("section 31 care order",
# "section 43 child assessment order", "section 17 of the Children Act 1989").
_OTHER_ACT_RE = re.compile(
    r"\s*(?:of\s+the\s+(?!freedom\s+of\s+information|foia?\b)(?:[\w()]+\s+){1,6}act\b|(?:[\w-]+\s+){0,3}orders?\b|proceedings\b)",
    re.IGNORECASE,
)

# Words that usually introduce a reason; exemption-specific stems come from the data file.
_GENERAL_CUES = (
    r"\b(?:because|as|since|would|could|might|likely|therefore|due\s+to|so\s+that|given\s+that)\b"
    r"|\b(?:exceed|identif|cost|prejudic|harm|breach|risk|endanger|disclos|releas|reason)"
)
# The Act's own name after a reference is part of the name, not part of a reason.
_ACT_SUFFIX_RE = re.compile(
    r"\s+of\s+the\s+(?:freedom\s+of\s+information\s+act(?:\s+2000)?|foia?\s+act(?:\s+2000)?|act)\b", re.IGNORECASE
)
_MIN_EXPLANATION_WORDS = 8
_WORD_RE = re.compile(r"[\w'’£]+")
# Sentence ends: ., ! or ? followed by space, but not the "s." of "s. 40"; a blank line or a new list item.
# A single line break does not end a sentence, because answers are often hard-wrapped.
_SENTENCE_END_RE = re.compile(
    r"(?<=[.!?])(?<!\bs\.)(?<!\bss\.)\s+|\n[ \t]*\n\s*|\s*\n(?=[ \t]*(?:[-*•]|\d+[.)])\s)"
)


@dataclass(frozen=True)
class Exemption:
    """One exemption, refusal ground or outcome with the paragraphs a reply letter uses for it."""

    id: str
    section: str
    title: str
    kind: Kind
    absolute: bool | None
    refusal: str
    default_reason: str = ""
    public_interest: str = ""
    advice: str = ""
    aliases: tuple[str, ...] = ()
    reason_cues: tuple[str, ...] = ()

    @property
    def qualified(self) -> bool:
        """Qualified exemptions need a public interest test in the refusal notice."""
        return self.kind == "exemption" and self.absolute is False

    @property
    def heading(self) -> str:
        return f"{self.section} – {self.title}"

    def render_refusal(self, *, reason: str = "", questions: str = "", council: str = "", link: str = "") -> str:
        """The refusal-notice paragraph; the variables are passed as data, never compiled."""
        return _render(
            self.refusal,
            reason=reason.strip() or self.default_reason.strip(),
            questions=questions or "this part of your request",
            council=council or "the council",
            link=link,
        )

    def render_public_interest(self, *, council: str = "") -> str:
        return _render(self.public_interest, council=council or "the council") if self.public_interest else ""

    def render_advice(self, *, council: str = "") -> str:
        return _render(self.advice, council=council or "the council") if self.advice else ""


@dataclass(frozen=True)
class Mention:
    """Where an exemption is named in a text."""

    id: str
    start: int
    end: int


_ENV = Environment(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=False)


def _render(template: str, **variables: Any) -> str:
    text = _ENV.from_string(template).render(**variables)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def _compact_key(number: str, parts: list[str]) -> str:
    return f"s{int(number)}" + "".join(f"({p.lower()})" for p in parts)


def _phrase_key(text: str) -> str:
    return " ".join(text.lower().split())


class ExemptionLibrary:
    """The exemptions loaded from one data file, with the lookups built from their aliases."""

    def __init__(self, exemptions: list[Exemption]) -> None:
        self._by_id: dict[str, Exemption] = {}
        self._section_index: dict[str, str] = {}
        self._phrase_index: dict[str, str] = {}
        for ex in exemptions:
            if ex.id in self._by_id:
                raise ValueError(f"duplicate exemption id {ex.id!r}")
            self._by_id[ex.id] = ex
        for ex in exemptions:
            for alias in (ex.id, *ex.aliases):
                keys = self._section_keys(alias)
                index, key_list = (self._section_index, keys) if keys else (self._phrase_index, [_phrase_key(alias)])
                for key in key_list:
                    owner = index.setdefault(key, ex.id)
                    if owner != ex.id:
                        raise ValueError(f"alias {alias!r} is used by both {owner} and {ex.id}")
        phrases = sorted(self._phrase_index, key=len, reverse=True)
        self._phrase_re = re.compile(
            r"(?<!\w)(?:" + "|".join(r"\s+".join(map(re.escape, p.split())) for p in phrases) + r")(?!\w)",
            re.IGNORECASE,
        ) if phrases else None
        self._cue_res = {
            ex.id: re.compile(
                _GENERAL_CUES + "".join(r"|\b" + r"\s+".join(map(re.escape, c.split())) for c in ex.reason_cues),
                re.IGNORECASE,
            )
            for ex in exemptions
        }

    @staticmethod
    def _section_keys(alias: str) -> list[str]:
        """Compact keys ("s40(2)") when the alias is purely a section reference, else []."""
        match = _SECTION_RE.fullmatch(alias.strip())
        if not match:
            return []
        return [_compact_key(n, _PART_RE.findall(p)) for n, p in _ONE_REF_RE.findall(match["refs"])]

    @property
    def ids(self) -> list[str]:
        return list(self._by_id)

    def __iter__(self):
        return iter(self._by_id.values())

    def get(self, exemption_id: str) -> Exemption:
        """The exemption with this id, or with the id a section reference normalises to."""
        if exemption_id in self._by_id:
            return self._by_id[exemption_id]
        canonical = self.normalise(exemption_id)
        if canonical is None:
            raise KeyError(exemption_id)
        return self._by_id[canonical]

    def _resolve(self, number: str, parts: list[str]) -> str | None:
        """Most specific known id for a reference: "36(2)(b)" falls back to s36, "12(1)" to s12."""
        for n in range(len(parts), -1, -1):
            found = self._section_index.get(_compact_key(number, parts[:n]))
            if found:
                return found
        return None

    def mentions(self, text: str) -> list[Mention]:
        """Every place an exemption is named, in text order (section references and known phrases)."""
        found: list[Mention] = []
        for match in _SECTION_RE.finditer(text):
            if _OTHER_ACT_RE.match(text, match.end()):
                continue
            refs_start = match.start("refs")
            for ref in _ONE_REF_RE.finditer(match["refs"]):
                ex_id = self._resolve(ref[1], _PART_RE.findall(ref[2]))
                if ex_id:
                    start = match.start() if ref.start() == 0 else refs_start + ref.start()
                    end = refs_start + ref.end()
                    if ref.end() == len(match["refs"]):
                        suffix = _ACT_SUFFIX_RE.match(text, end)
                        end = suffix.end() if suffix else end
                    found.append(Mention(ex_id, start, end))
        if self._phrase_re is not None:
            for match in self._phrase_re.finditer(text):
                found.append(Mention(self._phrase_index[_phrase_key(match[0])], match.start(), match.end()))
        return sorted(found, key=lambda m: (m.start, m.end))

    def normalise(self, text: str) -> str | None:
        """Canonical id for a section reference or phrase ("section 40(2)", "S.43", "40(2)", "cost limit")."""
        cleaned = text.strip()
        if not cleaned:
            return None
        for candidate in (cleaned, cleaned.lower()):
            if candidate in self._by_id:
                return candidate
        if cleaned[0].isdigit():
            cleaned = "s" + cleaned
        found = self.mentions(cleaned)
        return found[0].id if found else None

    def find_in_text(self, text: str) -> list[str]:
        """All exemption ids named in a text, canonical, in order of first mention, without repeats."""
        return list(dict.fromkeys(m.id for m in self.mentions(text)))

    def explanation(self, exemption_id: str, text: str) -> str | None:
        """The sentence (with the one after it) that names the exemption and says why it applies, if any."""
        ex_id = self.normalise(exemption_id) or exemption_id
        all_mentions = self.mentions(text)
        sentences = _sentence_spans(text)
        cue_re = self._cue_res.get(ex_id, re.compile(_GENERAL_CUES, re.IGNORECASE))
        for mention in (m for m in all_mentions if m.id == ex_id):
            index = next((i for i, (s, e) in enumerate(sentences) if s <= mention.start < e), None)
            if index is None:
                continue
            for last in (index, index + 1):
                if last >= len(sentences):
                    break
                start, end = sentences[index][0], sentences[last][1]
                remainder = _blank_out(text, start, end, all_mentions)
                if len(_WORD_RE.findall(remainder)) >= _MIN_EXPLANATION_WORDS and cue_re.search(remainder):
                    return " ".join(text[start:end].split())
        return None

    def is_explained(self, exemption_id: str, text: str) -> bool:
        """True when the text names the exemption AND gives a reason for it near the mention."""
        return self.explanation(exemption_id, text) is not None


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for sep in _SENTENCE_END_RE.finditer(text):
        if sep.start() > start:
            spans.append((start, sep.start()))
        start = sep.end()
    spans.append((start, max(start, len(text)) + 1))  # +1 so a mention at the very end still has a sentence
    return spans


def _blank_out(text: str, start: int, end: int, mentions: list[Mention]) -> str:
    """The window without the exemption names themselves, so "cost limit" is not its own reason."""
    chars = list(text[start:end])
    for m in mentions:
        for i in range(max(m.start, start), min(m.end, end)):
            chars[i - start] = " "
    return "".join(chars)


def _parse(raw: dict[str, Any]) -> Exemption:
    required = ("id", "section", "title", "kind", "refusal")
    missing = [k for k in required if not raw.get(k)]
    if missing:
        raise ValueError(f"exemption {raw.get('id', '?')!r} lacks {', '.join(missing)}")
    if raw["kind"] not in _KINDS:
        raise ValueError(f"exemption {raw['id']!r}: kind must be one of {_KINDS}")
    ex = Exemption(
        id=str(raw["id"]),
        section=str(raw["section"]),
        title=str(raw["title"]),
        kind=raw["kind"],
        absolute=raw.get("absolute"),
        refusal=str(raw["refusal"]),
        default_reason=str(raw.get("default_reason") or ""),
        public_interest=str(raw.get("public_interest") or ""),
        advice=str(raw.get("advice") or ""),
        aliases=tuple(str(a) for a in raw.get("aliases") or ()),
        reason_cues=tuple(str(c) for c in raw.get("reason_cues") or ()),
    )
    if ex.qualified and not ex.public_interest:
        raise ValueError(f"qualified exemption {ex.id!r} needs a public_interest paragraph")
    return ex


@lru_cache(maxsize=8)
def _load_cached(path: Path) -> ExemptionLibrary:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return ExemptionLibrary([_parse(item) for item in data.get("exemptions") or []])


def load(path: str | Path | None = None) -> ExemptionLibrary:
    """The library from a data file, read once per path (default: the repository's prompts/exemptions.yaml)."""
    return _load_cached(Path(path or DEFAULT_PATH).resolve())


def get(exemption_id: str, path: str | Path | None = None) -> Exemption:
    return load(path).get(exemption_id)


def normalise(text: str, path: str | Path | None = None) -> str | None:
    return load(path).normalise(text)


def find_in_text(text: str, path: str | Path | None = None) -> list[str]:
    return load(path).find_in_text(text)


def is_explained(exemption_id: str, text: str, path: str | Path | None = None) -> bool:
    return load(path).is_explained(exemption_id, text)


def explanation(exemption_id: str, text: str, path: str | Path | None = None) -> str | None:
    return load(path).explanation(exemption_id, text)
