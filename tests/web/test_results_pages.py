"""Results pages without a browser: who may open them, CSRF on publishing, English labels, the export links."""

from __future__ import annotations

import csv
import io

from examengine import limiter
from examengine import models as _models  # noqa: F401  (every table mapped before the fixtures' imports)
from tests.proctor.conftest import rules  # noqa: F401  (fixture)
from tests.scoring.conftest import CORRECT, finalise_short_answers, submitted_sitting  # noqa: F401
from tests.web.test_pages import csrf, login


def test_only_staff_open_a_sittings_results_and_publishing_needs_the_csrf_token(app, client,
                                                                                submitted_sitting):  # noqa: F811
    with app.app_context():
        limiter.reset()
    s = submitted_sitting(1, CORRECT)
    finalise_short_answers(app, 30)
    login(client, "candidate")
    assert client.get(f"/results/sittings/{s.code}").status_code == 403
    assert client.get(f"/results/sittings/{s.code}/export.csv").status_code == 403
    assert client.post("/logout", data={"csrf_token": csrf(client, "/")}).status_code == 302
    login(client, "grader")
    assert client.get(f"/results/sittings/{s.code}").status_code == 403
    assert client.get("/exam/results").status_code == 403  # results.own is the candidates'
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    login(client, "staff")
    page = f"/results/sittings/{s.code}"
    assert "s1-0001" in client.get(page).get_data(as_text=True)
    assert client.post(f"{page}/publish").status_code == 400  # no CSRF token: nothing published
    assert "成绩尚未发布" in client.get(page).get_data(as_text=True)
    assert client.post(f"{page}/publish", data={"csrf_token": csrf(client, page)}).status_code == 302
    assert "成绩已发布" in client.get(page).get_data(as_text=True)
    export = client.get(f"{page}/export.csv")
    rows = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"))))
    assert rows[1][:6] == ["s1-0001", "考生1", s.candidates[0].id_number, "100.0", "100.0", "合格"]
    assert client.get(f"{page}/export.pdf").status_code == 422
    client.get("/lang/en")
    assert "Publish results" not in client.get(page).get_data(as_text=True)  # already published
    assert "Withdraw publication" in client.get(page).get_data(as_text=True)
