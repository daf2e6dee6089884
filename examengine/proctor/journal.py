"""The answer journal's hash chain (pure).

Each entry's hash covers the previous hash and the entry's canonical form, so changing, removing or reordering
any entry breaks every hash after it. The head is also kept on the session row, so dropping the last entries is
caught too."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def canonical_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(prev: str, n: int, kind: str, position: int | None, seq: int | None, payload: Any,
               at: datetime) -> str:
    body = json.dumps([n, kind, position, seq, payload, canonical_time(at)], ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))
    return hashlib.sha256(f"{prev}\n{body}".encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    n: int
    kind: str
    position: int | None
    seq: int | None
    payload: Any
    at: datetime
    hash: str


@dataclass(frozen=True)
class Verdict:
    ok: bool
    entries: int
    first_bad: int | None = None  # the entry number where the chain breaks
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "entries": self.entries, "first_bad": self.first_bad, "reason": self.reason}


def verify(entries: Iterable[Entry], head: str, count: int) -> Verdict:
    """Recompute the chain from the first entry; `head` and `count` are what the session row says."""
    prev = GENESIS
    checked = 0
    for expected_n, e in enumerate(entries, start=1):
        if e.n != expected_n:
            return Verdict(False, checked, expected_n, f"entry {expected_n} is missing (found {e.n})")
        if entry_hash(prev, e.n, e.kind, e.position, e.seq, e.payload, e.at) != e.hash:
            return Verdict(False, checked, e.n, f"entry {e.n} does not match its hash")
        prev = e.hash
        checked += 1
    if checked != count:
        return Verdict(False, checked, checked + 1, f"the session records {count} entries, the journal has {checked}")
    if prev != head:
        return Verdict(False, checked, checked, "the last entry's hash is not the session's head")
    return Verdict(True, checked)
