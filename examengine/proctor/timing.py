"""When a candidate may start, and when their time is up (pure). The server's clock rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Window:
    opens_at: datetime
    closes_at: datetime
    duration_minutes: int
    late_entry_minutes: int


def start_refusal(window: Window, now: datetime, extra_minutes: int = 0) -> tuple[str, str, str] | None:
    """Why a start at `now` is refused as (code, zh, en), or None when it is allowed."""
    if now < window.opens_at:
        return ("SITTING_NOT_OPEN", "考试尚未开始，请在开考时间后进入", "the sitting has not opened yet")
    if now >= window.closes_at + timedelta(minutes=extra_minutes):
        return ("SITTING_CLOSED", "本场考试已结束", "the sitting has closed")
    if now > window.opens_at + timedelta(minutes=window.late_entry_minutes):
        return ("LATE_ENTRY_CLOSED", f"开考{window.late_entry_minutes}分钟后不得入场",
                f"entry closes {window.late_entry_minutes} minutes after the start")
    return None


def deadline(window: Window, started_at: datetime, extra_minutes: int = 0) -> datetime:
    """Start + duration + extra time, never past the window's end + extra time."""
    extra = timedelta(minutes=extra_minutes)
    return min(started_at + timedelta(minutes=window.duration_minutes) + extra, window.closes_at + extra)
