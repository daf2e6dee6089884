"""A sitting open now, with the demo candidate enrolled, trained and seated, and a paper prepared."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import yaml

from examengine.auth.models import User
from examengine.db import db, utcnow
from examengine.proctor import idcard
from tests.conftest import DEMO_BANK

ADMIN = User(id=None, username="t-admin", role="admin", active=True)  # type: ignore[call-arg]


def id_number(seq: int) -> str:
    first17 = f"110105199001{seq % 28 + 1:02d}{seq % 1000:03d}"
    return first17 + idcard.check_digit(first17)


@dataclass
class Exam:
    sitting: str
    sitting_id: int
    user_id: int
    id_number: str
    opens_at: datetime


def make_candidate(user_id: int, seq: int, *, education: str = "bachelor", hours: float = 12) -> str:
    from examengine.bank.service import get_program
    from examengine.proctor.models import Candidate, TrainingRecord

    program = get_program("demo")
    number = id_number(seq)
    cand = Candidate(user_id=user_id, id_number=number, name=f"考生{seq}", gender="M", birth_date=date(1990, 1, 1),
                     education=education, related_work_years=Decimal("1"))
    db.session.add(cand)
    db.session.flush()
    db.session.add(TrainingRecord(candidate_id=cand.id, program_id=program.id, level="L4", work_type="",
                                  hours=Decimal(str(hours))))
    db.session.commit()
    return number


def open_sitting(code: str = "s1", opens_at: datetime | None = None, closes_in: timedelta = timedelta(hours=2),
                 late_entry: int = 60):
    from examengine.proctor import service

    opens_at = opens_at or utcnow() - timedelta(minutes=1)
    return service.create_sitting(ADMIN, code, "demo-l4", opens_at, opens_at + closes_in,
                                  late_entry_minutes=late_entry)


@pytest.fixture
def rules(app, demo_bank):
    from examengine.bank.service import get_program
    from examengine.proctor import service

    with app.app_context():
        data = yaml.safe_load((DEMO_BANK / "eligibility.yaml").read_text())
        service.load_rules(get_program("demo"), data, "demo_program/eligibility.yaml")
        db.session.remove()


@pytest.fixture
def exam(app, rules, users) -> Exam:
    from examengine.proctor import service

    with app.app_context():
        number = make_candidate(users["candidate"], 1)
        service.enrol(ADMIN, number, "demo", "L4", "accounting")
        sitting = open_sitting()
        result = service.seat_candidates(ADMIN, "s1")
        assert len(result.seated) == 1, result.refused
        service.prepare_papers(ADMIN, "s1")
        out = Exam("s1", sitting.id, users["candidate"], number, sitting.opens_at)
        db.session.remove()
    return out
