"""The JSON API over real HTTP: `foi serve` started on a loopback port over a small real index, with an officer
and two reviewers signed in (bcrypt hashes), called with httpx.

Checks what the case store promises, seen from outside: sign-in is required, roles and segregation of duties hold,
a save or a decision on a version that changed meanwhile gets 409 and overwrites nothing, bad input gets a clear
JSON error (never a traceback) and leaves the stored data as it was. The database is read directly with sqlite3 to
see what was really stored.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import httpx
import pytest

from assistant.signin import hash_password

REPO_ROOT = Path(__file__).resolve().parent.parent
SEED = REPO_ROOT / "corpus" / "decisions" / "2025-12409004-child-exploitation.txt"
POLICY = REPO_ROOT / "corpus" / "policies" / "short-breaks.md"
PASSWORDS = {"amy": "amy-officer-pw", "raj": "raj-reviewer-pw", "ria": "ria-reviewer-pw"}
ROLES = {"amy": "officer", "raj": "reviewer", "ria": "reviewer"}
def _call(method: str, *args: object, **kwargs: object) -> httpx.Response:
    """One HTTP call with a timeout long enough for a bcrypt check or a draft on a busy 2-core machine."""
    kwargs.setdefault("timeout", 60)
    return getattr(httpx, method)(*args, **kwargs)


def _get(*args: object, **kwargs: object) -> httpx.Response:
    return _call("get", *args, **kwargs)


def _post(*args: object, **kwargs: object) -> httpx.Response:
    return _call("post", *args, **kwargs)


def _put(*args: object, **kwargs: object) -> httpx.Response:
    return _call("put", *args, **kwargs)


REQUEST = (
    "Dear FOI team,\n1. Does the council have a standalone Child Sexual Exploitation (CSE) strategy?\n"
    "2. Please provide membership by organisation and frequency of meetings for the multi-agency partnership for "
    "child exploitation.\nThank you."
)


@pytest.fixture(scope="module")
def server(tmp_path_factory, make_foi_settings):
    """(base URL, data dir): the app over an index of the seed decision and one policy."""
    from _common import app_server

    from assistant.index import Index

    root = tmp_path_factory.mktemp("api")
    corpus = root / "corpus"
    (corpus / "decisions").mkdir(parents=True)
    (corpus / "policies").mkdir()
    shutil.copy(SEED, corpus / "decisions" / SEED.name)
    shutil.copy(POLICY, corpus / "policies" / POLICY.name)
    data = root / "data"
    report = Index(make_foi_settings(data)).ingest([corpus])
    assert not report.failures
    users = [{"username": u, "password_hash": hash_password(p, rounds=4), "role": ROLES[u]} for u, p in PASSWORDS.items()]
    with app_server(data, root / "server.log", users, FOI_CORPUS_DIR=str(corpus)) as base:
        yield base, data


@pytest.fixture(scope="module")
def clients(server):
    """One signed-in client per user (a bearer token each)."""
    base, _ = server
    out = {}
    for user, password in PASSWORDS.items():
        r = _post(f"{base}/api/login", json={"username": user, "password": password}, timeout=60)
        assert r.status_code == 200, r.text
        assert r.json()["role"] == ROLES[user]
        out[user] = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {r.json()['token']}"}, timeout=600)
    yield out
    for c in out.values():
        c.close()


@pytest.fixture(scope="module")
def drafted(clients):
    """A case opened and drafted by the officer: its JSON."""
    amy = clients["amy"]
    made = amy.post("/api/cases", json={"request_text": REQUEST, "requester": "<b>Ms Example</b>"})
    assert made.status_code == 201, made.text
    case_id = made.json()["id"]
    done = amy.post(f"/api/cases/{case_id}/draft", json={"wait_seconds": 300})
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["drafting"]["error"] is None and not body["drafting"]["running"]
    assert [a["number"] for a in body["answers"]] == ["1", "2"]
    return body


def db(data: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(data / "cases.sqlite3")
    conn.row_factory = sqlite3.Row
    return conn


def stored_answer(data: Path, case_id: int, number: str) -> tuple[str, int]:
    with db(data) as conn:
        row = conn.execute("SELECT answer, version FROM drafts WHERE case_id = ? AND number = ?", (case_id, number)).fetchone()
    return row["answer"], row["version"]


def snapshot(data: Path) -> dict[str, list]:
    """Every row of the tables an API call could change."""
    with db(data) as conn:
        return {t: [tuple(r) for r in conn.execute(f"SELECT * FROM {t} ORDER BY rowid")]
                for t in ("cases", "drafts", "versions", "reviews", "edits", "events")}


def is_clear_error(r: httpx.Response, status: int) -> str:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/json")
    message = r.json()["error"]
    assert message and "Traceback" not in r.text and 'File "' not in r.text
    return message


def test_every_call_needs_a_signed_in_user(server):
    base, _ = server
    assert "Sign in first" in is_clear_error(_get(f"{base}/api/cases"), 401)
    assert is_clear_error(_post(f"{base}/api/cases", json={"request_text": REQUEST}), 401)
    forged = {"Authorization": "Bearer not-a-token-anyone-was-given"}
    assert "sign in again" in is_clear_error(_get(f"{base}/api/cases/1", headers=forged), 401)
    wrong = _post(f"{base}/api/login", json={"username": "amy", "password": "guess"})
    assert "Wrong user name or password" in is_clear_error(wrong, 401)
    assert is_clear_error(_post(f"{base}/api/login", json={"username": "nobody", "password": "x"}), 401)


def test_the_api_has_the_same_edge_as_the_workspace(server, clients):
    base, _ = server
    r = clients["amy"].get("/api/me")
    assert r.json() == {"username": "amy", "role": "officer", "sign_in": "on"}
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["cache-control"] == "no-store"
    assert "Unknown host" in is_clear_error(clients["amy"].get("/api/me", headers={"host": "evil.example"}), 421)
    assert is_clear_error(clients["amy"].get("/api/me", headers={"origin": "http://evil.example"}), 403)
    cross_site = clients["amy"].post("/api/cases", json={"request_text": REQUEST}, headers={"origin": "https://evil.example"})
    assert "another site" in is_clear_error(cross_site, 403)


def test_officer_opens_and_drafts_a_case_and_text_comes_back_as_data(server, clients, drafted):
    _, data = server
    assert drafted["state"] == "drafting" and drafted["created_by"] == "amy"
    assert drafted["requester"] == "<b>Ms Example</b>"  # JSON string, not markup: nothing is rendered here
    first = drafted["answers"][0]
    assert first["version"] == 1 and first["answer"] and first["status"]
    assert any(c["doc_id"] == SEED.stem for a in drafted["answers"] for c in a["citations"]), [a["answer"] for a in drafted["answers"]]
    read = clients["raj"].get(f"/api/cases/{drafted['id']}").json()
    assert [a["answer"] for a in read["answers"]] == [a["answer"] for a in drafted["answers"]]
    assert stored_answer(data, drafted["id"], "1") == (first["answer"], 1)
    listed = clients["raj"].get("/api/cases", params={"state": "drafting"}).json()
    assert drafted["id"] in [c["id"] for c in listed]


def test_roles_are_enforced_by_the_store(clients, drafted):
    raj = clients["raj"]
    assert "cannot open cases" in is_clear_error(raj.post("/api/cases", json={"request_text": REQUEST}), 403)
    assert is_clear_error(raj.post(f"/api/cases/{drafted['id']}/submit", json={}), 403)
    version = drafted["answers"][0]["version"]
    refused = clients["amy"].post(f"/api/cases/{drafted['id']}/answers/1/review",
                                  json={"decision": "approved", "version": version})
    assert "cannot approve or return" in is_clear_error(refused, 403)


def test_a_stale_edit_gets_409_and_overwrites_nothing(server, clients, drafted):
    _, data = server
    case_id, v = drafted["id"], drafted["answers"][0]["version"]
    saved = clients["amy"].put(f"/api/cases/{case_id}/answers/1", json={"answer": "The panel meets monthly [1].", "version": v})
    assert saved.status_code == 200, saved.text
    assert saved.json()["changed"] is True and saved.json()["version"] == v + 1
    stale = clients["raj"].put(f"/api/cases/{case_id}/answers/1", json={"answer": "Raj's text from the old screen.", "version": v})
    message = is_clear_error(stale, 409)
    assert "Nothing was overwritten" in message
    assert stale.json()["conflict"] is True and stale.json()["current_version"] == v + 1 and stale.json()["current_user"] == "amy"
    assert stored_answer(data, case_id, "1") == ("The panel meets monthly [1].", v + 1)
    with db(data) as conn:
        assert conn.execute("SELECT COUNT(*) FROM versions WHERE case_id = ? AND answer LIKE 'Raj%'", (case_id,)).fetchone()[0] == 0


def test_review_binds_to_the_version_seen_and_keeps_duties_apart(server, clients, drafted):
    _, data = server
    amy, raj, ria = clients["amy"], clients["raj"], clients["ria"]
    case_id = drafted["id"]
    early = raj.post(f"/api/cases/{case_id}/answers/2/review", json={"decision": "approved", "version": 1})
    assert "not sent it for review" in is_clear_error(early, 409)
    assert amy.post(f"/api/cases/{case_id}/submit", json={}).json() == {"id": case_id, "state": "in_review"}

    seen = raj.get(f"/api/cases/{case_id}").json()["answers"][1]  # the reviewer opens question 2 ...
    changed = amy.put(f"/api/cases/{case_id}/answers/2",
                      json={"answer": "The council spent £10 million on agencies.", "version": seen["version"]})
    assert changed.status_code == 200  # ... the officer changes it meanwhile ...
    unseen = raj.post(f"/api/cases/{case_id}/answers/2/review", json={"decision": "approved", "version": seen["version"]})
    assert "changed since you opened it" in is_clear_error(unseen, 409)  # ... and approving what was shown is refused
    with db(data) as conn:
        assert conn.execute("SELECT COUNT(*) FROM reviews WHERE case_id = ? AND number = '2'", (case_id,)).fetchone()[0] == 0

    current = raj.get(f"/api/cases/{case_id}").json()["answers"]
    assert is_clear_error(raj.post(f"/api/cases/{case_id}/answers/2/review",
                                   json={"decision": "returned", "comment": "  ", "version": current[1]["version"]}), 400)
    back = raj.post(f"/api/cases/{case_id}/answers/2/review",
                    json={"decision": "returned", "comment": "Where is £10 million from?", "version": current[1]["version"]})
    assert back.status_code == 200 and back.json()["case_state"] == "returned"
    fixed = raj.put(f"/api/cases/{case_id}/answers/2",  # the reviewer corrects it himself ...
                    json={"answer": "Police, health and social care attend [1].", "version": current[1]["version"]})
    assert fixed.status_code == 200
    own = raj.post(f"/api/cases/{case_id}/answers/2/review", json={"decision": "approved", "version": fixed.json()["version"]})
    assert "another reviewer must approve it" in is_clear_error(own, 403)  # ... so he may not approve it
    assert amy.post(f"/api/cases/{case_id}/submit", json={}).json()["state"] == "in_review"
    for number, version in (("1", current[0]["version"]), ("2", fixed.json()["version"])):
        ok = ria.post(f"/api/cases/{case_id}/answers/{number}/review", json={"decision": "approved", "version": version})
        assert ok.status_code == 200, ok.text
    final = amy.get(f"/api/cases/{case_id}").json()
    assert final["state"] == "approved" and [a["review_state"] for a in final["answers"]] == ["approved", "approved"]
    with db(data) as conn:
        approved = conn.execute("SELECT number, version, user FROM reviews WHERE case_id = ? AND decision = 'approved'"
                                " ORDER BY id", (case_id,)).fetchall()
    assert [tuple(r) for r in approved] == [("1", current[0]["version"], "ria"), ("2", fixed.json()["version"], "ria")]


def test_bad_input_gets_a_clear_error_and_leaves_data_intact(server, clients, drafted):
    _, data = server
    amy = clients["amy"]
    case_id = drafted["id"]
    before = snapshot(data)
    url = f"/api/cases/{case_id}/answers/1"
    cases = [
        (amy.post("/api/cases", content=b"request_text=hi", headers={"content-type": "application/x-www-form-urlencoded"}), 415, "JSON"),
        (amy.post("/api/cases", content=b'{"request_text": "1. How', headers={"content-type": "application/json"}), 400, "not valid JSON"),
        (amy.post("/api/cases", content=b"\xff\xfe\x00\x01binary", headers={"content-type": "application/json"}), 400, "not UTF-8"),
        (amy.post("/api/cases", content=b"[1, 2]", headers={"content-type": "application/json"}), 400, "JSON object"),
        (amy.post("/api/cases", json={"request_text": "x" * 1_100_000}), 413, "the most accepted"),
        (amy.post("/api/cases", json={"request_text": "a\x00b"}), 400, "binary data"),
        (amy.post("/api/cases", json={"request_text": ""}), 400, "request_text"),
        (amy.post("/api/cases", json={"request_text": "   \n "}), 400, "The request is empty"),
        (amy.post("/api/cases", json={"request_text": REQUEST, "received": "2999-01-01"}), 400, "in the future"),
        (amy.post("/api/cases", json={"request_text": REQUEST, "received": "last Tuesday"}), 400, "not a date"),
        (amy.post("/api/cases", json={"request_text": REQUEST, "owner": "raj"}), 400, "owner"),
        (amy.put(url, json={"answer": "No version given."}), 400, "version"),
        (amy.put(url, json={"answer": "Version as text.", "version": "2"}), 400, "version"),
        (amy.put(url, json={"answer": "Version as a flag.", "version": True}), 400, "version"),
        (amy.put(url, json={"answer": 12, "version": 2}), 400, "answer"),
        (amy.put(f"/api/cases/{case_id}/answers/99", json={"answer": "x", "version": 1}), 404, "no question 99"),
        (amy.put(f"/api/cases/987654/answers/1", json={"answer": "x", "version": 1}), 404, "No case with id 987654"),
        (amy.get("/api/cases/abc"), 400, "case_id"),
        (amy.get(f"/api/cases/{10**30}"), 400, "case_id"),
        (amy.get("/api/cases", params={"state": "lost"}), 400, "Unknown case state"),
        (amy.post(f"/api/cases/{case_id}/answers/1/review", json={"decision": "maybe", "version": 1}), 400, "decision"),
        (amy.post(f"/api/cases/{case_id}/draft", json={"wait_seconds": 10_000}), 400, "wait_seconds"),
        (amy.get("/api/nothing/here"), 404, "no API address"),
    ]
    for response, status, words in cases:
        message = is_clear_error(response, status)
        assert words.lower() in message.lower(), (status, message)
    assert snapshot(data) == before


def test_sign_in_is_rate_limited_and_tokens_end_at_sign_out(server, clients):
    """Last in the module: after five failures the address is blocked from signing in for the window."""
    base, _ = server
    for _ in range(5):  # the sign-ins of the fixtures cleared the failures of the first test
        assert _post(f"{base}/api/login", json={"username": "amy", "password": "guess"}).status_code == 401
    blocked = _post(f"{base}/api/login", json={"username": "amy", "password": PASSWORDS["amy"]})
    assert "Too many failed sign-ins" in is_clear_error(blocked, 429)
    assert clients["ria"].get("/api/me").status_code == 200  # sessions already open are not affected
    assert clients["ria"].post("/api/logout", json={}).status_code == 200
    assert is_clear_error(clients["ria"].get("/api/me"), 401)


def test_without_users_the_api_acts_as_the_local_account(tmp_path):
    """Sign-in off (loopback only, refused elsewhere by check_listen): no token, the local account, as in the screens."""
    from types import SimpleNamespace

    import gradio as gr
    from fastapi.testclient import TestClient

    from assistant.cases import CaseStore
    from assistant.settings import Settings
    from assistant.ui.context import AppContext
    from assistant.ui.web import check_listen, make_server_app

    ctx = AppContext(Settings(data_dir=tmp_path), SimpleNamespace(), CaseStore(tmp_path / "c.db"))
    with gr.Blocks() as demo:
        gr.Markdown("hello")
    client = TestClient(make_server_app(demo, ctx, "127.0.0.1", ssr_mode=False, footer_links=[]), base_url="http://127.0.0.1")
    me = client.get("/api/me").json()
    assert me["sign_in"] == "off" and me["role"] == "admin"
    made = client.post("/api/cases", json={"request_text": REQUEST})
    assert made.status_code == 201 and made.json()["created_by"] == me["username"]
    with pytest.raises(SystemExit, match="no users are configured"):
        check_listen("0.0.0.0", users_configured=False)
    assert json.loads(client.get("/api/cases").text)[0]["id"] == made.json()["id"]
