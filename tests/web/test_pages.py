"""Pages through the test client: login with CSRF, permissions, language."""

import re

from tests.conftest import PASSWORD, item_id


def csrf(client, path="/login"):
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def login(client, username):
    return client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf(client)})


def test_login_requires_the_csrf_token(client, users):
    resp = client.post("/login", data={"username": "staff", "password": PASSWORD})
    assert resp.status_code == 400 and "CSRF_FAILED" in resp.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still not logged in


def test_login_and_logout(client, users):
    resp = login(client, "item_writer")
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "欢迎" in home and "命题员" in home
    token = re.search(r'name="csrf-token" content="([^"]+)"', home).group(1)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/bank/items").status_code == 302


def test_wrong_password_says_so(client, users):
    resp = client.post("/login", data={"username": "staff", "password": "nope", "csrf_token": csrf(client)})
    assert resp.status_code == 401 and "用户名或密码错误" in resp.get_data(as_text=True)


def test_next_parameter_cannot_leave_the_site(client, users):
    resp = client.post("/login?next=//evil.example/x",
                       data={"username": "staff", "password": PASSWORD, "csrf_token": csrf(client)})
    assert resp.headers["Location"] == "/"


def test_candidate_cannot_open_the_bank(client, users, demo_bank):
    login(client, "candidate")
    assert "题库" not in client.get("/").get_data(as_text=True)
    resp = client.get("/bank/items")
    assert resp.status_code == 403 and "FORBIDDEN" in resp.get_data(as_text=True)


def test_session_api_calls_need_csrf_but_token_calls_do_not(app, client, users, auth, demo_bank):
    login(client, "item_writer")
    iid = item_id(app, "pub-001")
    assert client.patch(f"/api/v1/items/{iid}", json={"difficulty": 4}).get_json()["code"] == "CSRF_FAILED"
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)
    assert client.patch(f"/api/v1/items/{iid}", json={"difficulty": 4}, headers={"X-CSRFToken": token}).status_code == 200
    assert client.get(f"/api/v1/items/{iid}").get_json()["difficulty"] == 4  # reads need no token
    other = app.test_client()
    assert other.patch(f"/api/v1/items/{iid}", json={"difficulty": 5}, headers=auth("admin")).status_code == 200


def test_item_pages_and_english(client, users, demo_bank, app):
    login(client, "grader")
    page = client.get("/bank/items?type=multi").get_data(as_text=True)
    assert "pub-003" in page and "pub-001" not in page and "共 1 条" in page
    detail = client.get(f"/bank/items/{item_id(app, 'acc-001')}").get_data(as_text=True)
    assert "评分要点" in detail and "排放系数" in detail
    client.get("/lang/en")
    english = client.get("/bank/items").get_data(as_text=True)
    assert "Items" in english and "Log out" in english and 'lang="en"' in english
    assert client.get("/lang/xx").status_code == 404
