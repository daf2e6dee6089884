"""The short-answer scorer (pure): a suggested score with its evidence for one answer to one item.

Interface (stable; the internals evolve):
    spec = ItemSpec.from_content(content)            # a short item's canonical content
    scorer = Scorer(spec)                            # cold: rubric (or points proposed from the references)
    scorer.fit(answers, points)                      # warm: graders' confirmed scores for this item
    suggestion = scorer.score(text)                  # Suggestion(points, confidence, confident, evidence...)
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import Ridge

from examengine.scoring import coldmodel
from examengine.scoring.textmatch import (
    Found,
    Text,
    Tfidf,
    char_ngrams,
    grams,
    keywords,
    locate,
    negated,
    normalise,
    words,
)


@dataclass(frozen=True)
class ScoringPoint:
    """One 得分点: its text, weight in the item's points, and alternative phrasings."""

    text: str
    weight: float
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemSpec:
    stem: str
    references: tuple[str, ...]
    rubric: tuple[ScoringPoint, ...] = ()
    max_points: float = 10.0
    step: float = 1.0

    @classmethod
    def from_content(cls, content: dict[str, Any]) -> ItemSpec:
        """From a short item's canonical content (stem, references, rubric, points, optional step)."""
        points = float(content.get("points") or 10.0)
        rubric = tuple(
            ScoringPoint(p["point"], float(p["weight"]), tuple(p.get("synonyms") or ()))
            for p in content.get("rubric") or [] if isinstance(p, dict) and p.get("point")
        )
        return cls(stem=content.get("stem") or "", references=tuple(r for r in content.get("references") or [] if r),
                   rubric=rubric, max_points=points, step=float(content.get("step") or default_step(points)))


def default_step(max_points: float) -> float:
    """Marks move in whole points on items of 5 points or more, in half points below."""
    return 1.0 if max_points >= 5 else 0.5


@dataclass(frozen=True)
class Evidence:
    """A scoring point found in the answer: `start`/`end` index the answer as the candidate typed it."""

    point: str
    weight: float
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Suggestion:
    points: float  # on the item's scale, a multiple of its step
    confidence: float  # 0..1: how likely a grader keeps it (within one step)
    confident: bool
    matched: tuple[Evidence, ...] = ()
    missing: tuple[str, ...] = ()
    contradicted: tuple[Evidence, ...] = ()
    similarity: float = 0.0  # to the nearest reference answer, 0..1
    nearest_reference: int = 0
    method: str = "rubric"  # rubric | proposed (points from the references) | learned (fitted on confirmations)
    features: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def round_to_step(points: float, step: float, max_points: float) -> float:
    """Nearest multiple of `step` within 0..max_points (halves round up)."""
    n = int(points / step + 0.5 + 1e-9)
    return round(min(max(n * step, 0.0), max_points), 2)


# A point counts in full once this share of its bigrams is found together, and not at all below FOUND_FROM.
FOUND_FULL = 0.7
FOUND_FROM = 0.3
# Confirmations needed before a per-item model replaces the cold estimate; below FULL_FIT only the offset
# between the cold estimate and the graders is learned.
MIN_FIT = 3
FULL_FIT = 12
NEIGHBOURS = 5
CONFIDENT = 0.8

_JUDGE = re.compile(r"判断|是否正确|对错|正误|对不对")
_PREFIXES = ("答案", "答", "解", "这句话", "这种说法", "这个说法", "这个叙述", "该说法", "该叙述", "此说法", "此叙述",
             "说法", "叙述", "题中叙述", "判断", "这是", "是")
_FALSE = ("不正确", "错误", "不对", "不成立", "错", "否", "×", "x", "f", "false", "wrong", "no")
_NOT_A_VERDICT = ("对于", "对应", "对象", "对比", "错位", "否则", "是否")
_TRUE = ("正确", "对", "成立", "是的", "√", "t", "true", "right", "yes")


def verdict(text: str) -> int:
    """-1 for an answer that opens by calling a statement false, 1 for true, 0 when it does not say."""
    t = text[:14]
    for p in _PREFIXES:
        if t.startswith(p):
            t = t[len(p):]
            break
    if t.startswith(_NOT_A_VERDICT):
        return 0
    if t.startswith(_FALSE):
        return -1
    if t.startswith(_TRUE):
        return 1
    return 0


