"""Near-duplicate items: character n-gram TF-IDF cosine over stem and options (pure).

Characters rather than words because Chinese has no spaces and near-duplicates often differ by a character
or two; 2- and 3-grams of characters carry both word-like units and their order."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

DEFAULT_THRESHOLD = 0.9
# An n-gram in more items than this is left out of the candidate search (not of the final score).
COMMON_SHARE = 0.002
COMMON_MIN_DF = 50
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def item_text(stem: str, options: Sequence[str] = ()) -> str:
    """The text compared: stem and options, width-folded, lower-cased, without spaces and punctuation."""
    parts = (_NOISE.sub("", unicodedata.normalize("NFKC", p).lower()) for p in [stem, *options])
    return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class Pair:
    a: object
    b: object
    score: float


def _vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3), sublinear_tf=True, dtype=np.float32)


class DuplicateIndex:
    """A fitted index of existing items, to check new or edited items against."""

    def __init__(self, ids: Sequence[object], texts: Sequence[str]) -> None:
        self.ids = list(ids)
        self.vectorizer = _vectorizer()
        self.matrix = self.vectorizer.fit_transform(texts) if texts else None

    def similar(self, text: str, threshold: float = DEFAULT_THRESHOLD, exclude: object = None) -> list[Pair]:
        """Existing items at or above `threshold` cosine to `text`, most similar first."""
        if self.matrix is None or not text.strip():
            return []
        scores = (self.matrix @ self.vectorizer.transform([text]).T).toarray().ravel()
        hits = np.flatnonzero(scores >= threshold)
        pairs = [Pair(exclude, self.ids[i], round(float(scores[i]), 4)) for i in hits if self.ids[i] != exclude]
        return sorted(pairs, key=lambda p: -p.score)


def vectorize(texts: Sequence[str]) -> sparse.csr_matrix:
    """L2-normalised TF-IDF rows: the dot product of two rows is their cosine."""
    return _vectorizer().fit_transform(texts).tocsr()


def all_pairs(ids: Sequence[object], texts: Sequence[str], threshold: float = DEFAULT_THRESHOLD,
              chunk: int = 2048, matrix: sparse.csr_matrix | None = None) -> list[Pair]:
    """Every pair of items at or above `threshold`, most similar first.

    Memory stays bounded by working in row chunks: a chunk's similarities to all items are computed as a
    sparse product and only the pairs above the threshold are kept. N-grams common to many items
    (particles, 的/是/下列) are dropped for that product, which makes it cheap: near-duplicates share
    nearly all their n-grams, rare ones included, so they stay candidates; every candidate is then scored
    exactly on the full vectors."""
    n = len(texts)
    if n < 2:
        return []
    full = vectorize(texts) if matrix is None else matrix
    df = np.bincount(full.indices, minlength=full.shape[1])
    keep = np.flatnonzero(df <= max(COMMON_MIN_DF, int(COMMON_SHARE * n)))
    pruned = full[:, keep]
    norms = np.sqrt(pruned.multiply(pruned).sum(axis=1)).A.ravel()
    norms[norms == 0] = 1.0
    pruned = sparse.diags(1.0 / norms).dot(pruned).astype(np.float32).tocsr()
    pruned_t = pruned.T.tocsr()
    candidate_floor = threshold * 0.5
    found: list[Pair] = []
    for start in range(0, n, chunk):
        block = (pruned[start:start + chunk] @ pruned_t).tocoo()
        mask = (block.data >= candidate_floor) & (block.row + start < block.col)
        rows, cols = block.row[mask] + start, block.col[mask]
        if rows.size == 0:
            continue
        exact = np.asarray(full[rows].multiply(full[cols]).sum(axis=1)).ravel()
        for r, c, s in zip(rows, cols, exact, strict=True):
            if s >= threshold:
                found.append(Pair(ids[r], ids[c], round(float(s), 4)))
    return sorted(found, key=lambda p: -p.score)
