"""Question analysis: what one question (or sub-part) asks, before any evidence is looked at.

A pure function of the question text, the request's scope lines (context) and the date it was received: the
answer type (count, money, rate, yes/no, copy of a document, list, description), the measure as stemmed terms,
its qualifiers (group, age, direction: "boys", "aged 11 to 15", "outside the county", "brought by the council"),
the period asked and the breakdown asked ("by year", "by age band"). Evidence is later scored against this.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache

from assistant.drafting.periods import Period, current, find_periods, join_range, periods_in, ranges
from assistant.text import snowball

ANSWER_TYPES = ("count", "money", "rate", "yes_no", "document", "list", "description")
PERIOD_BOUND = ("count", "money", "rate")

_TYPE_CUES: dict[str, re.Pattern] = {
    "money": re.compile(
        r"\bhow\s+much\b|£|\bcosts?\b|\bspen[dt]\b|\bspending\b|\bexpenditure\b|\bbudgets?\b|\bpaid\b|\bpayments?\b|\ballowances?\b|"
        r"\bfees?\b|\bfunding\b|\bsalar(?:y|ies)\b|\boutturn\b|\bprice\b|\bcharges?\b",
        re.I,
    ),
    "rate": re.compile(r"\bpercentage\b|\bproportion\b|\bper\s+cent\b|%|\bratio\b|\b(?:turnover|vacancy|conversion)\s+rates?\b", re.I),
    "count": re.compile(r"\bhow\s+many\b|\bnumbers?\s+of\b|\bthe\s+number\b|\bcount\s+of\b|\bhow\s+often\b.*\bhave\b|\bfigures?\s+(?:for|on)\b", re.I),
    "document": re.compile(r"\bcop(?:y|ies)\b|\bsend\s+me\b|\bprovide\s+(?:the|your|any)\s+(?:policy|strategy|protocol|procedure|report|guidance|minutes)\b", re.I),
    # "Of the agencies used, which company provides the most placements?": a name asked mid-sentence is a list too.
    "list": re.compile(
        r"^\s*(?:which|who|list|name)\b|\bnames?\s+of\b|\blist\s+of\b|\bmembership\b|\bwhich\s+(?:compan(?:y|ies)|"
        r"organisations?|agenc(?:y|ies)|services?|providers?|suppliers?|contractors?|charit(?:y|ies)|schools?|teams?|bod(?:y|ies)|partners?)\b",
        re.I,
    ),
    "yes_no": re.compile(r"^\s*(?:do|does|did|is|are|was|were|has|have|had|can|could|will|would|should)\b", re.I),
}

# Abbreviations and their long forms read as one term, so "LAC" and "children in care" are the same measure.
_LONG_FORMS = [
    # Before "children in your care" (looked after) takes their noun: "unaccompanied children in your care" is UASC and LAC.
    (r"\bunaccompanied\s+asylum[\s-]+seek(?:ing|ers?)\s+(?:children|child|young\s+people|minors)\b", " uasc "),
    (r"\bunaccompanied\s+(?:migrant\s+|refugee\s+)?(?:children|child|young\s+people|minors)\b", " uasc "),
    (r"\blooked[\s-]+after(?=\s+(?:children|child|boys|girls|young))|\bchild(?:ren)?\s+(?:looked\s+after|in\s+care)\b"
     r"|\bchild(?:ren)?\s+in\s+(?:your|our|its|the\s+council'?s|the\s+local\s+authority'?s)\s+care\b"
     # "UASC (who are) in the care of the council", "UASC in the council's care": looked after, whoever is named.
     r"|\bin\s+(?:the\s+care\s+of\s+(?:the\s+|your\s+|this\s+)?(?:council|local\s+authority|authority)|(?:your|its|the\s+council'?s|the\s+local\s+authority'?s)\s+care)\b", " lac "),
    # "carries out return interviews", "notices sent out", "set out in the attached": a verb's particle, not the
    # out-of-area side ("placed out of county", "transferred out to other authorities" keep it).
    (r"\b(carr(?:y|ies|ied|ying)|set(?:s|ting)?|find(?:s|ing)?|found|sen[dt](?:s|ing)?|sort(?:s|ed|ing)?|work(?:s|ed|ing)?|point(?:s|ed|ing)?"
     r"|fill(?:s|ed|ing)?|turn(?:s|ed|ing)?|roll(?:s|ed|ing)?|rule[sd]?|ruling|print(?:s|ed|ing)?|hand(?:s|ed|ing)?|give[sn]?|gave|giving)\s+out\b(?![\s-]+of\b)", r" \1 "),
    # "How many boys were looked after by the council?": the verb names children in care as well.
    (r"\b(?:(?<=were\s)|(?<=was\s)|(?<=are\s)|(?<=is\s)|(?<=been\s))looked[\s-]+after\b(?!\s+(?:children|child|boys|girls|young))", " lac "),
    (r"\bchild\s+sexual\s+exploitation\b", " cse "),
    (r"\bchild\s+criminal\s+exploitation\b|\bcriminal\s+exploitation\b", " cce "),
    # "within England", "inside the UK": the nation, not the council's own area (the within/outside qualifier).
    (r"\b(?:within|inside)\s+(?=(?:England|Scotland|Wales|Northern\s+Ireland|the\s+UK|the\s+United\s+Kingdom|Great\s+Britain|Britain)\b)", " in "),
    (r"\beducation,?\s+health\s+and\s+care\s+(?:plans?|needs\s+assessments?)\b|\bEHC\s+plans?\b", " ehcp "),
    (r"\bspecial\s+guardianship(?:\s+orders?)?\b", " sgo "),
    (r"\bindependent\s+fostering\s+agenc(?:y|ies)\b", " ifa "),
    # "home education", "home-educating families", "home educators": elective home education, whichever word is used.
    (r"\b(?:elective(?:ly)?\s+)?home[\s-]+educat(?:ion|ed|ing|ors?)\b", " ehe "),
    (r"\bmulti[\s-]+agency\s+safeguarding\s+hub\b", " mash "),
    (r"\blocal\s+authority\s+designated\s+officer\b", " lado "),
    (r"\bspecial\s+educational\s+needs(?:\s+and\s+disabilit(?:y|ies))?\b", " sendneeds "),
    (r"\bsexual(?:ly)?\s+exploit\w*", " cse "),
    (r"\bcriminal(?:ly)?\s+exploit\w*", " cce "),
    (r"\bfamily\s+group\s+conferenc(?:e|es|ing)\b", " fgc "),
    (r"\bchild(?:ren)?\s+missing\s+(?:from\s+)?education\b", " cme "),
    (r"\bmulti[\s-]+agency\s+child\s+exploitation\b", " mace "),
    (r"\bchild\s+exploitation\b", " exploitation "),
    (r"\bchild\s+protection\s+plans?\b", " cpp "),
    (r"\bsection\s+47\b|\bs\.?\s?47\b", " s47 "),
    (r"\bsection\s+17\b|\bs\.?\s?17\b", " s17 "),
    (r"\bsocial\s+workers?\b", " socialworker "),
    # "council (local authority) foster carers", "in-house foster carers": the council's own carers
    (r"\b(?:council|local\s+authority|in[\s-]house)(?:\s*\((?:local\s+authority|council)\))?\s+(?=foster(?:ing)?\s+carers?\b)", " own "),
    (r"\bfoster(?:ing)?\s+carers?\b", " fostercarer "),
    (r"\byoung\s+people\b|\byoung\s+persons?\b", " child "),
    (r"\bhome\s+to\s+school\b", " schooltransport "),
    # "an agency-managed team", "council-run homes", "school-based staff": a noun and a participle, each a word of
    # what is asked ("a managed agency team"). Only these compounds: "in-house", "fixed-term", "out-of-area" and
    # "co-located" stay whole (they are one qualifier each).
    (r"\b([a-z]{3,})-(managed|run|led|based|funded|commissioned|owned|operated|maintained|employed|provided)\b", r" \1 \2 "),
]
# Abbreviations are matched case-sensitively: "SEND" is special educational needs, "send me" is not.
_ACRONYMS = [
    (r"\bLAC\b|\bCLA\b|\bCiC\b", " lac "), (r"\bCSE\b", " cse "), (r"\bCCE\b", " cce "), (r"\bUASCs?\b", " uasc "),
    (r"\bEHC\s*Ps?\b|\bEHCNA\b|\bEHC\b", " ehcp "), (r"\bSGOs?\b", " sgo "), (r"\bIFAs?\b", " ifa "), (r"\bEHE\b", " ehe "),
    (r"\bMASH\b", " mash "), (r"\bLADO\b", " lado "), (r"\bSEND?\b", " sendneeds "), (r"\bFGCs?\b", " fgc "), (r"\bCME\b", " cme "),
    (r"\bMACE\b", " mace "), (r"\bCE\b", " exploitation "), (r"\bCPPs?\b", " cpp "),
]
# Each abbreviation spelled both ways, for search: a request says "independent fostering agencies" where a past
# question says "IFAs", and neither keyword search nor the embedding model knows they are the same.
SPELLED: dict[str, str] = {
    "lac": "LAC looked-after children", "cse": "CSE child sexual exploitation", "cce": "CCE child criminal exploitation",
    "uasc": "UASC unaccompanied asylum-seeking children", "ehcp": "EHCP education, health and care plan",
    "sgo": "SGO special guardianship order", "ifa": "IFA independent fostering agency", "ehe": "EHE elective home education",
    "mash": "MASH multi-agency safeguarding hub", "lado": "LADO local authority designated officer",
    "sendneeds": "SEND special educational needs", "fgc": "FGC family group conference", "cme": "CME children missing education",
    "mace": "MACE multi-agency child exploitation", "cpp": "CPP child protection plan",
}


def spelled_out(text: str) -> str:
    """The abbreviations a text uses (in either form), each spelled both ways: added to a search query."""
    found = words_of(text)
    return "; ".join(SPELLED[t] for t in SPELLED if t in found)


_CANONICAL = frozenset(t.strip() for _, t in _ACRONYMS + _LONG_FORMS)
_SYNONYMS: list[tuple[re.Pattern, str]] = [(re.compile(p), t) for p, t in _ACRONYMS] + [(re.compile(p, re.I), t) for p, t in _LONG_FORMS]

# Words that frame a request rather than name what is counted ("a strategy to cover CSE" is a CSE strategy, "the
# nature of these mechanisms" asks for the mechanisms).
_FRAME = frozenset(
    """a an and are as at be been being by for from had has have he her his i in into is it its of on or our per she so than
    that the their them then there these they this those to was were which who will with would you your can could may might
    also any all each other such only very more most some what when where how do does did please provide tell give let know
    me my we us number numbers figure figures data information detail details total totals many much breakdown broken down
    council councils council's authority authority's authorities local lincolnshire lcc county year years yearly annual annually month months
    financial academic calendar last past previous preceding current currently latest recent most since period date dates
    time times separately split respectively relating related regarding about whether if yes no copy copies via including include
    includes included request requested foi freedom act held hold list name names which following above below latest
    amount amounts possible possibly between during e g eg ie etc send together ideally example examples way written read generally use uses used non first second third one two three four five six seven eight nine ten twelve twenty per cent
    cover covers covered covering nature version versions responsible""".split()
)

# Qualifiers whose opposite makes a near miss: the same words with the other side are another measure.
OPPOSITES: list[tuple[frozenset[str], frozenset[str]]] = [
    (frozenset({"boy", "boys", "male", "males", "men"}), frozenset({"girl", "girls", "female", "females", "women"})),
    (frozenset({"outside", "out", "beyond", "elsewhere", "out-of-area", "out-of-county", "out-ofarea"}), frozenset({"within", "inside", "in-area", "in-county"})),
    (frozenset({"average", "mean", "median", "typical"}), frozenset({"highest", "maximum", "lowest", "minimum", "total"})),
    (frozenset({"weekly", "week"}), frozenset({"annual", "annually", "yearly", "monthly"})),
    (frozenset({"own", "in-house", "inhouse", "internal", "directly"}), frozenset({"ifa", "independent", "agency", "external", "private"})),
    (frozenset({"permanent", "permanently"}), frozenset({"fixed-term", "temporary", "suspension", "suspensions", "interim"})),
    (frozenset({"accepted", "agreed", "approved", "granted", "upheld"}), frozenset({"refused", "declined", "rejected", "dismissed"})),
    (frozenset({"started", "began", "new", "starting", "opened"}), frozenset({"ended", "ceased", "closed", "leaving", "left"})),
    (frozenset({"cse"}), frozenset({"cce"})),
]
# Opposing qualifiers that are phrases rather than single words (the one table of them; word pairs are above).
# Each row is a set of mutually exclusive sides: a question on one side is not answered by evidence that speaks only
# of another. Refusals to assess are not refusals to issue a plan nor appeals about a plan's contents; refused
# requests are not requests received; a figure from one source (schools) is not the figure from all sources.
# The council's own area as a request names it: "your area", "the local authority", "the borough", "the council's
# area", "the geographical boundaries of the LA" (not "the council" alone: a team "within the council" is no place).
_OWN_AREA = (
    r"(?:(?:your|the|our|its|this|their)\s+)?(?:(?:council|local\s+authority|authority|LA)'?s?\s+)?(?:own\s+)?"
    r"(?:local\s+authority|LA|borough|district|county|city|authority|area|geographical\s+(?:boundar\w*|area))"
    r"(?:\s+(?:area|boundar\w*))?\b"
)
# A named place ("outside Lincolnshire", "within Greenwich Borough"), not a nation: "within England" is not the
# council's area. Case-sensitive, so "outside school hours" is no place.
_PLACE = r"(?!(?:England|Scotland|Wales|Northern|Great|Britain|Europe|UK|EU)\b)(?-i:[A-Z][a-z]+)\b"
OPPOSING_PHRASES: list[tuple[tuple[str, re.Pattern], ...]] = [
    (
        ("refusal to assess", re.compile(r"\brefus\w*\s+to\s+(?:carry\s+out\s+)?(?:an?\s+)?(?:\w+\s+){0,2}assess\w*|\bdecided?\s+not\s+to\s+(?:carry\s+out\s+)?(?:an?\s+)?assess\w*|\brefusal[\s-]+to[\s-]+assess\w*"
                                 r"|\b(?:assessment\s+requests?|requests?\s+for\s+(?:an?\s+)?(?:\w+\s+){0,3}assessments?)\b[^.?;]{0,80}\brefus\w*|\brefus\w*\s+(?:\w+\s+){0,3}requests?\s+for\s+(?:an?\s+)?(?:\w+\s+){0,3}assessments?\b", re.I)),
        ("refusal to issue", re.compile(r"\brefus\w*\s+to\s+issue\b|\bdecided?\s+not\s+to\s+issue\b|\brefusal[\s-]+to[\s-]+issue\b", re.I)),
        ("the contents of a plan", re.compile(r"\bcontents?\s+of\s+(?:an?\s+|the\s+)?(?:ehc\w*\s+)?plans?\b|\bplacement\s+named\b", re.I)),
    ),
    (
        ("refused", re.compile(r"\brefus\w*|\bdeclined\b|\brejected\b|\bdecided?\s+not\s+to\b|\bturned\s+down\b", re.I)),
        ("received", re.compile(r"\breceiv\w*", re.I)),
    ),
    (
        ("in or into the area", re.compile(r"\barriv(?:ed|als?|ing)\b|(?:\binto|\b(?:placed|moved|transferred|sent|brought|came|arrived|relocated)\s+(?:in|to))\s+(?:your|the|our|its|this)\s+(?:area|county|authority)\b|\bfrom\s+(?:another|other)\s+(?:areas?|authorit\w*|councils?|local\s+authorit\w*)\b|\bby\s+other\s+(?:local\s+)?authorit\w*"
                                    rf"|\b(?:within|inside)\s+(?:(?:and|or)\s+(?:outside|out\s+of)\s+)?(?:{_OWN_AREA}|{_PLACE}(?!\s+(?:County\s+)?Council\b))", re.I)),
        ("out of the area", re.compile(rf"\boutside\s+(?:(?:and|or)\s+(?:within|inside)\s+|of\s+)?(?:{_OWN_AREA}|{_PLACE})|\bout\s+of\s+(?:your|the|our|its|this)\s+(?:area|county)\b|\b(?:moved|transferred|relocated|sent|left|departed)\s+(?:away\s+)?from\s+{_OWN_AREA}|\bto\s+(?:another|other)\s+(?:areas?|authorit\w*|councils?|local\s+authorit\w*)\b"
                                 r"|\b(?:left|leaving|transferr\w*|moved)\b[^.?;]{0,80}?\bto\s+(?:[a-z]\)\s*)?(?:an?\s+)?(?:local\s+)?authorit(?:y|ies)\b", re.I)),
    ),
    (  # who brought a case: a bare "by" is in nearly every sentence, so the sides are phrases
        ("brought by the council", re.compile(r"\b(?:brought|made|lodged|issued|initiated|taken|started)\s+by\s+(?:the\s+)?(?:council|local\s+authority|authority)\b", re.I)),
        ("brought against the council", re.compile(r"\bagainst\s+(?:the\s+)?(?:council|local\s+authority|authority|us|you)\b", re.I)),
    ),
    (
        ("all sources", re.compile(r"\ball\s+(?:sources|referrers|agencies|settings|organisations)\b|\bany\s+source\b|\bwhatever\s+(?:the\s+)?source\b", re.I)),
        ("a single source", re.compile(r"\bfrom\s+(?:schools?|education\s+settings?|(?:the\s+)?police|health(?:\s+services)?|parents?|families|hospitals?|GPs?)\b", re.I)),
    ),
]


# Sides that make a measure narrower than the same words without them: a past question on one of these answers only
# that side, so it does not answer a question that names no side of its row (all appeals, referrals from anyone).
NARROWING_SIDES = frozenset({"refusal to assess", "refusal to issue", "the contents of a plan", "a single source", "in or into the area", "out of the area"})


def narrower_sides(question_text: str, past_question: str) -> list[str]:
    """Narrowing sides the past question names where the question names no side of the same row."""
    asked, past = phrase_sides(question_text), phrase_sides(past_question)
    out = []
    for row in OPPOSING_PHRASES:
        names = {n for n, _ in row}
        if not names & asked and not names <= past:  # a past question on every side ("inside and outside") is not narrower
            out += [n for n, _ in row if n in past and n in NARROWING_SIDES]
    return out


def phrase_sides(text: str) -> set[str]:
    """The sides of OPPOSING_PHRASES a text speaks of, by name."""
    return {name for pair in OPPOSING_PHRASES for name, pattern in pair if pattern.search(text)}


# Groups narrower than "children": evidence about one of these does not answer a question about all children.
GROUPS = frozenset(
    "uasc lac boys girls male female disabled disability sendneeds ehcp sgo leavers leaver unaccompanied "
    "adopted cpp s47 s17 ehe cme excluded ethnic ethnicity traveller asylum".split()
)
# Other words that name a group when its folded term is not used ("boys who were looked after by the council").
GROUP_ALTERNATES: dict[str, frozenset[str]] = {
    "lac": frozenset({"looked", "care", "cla", "cic"}),
    "uasc": frozenset({"unaccompanied", "asylum", "uasc"}),
    "ehcp": frozenset({"ehc", "ehcp", "ehcps"}),
    "sendneeds": frozenset({"sen", "send", "special"}),
    "disabled": frozenset({"disability", "disabilities"}),
    "disability": frozenset({"disabled", "disabilities"}),
    "boys": frozenset({"boy", "male", "males"}),
    "girls": frozenset({"girl", "female", "females"}),
    "male": frozenset({"boy", "boys", "males"}),
    "female": frozenset({"girl", "girls", "females"}),
    "leavers": frozenset({"leaver", "leaving"}),
    "leaver": frozenset({"leavers", "leaving"}),
    "excluded": frozenset({"exclusion", "exclusions", "exclude"}),
}
_AGE = re.compile(r"\baged?\s+(?:between\s+)?\d{1,2}\s*(?:to|-|–|and)\s*\d{1,2}\b|\b(?:under|over|aged)\s+\d{1,2}s?\b|\b\d{1,2}\s*(?:-|–|to)\s*\d{1,2}[\s-]+year[\s-]+olds?\b", re.I)
_BREAKDOWN = [
    ("year", re.compile(r"\b(?:by|each|per|every)\s+(?:financial\s+|academic\s+|school\s+|calendar\s+)?year\b|\beach\s+of\s+the\b|\bannually\b|\byear\s+by\s+year\b|\bfor\s+each\b.*\byears?\b", re.I)),
    ("age", re.compile(r"\bby\s+age\b|\bage\s+(?:band|group|range)s?\b", re.I)),
    ("gender", re.compile(r"\bby\s+(?:gender|sex)\b", re.I)),
    ("ethnicity", re.compile(r"\bby\s+ethnicity\b|\bethnic\s+(?:group|background)s?\b", re.I)),
    ("month", re.compile(r"\b(?:by|each|per)\s+month\b|\bmonthly\b", re.I)),
    ("area", re.compile(r"\bby\s+(?:area|district|locality|ward|region)\b", re.I)),
]
_WORD = re.compile(r"[a-z0-9][a-z0-9'-]*")


@lru_cache(maxsize=50_000)
def normalise(text: str) -> str:
    """Lower-case text with abbreviations and their long forms folded to one term."""
    out = text
    for pattern, term in _SYNONYMS:
        out = pattern.sub(term, out)
    return out.lower()


# Irregular forms the stemmer leaves apart: "How much was paid" asks what "How much did the council pay" asks.
_IRREGULAR = {
    "children": "child", "people": "person", "women": "woman", "men": "man",
    "paid": "pay", "spent": "spend", "bought": "buy", "brought": "bring", "taken": "take", "took": "take",
    "given": "give", "gave": "give", "chosen": "choos", "sought": "seek", "taught": "teach", "kept": "keep", "lost": "lose",
    "entire": "whole",  # "an entire team" asks what "a whole team" asks
}


@lru_cache(maxsize=20_000)
def stem(word: str) -> str:
    word = word.strip("'-")
    if word in _CANONICAL:
        return word
    return _IRREGULAR.get(word) or snowball().stemWord(word)


# A question's own label ("1a.", "7b)") in a past request's list of parts: no word of what is asked.
_LABEL = re.compile(r"\d{1,2}[a-z]")


@lru_cache(maxsize=50_000)
def terms(text: str) -> tuple[str, ...]:
    """Stemmed content words of a text, abbreviations folded, request framing and bare numbers left out."""
    out = []
    for w in _WORD.findall(normalise(text)):
        if w in _FRAME or w.isdigit() or len(w) < 2 or re.fullmatch(r"\d+[/-]?\d*", w) or _LABEL.fullmatch(w):
            continue
        out.append(stem(w))
    return tuple(dict.fromkeys(out))


@lru_cache(maxsize=50_000)
def words_of(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(normalise(text)))


@dataclass(frozen=True)
class Analysis:
    """What one question or sub-part asks."""

    label: str
    text: str
    answer_type: str
    answer_types: tuple[str, ...]
    terms: tuple[str, ...]
    qualifiers: tuple[str, ...]
    groups: tuple[str, ...]
    period: Period | None
    period_explicit: bool
    breakdown: tuple[str, ...]
    parts: tuple["Analysis", ...] = field(default=())
    context: str = ""  # the scope lines and, for a sub-part, its question
    counted: str = ""  # for a count: the stemmed head noun of what is counted ("request", "appeal")
    reads_on: str = ""  # for a follow-on question: the questions it reads on from
    without: tuple[str, ...] = ()  # groups the question leaves out ("pupils with SEN … without an EHC plan": ehcp)

    @property
    def period_bound(self) -> bool:
        """Figures hold for a period; a description of how something works does not."""
        return self.answer_type in PERIOD_BOUND

    def summary(self) -> str:
        """One line for the officer and the LLM prompt: 'count of … for 2022/23, by year'."""
        period = self.period.label if self.period else "no period stated"
        bits = [f"answer type: {self.answer_type}", f"period asked: {period}"]
        if self.qualifiers:
            bits.append(f"qualifiers: {', '.join(self.qualifiers)}")
        if self.breakdown:
            bits.append(f"breakdown: by {', '.join(self.breakdown)}")
        return "; ".join(bits)


def answer_types(text: str) -> tuple[str, ...]:
    """Every answer type the wording cues, the one cued earliest first (the main ask)."""
    hits = []
    for kind, pattern in _TYPE_CUES.items():
        m = pattern.search(text)
        if m:
            hits.append((m.start(), ANSWER_TYPES.index(kind), kind))
    hits.sort()
    kinds = [k for _, _, k in hits]
    if "yes_no" in kinds and len(kinds) > 1:
        kinds.remove("yes_no")  # "Does the council … if so, please provide a copy / how many" asks for the latter
        kinds.append("yes_no")
    return tuple(kinds) or ("description",)


# What a question asks for by name (a company, the members of a meeting, a copy of a policy): a past answer that
# gives only figures answers another question, however alike the wording ("which company provides the most
# placements?" is not "how many children were placed?").
_NAMED_ASKS = ("list", "document")
_NAMED_ASK_WORDS = {"list": "names", "document": "a copy of a document"}
# Only a past question that plainly asks for a figure, and for nothing described ("What is the allowance, and how is
# it means-tested?" also describes the means test).
_COUNT_ASK = re.compile(r"\bhow\s+many\b|\b(?:the\s+)?numbers?\s+of\b|\bcount\s+of\b", re.I)
_MONEY_ASK = re.compile(
    r"\bhow\s+much\b|\b(?:minimum|maximum|average|mean|median|total|weekly|annual)\s+(?:[\w-]+\s+){0,3}(?:fees?|costs?|spend|allowances?|prices?)\b"
    r"|\bwhat\s+(?:was|were|is|are)\s+the\s+(?:[\w-]+\s+){0,3}(?:fees?|costs?|spend|budgets?)\b",
    re.I,
)
_OTHER_ASK = re.compile(
    r"\bhow\s+(?:is|are|was|were|do|does|did|often)\b|\bwhich\b|\bwho\b|\bwhat\s+(?:is|are)\s+the\s+(?:process|criteria|policy)\b"
    r"|\bdescribe\b|\bexplain\b|\bcop(?:y|ies)\b|\bpolic(?:y|ies)\b|\bprocedures?\b|\bnames?\b|\blist\b",
    re.I,
)


_WORDS_ASK = re.compile(r"\bhow\b(?!\s+(?:many|much|long|often|old|far)\b)|\bdescribe\b|\bexplain\b|\bwhich\b|\bwho\b|\bwhat\s+(?:is|are)\s+the\s+(?:process|criteria|policy|arrangements?)\b", re.I)


def asks_for_figures(text: str) -> bool:
    """Whether the wording asks for a figure: how many, how much, a number, a rate."""
    return bool(_COUNT_ASK.search(text) or _MONEY_ASK.search(text) or _TYPE_CUES["rate"].search(text))


def asks_for_words(text: str) -> bool:
    """Whether the wording asks for something described or named: how something is done, which, who."""
    return bool(_WORDS_ASK.search(text))


def asks_other_kind(answer_type: str, past_question: str) -> str:
    """What differs when the past question asked for another kind of answer: only a figure when names or a copy
    are asked; only a number of things when an amount of money is asked, or the other way round (a past "not
    recorded" for how many pupils had SEN is no answer to how much their transport cost)."""
    if not past_question.strip():
        return ""
    past = past_question.splitlines()[0]
    if answer_type in _NAMED_ASKS:
        found = [(m.start(), kind) for kind, ask in (("count", _COUNT_ASK), ("money", _MONEY_ASK)) if (m := ask.search(past))]
        if found and not _OTHER_ASK.search(past):
            return f"the past question asked for a {min(found)[1]} figure, not {_NAMED_ASK_WORDS[answer_type]}"
    elif answer_type == "money" and _COUNT_ASK.search(past) and not _TYPE_CUES["money"].search(past):
        return "the past question asked how many, not how much"
    elif answer_type == "count" and _MONEY_ASK.search(past) and not _TYPE_CUES["count"].search(past):
        return "the past question asked how much, not how many"
    return ""


def qualifiers_of(text: str) -> tuple[str, ...]:
    """Ages, and words on one side of an opposite pair ('boys', 'outside', 'by the council')."""
    found = [m.group(0).lower() for m in _AGE.finditer(text)]
    ws = words_of(text)
    for a, b in OPPOSITES:
        for side in (a, b):
            hit = sorted(ws & side)
            if hit and not (ws & (b if side is a else a)):
                found.extend(hit)
    if re.search(r"\bagainst\s+the\s+council\b", text, re.I):
        found.append("against")
    elif re.search(r"\b(?:brought|made|lodged|issued)\s+by\s+the\s+council\b", text, re.I):
        found.append("by")
    else:
        found = [q for q in found if q not in ("by", "against")]
    return tuple(dict.fromkeys(found))


_COUNTED = re.compile(r"\b(?:how\s+many|(?:the\s+)?numbers?\s+of|count\s+of)\s+(?:(?:of\s+)?(?:these|those|them|the|your|our|its)\s+)?([^?.;:]+)", re.I)
_NOUN_PHRASE_END = frozenset(
    """did do does were was are is be been have has had will would can could in from of for to with by that which who whom
    against on at during within outside inside under over between before after since per you your the council where when
    while whose and or than""".split()
)
# Verbs that end the noun phrase of what is counted ("How many requests came from parents?").
_PHRASE_VERBS = frozenset("came come comes went go goes got get gets took take takes left made make gave give arrived ran".split())
# Words that all name children: a count of children is answered by a count of pupils, young people or a group of them.
CHILD_WORDS = frozenset({"child", "pupil", "learner", "student", "person", "young", "minor", "boy", "girl"})


# Past participles and past tenses that end a noun phrase ("nights paid for", "notices sent out", "children came
# through the scheme"): what follows is not counted.
_PARTICIPLES = frozenset(
    """paid spent made given held sent served issued done taken kept seen met brought put won lost known recorded placed
    referred received funded registered allocated supported identified assessed reported came went left became got""".split()
)


def _participle(word: str) -> bool:
    """'engaged', 'employed', 'excluded' after a noun end its phrase ('social workers engaged by the council')."""
    return len(word) > 5 and word.endswith("ed") and "-" not in word and not word.endswith("eed")


def counted_of(text: str) -> str:
    """The stemmed head noun of what a count question counts ('how many EHC needs assessment requests …' → request)."""
    m = _COUNTED.search(text)
    if not m:
        return ""
    phrase: list[str] = []
    for w in _WORD.findall(normalise(m.group(1))):
        if w in _NOUN_PHRASE_END or (phrase and (w.endswith("ing") or w in _PARTICIPLES or w in _PHRASE_VERBS or _participle(w))):
            break
        phrase.append(w)
    heads = [w for w in phrase if w not in _FRAME and not re.fullmatch(r"[\d/-]+", w)]
    return stem(heads[-1]) if heads else ""


# "broken down by age and gender", "split by team": every dimension named in the clause is a breakdown asked.
_BY_CLAUSE = re.compile(r"\b(?:broken\s+down|split|separated|analysed|breakdown)\s+(?:by|into)\s+([^.?;\n]+)|\bby\s+((?:age|gender|sex|ethnicity|team|school|provider|placement|disability|quarter|month|year|area|district)\b[^.?;\n]*)", re.I)
_DIMENSIONS = [
    ("year", r"\byears?\b"), ("quarter", r"\bquarters?\b"), ("month", r"\bmonths?\b"), ("age", r"\bage\b"),
    ("gender", r"\b(?:gender|sex)\b"), ("ethnicity", r"\bethnic"), ("area", r"\b(?:area|district|locality|ward|region)s?\b"),
    ("team", r"\bteams?\b"), ("school", r"\bschools?\b"), ("provider", r"\bproviders?\b"),
    ("placement type", r"\bplacement\s+types?\b|\btype\s+of\s+placement\b"), ("disability", r"\bdisabilit"),
]


_WITHOUT = re.compile(r"\b(?:without|not\s+(?:on|with|having)|who\s+(?:do|does|did)\s+not\s+have)\s+(?:an?\s+|any\s+)?((?:[\w'-]+\s+){0,3}[\w'-]+)", re.I)


def groups_without(text: str) -> tuple[str, ...]:
    """The groups a question leaves out ("supported in mainstream schools without an EHC plan" → ehcp): a figure
    for those in the group (children who have a plan) counts the other side."""
    return tuple(dict.fromkeys(g for m in _WITHOUT.finditer(normalise(text)) for g in words_of(m.group(1)) if g in GROUPS))


def either_or(group: str, past_question: str, asked: set[str]) -> bool:
    """The past question names `group` only as one side of an "or" whose other side the question asks about ("a
    disability or special educational needs" for a question about SEN): it widens, it does not narrow."""
    text = normalise(past_question)
    for m in re.finditer(r"([\w'-]+(?:\s+[\w'-]+){0,2})\s+(?:and\s*/\s*)?or\s+([\w'-]+(?:\s+[\w'-]+){0,2})", text):
        left, right = set(_WORD.findall(m.group(1))), set(_WORD.findall(m.group(2)))
        if (group in left and right & asked) or (group in right and left & asked):
            return True
    return False


def breakdown_of(text: str) -> tuple[str, ...]:
    """The breakdowns asked: the usual phrasings, and every dimension named in a 'broken down by …' clause."""
    found = [name for name, pattern in _BREAKDOWN if pattern.search(text)]
    for m in _BY_CLAUSE.finditer(text):
        clause = m.group(1) or m.group(2) or ""
        found += [name for name, pattern in _DIMENSIONS if re.search(pattern, clause, re.I)]
    return tuple(dict.fromkeys(found))


def period_asked(text: str, context: str, received: date | None) -> tuple[Period | None, bool]:
    """(period, stated): the period the question states, else its scope lines, else 'now' (received date)."""
    for source in (text, context):
        if not source:
            continue
        found = ranges(find_periods(source, received), source)
        if found:
            periods = list({p.label: p for p in reversed([f.period for f in found])}.values())[::-1]  # one each
            relative = [p for p in periods if p.kind in ("rolling", "range")]
            if relative and len(periods) > len(relative):
                # "each of the last full years (including 2021 and to current date 16/1/2022)": the periods named
                # spell out the span, which the relative phrase only sketches.
                joined = join_range(periods)
                widest = max(relative, key=lambda p: p.days)
                if joined.start <= widest.start and widest.end <= joined.end and joined.days > widest.days:
                    return joined, True
            if relative:
                return max(relative, key=lambda p: p.days), True
            if len(periods) > 1:
                return join_range(periods), True
            return periods[0], True
    return (current(received) if received else None), False


# A main text that stops on a word that needs what follows ("… Scheme to", "residing in", "how many were", "stated
# as"): its parts complete the sentence. "Please provide the following" does not stop mid-sentence.
_OPEN_HEAD = re.compile(
    r"\b(?:to|in|into|within|of|for|from|by|as|at|on|with|between|among|were|was|are|is|be|been|being|have|has|had"
    r"|the|an?|either|both)\s*$",
    re.I,
)


def analyse(
    text: str,
    *,
    context: str = "",
    received: date | None = None,
    label: str = "",
    parts: list[tuple[str, str]] | None = None,
    inherit: tuple[str, ...] = (),
) -> Analysis:
    """Analyse a question; its sub-parts are analysed with the main text and scope lines as their context.

    A main text that stops mid-sentence ("… via the National Transfer Scheme to", "Of these, how many were") is
    completed by each of its parts, as a reader reads an inline list: each part is read as the main text followed by
    the part, and the main question as the whole sentence."""
    if parts and _OPEN_HEAD.search(text):
        head = text.strip()
        text = " ".join([head, *(part_text.strip() for _, part_text in parts)])
        parts = [(part_label, f"{head} {part_text.strip()}") for part_label, part_text in parts]
    types = answer_types(text)
    if inherit and types == ("description",) and inherit[0] in PERIOD_BOUND:
        types = inherit  # "Please provide the number of: a) children at risk of CSE …"
    period, explicit = period_asked(text, context, received)
    sub = tuple(
        analyse(part_text, context=f"{text}\n{context}".strip(), received=received, label=part_label, inherit=types)
        for part_label, part_text in (parts or [])
    )
    groups = tuple(sorted((words_of(text) | words_of(context)) & GROUPS))
    measure = tuple(terms(measure_text(strip_periods(text, received))))
    counted = counted_of(measure_text(text)) if types[0] == "count" else ""
    # A part that names only a period ("a) July 2021 b) July 2020") asks the main question's measure for it: with
    # no words of its own, any figure of that period would fit it.
    sub = tuple(replace(s, terms=measure, counted=s.counted or counted) if not s.terms and measure else s for s in sub)
    return Analysis(
        label=label,
        text=text,
        answer_type=types[0],
        answer_types=types,
        terms=measure,
        qualifiers=qualifiers_of(text),
        groups=groups,
        period=period,
        period_explicit=explicit,
        breakdown=breakdown_of(f"{text}\n{context}"),
        parts=sub,
        context=context,
        counted=counted,
        without=groups_without(text),
    )


_WIDENING = re.compile(
    r"\([^)]*\)|\b(?:including|such\s+as|e\.g\.|for\s+example|for\s+instance|for\s+clarity|i\.e\.)\b[^.;?]*",
    re.I,
)


# Examples before the class they belong to: "police, health or other partner staff", "the Police, Health, Education
# and other partners" ask about partner staff, partners; the examples widen nothing and name no measure of their own.
# Two examples at least: "potholes or other road defects", "CSE and other forms of exploitation" name what is asked.
# ("a MASH or similar arrangement" is no list of examples: "similar" widens what is asked, and stays.)
_EXAMPLES_OF = re.compile(r"\b(?:[A-Za-z][\w'-]*,\s+)+[A-Za-z][\w'-]*,?\s+(?:or|and)\s+(?:any\s+)?other\s+(?=[A-Za-z])", re.I)
# "the strategy in place", "arrangements in place": the phrase says that it exists, not what it is.
_IN_PLACE = re.compile(r"\bin\s+place\b", re.I)


def measure_text(text: str) -> str:
    """The text without bracketed asides, 'including …' / 'e.g. …' clauses and examples listed before their class
    ('police, health or other partners'): they widen, they do not name the measure."""
    return _IN_PLACE.sub(" ", _EXAMPLES_OF.sub(" ", _WIDENING.sub(" ", text)))


def strip_periods(text: str, received: date | None) -> str:
    """The text without its period phrases, so '2022/23' or 'the last 12 months' are not part of the measure."""
    out = text
    for f in sorted(find_periods(text, received), key=lambda f: -f.span[0]):
        out = out[: f.span[0]] + " " + out[f.span[1]:]
    return out


def question_context(question: object) -> str:
    """The scope lines the request splitter attached to a question ('for each of the years …'), if any."""
    ctx = getattr(question, "context", "") or ""
    if isinstance(ctx, (list, tuple)):
        return "\n".join(str(c) for c in ctx)
    return str(ctx)


# A question that leans on the one before it: its subject elided ("How many were missing for longer than a
# month?") or pointed back to ("for each of those years", "of these", "through the scheme").
_FOLLOW_ON = re.compile(
    r"^\s*(?:and\b|also\b|how\s+many\s+(?:were|was|are|is|have|has|had|did|do)\b|how\s+(?:much|often)\s+(?:was|were|did|has|have)\s+(?:this|that|it|these|those|they)\b)"
    r"|\b(?:of|for|from|to|among|in)\s+(?:each\s+of\s+)?(?:these|those|them)\b|\b(?:these|those)\s+(?:years?|periods?|children|young|cases|requests|referrals|pupils|people|families|placements|meetings|plans|carers|staff|posts)\b"
    r"|\bthe\s+(?:same\s+(?:period|years?)|scheme|above)\b",
    re.I,
)


# After the bare head noun of a count ("How many requests …"), these words start a complement that names what is
# counted in the question's own words ("requests for transport"); anything else ("requests did …", "requests came
# from …") leaves the noun as the one an earlier question qualified.
_COMPLEMENT = frozenset("for of about on regarding relating concerning into to under with through involving".split())


def _bare_head(text: str) -> str:
    """The stemmed head noun of a count question when it stands bare ("How many requests did …"), else ''."""
    m = _COUNTED.search(text)
    if not m:
        return ""
    words = _WORD.findall(normalise(m.group(1)))
    if not words or words[0] in _FRAME or words[0] in _NOUN_PHRASE_END:
        return ""
    following = words[1] if len(words) > 1 else ""
    if following in _COMPLEMENT or not (following in _NOUN_PHRASE_END or following in _PHRASE_VERBS):
        return ""  # "requests for transport", "EHC needs assessment requests": the noun is qualified here
    return stem(words[0])


def is_follow_on(text: str, before: str = "") -> bool:
    """The question reads on from the one before it (its subject or period is there, not in its own words).

    With `before` (the earlier questions), a count of a bare noun that the earlier questions name with more words
    also reads on ("How many requests did the council refuse?" after "How many requests for an EHC needs
    assessment …"): children and other people are left out, a question about them usually stands alone."""
    if _FOLLOW_ON.search(text):
        return True
    if not before:
        return False
    head = _bare_head(text)
    if not head or head in CHILD_WORDS or head in {stem(w) for w in ("people", "staff", "carers", "families")}:
        return False
    earlier = terms(measure_text(before))
    return head in earlier and len(earlier) > len(set(terms(measure_text(text))) & set(earlier))


def analyse_question(question: object, received: date | None, follows: object | None = None) -> Analysis:
    """Analysis of a `Question` (number, text, parts, optional context).

    `follows` is the request's previous question: a follow-on question reads its group and, when it states none
    of its own or in its scope lines, its period from there (after its own scope lines)."""
    text = getattr(question, "text", "") or ""
    parts = list(getattr(question, "parts", []) or [])
    if not text and parts:
        text, parts = parts[0][1], parts[1:]
    context = question_context(question)
    before = (getattr(follows, "text", "") or "") if follows is not None else ""
    reads_on = before if before and is_follow_on(text, before) else ""
    if reads_on:
        context = f"{context}\n{before}".strip()
    analysis = analyse(text, context=context, received=received, label=str(getattr(question, "number", "")), parts=parts)
    return replace(analysis, reads_on=reads_on) if reads_on else analysis


def periods_stated(text: str, ref: date | None) -> list[Period]:
    """Re-exported for evidence: the periods a sentence states."""
    return periods_in(text, ref)


# Two asks in one sentence: "membership by organisation and frequency of meetings", "the number of referrals and the
# number of assessments", "How many … and how many …". Each side is an ask of its own that the draft must answer.
_TWO_NOUN_ASKS = re.compile(
    r"\b(?P<a>[a-z][\w-]*\s+(?:by|of|for|per)\s+[^.?;]{1,60}?)\s+and\s+(?:the\s+)?(?P<b>[a-z][\w-]*\s+(?:of|for|per|by)\s+[\w-]+(?:\s+[\w-]+)?)",
    re.I,
)
# A clause that asks on its own after "and" or a comma: "…, what is the lead officer's title, how do we contact them,
# and does anyone do this work full time?", "… and how often these meet", "…, and explain why agency spend is high".
# A bare ", which" / ", who" is a relative clause ("the team, which deals with …"), not a new ask.
_WH = r"(?:how|what|which|when|where|whether|why)\b"
_AUX_ASK = (r"(?:do|does|did|is|are|was|were|has|have|had|can|could|will|would)\s+"
            r"(?:anyone|anybody|any|the|you|your|it|this|that|there|they|we|a|an|each|all|staff|officers?)\b")
_IMPERATIVE = r"(?:please\s+)?(?:explain|describe|provide|give|tell|confirm|state|list|send|outline|detail|supply|share|advise|indicate|identify)\b"
_CLAUSE_SPLIT = re.compile(
    rf"\s+and\s+(?={_WH})|,\s*(?=(?:how|what|why)\b)|,\s*and\s+(?=which\b)"
    rf"|,?\s+and\s+(?={_AUX_ASK})|,\s*(?={_AUX_ASK})|,?\s+and\s+(?={_IMPERATIVE})",
    re.I,
)
# What makes a clause an ask of its own; a clause without it ("As of 3 September 2021, how many …", "Of these, how
# many …", "For children without SEND, what …") only frames the ask that follows.
_ASK_CUE = re.compile(
    r"\b(?:how|what|which|who|whom|whose|when|where|whether|why)\b|^\s*(?:do|does|did|is|are|was|were|has|have|had|can|could|will|would)\b"
    r"|\bplease\b|(?:^\s*|\b(?:you|also)\s+)(?:provide|give|tell|confirm|state|list|send|explain|describe|outline|detail|supply|share|advise|indicate|identify)\b"
    r"|\bnumbers?\s+of\b|\bcop(?:y|ies)\b",
    re.I,
)
# A list of what to give, each item with its own determiner after one verb: "please give your agency staff spend,
# your original agency budget, your staff turnover and your sickness absence rate". Without a determiner per item
# ("fixed-term and permanent exclusions", "children looked after and placed out of area") it is one measure.
_GIVE_LIST = re.compile(
    r"^(?P<lead>.*?\b(?:give|provide|tell\s+(?:me|us)|send|supply|confirm|state|list|share|let\s+(?:me|us)\s+know)\s+(?:me\s+|us\s+)?(?:with\s+)?)"
    r"(?P<items>(?P<det>your|the|its|their)\s.+)$",
    re.I,
)
# "membership and terms of reference": a noun and a noun "of" something are two things asked; "objectives and
# priorities of your service" share one complement (a determiner after "of"), so they are one ask.
_NOUN_AND_OF = re.compile(
    r"\b(?P<a>[a-z][\w-]*)\s+and\s+(?P<b>[a-z][\w-]*\s+of\s+(?!(?:your|the|its|their|our|this|these|those|a|an|each|all|any)\b)[\w-]+)", re.I)
_CONDITIONAL = re.compile(r"^\s*(?:if\s+(?:so|yes|not|this|these|there|you|the)|for\s+clarity|e\.?g\.?|i\.?e\.?)\b|\bis\s+defined\s+as\b|\bI\s+mean\b", re.I)


def _given_items(clause: str) -> list[str]:
    """The items of a determiner-led list after one verb, each read with the verb ("please give your staff
    turnover"); [clause] when it is not such a list."""
    m = _GIVE_LIST.match(clause.strip())
    if not m:
        return [clause]
    det = m.group("det")
    items = re.split(rf"\s*,\s*(?:and\s+)?(?={det}\b)|\s+and\s+(?={det}\b)", m.group("items"), flags=re.I)
    items = [i.strip(" ,") for i in items if i.strip(" ,")]
    # Two items share what follows them ("the framework and the calculations the council uses"), unless each names
    # its own measure ("the number of referrals and the number of assessments"); three or more are a list.
    own = all(re.search(r"\b(?:of|for)\b", i, re.I) for i in items)
    if len(items) < 2 or (len(items) == 2 and not own) or not all(terms(i) for i in items):
        return [clause]
    return [f"{m.group('lead')}{i}" for i in items]


def _noun_pair(clause: str) -> list[str]:
    """Two nouns joined by "and" where each names a thing of its own ("membership by organisation and frequency of
    meetings", "membership and terms of reference"); [clause] otherwise."""
    original, clause = clause, measure_text(clause)  # "(to give insights into the scale and efficiency of …)" asks nothing
    m = _TWO_NOUN_ASKS.search(clause)
    participle = m and (m.group("b").split()[0].lower().endswith("ed") or m.group("a").split()[-1].lower().endswith("ed"))
    if m and not participle and terms(m.group("a")) and terms(m.group("b")):
        b = m.group("b").split()
        while b and b[-1].lower() in _NOUN_PHRASE_END:
            b.pop()
        return [m.group("a"), " ".join(b)]
    m = _NOUN_AND_OF.search(clause)
    if m:
        a, head = m.group("a").lower(), m.group("b").split()[0].lower()
        people = CHILD_WORDS | {"boys", "girls", "children", "pupils", "people", "staff", "carers", "families", "men", "women", "parents"}
        if (a not in _NOUN_PHRASE_END and a not in _FRAME and head not in _NOUN_PHRASE_END and head not in _FRAME
                and not (a.endswith("ed") or a.endswith("ing") or a.endswith("ly")) and a not in people and head not in people
                and stem(a) not in CHILD_WORDS and stem(head) not in CHILD_WORDS and terms(a)):
            b = m.group("b").split()
            while b and b[-1].lower() in _NOUN_PHRASE_END:
                b.pop()
            return [m.group("a"), " ".join(b)]
    return [original]


def _framed(clauses: list[str]) -> list[str]:
    """Clauses with a framing clause ("As of 3 September 2021", "Of these") joined to the ask it frames."""
    out: list[str] = []
    pending = ""
    for clause in clauses:
        if not _ASK_CUE.search(clause):
            pending = f"{pending}, {clause}" if pending else clause
            continue
        out.append(f"{pending}, {clause}" if pending else clause)
        pending = ""
    if pending:
        if out:
            out[-1] = f"{out[-1]}, {pending}"
        else:
            out.append(pending)
    return out


def asks_of(text: str) -> tuple[str, ...]:
    """The separate asks of a question when one sentence joins several ("Which team …, what is the lead officer's
    title, how do we contact them, and does anyone …?", "X by Y and frequency of Z", "please give your A, your B and
    your C, and explain why …"); () when it asks one thing. Conditional follow-ups ("If so, please provide a copy")
    and definitions are not asks of their own: whether they apply depends on the answer. One measure that contains
    "and" ("fixed-term and permanent exclusions", "boys and girls", "looked after and placed out of area") is one
    ask."""
    from assistant.text import split_sentences

    per_sentence: list[list[str]] = []
    for sentence in split_sentences(text) or [text]:
        if _CONDITIONAL.search(sentence):
            continue
        clauses = _framed([c.strip(" ,") for c in _CLAUSE_SPLIT.split(sentence) if c and c.strip(" ,")])
        clauses = [c for c in clauses if terms(c)] or clauses
        found: list[str] = []
        for clause in clauses:
            items = _given_items(clause)
            found += items if len(items) > 1 else _noun_pair(clause)
        per_sentence.append(found if len(found) > 1 else [sentence] if ("?" in sentence or _ASK_CUE.search(sentence)) and terms(sentence) else [])
    if not any(len(found) > 1 for found in per_sentence):
        return ()
    # A sentence with several asks beside another asking sentence ("Who is responsible …, and how can they be
    # contacted? Are any staff dedicated full-time to EHE?"): that sentence is an ask too.
    return tuple(ask for found in per_sentence for ask in found)


def ask_query(ask: str, whole: str) -> str:
    """What an ask is searched and matched with: its own words with the subjects its sentence names ("what is the
    lead officer's title" of a question on home education: EHE), or the sentence with the ask when the ask names
    too little on its own ("how often these meet", "how do we contact them" lean on the ask before)."""
    if len(terms(measure_text(ask))) < 2 or re.search(r"\b(?:these|those|them|they|it|this)\b", ask, re.I):
        return f"{whole}\n{ask}"
    mine = words_of(ask)
    subjects = "; ".join(SPELLED[t] for t in SPELLED if t in words_of(whole) and t not in mine)
    return f"{ask} ({subjects})" if subjects else ask


def analyse_asks(a: "Analysis", received: date | None) -> tuple["Analysis", ...]:
    """Each ask of a question or sub-part analysed on its own (answer type, measure, group), with the question's
    period and group carried over (the question and its scope lines are its context); () for one ask."""
    context = f"{a.text}\n{a.context}".strip()
    return tuple(analyse(ask, context=context, received=received, label=a.label) for ask in asks_of(a.text))


def asks_not_answered(text: str, answer: str) -> list[str]:
    """The asks of a question (`asks_of`) none of whose measure words the answer uses."""
    said = set(terms(answer))
    return [ask for ask in asks_of(text) if not set(terms(measure_text(ask))) & said]
