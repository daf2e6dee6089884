"""Reading shipped bank files (YAML) with line numbers, so every error names file and line (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class _LineLoader(yaml.SafeLoader):
    """A safe loader that records each mapping's line as the key `__line__`."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [strip_lines(v) for v in value]
    return value


class BankFileProblem(Exception):
    def __init__(self, path: Path, line: int | None, message: str) -> None:
        super().__init__(f"{path}{':' + str(line) if line else ''}: {message}")
        self.path, self.line, self.message = path, line, message


def read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise BankFileProblem(path, None, f"not UTF-8 text ({exc.reason})") from exc
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise BankFileProblem(path, mark.line + 1 if mark else None, f"YAML error: {getattr(exc, 'problem', exc)}") from exc


@dataclass
class ItemEntry:
    path: Path
    line: int
    data: dict[str, Any]


@dataclass
class ProgramFiles:
    """One program's folder: its syllabus and item files."""

    root: Path
    syllabus: Path
    item_files: list[Path] = field(default_factory=list)


def find_programs(path: Path) -> list[ProgramFiles]:
    """`path` is a program folder, a folder of program folders, or a single item file's program."""
    path = Path(path)
    if path.is_file():
        root = path.parent.parent if path.parent.name == "items" else path.parent
        return [ProgramFiles(root, root / "syllabus.yaml", [path] if path.name != "syllabus.yaml" else [])]
    if (path / "syllabus.yaml").exists():
        return [ProgramFiles(path, path / "syllabus.yaml", sorted((path / "items").glob("*.yaml")))]
    found = []
    for sub in sorted(p for p in path.iterdir() if p.is_dir()):
        if (sub / "syllabus.yaml").exists():
            found.append(ProgramFiles(sub, sub / "syllabus.yaml", sorted((sub / "items").glob("*.yaml"))))
    return found


def read_item_file(path: Path) -> list[ItemEntry]:
    """Entries of one item file; the file-level `module:` fills in items that do not name one."""
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise BankFileProblem(path, 1, "expected a mapping with an `items:` list")
    module = data.get("module")
    entries = []
    for raw in data["items"]:
        if not isinstance(raw, dict):
            raise BankFileProblem(path, None, "every entry of `items:` must be a mapping")
        line = raw.get("__line__", 0)
        item = strip_lines(raw)
        if module and not item.get("module"):
            item["module"] = module
        entries.append(ItemEntry(path, line, item))
    return entries


@dataclass
class Problem:
    path: Path
    line: int | None
    item: str | None
    field: str
    code: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        who = f" item {self.item}" if self.item else ""
        return f"{where}{who}: {self.field}: {self.message} [{self.code}]"


@dataclass
class CheckedProgram:
    files: ProgramFiles
    syllabus: Any  # Syllabus | None
    entries: list[ItemEntry]
    problems: list[Problem]


def check_program(pf: ProgramFiles) -> CheckedProgram:
    """Validate a program folder without a database: syllabus, every item, unique ids."""
    from examengine.bank.content import ModuleInfo, ProgramInfo, check_item
    from examengine.bank.syllabus import parse_syllabus

    problems: list[Problem] = []
    try:
        syllabus, issues = parse_syllabus(strip_lines(read_yaml(pf.syllabus)))
    except BankFileProblem as exc:
        return CheckedProgram(pf, None, [], [Problem(exc.path, exc.line, None, "file", "FILE_UNREADABLE", exc.message)])
    for i in issues.items:
        problems.append(Problem(pf.syllabus, None, None, i.field, i.code, i.message))
    if syllabus is None:
        return CheckedProgram(pf, None, [], problems)
    info = ProgramInfo(syllabus.program, frozenset(lv.code for lv in syllabus.levels), {
        m.code: ModuleInfo(m.code, tuple(m.levels), frozenset(k.code for k in m.knowledge_points))
        for m in syllabus.modules})
    entries: list[ItemEntry] = []
    seen: dict[str, ItemEntry] = {}
    for path in pf.item_files:
        try:
            file_entries = read_item_file(path)
        except BankFileProblem as exc:
            problems.append(Problem(exc.path, exc.line, None, "file", "FILE_UNREADABLE", exc.message))
            continue
        for e in file_entries:
            code = str(e.data.get("id") or "")
            if not code:
                problems.append(Problem(path, e.line, None, "id", "ID_MISSING", "every item needs an id"))
                continue
            if code in seen:
                problems.append(Problem(path, e.line, code, "id", "ID_DUPLICATE",
                                        f"id also used at {seen[code].path.name}:{seen[code].line}"))
                continue
            seen[code] = e
            e.data.setdefault("status", "active")
            content, item_issues = check_item(e.data, info)
            for i in item_issues.items:
                problems.append(Problem(path, e.line, code, i.field, i.code, i.message))
            if e.data.get("status") not in ("draft", "active", "retired"):
                problems.append(Problem(path, e.line, code, "status", "STATUS_NOT_FOR_FILES",
                                        "bank files use draft, active or retired"))
            if content.get("type") == "short" and content.get("status") == "active" and not content.get("rubric"):
                problems.append(Problem(path, e.line, code, "rubric", "RUBRIC_REQUIRED",
                                        "an active short-answer item needs a rubric"))
            entries.append(e)
    return CheckedProgram(pf, syllabus, entries, problems)
