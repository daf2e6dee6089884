"""Search terms from what an item writer types (pure).

Chinese queries are segmented with jieba and the bank's domain dictionary (terms.txt), so that
"碳市场配额清缴" finds items that speak of 碳市场 and 配额清缴 in other words; other tokens stay as typed."""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

CJK = re.compile(r"[\u4e00-\u9fff]")
TERMS_FILES = sorted((Path(__file__).resolve().parent.parent.parent / "question_banks").glob("*/terms.txt"))
_lock = threading.Lock()


@lru_cache(maxsize=1)
def tokenizer():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    with _lock:
        tk = jieba.Tokenizer()
        tk.initialize()
        for path in TERMS_FILES:
            tk.load_userdict(str(path))
    return tk


def query_terms(q: str) -> list[str]:
    """Lower-cased, width-folded terms that must all occur in an item's text."""
    terms: list[str] = []
    for token in unicodedata.normalize("NFKC", q).lower().split():
        if not CJK.search(token) or len(token) <= 2:
            terms.append(token)
            continue
        words = [w for w in tokenizer().cut(token) if len(w) >= 2 or not CJK.match(w)]
        terms.extend(w for w in words if w.strip())
    return list(dict.fromkeys(terms))
