"""In a real browser: a question the corpus answers only for an older period goes to the service, its returned
.xlsx is attached, the redraft citing the return is accepted, and the Cases tab chases the request until then."""
from __future__ import annotations

import io
from datetime import datetime

import pytest

from test_browser import ARTIFACTS, app, browser, sign_in  # noqa: F401 - the shared app and browser fixtures

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TITLE = "Service return — Children's Services, 2 June 2025"
REQUEST = (
    "1. How many FTE agency children's social workers were working for the council on 1 January 2025?\n"
    "2. What did the council spend on agency children's social workers in 2023/24?\n"
)


def workbook(path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Measure", "Period", "Figure"])
    sheet.append(["FTE agency children's social workers", datetime(2025, 1, 1), 55.5])
    sheet.append(["Spend on agency children's social workers (£)", "2023/24", 3120400])
    buf = io.BytesIO()
    book.save(buf)
    path.write_bytes(buf.getvalue())


def test_service_request_return_and_redraft_in_the_browser(app, browser, tmp_path):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    reference = "FOI SERVICE-1"
    page = sign_in(browser, app, "officer")
    page.get_by_role("tab", name="Draft").click()
    page.locator("#request-text").get_by_role("textbox").fill(REQUEST)
    page.locator("#case-reference").get_by_role("textbox").fill(reference)
    page.locator("#case-received").get_by_role("textbox").fill("2025-05-14")
    page.locator("#draft-button").click()
    page.wait_for_function("document.querySelectorAll('.question h4').length >= 2", timeout=600_000)
    page.locator("#draft-progress").get_by_text("Drafted 2 answer(s)").wait_for(timeout=180_000)

    # the request to the service names the periods asked and the last answers
    page.locator("#service-panel").get_by_text("Figures from the service").first.click()
    page.locator("#service-recipient").get_by_role("textbox").fill("cs.performance@example.gov.uk")
    page.locator("#service-prepare").click()
    email = page.locator("#service-email").get_by_role("textbox")
    page.wait_for_function("document.querySelector('#service-email textarea').value.includes('Period asked: 2023/24')", timeout=120_000)
    text = email.input_value()
    assert "Period asked: at 1 January 2025" in text and "52.0 FTE agency children's social workers" in text
    page.locator("#service-sent").click()
    page.locator("#service-log").get_by_text("cs.performance@example.gov.uk").first.wait_for(timeout=120_000)

    # the Cases tab chases it
    page.get_by_role("tab", name="Cases").click()
    page.locator("#service-chasing").get_by_text(reference).wait_for(timeout=120_000)
    page.get_by_role("tab", name="Draft").click()

    # the return is attached and the redraft of question 1 accepted
    xlsx = tmp_path / "FOI SERVICE-1 figures.xlsx"
    workbook(xlsx)
    page.locator("#service-return-area").get_by_role("textbox").fill("Children's Services")
    page.locator("#service-return-date").get_by_role("textbox").fill("2025-06-02")
    page.locator("#service-return-file").locator("input[type=file]").set_input_files(str(xlsx))
    page.locator("#service-attach").click()
    page.locator("#service-message").get_by_text("Attached: Service return — Children's Services, 2 June 2025").wait_for(timeout=120_000)
    page.locator("#service-redraft").click()
    proposal = page.locator("#service-proposal-1")
    proposal.wait_for(timeout=300_000)
    assert "passes every check" in proposal.inner_text()
    assert "+55.5 FTE agency children's social workers were working for the council on 1 January 2025." in proposal.inner_text()
    page.locator("#service-accept").click()
    page.locator("#service-message").get_by_text("Question 1: redraft accepted as a new version.").wait_for(timeout=120_000)
    page.wait_for_function(
        "[...document.querySelectorAll('#card-1 textarea')].some(t => t.value.startsWith('55.5 FTE agency'))", timeout=120_000
    )
    # the answer cites the return, and the flags the return answered stay listed, greyed, resolved with the reason
    page.locator("#card-1 li.flag.resolved").first.wait_for(timeout=120_000)
    cards_text = " ".join(page.locator("#card-1").all_inner_texts())
    resolved = page.locator("#card-1 li.flag.resolved").all_inner_texts()
    assert resolved and all("resolved by officer" in t and f"Answered by the {TITLE}" in t for t in resolved)
    assert TITLE in cards_text  # the source shown with the answer
    open_flags = " ".join(page.locator("#card-1 li.flag.open").all_inner_texts()).lower()
    assert "stale" not in open_flags and "not in source" not in open_flags and "another period" not in open_flags
    page.screenshot(path=str(ARTIFACTS / "service-redraft.png"), full_page=True)

    # Regenerate on question 2 drafts it again with the return among its sources: the new figure, cited
    page.locator("#card-2:visible button.regenerate").first.click()
    page.wait_for_function(
        "[...document.querySelectorAll('#card-2 textarea')].some(t => t.value.includes('3,120,400'))", timeout=300_000
    )
    page.locator("#card-2 li.flag.resolved").first.wait_for(timeout=120_000)
    assert TITLE in " ".join(page.locator("#card-2").all_inner_texts())
    assert all(f"Answered by the {TITLE}" in t for t in page.locator("#card-2 li.flag.resolved").all_inner_texts())

    # adding the return to the shared corpus is the officer's choice, and needs a corpus role (admin by default)
    choice = page.locator("#service-share-choice").get_by_role("combobox")
    choice.click()
    page.get_by_role("option").filter(has_text="Children's Services, 02 Jun 2025").first.click()
    page.locator("#service-share").click()
    page.locator("#service-message").get_by_text("Not added to the corpus").wait_for(timeout=120_000)
    assert "cannot change the corpus" in page.locator("#service-message").inner_text()

    # nothing is waiting any more
    page.get_by_role("tab", name="Cases").click()
    page.locator("#service-chasing-empty").wait_for(timeout=120_000)
    assert page.outside == []  # type: ignore[attr-defined]
    page.context.close()