@dataclass
class _Point:
    point: ScoringPoint
    phrasings: tuple[str, ...]


@dataclass
class _Fitted:
    n: int
    offset: float
    model: Ridge | None
    vectorizer: Tfidf | None
    train_matrix: Any
    train_y: np.ndarray
    error: float  # cross-validated mean absolute error, as a share of the item's points


class Scorer:
    """Scores answers to one item. Create one per item; `fit` it as graders confirm scores."""

    def __init__(self, spec: ItemSpec, dictionary: Sequence[str] = ()) -> None:
        self.spec = spec
        self.stem = normalise(spec.stem).norm
        self.refs = [normalise(r).norm for r in spec.references if r.strip()] or [self.stem]
        stem_grams = {n: set(grams(self.stem, n)) for n in (1, 2, 3)}
        self._ref_grams = [{n: set(grams(r, n)) - stem_grams[n] for n in (1, 2, 3)} for r in self.refs]
        self._stem_grams = stem_grams
        self._ref_len = float(np.mean([len(r) for r in self.refs]))
        self.keywords = keywords(list(self.refs), self.stem)
        self.judgement = bool(_JUDGE.search(spec.stem))
        self._ref_verdict = verdict(self.refs[0]) if self.judgement else 0
        self.method = "rubric" if spec.rubric else "proposed"
        points = list(spec.rubric) or self.proposed_points()
        self._points = [_Point(p, tuple(x for x in (normalise(t).norm for t in (p.text, *p.synonyms)) if x))
                        for p in points]
        self._char = _char_tfidf([*self.refs, self.stem])
        self._ref_char = self._char.transform(self.refs)
        ref_words = [" ".join(words(r)) for r in self.refs]
        self._word = Tfidf(TfidfVectorizer(analyzer=str.split, sublinear_tf=True, token_pattern=None).fit(
            [*ref_words, " ".join(words(self.stem))]), str.split)
        self._ref_word = self._word.transform(ref_words)
        self._fitted: _Fitted | None = None

    @property
    def n_fitted(self) -> int:
        return self._fitted.n if self._fitted else 0

    # ---- cold start -----------------------------------------------------------------------------------
    def proposed_points(self) -> list[ScoringPoint]:
        """Scoring points proposed from the references (key terms), weights summing to the item's points, for
        an item writer to confirm; the scorer uses them meanwhile."""
        terms = self.keywords or [self.refs[0][:8]]
        weight = round(self.spec.max_points / len(terms), 2)
        return [ScoringPoint(t, weight) for t in terms]

    # ---- features -------------------------------------------------------------------------------------
    def _features(self, texts: Sequence[Text], nearest: bool = False) -> Any:
        """Feature rows (columns as coldmodel.FEATURES) and rubric evidence; with `nearest`, also the index of
        each answer's nearest reference."""
        norms = [t.norm for t in texts]
        char = self._char.transform(norms)
        cos_char = (char @ self._ref_char.T).toarray()
        word = self._word.transform([" ".join(words(a)) for a in norms])
        cos_word = (word @ self._ref_word.T).toarray()
        rows = []
        evidence = []
        for i, t in enumerate(texts):
            a = t.norm
            feats: dict[str, float] = {}
            for n in (1, 2, 3):
                ag = set(grams(a, n))
                own = ag - self._stem_grams[n]
                feats[f"rec{n}"] = max(len(r[n] & ag) / max(len(r[n]), 1) for r in self._ref_grams)
                if n == 3:
                    feats["prec3"] = max(len(own & r[3]) / max(len(own), 1) for r in self._ref_grams)
            feats["length"] = min(len(a) / max(self._ref_len, 1.0), 2.0)
            feats["keywords"] = (float(np.mean([locate(k, a).coverage for k in self.keywords]))
                                 if self.keywords else 0.0)
            feats["cos_char"] = float(cos_char[i].max())
            feats["cos_word"] = float(cos_word[i].max())
            if self.judgement and self._ref_verdict:
                v = verdict(a)
                feats["verdict"] = 0.0 if v == 0 else (1.0 if v == self._ref_verdict else -1.0)
            else:
                feats["verdict"] = 0.0
            rubric, matched, missing, contradicted = self._rubric(t)
            evidence.append((rubric, matched, missing, contradicted))
            rows.append([feats[k] for k in coldmodel.FEATURES])
        matrix = np.asarray(rows, dtype=float).reshape(len(texts), len(coldmodel.FEATURES))
        if nearest:
            return matrix, evidence, cos_char.argmax(axis=1)
        return matrix, evidence

    def _rubric(self, t: Text) -> tuple[float, list[Evidence], list[str], list[Evidence]]:
        """Share of the scoring points' weight the answer earns, with the evidence."""
        matched: list[Evidence] = []
        missing: list[str] = []
        contradicted: list[Evidence] = []
        total = sum(p.point.weight for p in self._points) or 1.0
        earned = 0.0
        for p in self._points:
            best: Found | None = None
            best_phrase = ""
            for phrase in p.phrasings:
                f = locate(phrase, t.norm)
                if best is None or f.coverage > best.coverage:
                    best, best_phrase = f, phrase
            credit = min(max((best.coverage - FOUND_FROM) / (FOUND_FULL - FOUND_FROM), 0.0), 1.0) if best else 0.0
            if credit < 0.5 or best is None:
                missing.append(p.point.text)
                continue
            start, end = t.span(best.start, best.end)
            ev = Evidence(p.point.text, p.point.weight, start, end, t.original[start:end])
            if negated(t.norm, best.start, best_phrase):
                contradicted.append(ev)
                continue
            matched.append(ev)
            earned += p.point.weight * credit
        return earned / total, matched, missing, contradicted

    def _cold(self, x: np.ndarray, rubric: np.ndarray) -> np.ndarray:
        generic = np.clip(x @ coldmodel.COEF + coldmodel.INTERCEPT, 0.0, 1.0)
        if self.method == "rubric":
            return np.clip(coldmodel.RUBRIC_WEIGHT * rubric + (1 - coldmodel.RUBRIC_WEIGHT) * generic, 0.0, 1.0)
        return generic

    def features(self, answers: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The cold model's features (columns as coldmodel.FEATURES) and the rubric share of each answer."""
        x, ev = self._features([normalise(a or "") for a in answers])
        return x, np.array([e[0] for e in ev])

    # ---- learning from confirmations ------------------------------------------------------------------
    def fit(self, answers: Sequence[str], points: Sequence[float]) -> None:
        """Learn from graders' confirmed scores for this item (replaces any earlier fit)."""
        if len(answers) != len(points):
            raise ValueError("answers and points differ in length")
        n = len(answers)
        if n < MIN_FIT:
            self._fitted = None
            return
        texts = [normalise(a) for a in answers]
        y = np.asarray(points, dtype=float) / self.spec.max_points
        x, ev = self._features(texts)
        cold = self._cold(x, np.array([e[0] for e in ev]))
        if n < FULL_FIT:
            # Too few to learn a model: learn how far the graders sit from the cold estimate, shrunk to zero.
            offset = float(np.mean(y - cold)) * n / (n + 5)
            err = coldmodel.COLD_ERROR  # a few answers cannot show how far off the estimate is
            self._fitted = _Fitted(n, offset, None, None, None, y, err)
            return
        vec = _char_tfidf([t.norm for t in texts] + self.refs)
        train = vec.transform([t.norm for t in texts])
        sims = (train @ train.T).toarray()
        np.fill_diagonal(sims, -1.0)  # a training answer is not its own neighbour
        knn = _neighbour_scores(sims, y)
        design = _design(x, cold, knn, train)
        model = Ridge(alpha=1.0).fit(design, y)
        err = _cv_error(x, cold, train, sims, y)
        self._fitted = _Fitted(n, 0.0, model, vec, train, y, err)

    # ---- scoring --------------------------------------------------------------------------------------
    def score(self, answer: str) -> Suggestion:
        return self.score_many([answer])[0]

    def score_many(self, answers: Sequence[str]) -> list[Suggestion]:
        if not answers:
            return []
        texts = [normalise(a or "") for a in answers]
        x, ev, nearest_ref = self._features(texts, nearest=True)
        rubric = np.array([e[0] for e in ev])
        cold = self._cold(x, rubric)
        fitted = self._fitted
        spread = np.zeros(len(texts))
        if fitted is None:
            frac, method = cold, self.method
        elif fitted.model is None:
            frac, method = np.clip(cold + fitted.offset, 0.0, 1.0), "learned"
        else:
            m = fitted.vectorizer.transform([t.norm for t in texts])
            sims = (m @ fitted.train_matrix.T).toarray()
            knn = _neighbour_scores(sims, fitted.train_y)
            spread = _neighbour_spread(sims, fitted.train_y)
            frac, method = np.clip(fitted.model.predict(_design(x, cold, knn, m)), 0.0, 1.0), "learned"
        out = []
        for i, t in enumerate(texts):
            _, matched, missing, contradicted = ev[i]
            # Nothing written earns nothing, whatever the model's intercept says.
            points = round_to_step(float(frac[i]) * self.spec.max_points, self.spec.step,
                                   self.spec.max_points) if t.norm else 0.0
            conf = self._confidence(t, float(frac[i]), float(spread[i]))
            sims_ref = float(x[i][coldmodel.FEATURES.index("cos_char")])
            nearest = int(nearest_ref[i])
            out.append(Suggestion(
                points=points, confidence=round(conf, 3), confident=conf >= CONFIDENT, matched=tuple(matched),
                missing=tuple(missing), contradicted=tuple(contradicted), similarity=round(sims_ref, 3),
                nearest_reference=nearest, method=method,
                features={k: round(float(v), 4) for k, v in zip(coldmodel.FEATURES, x[i], strict=True)}
                | {"rubric": round(float(rubric[i]), 4), "cold": round(float(cold[i]), 4)},
            ))
        return out

    def _confidence(self, t: Text, frac: float, spread: float) -> float:
        """Chance that a grader keeps the suggestion within one point in ten."""
        if len(t.norm) < 2:
            return 0.97  # nothing written: nothing to earn
        fitted = self._fitted
        err = coldmodel.COLD_ERROR if fitted is None else fitted.error + spread / 2
        # Errors are roughly Laplace-distributed: P(|e| <= 0.1 + half a step) with mean absolute error `err`.
        within = 0.1 + self.spec.step / self.spec.max_points / 2
        return 1.0 - math.exp(-within / max(err, 1e-3))


def _char_tfidf(texts: list[str]) -> Tfidf:
    fitted = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True).fit(texts)
    return Tfidf(fitted, char_ngrams)


