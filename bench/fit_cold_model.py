"""Refit the short-answer scorer's cold-start model (examengine/scoring/coldmodel.py) from labelled answers.

    python bench/fit_cold_model.py ../shared/scoring_eval/dev.jsonl

One ridge regression over all questions, predicting the share of the question's points from the features.
Prints how well it does on each question left out of the fit (leave one question out), then the
coefficients to paste into coldmodel.py."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import Ridge

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from examengine.scoring import coldmodel, evaluation
from examengine.scoring.agreement import agreement, to_scale
from examengine.scoring.shortanswer import Scorer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--alpha", type=float, default=3.0)
    args = parser.parse_args()
    questions = evaluation.read(args.file)
    data = []
    for q in questions:
        x, _ = Scorer(q.spec).features(q.answers)
        data.append((q.q_id, x, np.asarray(q.scores) / q.spec.max_points))
    groups: dict[str, tuple[list[int], list[int]]] = {}
    errors = []
    for i, (q_id, x, y) in enumerate(data):
        others = [d for j, d in enumerate(data) if j != i]
        model = Ridge(alpha=args.alpha).fit(np.vstack([d[1] for d in others]), np.concatenate([d[2] for d in others]))
        pred = np.clip(model.predict(x), 0, 1)
        errors.append(np.abs(pred - y))
        for g in (evaluation.group_of(q_id), "overall"):
            h, m = groups.setdefault(g, ([], []))
            h.extend(to_scale(y, 1.0).tolist())
            m.extend(to_scale(pred, 1.0).tolist())
    print("# leave one question out")
    for g, (h, m) in sorted(groups.items(), key=lambda kv: kv[0] == "overall"):
        print(evaluation.line(g, agreement(h, m)))
    model = Ridge(alpha=args.alpha).fit(np.vstack([d[1] for d in data]), np.concatenate([d[2] for d in data]))
    print(f"# mean absolute error left out: {np.mean(np.concatenate(errors)):.3f}")
    print(f"FEATURES = {coldmodel.FEATURES!r}")
    print(f"COEF = ({', '.join(f'{c:.4f}' for c in model.coef_)})")
    print(f"INTERCEPT = {model.intercept_:.4f}")


if __name__ == "__main__":
    main()
