"""Measuring the short-answer scorer against human scores (pure).

Reads JSON Lines of {q_id, question, references, answer, score, max_score} (optionally a rubric of
{point, weight, synonyms}). Cold: every question is scored from its text, references and rubric alone. Warm: a
random share of each question's answers plays the graders' confirmations, the scorer is fitted on them, and
the rest are scored. Agreement is reported on the integer 0-10 scale."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from examengine.scoring.agreement import Agreement, agreement, to_scale
from examengine.scoring.shortanswer import ItemSpec, Scorer, ScoringPoint


class EvalFileError(ValueError):
    """A line of the evaluation file is not usable; names the file, line and field."""

    code = "EVAL_FILE_INVALID"


@dataclass
class Question:
    q_id: str
    spec: ItemSpec
    answers: list[str] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)


@dataclass
class Scored:
    q_id: str
    max_points: float
    human: list[float]
    machine: list[float]
    confident: list[bool]


@dataclass
class Report:
    mode: str
    per_question: dict[str, Agreement]
    groups: dict[str, Agreement]  # e.g. ADS, LE, and "overall"
    confident_share: dict[str, float]
    confident_adjacent: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON: a figure that cannot be computed (no spread, nothing confident) is null."""
        return _finite({
            "mode": self.mode,
            "questions": {q: a.as_dict() for q, a in self.per_question.items()},
            "groups": {g: a.as_dict() | {"confident_share": self.confident_share[g],
                                         "confident_adjacent": self.confident_adjacent[g]}
                       for g, a in self.groups.items()},
        })


def _finite(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


REQUIRED = ("q_id", "question", "references", "answer", "score", "max_score")


def read(path: str | Path) -> list[Question]:
    """Questions in file order, each with its answers and human scores."""
    questions: dict[str, Question] = {}
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{path}, line {n}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvalFileError(f"{where}: not JSON ({exc.msg})") from exc
            for key in REQUIRED:
                if key not in row:
                    raise EvalFileError(f"{where}: field {key} is missing")
            try:
                score, top = float(row["score"]), float(row["max_score"])
            except (TypeError, ValueError) as exc:
                raise EvalFileError(f"{where}: score and max_score must be numbers") from exc
            if top <= 0 or not 0 <= score <= top:
                raise EvalFileError(f"{where}: field score {score:g} is outside 0..{top:g}")
            refs = row["references"]
            if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
                raise EvalFileError(f"{where}: field references must be a list of texts")
            q = questions.get(row["q_id"])
            if q is None:
                rubric = tuple(ScoringPoint(p["point"], float(p["weight"]), tuple(p.get("synonyms") or ()))
                               for p in row.get("rubric") or [])
                # Scores move in tenths of the question's points, so that 0-10 and 0-1 questions compare.
                spec = ItemSpec(row["question"], tuple(refs), rubric, top, top / 10)
                q = questions[row["q_id"]] = Question(row["q_id"], spec)
            q.answers.append(str(row["answer"] or ""))
            q.scores.append(score)
    return list(questions.values())


def group_of(q_id: str) -> str:
    """ADS-001 -> ADS; cam01-035 -> cam01."""
    return q_id.split("-")[0]


def run(questions: Iterable[Question], mode: str = "cold", warm_fraction: float = 0.3, seed: int = 0,
        make_scorer: Callable[[ItemSpec], Scorer] = Scorer) -> list[Scored]:
    if mode not in ("cold", "warm"):
        raise ValueError("mode is cold or warm")
    if mode == "warm" and not 0 < warm_fraction < 1:
        raise ValueError("warm_fraction must be between 0 and 1")
    rng = np.random.default_rng(seed)
    out = []
    for q in questions:
        scorer = make_scorer(q.spec)
        idx = np.arange(len(q.answers))
        if mode == "warm":
            idx = rng.permutation(len(q.answers))
            k = min(max(round(warm_fraction * len(idx)), 1), len(idx) - 1)
            train, idx = idx[:k], idx[k:]
            scorer.fit([q.answers[i] for i in train], [q.scores[i] for i in train])
        suggestions = scorer.score_many([q.answers[i] for i in idx])
        out.append(Scored(q.q_id, q.spec.max_points, [q.scores[i] for i in idx],
                          [s.points for s in suggestions], [s.confident for s in suggestions]))
    return out


def report(scored: list[Scored], mode: str) -> Report:
    per_q: dict[str, Agreement] = {}
    pooled: dict[str, tuple[list[int], list[int], list[bool]]] = {}
    for s in scored:
        h, m = to_scale(s.human, s.max_points), to_scale(s.machine, s.max_points)
        per_q[s.q_id] = agreement(h, m)
        for g in (group_of(s.q_id), "overall"):
            bucket = pooled.setdefault(g, ([], [], []))
            bucket[0].extend(h.tolist())
            bucket[1].extend(m.tolist())
            bucket[2].extend(s.confident)
    groups, share, adjacent = {}, {}, {}
    for g, (h, m, c) in pooled.items():
        groups[g] = agreement(h, m)
        mask = np.asarray(c, dtype=bool)
        share[g] = float(mask.mean()) if len(mask) else 0.0
        diff = np.abs(np.asarray(h) - np.asarray(m))[mask]
        adjacent[g] = float((diff <= 1).mean()) if len(diff) else float("nan")
    # overall last
    ordered = {g: groups[g] for g in sorted(groups) if g != "overall"} | {"overall": groups["overall"]}
    return Report(mode, per_q, ordered, share, adjacent)


def line(name: str, a: Agreement) -> str:
    return (f"{name} qwk={a.qwk:.3f} r={a.r:.3f} exact={a.exact:.3f} adjacent={a.adjacent:.3f} "
            f"smd={a.smd:.3f} n={a.n}")


def text_report(rep: Report) -> list[str]:
    lines = [f"# mode={rep.mode}; agreement with the human scores on the 0-10 scale"]
    for q, a in rep.per_question.items():
        lines.append(line(f"question {q}", a))
    for g, a in rep.groups.items():
        if g == "overall":
            continue
        lines.append(line(f"group {g}", a) + f" confident={rep.confident_share[g]:.3f}"
                     f" confident_adjacent={rep.confident_adjacent[g]:.3f}")
    lines.append(f"# confident: share={rep.confident_share['overall']:.3f} "
                 f"adjacent={rep.confident_adjacent['overall']:.3f}")
    lines.append(line("overall", rep.groups["overall"]))
    return lines
