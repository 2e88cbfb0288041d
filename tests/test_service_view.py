"""The service panel's fragments and the chasing list: escaped, overdue requests marked, the panel in the app."""
from __future__ import annotations

from datetime import date

from assistant.cases import CaseStore
from assistant.settings import Settings
from assistant.ui.service_view import case_service_html, chasing_table, parse_areas


def store_with_requests(tmp_path):
    store = CaseStore(tmp_path / "cases.db")
    a = store.create_case("1. How many <b>foster</b> carers in 2024/25?", reference="FOI <1>", received=date(2025, 5, 1), today=date(2025, 5, 2), created_by="amy")
    b = store.create_case("1. Spend on agency staff 2023/24?", reference="FOI 2", received=date(2025, 5, 1), today=date(2025, 5, 2), created_by="amy")
    q = [{"number": "1", "text": "x", "period": "2024/25"}]
    store.record_service_request(a, area="Children's <Services>", questions=q, sent_on=date(2025, 5, 2), due=date(2025, 5, 16), user="amy", recipient="<cs@x>")
    store.record_service_request(b, area="Finance", questions=q, sent_on=date(2025, 5, 12), due=date(2025, 5, 27), user="amy")
    return store, a, b


def test_chasing_list_shows_outstanding_requests_and_those_past_due(tmp_path):
    store, a, b = store_with_requests(tmp_path)
    html = chasing_table(store.outstanding_service_requests(), today=date(2025, 5, 20))
    assert "Service requests waiting for figures: 2, 1 past their due date" in html
    assert html.index("FOI &lt;1&gt;") < html.index("FOI 2")  # earliest due first
    assert "overdue by 4 day(s): chase" in html and html.count("overdue-row") == 1
    assert "<b>" not in html and "Children&#x27;s &lt;Services&gt;" in html and "&lt;cs@x&gt;" in html
    store.add_service_return(a, area="Children's Services", received=date(2025, 5, 21), text="45 carers", items=["45 carers"], user="amy",
                             request_id=store.service_requests(a)[0].id)
    html = chasing_table(store.outstanding_service_requests(), today=date(2025, 5, 28))
    assert "FOI &lt;1&gt;" not in html and "Service requests waiting for figures: 1, 1 past their due date" in html
    assert "No service requests are waiting" in chasing_table([], today=date(2025, 5, 28))


def test_case_log_and_area_edits(tmp_path):
    store, a, _ = store_with_requests(tmp_path)
    html = case_service_html(store.service_requests(a), store.service_returns(a), today=date(2025, 5, 20))
    assert "sent to <strong>Children&#x27;s &lt;Services&gt;</strong>" in html and "overdue" in html
    rid = store.add_service_return(a, area="Children's Services", received=date(2025, 5, 21), text="45 carers", items=["45 carers"], user="amy")
    html = case_service_html(store.service_requests(a), store.service_returns(a), today=date(2025, 5, 20))
    assert "kept with the case only" in html
    store.record_return_shared(a, rid, "service-return-foi-1-children-s-services-2025-05-21", "amy")
    html = case_service_html(store.service_requests(a), store.service_returns(a), shared=store.shared_returns(a))
    assert "added to the shared corpus as service-return-foi-1-children-s-services-2025-05-21" in html
    assert parse_areas("1: Children's Services\n2. : \n3.: Finance\nnonsense") == {"1": "Children's Services", "3": "Finance"}


def test_the_app_has_the_service_panel_and_the_chasing_list(tmp_path):
    from assistant.drafting import Drafter
    from assistant.ui.app import build_app

    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tmp_path / "corpus")
    demo = build_app(settings, drafter=Drafter(settings), store=CaseStore(tmp_path / "cases.db"))
    ids = {getattr(block, "elem_id", None) for block in demo.blocks.values()}
    assert {"service-panel", "service-prepare", "service-return-file", "service-redraft", "service-accept", "service-chasing-list",
            "service-share", "service-share-choice"} <= ids
