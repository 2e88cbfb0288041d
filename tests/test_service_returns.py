"""A service's return read from real files of every format, stored with its case, refused when malformed."""
from __future__ import annotations

import io
from datetime import date
from email.message import EmailMessage

import pytest

from assistant.cases import CaseStore
from assistant.service import casework
from assistant.models import DocType
from assistant.readers import ReadError
from assistant.service.returns import read_return_file, read_return_text, return_passages

AREA = "Children's Services"
ON = date(2025, 6, 2)
ROWS = [
    ("Year", "Spend on agency children's social workers", "Agency social workers (FTE)"),
    ("2022/23", 2895410, 61.5),
    ("2023/24", 3120400, 58.0),
]


def xlsx_bytes(rows=ROWS, title="Agency") -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def docx_bytes() -> bytes:
    from docx import Document

    doc = Document()
    doc.add_paragraph("Figures for FOI 12500001 from Children's Services.")
    table = doc.add_table(rows=0, cols=3)
    for row in ROWS:
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = f"{value:,}" if isinstance(value, int) else str(value)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def pdf_bytes() -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, "In 2023/24 the council spent 3,120,400 pounds on agency children's social workers.")
    return bytes(pdf.output())


def eml_bytes() -> bytes:
    msg = EmailMessage()
    msg["From"] = "childrens.services@example.gov.uk"
    msg["To"] = "foi@example.gov.uk"
    msg["Subject"] = "RE: FOI 12500001 figures"
    msg.set_content("Hello,\n\nIn 2023/24 the council spent £3,120,400 on agency children's social workers.\n\nRegards")
    return msg.as_bytes()


def csv_bytes() -> bytes:
    lines = ["Year,Spend on agency children's social workers,Agency social workers (FTE)", '2022/23,"2,895,410",61.5', '2023/24,"3,120,400",58.0']
    return ("\n".join(lines) + "\n").encode()


def test_xlsx_rows_are_read_with_their_column_headers():
    ret = read_return_file("return.xlsx", xlsx_bytes(), area=AREA, received=ON)
    assert ret.items == [
        "Year 2022/23 — Spend on agency children's social workers: 2,895,410; Agency social workers (FTE): 61.5",
        "Year 2023/24 — Spend on agency children's social workers: 3,120,400; Agency social workers (FTE): 58",
    ]
    assert ret.title == "Service return — Children's Services, 2 June 2025"


def test_csv_and_docx_tables_read_the_same_rows():
    from_csv = read_return_file("return.csv", csv_bytes(), area=AREA, received=ON)
    assert from_csv.items[1].startswith("Year 2023/24 — Spend on agency children's social workers: 3,120,400")
    from_docx = read_return_file("return.docx", docx_bytes(), area=AREA, received=ON)
    assert "Figures for FOI 12500001 from Children's Services." in from_docx.items
    assert any(i.startswith("Year 2023/24 — Spend on agency children's social workers: 3,120,400") for i in from_docx.items)


@pytest.mark.parametrize("name,maker", [("return.pdf", pdf_bytes), ("return.eml", eml_bytes), ("return.txt", lambda: b"In 2023/24 the council spent \xc2\xa33,120,400.\n")])
def test_prose_returns_keep_the_figure(name, maker):
    ret = read_return_file(name, maker(), area=AREA, received=ON)
    assert any("3,120,400" in i for i in ret.items)
    if name.endswith(".eml"):
        assert not any("From:" in i for i in ret.items)  # the body, not the headers


def test_pasted_return_and_pasted_table():
    ret = read_return_text("Year\tSpend\n2023/24\t£3,120,400", area=AREA, received=ON)
    assert ret.items == ["Year 2023/24 — Spend: £3,120,400"]
    with pytest.raises(ReadError, match="empty"):
        read_return_text("   ", area=AREA, received=ON)


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("return.xlsx", b"PK\x03\x04 this is not really a workbook", "damaged|cannot be opened"),
        ("return.xlsx", b"Year,Spend\n2023/24,3120400\n", "not an .xlsx spreadsheet"),
        ("return.xlsx", None, "column 2 of the header row is empty"),
        ("return.xlsx", "headerless", "no header row"),
        ("return.csv", b"Year,Spend\n2023/24,3120400,99\n", "row 2 has values beyond the last headed column"),
        ("return.xls", b"anything", "cannot be read as a return"),
        ("return.csv", b"", "empty"),
    ],
)
def test_malformed_returns_are_refused_with_a_reason_and_nothing_is_stored(tmp_path, foi_settings, name, data, message):
    if data is None:
        data = xlsx_bytes([("Year", None, "FTE"), ("2023/24", 3120400, 58.0)])
    elif data == "headerless":
        data = xlsx_bytes([(3120400,), (58.0,)])
    store = CaseStore(tmp_path / "cases.db")
    case_id = store.create_case("1. How much was spent on agency social workers in 2023/24?", reference="12500001", received=date(2025, 5, 14), today=date(2025, 6, 3), created_by="amy")
    with pytest.raises(ReadError, match=message):  # the officer's attach step: read, then store
        casework.attach_return(store, foi_settings, case_id, area=AREA, received=ON, user="amy", name=name, data=data)
    assert store.service_returns(case_id) == []