def _neighbour_scores(sims: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Similarity-weighted mean score of each answer's nearest confirmed answers."""
    k = min(NEIGHBOURS, sims.shape[1])
    top = np.argsort(-sims, axis=1)[:, :k]
    w = np.maximum(np.take_along_axis(sims, top, axis=1), 1e-3)
    return (w * y[top]).sum(axis=1) / w.sum(axis=1)


def _neighbour_spread(sims: np.ndarray, y: np.ndarray) -> np.ndarray:
    k = min(3, sims.shape[1])
    top = np.argsort(-sims, axis=1)[:, :k]
    return y[top].std(axis=1)


def _design(x: np.ndarray, cold: np.ndarray, knn: np.ndarray, chars: Any) -> Any:
    # Dense features weigh more than any one n-gram: scale them so the shared penalty does not flatten them.
    dense = np.column_stack([cold, knn, x]) * 3.0
    return hstack([csr_matrix(dense), chars]).tocsr()


def _cv_error(x: np.ndarray, cold: np.ndarray, chars: Any, sims: np.ndarray, y: np.ndarray, folds: int = 4) -> float:
    """Mean absolute error of the per-item model on answers it was not fitted on."""
    n = len(y)
    order = np.arange(n)
    errs = []
    for f in range(folds):
        test = order[f::folds]
        train = np.setdiff1d(order, test)
        s_tr = sims[np.ix_(train, train)]
        knn_tr = _neighbour_scores(s_tr, y[train])
        knn_te = _neighbour_scores(sims[np.ix_(test, train)], y[train])
        m = Ridge(alpha=1.0).fit(_design(x[train], cold[train], knn_tr, chars[train]), y[train])
        p = np.clip(m.predict(_design(x[test], cold[test], knn_te, chars[test])), 0.0, 1.0)
        errs.append(np.abs(p - y[test]))
    return float(np.mean(np.concatenate(errs)))
