"""The exemption library: the data file, recognising section references, and spotting unexplained exemptions."""
from __future__ import annotations

from pathlib import Path

import pytest

from assistant import exemptions
from assistant.exemptions import ExemptionLibrary, load


@pytest.fixture(scope="module")
def lib() -> ExemptionLibrary:
    return load()


def test_data_file_lists_the_grounds_officers_use(lib: ExemptionLibrary) -> None:
    expected = {"s12", "s14", "s21", "s22", "s30", "s31", "s36", "s38", "s40(1)", "s40(2)", "s41", "s42", "s43"}
    assert expected | {"not_held"} == set(lib.ids)


@pytest.mark.parametrize(
    ("ex_id", "qualified"),
    [("s21", False), ("s40(2)", False), ("s41", False), ("s12", False), ("s22", True), ("s31", True),
     ("s36", True), ("s38", True), ("s42", True), ("s43", True)],
)
def test_qualified_exemptions_carry_a_public_interest_test(lib: ExemptionLibrary, ex_id: str, qualified: bool) -> None:
    ex = lib.get(ex_id)
    assert ex.qualified is qualified
    assert bool(ex.render_public_interest()) is qualified


def test_every_template_renders_with_its_variables(lib: ExemptionLibrary) -> None:
    for ex in lib:
        text = ex.render_refusal(reason="REASON-TEXT", questions="question 4", council="Test Council")
        assert "{{" not in text and "{%" not in text
        assert "question 4" in text, ex.id
        assert "REASON-TEXT" in text, ex.id


def test_cost_limit_wording_and_advice(lib: ExemptionLibrary) -> None:
    s12 = lib.get("s12")
    text = s12.render_refusal()
    assert "£450" in text and "18 hours" in text and "2004" in text
    assert s12.kind == "refusal_ground" and s12.absolute is None
    assert "section 16" in s12.render_advice()


def test_default_reason_is_used_when_none_is_given(lib: ExemptionLibrary) -> None:
    s40 = lib.get("s40(2)")
    assert s40.default_reason.split()[0] in s40.render_refusal(reason="  ")


def test_section_21_gives_the_link(lib: ExemptionLibrary) -> None:
    assert "https://example.org/report" in lib.get("s21").render_refusal(link="https://example.org/report")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("section 40(2)", "s40(2)"),
        ("Section 40 (2)", "s40(2)"),
        ("s.40(2)", "s40(2)"),
        ("S40(2)", "s40(2)"),
        ("40(2)", "s40(2)"),
        ("section 40", "s40(2)"),
        ("section 40(1)", "s40(1)"),
        ("section 40(3A)(a)", "s40(2)"),
        ("personal data exemption", "s40(2)"),
        ("s40(2)", "s40(2)"),
        ("section 12(1)", "s12"),
        ("cost limit", "s12"),
        ("the request exceeds the appropriate limit", "s12"),
        ("section 36(2)(b)(i)", "s36"),
        ("s. 43(2)", "s43"),
        ("section 43(1)", "s43"),
        ("Section 1(1)(a)", "not_held"),
        ("not_held", "not_held"),
        ("section 17", None),
        ("the budget", None),
        ("", None),
    ],
)
def test_normalise(lib: ExemptionLibrary, text: str, expected: str | None) -> None:
    assert lib.normalise(text) == expected
    assert exemptions.normalise(text) == expected


def test_get_accepts_a_section_reference(lib: ExemptionLibrary) -> None:
    assert lib.get("section 43(2)").id == "s43"
    with pytest.raises(KeyError):
        lib.get("section 99")


def test_find_in_text_is_ordered_and_deduplicated(lib: ExemptionLibrary) -> None:
    text = (
        "The contract prices are withheld under section 43(2). Names of staff are exempt under s.40(2) and, "
        "as before, section 43 applies to the rates. Some of the information is already published (section 21)."
    )
    assert lib.find_in_text(text) == ["s43", "s40(2)", "s21"]


def test_find_in_text_reads_lists_of_sections(lib: ExemptionLibrary) -> None:
    assert lib.find_in_text("We rely on sections 40(2), 41 and 43(2) of the Act.") == ["s40(2)", "s41", "s43"]


