"""Redrafting from a return: the past sentence frame only when the mapping is unambiguous; flags it answers resolve."""
from __future__ import annotations

from assistant.models import Flag
from assistant.service.redraft import answer_diff, frame_sentence, resolved_flags

TITLE = "Service return — Children's Services, 2 June 2025"


def test_frame_reused_only_when_one_figure_maps_to_one_figure():
    past = "52.0 FTE agency children's social workers were working for the council on 1 January 2022. [1]"
    item = "Measure FTE agency children's social workers — Period: 1 January 2025; Figure: 55.5"
    assert frame_sentence(past, item) == "55.5 FTE agency children's social workers were working for the council on 1 January 2025."
    # periods are read by drafting's period reader: a financial year, a month, wherever they stand
    assert frame_sentence("The council spent £2,740,115 on agency social workers in 2021/22. [1]",
                          "Year 2023/24 — Spend: £3,120,400") == "The council spent £3,120,400 on agency social workers in 2023/24."
    assert frame_sentence("In January 2022 there were 40 carers.", "Month: March 2025; Carers: 45") == "In March 2025 there were 45 carers."
    # several figures in the past answer, or in the row: ambiguous, no frame
    assert frame_sentence("Spend: 2019/20 £2,116,480; 2020/21 £2,574,903.", "Year 2023/24 — Spend: £3,120,400") is None
    assert frame_sentence(past, "Period: 1 January 2025; FTE: 55.5; Headcount: 61") is None
    # the frame names a period but the row gives none: the period cannot be updated, so no frame
    assert frame_sentence(past, "FTE agency social workers: 55.5") is None
    # two figure sentences in the past answer: which one to update is not clear
    assert frame_sentence("In 2021 there were 40 carers. In 2022 there were 42 carers.", "Year 2024 — Carers: 45") is None


def test_flags_the_return_answers_are_resolved_with_the_reason():
    old = [
        Flag("stale_source", "Source [1] is a reply of 20 January 2022, 40 months before this request"),
        Flag("unsupported", "“55.5 FTE …” — figure not in the cited source: 55.5."),
        Flag("small_numbers", "Small numbers of people (3 children)"),
    ]
    new = [Flag("small_numbers", "Small numbers of people (3 children)")]
    resolved = resolved_flags(old, new, TITLE)
    assert [r.kind for r in resolved] == ["stale_source", "unsupported"]  # not the s40 prompt: the return cannot answer it
    assert all(TITLE in r.reason for r in resolved)
    assert resolved_flags(old, old, TITLE) == []  # still flagged after the redraft: nothing resolves


def test_diff_shows_each_changed_sentence():
    diff = answer_diff("Spend in 2021/22 was £2,740,115. [1] Figures include managers. [1]", "Spend in 2023/24 was £3,120,400. [1] Figures include managers. [1]")
    assert "-Spend in 2021/22 was £2,740,115. [1]" in diff and "+Spend in 2023/24 was £3,120,400. [1]" in diff
    assert " Figures include managers. [1]" in diff