@pytest.mark.parametrize(
    "name,maker,figure",
    [("return.xlsx", xlsx_bytes, "3,120,400"), ("return.csv", csv_bytes, "3,120,400"), ("return.docx", docx_bytes, "3,120,400"),
     ("return.pdf", pdf_bytes, "3,120,400"), ("return.eml", eml_bytes, "3,120,400"),
     ("return.txt", lambda: "In 2023/24 the council spent £3,120,400.\n".encode(), "3,120,400")],
)
def test_each_format_attached_to_a_case_becomes_citable_passages(tmp_path, foi_settings, name, maker, figure):
    store = CaseStore(tmp_path / "cases.db")
    case_id = store.create_case("1. How much was spent on agency social workers in 2023/24?", reference="12500001", received=date(2025, 5, 14), today=date(2025, 6, 3), created_by="amy")
    return_id, ret = casework.attach_return(store, foi_settings, case_id, area=AREA, received=ON, user="amy", name=name, data=maker())
    [stored] = store.service_returns(case_id)
    assert stored.id == return_id and stored.source_name == name and stored.added_by == "amy"
    passages = casework.case_return_passages(store, case_id)
    assert {p.unit.title for p in passages} == {f"Service return — {AREA}, 2 June 2025"}
    assert any(figure in p.unit.text and "2023/24" in p.unit.text for p in passages)


def test_return_is_stored_with_the_case_and_becomes_citable_passages(tmp_path):
    store = CaseStore(tmp_path / "cases.db")
    case_id = store.create_case("1. How much was spent on agency social workers in 2023/24?", reference="12500001", received=date(2025, 5, 14), today=date(2025, 6, 3), created_by="amy")
    ret = read_return_file("return.xlsx", xlsx_bytes(), area=AREA, received=ON)
    with pytest.raises(ValueError, match="Sign in"):
        store.add_service_return(case_id, area=ret.area, received=ret.received, text=ret.text, items=ret.items, user="")
    store.add_service_return(case_id, area=ret.area, received=ret.received, text=ret.text, items=ret.items, user="amy", source_name="return.xlsx")
    reopened = CaseStore(tmp_path / "cases.db")  # survives a restart
    [stored] = reopened.service_returns(case_id)
    assert stored.items == ret.items and stored.added_by == "amy" and stored.source_name == "return.xlsx"
    passages = return_passages([stored], case_id)
    assert len(passages) == 2
    unit = passages[1].unit
    assert unit.doc_type is DocType.SERVICE_RETURN
    assert unit.title == "Service return — Children's Services, 2 June 2025"
    assert "3,120,400" in unit.text and unit.date == ON
    assert any(e.field == "service_return_added" and e.user == "amy" for e in reopened.history(case_id))


def test_an_attached_return_becomes_a_source_of_every_answer_without_a_new_version(tmp_path, foi_settings):
    from assistant.models import Draft, Question, Status
    from assistant.service import casework

    store = CaseStore(tmp_path / "cases.db")
    case_id = store.create_case("1. How much was spent on agency social workers in 2023/24?\n2. And in 2024/25?", reference="12500001",
                                received=date(2025, 5, 14), today=date(2025, 6, 3), created_by="amy")
    store.save_drafts(case_id, [Draft(Question("1", "How much in 2023/24?"), "a", Status.NEEDS_REVIEW),
                                Draft(Question("2", "And in 2024/25?"), "b", Status.NEEDS_REVIEW)], user="amy")
    with pytest.raises(ReadError):
        casework.attach_return(store, foi_settings, case_id, area=AREA, received=ON, user="amy", name="r.xlsx", data=b"PK\x03\x04junk")
    assert all(not d.passages for d in store.get_case(case_id).drafts)  # refused: nothing stored, no sources added
    casework.attach_return(store, foi_settings, case_id, area=AREA, received=ON, user="amy", name="r.xlsx", data=xlsx_bytes())
    case = store.get_case(case_id)
    for d in case.drafts:
        assert [p.unit.title for p in d.passages] == ["Service return — Children's Services, 2 June 2025"] * 2
        assert case.meta[d.question.number].version == 1