def test_find_in_text_recognises_phrases(lib: ExemptionLibrary) -> None:
    text = "Answering would exceed the appropriate limit. The council does not hold a register of this."
    assert lib.find_in_text(text) == ["s12", "not_held"]


@pytest.mark.parametrize(
    "text",
    [
        "The child was subject to a section 31 care order.",
        "A section 43 child assessment order was made.",
        "Support is provided under section 17 of the Children Act 1989 and section 38 of the Children Act 1989.",
        "The child's 40 hours of support were reviewed.",
        "Figures for items 40 to 43 are attached.",
        "Support is offered for 18 hours a week and the report was already published.",
    ],
)
def test_find_in_text_ignores_other_acts_and_numbers(lib: ExemptionLibrary, text: str) -> None:
    assert lib.find_in_text(text) == []


def test_foi_act_references_are_kept(lib: ExemptionLibrary) -> None:
    assert lib.find_in_text("Exempt under section 41 of the Freedom of Information Act 2000.") == ["s41"]


@pytest.mark.parametrize(
    ("ex_id", "text", "expected"),
    [
        ("s40(2)", "Section 40(2) applies.", False),
        ("s40(2)", "This information is exempt under section 40(2).", False),
        ("s40(2)", "We cannot give the figure under section 40(2) because the number is small and could identify "
                   "the children concerned.", True),
        ("s40(2)", "Section 40(2) applies. Releasing numbers below five could identify the children concerned.", True),
        ("s40(2)", "The information is withheld under section 40(2) of the Freedom of Information Act 2000.", False),
        ("s21", "The figure is in the national publication. This is exempt under section 21 for the same reason.",
         True),
        ("s21", "The figure is in the national publication named in answer 1. This is exempt under\nsection 21 for "
                "the same reason.", True),
        ("s40(2)", "Figures:\n- section 40(2)\n- the total is 528 and was reported to the board in 2024.", False),
        ("s12", "Refused: cost limit, section 12.", False),
        ("s12", "We are relying on section 12 as locating the information would mean reading every case file by "
                "hand.", True),
        ("s43", "Withheld (section 43).", False),
        ("s43", "The rates are withheld under section 43(2) as release would prejudice the supplier in future "
                "tenders.", True),
        ("s43", "Section 40(2) applies because the numbers are small enough to identify individuals.", False),
    ],
)
def test_is_explained(lib: ExemptionLibrary, ex_id: str, text: str, expected: bool) -> None:
    assert lib.is_explained(ex_id, text) is expected
    assert exemptions.is_explained(ex_id, text) is expected


def test_explanation_returns_the_reason_sentence(lib: ExemptionLibrary) -> None:
    text = "528 tools were received. Figures under five are withheld under section 40(2) because they could " \
           "identify the children. Budget figures are not held."
    assert lib.explanation("section 40(2)", text) == (
        "Figures under five are withheld under section 40(2) because they could identify the children."
    )


def _write(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path


def test_load_reads_another_file_once(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "ex.yaml",
        'exemptions:\n  - {id: "s21", section: "Section 21", title: "Elsewhere", kind: exemption, absolute: true,\n'
        '     refusal: "Published at {{ link }}.", aliases: ["section 21", "on our website"]}\n',
    )
    custom = load(path)
    assert custom is load(str(path))
    assert custom.ids == ["s21"]
    assert custom.find_in_text("It is on our website and section 40(2) does not exist here.") == ["s21"]


def test_alias_shared_by_two_exemptions_is_rejected(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "bad.yaml",
        "exemptions:\n"
        "  - {id: a, section: A, title: A, kind: outcome, refusal: x, aliases: [shared phrase]}\n"
        "  - {id: b, section: B, title: B, kind: outcome, refusal: y, aliases: [shared phrase]}\n",
    )
    with pytest.raises(ValueError, match="shared phrase"):
        load(path)


def test_qualified_exemption_without_public_interest_is_rejected(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "bad.yaml",
        "exemptions:\n  - {id: s43, section: S, title: T, kind: exemption, absolute: false, refusal: x}\n",
    )
    with pytest.raises(ValueError, match="public_interest"):
        load(path)
