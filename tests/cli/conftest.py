"""Running `rescuebot` in-process against a test database, as a user would from a shell."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli.main import app


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@dataclass
class Rescuebot:
    """`rescuebot …` with DATABASE_URL set and the working directory at `cwd`."""

    database_url: str
    cwd: Path
    monkeypatch: pytest.MonkeyPatch

    def __call__(self, *args: str) -> Result:
        runner = CliRunner()
        self.monkeypatch.chdir(self.cwd)
        self.monkeypatch.setenv("DATABASE_URL", self.database_url)
        self.monkeypatch.delenv("RESCUEBOT_CONFIG", raising=False)
        result = runner.invoke(app, list(args), catch_exceptions=False)
        return Result(result.exit_code, result.stdout, result.stderr)

    def write(self, name: str, text: str) -> Path:
        path = self.cwd / name
        path.write_text(text, encoding="utf-8")
        return path


@pytest.fixture
def rescuebot(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Rescuebot:
    monkeypatch.setenv("COLUMNS", "200")
    return Rescuebot(database_url, tmp_path, monkeypatch)


ACCOUNTS_CSV = """key,name,segment,csm,signed_on,arr,users,channel,business_problem,promised_timeline,dependencies,decision_maker
acme,Acme Corp,mid,U0ALICE,2026-09-01,120000,300,C0ACME,Cut invoice time,Live within 60 days,ERP export,CFO
,Café Müller GmbH,smb,U0BOB,2026-11-01,18000,25,,Shift planning,90 days,,Owner
globex,Globex,enterprise,<@U0CARMEN>,2026-07-15,"450,000",4000,C0GLOBEX,One view of tickets,Go-live by 2026-10-01,Salesforce,COO
"""

READINGS_CSV = """account,signal,value,recorded_at,note,author
acme,kickoff,2,2026-09-05,Kickoff done,U0ALICE
acme,admin,healthy,2026-09-20,,U0ALICE
acme,import,1,2026-10-20T10:00:00,Waiting on ERP export,U0ALICE
acme,first_value,watch,2026-11-02,,U0ALICE
acme,ticket,2,2026-11-10T09:00:00+02:00,,U0ALICE
acme,exec,2,2026-11-16,,U0ALICE
café,kickoff,2,2026-11-05,,U0BOB
globex,kickoff,2,2026-07-20,,U0CARMEN
globex,data_import,0,2026-11-20,Import blocked: SSO,U0CARMEN
"""


@pytest.fixture
def loaded(rescuebot: Rescuebot) -> Rescuebot:
    """Three accounts with some history."""
    assert rescuebot("accounts", "import", str(rescuebot.write("a.csv", ACCOUNTS_CSV))).code == 0
    assert rescuebot("signals", "import", str(rescuebot.write("r.csv", READINGS_CSV))).code == 0
    return rescuebot
