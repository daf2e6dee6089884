"""Blueprint files (`<program>/blueprints/*.yaml`) read and checked without a database (pure)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from examengine.bank.bankfile import BankFileProblem, Problem, read_yaml
from examengine.papers.blueprint import Blueprint, ProgramScope, parse_blueprint


@dataclass
class BlueprintEntry:
    path: Path
    blueprint: Blueprint

    @property
    def content_hash(self) -> str:
        text = json.dumps(self.blueprint.as_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


def blueprint_files(program_root: Path) -> list[Path]:
    return sorted((Path(program_root) / "blueprints").glob("*.yaml"))


def check_blueprint_files(paths: list[Path], scope: ProgramScope,
                          item_codes: set[str] | None = None) -> tuple[list[BlueprintEntry], list[Problem]]:
    """Every blueprint of a program and every problem, each with its file, line, field and code.

    `item_codes`, when given, are the program's items: enemy groups may name only those."""
    entries: list[BlueprintEntry] = []
    problems: list[Problem] = []
    seen: dict[str, Path] = {}
    for path in paths:
        try:
            raw = read_yaml(path)
        except BankFileProblem as exc:
            problems.append(Problem(exc.path, exc.line, None, "file", "FILE_UNREADABLE", exc.message))
            continue
        bp, found = parse_blueprint(raw, scope)
        code = raw.get("code") if isinstance(raw, dict) else None
        for p in found:
            problems.append(Problem(path, p.line, code, p.field, p.code, p.message))
        if bp is None:
            continue
        if bp.code in seen:
            problems.append(Problem(path, raw.get("__line__"), bp.code, "code", "BP_CODE_DUPLICATE",
                                    f"code also used by {seen[bp.code].name}"))
            continue
        if item_codes is not None:
            for g in bp.enemies:
                for c in g:
                    if c not in item_codes:
                        problems.append(Problem(path, None, bp.code, "enemies", "BP_ENEMY_UNKNOWN",
                                                f"enemy group names {c}, which is not an item of {scope.code}"))
        seen[bp.code] = path
        entries.append(BlueprintEntry(path, bp))
    return entries, problems


def read_blueprint(path: Path, scope: ProgramScope) -> Blueprint:
    """One file's blueprint; ValueError listing every problem otherwise."""
    entries, problems = check_blueprint_files([Path(path)], scope)
    if problems:
        raise ValueError("\n".join(str(p) for p in problems))
    return entries[0].blueprint

