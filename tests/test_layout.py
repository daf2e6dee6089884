"""The package follows DESIGN.md: the components exist, and pure modules import neither Flask nor SQLAlchemy."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = ROOT / "examengine"
PURE = [
    "bank/itemtypes/base.py", "bank/itemtypes/choice.py", "bank/itemtypes/single.py", "bank/itemtypes/multi.py",
    "bank/itemtypes/truefalse.py", "bank/itemtypes/short.py", "bank/itemtypes/__init__.py", "bank/content.py",
    "bank/syllabus.py", "bank/diff.py", "bank/search.py", "bank/duplicates.py", "bank/bankfile.py", "auth/permissions.py", "errors.py",
    "papers/blueprint.py", "papers/blueprintfile.py", "papers/assembly.py", "papers/ilp.py", "papers/feasibility.py",
    "papers/options.py", "papers/printing.py", "proctor/idcard.py", "proctor/education.py",
    "proctor/eligibility.py", "proctor/registration.py", "proctor/journal.py", "proctor/timing.py",
    "proctor/flags.py", "scoring/agreement.py", "scoring/shortanswer.py",
    "scoring/objective.py", "scoring/results.py", "scoring/marking.py",
]


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
            if node.module.startswith("examengine"):
                found.add(node.module)
    return found


def test_top_level_layout():
    for name in ("examengine", "question_banks", "tests", "bench", "setup.cfg", "pyproject.toml", "wsgi.py",
                 "Makefile", "README.md", ".ci/run"):
        assert (ROOT / name).exists(), name
    for component in ("bank", "papers", "scoring", "proctor", "auth", "web"):
        assert (PKG / component / "__init__.py").exists(), component


def test_pure_modules_import_neither_flask_nor_sqlalchemy():
    for rel in PURE:
        imports = _imports(PKG / rel)
        assert not imports & {"flask", "flask_sqlalchemy", "sqlalchemy", "flask_smorest"}, rel
        # nor anything of ours that does
        impure = {m for m in imports if m.startswith("examengine.") and
                  m.split(".")[-1] in {"models", "service", "api", "cli", "db", "current"}}
        assert not impure, (rel, impure)
