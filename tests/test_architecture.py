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


# Web API methods that post, edit, delete or upload: the product's messages. Only the courier's
# gateway (bot/delivery/gateway.py) sends them; use cases queue them in the outbox. The immediate
# answers to the person who typed or clicked (ack, response_url, views.open/push/update, an
# ephemeral message after a modal) are not messages and stay in bot/slack. The App Home
# (views.publish) goes through the outbox too, as `home` deliveries.
SLACK_WRITES = {"chat_postMessage", "chat_update", "chat_delete", "chat_scheduleMessage",
                "chat_meMessage", "files_upload", "files_upload_v2",
                "files_completeUploadExternal", "reactions_add", "pins_add",
                "views_publish"}  # fmt: skip
BOT = SCORING.parent / "bot"


def test_only_the_courier_posts_edits_or_uploads_to_slack():
    offenders = []
    for path in BOT.rglob("*.py"):
        if path == BOT / "delivery" / "gateway.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in SLACK_WRITES:
                offenders.append(f"{path.relative_to(BOT.parent)}:{node.lineno}: {node.attr}")
    assert offenders == []


def test_listeners_open_no_transaction_of_their_own():
    """Listeners parse, call one use case and render: the use case owns the transaction."""
    offenders = []
    for path in (BOT / "slack").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "change":
                offenders.append(f"{path.relative_to(BOT.parent)}:{node.lineno}")
    assert offenders == []
