"""Import and export formats. Each format is one module with `parse(data, filename)` (and exporters).

Formats in: YAML/JSON (ours), Excel/CSV (Chinese exam-system layout), GIFT, Moodle XML, Aiken, QTI 2.1.
Formats out: YAML, JSON, Excel, CSV, Moodle XML, QTI 2.1 (content package), GIFT, Aiken."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from examengine.bank.formats.base import ImportEntry, UnreadableFile

# name -> (module, parse function, export function or None, file suffix, media type)
FORMATS: dict[str, tuple[str, str, str | None, str, str]] = {
    "yaml": ("native", "parse", "export_yaml", ".yaml", "application/yaml"),
    "json": ("native", "parse", "export_json", ".json", "application/json"),
    "xlsx": ("sheet", "parse", "export_xlsx", ".xlsx",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": ("sheet", "parse", "export_csv", ".csv", "text/csv"),
    "gift": ("gift", "parse", "export", ".gift", "text/plain"),
    "moodle_xml": ("moodle_xml", "parse", "export", ".xml", "application/xml"),
    "aiken": ("aiken", "parse", "export", ".txt", "text/plain"),
    "qti21": ("qti21", "parse", "export", ".zip", "application/zip"),
}


def _function(fmt: str, which: int) -> Callable[..., Any]:
    spec = FORMATS[fmt]
    module = importlib.import_module(f"examengine.bank.formats.{spec[0]}")
    return getattr(module, spec[which])


def detect(filename: str, data: bytes) -> str | None:
    """The format of an uploaded file, from its name and first bytes."""
    name = filename.lower()
    head = data[:2048].lstrip(b"\xef\xbb\xbf").lstrip()
    if name.endswith((".yaml", ".yml")):
        return "yaml"
    if name.endswith(".json"):
        return "json"
    if name.endswith((".xlsx", ".xlsm")):
        return "xlsx"
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".gift"):
        return "gift"
    if name.endswith(".zip") or head.startswith(b"PK"):
        return "qti21"
    if name.endswith(".xml") or head.startswith(b"<"):
        text = data[:4096].decode("utf-8", "ignore")
        return "qti21" if "assessmentItem" in text else "moodle_xml"
    if name.endswith(".txt"):
        text = data[:65536].decode("utf-8", "ignore")
        if "{" in text and "}" in text:
            return "gift"
        return "aiken"
    return None


def parse(fmt: str, data: bytes, filename: str = "") -> list[ImportEntry]:
    return _function(fmt, 1)(data, filename)


def export(fmt: str, items: list[dict[str, Any]]) -> bytes:
    if FORMATS[fmt][2] is None:
        raise ValueError(f"{fmt} cannot be exported")
    return _function(fmt, 2)(items)


__all__ = ["FORMATS", "ImportEntry", "UnreadableFile", "detect", "export", "parse"]
