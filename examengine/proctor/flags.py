"""Flags for staff from a session's events and save times (pure). A flag asks a person to look; it decides
nothing by itself."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Event kinds the exam page reports, and the ones the server records itself.
PAGE_EVENTS = frozenset({"focus_lost", "focus_regained", "hidden", "visible", "copy", "paste", "cut",
                         "fullscreen_exit", "fullscreen_enter", "reconnect", "offline", "context_menu"})
SERVER_EVENTS = frozenset({"ip_change", "agent_change", "takeover", "late_save", "auto_submit"})


@dataclass(frozen=True)
class Thresholds:
    focus_losses: int = 5          # focus lost or page hidden this many times
    pastes: int = 1                # pasted text into an answer
    fullscreen_exits: int = 3
    # Reading speed for the fastest honest reader of Chinese exam text, and how many answers under it count.
    chars_per_second: float = 25.0
    min_read_seconds: float = 2.0
    fast_answers: int = 8
    fast_share: float = 0.25


@dataclass(frozen=True)
class Flag:
    code: str
    count: int
    message_zh: str
    message_en: str

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "count": self.count, "message_zh": self.message_zh, "message_en": self.message_en}


@dataclass
class SessionActivity:
    started_at: datetime
    event_kinds: list[str] = field(default_factory=list)
    # (time, position) of every save, in order; the first save of a position is when it was answered.
    saves: list[tuple[datetime, int]] = field(default_factory=list)
    text_length: Mapping[int, int] = field(default_factory=dict)  # characters to read per position


def fast_answers(activity: SessionActivity, t: Thresholds) -> tuple[int, int]:
    """(answers given faster than their text can be read, answers given)."""
    seen: set[int] = set()
    last = activity.started_at
    fast = answered = 0
    for at, position in activity.saves:
        if position not in seen:
            seen.add(position)
            answered += 1
            need = max(t.min_read_seconds, activity.text_length.get(position, 0) / t.chars_per_second)
            if (at - last).total_seconds() < need:
                fast += 1
        last = at
    return fast, answered


def flags(activity: SessionActivity, t: Thresholds = Thresholds()) -> list[Flag]:
    kinds = Counter(activity.event_kinds)
    out: list[Flag] = []
    losses = kinds["focus_lost"] + kinds["hidden"]
    if losses >= t.focus_losses:
        out.append(Flag("FOCUS_LOSSES", losses, f"离开考试页面{losses}次", f"left the exam page {losses} times"))
    if kinds["paste"] >= t.pastes:
        out.append(Flag("PASTE", kinds["paste"], f"粘贴文本{kinds['paste']}次", f"pasted text {kinds['paste']} times"))
    if kinds["fullscreen_exit"] >= t.fullscreen_exits:
        n = kinds["fullscreen_exit"]
        out.append(Flag("FULLSCREEN_EXITS", n, f"退出全屏{n}次", f"left full screen {n} times"))
    if kinds["ip_change"]:
        n = kinds["ip_change"]
        out.append(Flag("IP_CHANGE", n, f"考试中网络地址变化{n}次", f"the network address changed {n} times"))
    if kinds["takeover"]:
        n = kinds["takeover"]
        out.append(Flag("TAKEOVER", n, f"在另一浏览器接管考试{n}次", f"taken over by another browser {n} times"))
    fast, answered = fast_answers(activity, t)
    if answered and fast >= t.fast_answers and fast >= t.fast_share * answered:
        out.append(Flag("FAST_ANSWERING", fast, f"{fast}道题的作答快于阅读所需时间",
                        f"{fast} answers given faster than the question can be read"))
    return out

