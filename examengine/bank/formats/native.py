"""Our own YAML and JSON: the shipped bank's item-file shape, or a bare list of items (pure)."""

from __future__ import annotations

import json
from typing import Any

import yaml

from examengine.bank.formats.base import ImportEntry, UnreadableFile, decode_text


class _NoAliasLoader(yaml.SafeLoader):
    """Refuses anchors and aliases: an uploaded file has no use for them, and nested aliases expand into
    billions of nodes when the data is walked (the YAML form of the billion-laughs attack)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases are not allowed", event.start_mark)
        return super().compose_node(parent, index)


EXPORT_FIELDS = ("code", "type", "stem", "options", "key", "explanation", "points", "difficulty", "module",
                 "knowledge_points", "levels", "tags", "source", "references", "rubric", "status")


def parse(data: bytes, filename: str = "") -> list[ImportEntry]:
    text = decode_text(data)
    try:
        doc = json.loads(text) if filename.lower().endswith(".json") else yaml.load(text, Loader=_NoAliasLoader)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else getattr(exc, "lineno", None)
        raise UnreadableFile("SYNTAX_ERROR", f"not valid {'JSON' if filename.endswith('.json') else 'YAML'}: {exc}",
                             "文件格式错误", location=f"line {line}" if line else None) from exc
    module = None
    if isinstance(doc, dict):
        module, doc = doc.get("module"), doc.get("items")
    if not isinstance(doc, list):
        raise UnreadableFile("NO_ITEMS", "expected a list of items, or a mapping with `items:`",
                             "应为试题列表，或包含 items 的映射")
    entries = []
    for i, raw in enumerate(doc, start=1):
        entry = ImportEntry(f"item {i}", None)
        if not isinstance(raw, dict):
            entry.reject("NOT_A_MAPPING", "an item must be a mapping of fields", "每道题必须是字段映射")
        else:
            data = dict(raw)
            if "id" in data and "code" not in data:
                data["code"] = data.pop("id")
            if module and not data.get("module"):
                data["module"] = module
            entry.data = data
        entries.append(entry)
    return entries


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    out = {k: item[k] for k in EXPORT_FIELDS if item.get(k) not in (None, [], "")}
    if "code" in out:
        out = {"id": out.pop("code"), **out}
    if item.get("type") == "truefalse":
        out["key"] = bool(item["key"])
    return out


def export_yaml(items: list[dict[str, Any]]) -> bytes:
    return yaml.safe_dump({"items": [_plain(i) for i in items]}, allow_unicode=True, sort_keys=False,
                          width=120).encode("utf-8")


def export_json(items: list[dict[str, Any]]) -> bytes:
    return json.dumps({"items": [_plain(i) for i in items]}, ensure_ascii=False, indent=2).encode("utf-8")
