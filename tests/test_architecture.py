"""The domain stays pure: scoring/ imports no Slack, SQL, scheduler, template or bot code."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

FORBIDDEN = ("bot", "slack_bolt", "slack_sdk", "sqlmodel", "sqlalchemy", "apscheduler", "jinja2",
             "alembic", "psycopg", "typer", "rich", "yaml")  # fmt: skip
SCORING = Path(__file__).resolve().parents[1] / "scoring"


def test_scoring_source_imports_nothing_outside_the_domain():
    offenders = []
    for path in SCORING.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names] if isinstance(node, ast.Import)
                else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )  # fmt: skip
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_importing_scoring_loads_no_infrastructure():
    code = (
        "import sys, pkgutil, importlib, scoring\n"
        "for m in pkgutil.walk_packages(scoring.__path__, 'scoring.'):\n"
        "    importlib.import_module(m.name)\n"
        f"print(sorted({{n.split('.')[0] for n in sys.modules}} & set({FORBIDDEN!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
