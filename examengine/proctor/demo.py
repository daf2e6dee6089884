"""A demo sitting for `make run`: the demo candidate, enrolled and trained, with a seat in a sitting open now."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from examengine.auth.models import User
from examengine.bank.service import get_program
from examengine.db import db
from examengine.proctor import idcard, service
from examengine.proctor.models import Candidate, Sitting, TrainingRecord

DEMO_ID17 = "11010519900307123"  # a made-up resident ID number with a valid check digit appended below
PROGRAM, LEVEL, WORK_TYPE, BLUEPRINT = "carbon_manager", "L4", "monitoring", "cm-l4-monitoring"


def _admin() -> User:
    return User(id=None, username="demo", role="admin", active=True)  # type: ignore[call-arg]


def create(opens_at: datetime, hours: int = 12) -> str:
    """Idempotent: the demo sitting is made once; later calls report it."""
    user = db.session.scalar(select(User).where(User.username == "candidate"))
    if user is None:
        return "no demo candidate account; run `flask users demo` first"
    program = get_program(PROGRAM)
    cand = db.session.scalar(select(Candidate).where(Candidate.user_id == user.id))
    if cand is None:
        number = DEMO_ID17 + idcard.check_digit(DEMO_ID17)
        cand = Candidate(user_id=user.id, id_number=number, name="演示考生", gender="F",
                         birth_date=date(1990, 3, 7), education="bachelor", phone="13800000000",
                         employer="示例电力有限公司", industry="发电", related_work_years=Decimal("4"))
        db.session.add(cand)
        db.session.flush()
        db.session.add(TrainingRecord(candidate_id=cand.id, program_id=program.id, level=LEVEL, work_type="",
                                      hours=Decimal("80"), course_hours=Decimal("80"), source="demo"))
        db.session.commit()
        service.enrol(_admin(), cand.id_number, PROGRAM, LEVEL, WORK_TYPE, on=opens_at.date())
    code = f"demo-{opens_at.strftime('%Y%m%d')}"
    if db.session.scalar(select(Sitting.id).where(Sitting.code == code)) is None:
        service.create_sitting(_admin(), code, BLUEPRINT, opens_at, opens_at + timedelta(hours=hours),
                               title="演示考试：碳排放管理员（四级 监测）", late_entry_minutes=hours * 60 - 90)
        service.seat_candidates(_admin(), code, [cand.id_number])
        service.prepare_papers(_admin(), code)
    return f"demo sitting {code}: log in as `candidate` and open /exam"
