"""Chinese text for content scoring (pure): normalisation that keeps the way back to what was typed, character
n-grams, fuzzy phrase location, negation just before a phrase, and word segmentation with the banks' domain
dictionary.

Content scoring on Chinese is more robust on characters than on words: a candidate's 错别字 or an unusual
word boundary breaks a word match but leaves most character bigrams intact."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

# Everything that is not content: punctuation of both widths, whitespace, list markers' brackets.
_NOISE = re.compile(r"[\s\u3000，。、；：？！“”‘’（）()\[\]【】《》<>〈〉「」『』,.;:?!\"'…—\-_/\\|·~`@#$%^&*+=①②③④⑤⑥⑦⑧⑨⑩]")
CJK = re.compile(r"[\u4e00-\u9fff]")

# Words that negate what follows. Longest first, so that 不属于 is seen before 不.
NEGATIONS = tuple(sorted((
    "不", "未", "未经", "非", "无", "没有", "没", "不属于", "不是", "不需要", "不必", "无需", "无须", "不用", "不能",
    "不可", "不会", "不得", "不应", "不应该", "并非", "从未", "勿", "毋", "否", "不包括", "不包含", "不涉及",
), key=len, reverse=True))
# How many characters before a phrase a negation may stand ("未经核查", "不需要进行核查").
NEGATION_REACH = 4


@dataclass(frozen=True)
class Text:
    """A normalised text and, for each of its characters, the index of that character in the original."""

    original: str
    norm: str
    index: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original text's span for norm[start:end]."""
        if not self.norm or end <= start:
            return (0, 0)
        return (self.index[start], self.index[end - 1] + 1)


def normalise(text: str) -> Text:
    """Full width to half width (NFKC), lower case, without punctuation or whitespace."""
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text or ""):
        for c in unicodedata.normalize("NFKC", ch).lower():
            if not _NOISE.match(c):
                chars.append(c)
                index.append(i)
    return Text(text or "", "".join(chars), tuple(index))


def norm(text: str) -> str:
    return normalise(text).norm


def grams(s: str, n: int) -> list[str]:
    return [s[i:i + n] for i in range(len(s) - n + 1)]


def bigram_set(s: str) -> set[str]:
    return set(grams(s, 2)) if len(s) > 1 else {s} if s else set()


@dataclass(frozen=True)
class Found:
    coverage: float  # share of the phrase's character bigrams found together in the answer, 0..1
    start: int  # in the normalised answer
    end: int


NOT_FOUND = Found(0.0, 0, 0)


def locate(phrase: str, answer: str) -> Found:
    """Where a (normalised) phrase is said in a (normalised) answer, exactly or in other characters' order.

    Exact substrings cover 1.0. Otherwise the densest window of about the phrase's length is taken, and its
    coverage is the share of the phrase's distinct bigrams that occur in it."""
    if not phrase or not answer:
        return NOT_FOUND
    at = answer.find(phrase)
    if at >= 0:
        return Found(1.0, at, at + len(phrase))
    wanted = bigram_set(phrase)
    if len(phrase) == 1 or not wanted:
        return NOT_FOUND
    hits = [(i, answer[i:i + 2]) for i in range(len(answer) - 1) if answer[i:i + 2] in wanted]
    if not hits:
        return NOT_FOUND
    width = max(int(len(phrase) * 1.6), len(phrase) + 3)
    best = (0, 0, 0)  # distinct bigrams, start, end
    counts: dict[str, int] = {}
    lo = 0
    for _hi, (pos, g) in enumerate(hits):
        counts[g] = counts.get(g, 0) + 1
        while pos - hits[lo][0] > width:
            old = hits[lo][1]
            counts[old] -= 1
            if not counts[old]:
                del counts[old]
            lo += 1
        if len(counts) > best[0]:
            best = (len(counts), hits[lo][0], pos + 2)
    return Found(best[0] / len(wanted), best[1], best[2])


def negated(answer: str, start: int, phrase: str) -> bool:
    """True if a negation stands just before answer[start:], and the phrase does not itself begin with it."""
    before = answer[max(0, start - NEGATION_REACH):start]
    if not before:
        return False
    for word in NEGATIONS:
        at = before.rfind(word)
        if at >= 0 and not phrase.startswith(word):
            # "不仅…还", "无论" and "非常" are not negations of what follows.
            tail = before[at:] + answer[start:start + 2]
            return not any(tail.startswith(w) for w in ("不仅", "不但", "无论", "非常", "不断", "不少", "无法避免"))
    return False


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _extractor():
    import jieba.analyse

    from examengine.bank.search import tokenizer

    with _lock:
        tfidf = jieba.analyse.TFIDF()
        tfidf.tokenizer = tokenizer()
    return tfidf


def words(text: str) -> list[str]:
    """Words of a normalised text (jieba with the banks' domain dictionary)."""
    from examengine.bank.search import tokenizer

    # Without the HMM for unknown words: three times faster, and unknown words still count by character.
    return [w for w in tokenizer().cut(text, HMM=False) if w.strip()]


STOP = frozenset(["的", "了", "和", "与", "及", "或", "是", "在", "对", "为", "以", "等", "其", "该", "中", "时", "而", "就", "也", "都", "要", "能", "可", "将", "把", "被", "从", "由", "到", "这", "那", "一个", "一种", "可以", "进行", "通过", "需要", "以及", "因为", "所以", "如果", "那么", "其中", "它们", "我们", "什么", "哪些", "怎么", "如何"])


def keywords(references: list[str], stem: str, limit: int = 12) -> list[str]:
    """Key terms of the references that the question does not already give away (jieba TF-IDF)."""
    stem_norm = norm(stem)
    text = "。".join(references)
    out: list[str] = []
    for tag in _extractor().extract_tags(text, topK=limit * 3):
        t = norm(tag)
        if len(t) < 2 and not CJK.search(t):
            continue
        if not t or t in stem_norm or t in STOP or t in out:
            continue
        out.append(t)
        if len(out) == limit:
            break
    return out


class Tfidf:
    """TF-IDF vectors of normalised texts with a fitted scikit-learn vectoriser's vocabulary and weights,
    without its per-call validation: the review queue scores a question's answers in small batches, where
    that overhead costs more than the arithmetic. Same vectors as `TfidfVectorizer(sublinear_tf=True)`."""

    def __init__(self, fitted: Any, analyse: Any) -> None:  # a fitted TfidfVectorizer; text -> terms
        self.vocabulary: dict[str, int] = fitted.vocabulary_
        self.idf = np.asarray(fitted.idf_, dtype=float)
        self.analyse = analyse

    def transform(self, texts: list[str]) -> csr_matrix:
        vocab, idf = self.vocabulary, self.idf
        indptr, indices, data = [0], [], []
        for text in texts:
            counts: dict[int, int] = {}
            for term, c in Counter(self.analyse(text)).items():
                j = vocab.get(term)
                if j is not None:
                    counts[j] = c
            if counts:
                cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
                vals = (np.log(np.fromiter(counts.values(), dtype=float, count=len(counts))) + 1.0) * idf[cols]
                vals /= np.sqrt((vals * vals).sum())
                indices.append(cols)
                data.append(vals)
            indptr.append(indptr[-1] + len(counts))
        return csr_matrix(
            (np.concatenate(data) if data else np.zeros(0), np.concatenate(indices) if indices else np.zeros(0, int),
             np.asarray(indptr)), shape=(len(indptr) - 1, len(idf)))


def char_ngrams(text: str, low: int = 1, high: int = 3) -> list[str]:
    """Character n-grams as scikit-learn's 'char' analyser makes them from a text without spaces."""
    return [text[i:i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1)]
