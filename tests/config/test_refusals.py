"""A bad config file or DATABASE_URL is refused with `FILE, line N: path: problem`, a
non-zero exit and no traceback; files that would hang a naive loader are refused quickly."""

from __future__ import annotations

import os
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest

from tests.cli.conftest import Rescuebot

ZEROS = "".join(
    f"  {key}: {{weight: 0}}\n"
    for key in ("kickoff", "admin_trained", "data_import", "first_value", "ticket_trend")
)
MEMBER_HINT = "use the member ID, e.g. U0123ABCD: in Slack, open the profile → ⋯ → Copy member ID"

# (id, file text, line, dotted path, what the message must say)
REFUSALS = [
    (
        "impossible date",
        "holidays: [2026-02-30]\n",
        1,
        "holidays.0",
        "must be a real date, written YYYY-MM-DD (got '2026-02-30')",
    ),
    (
        "impossible date in a block list",
        "holidays:\n  - 2026-12-25\n  - 2026-13-01\n",
        3,
        "holidays.1",
        "must be a real date",
    ),
    ("a word for a date", "holidays: [christmas]\n", 1, "holidays.0", "must be a real date"),
    (
        "a boolean weight",
        "signals:\n  kickoff: {weight: true}\n",
        2,
        "signals.kickoff.weight",
        "must be a number, like 1.5 (got True)",
    ),
    (
        "a text weight",
        'signals:\n  kickoff:\n    weight: "2"\n',
        3,
        "signals.kickoff.weight",
        "must be a number, like 1.5 (got '2')",
    ),
    (
        "text days",
        'stale_after_days: "14"\n',
        1,
        "stale_after_days",
        "must be a whole number, like 14 (got '14')",
    ),
    ("fractional days", "stale_after_days: 1.5\n", 1, "stale_after_days", "must be a whole number"),
    (
        "a yes for business days",
        "rescue:\n  sla_business_days: {at_risk: yes, watch: 3}\n",
        2,
        "rescue.sla_business_days.at_risk",
        "must be a whole number, like 14 (got True)",
    ),
    (
        "text checkpoint days",
        "rescue:\n  checkpoint_days:\n    watch: ten\n",
        3,
        "rescue.checkpoint_days.watch",
        "must be a whole number",
    ),
    ("a text band", 'bands: {healthy: "8", watch: 5}\n', 1, "bands.healthy", "must be a number"),
    (
        "a boolean ARR threshold",
        "escalation:\n  two_approvals_from_arr: true\n",
        2,
        "escalation.two_approvals_from_arr",
        "must be a whole number",
    ),
    (
        "a boolean window",
        "signals:\n  kickoff: {window: true}\n",
        2,
        "signals.kickoff.window",
        "a window is whole days after signature",
    ),
    (
        "a window missing segments",
        "signals:\n  kickoff:\n    window: {smb: 3}\n",
        3,
        "signals.kickoff.window",
        "give every segment (smb, mid, enterprise)",
    ),
    (
        "retired as a number",
        "signals:\n  kickoff: {retired: 1}\n",
        2,
        "signals.kickoff.retired",
        "must be true or false",
    ),
    (
        "a text reminder interval",
        "schedule:\n  reminder_every_minutes: '10'\n",
        2,
        "schedule.reminder_every_minutes",
        "must be a whole number",
    ),
    (
        "all weights zero",
        f"signals:\n{ZEROS}  exec_update: {{weight: 0}}\n",
        1,
        "signals",
        "every signal in use has weight 0",
    ),
    (
        "only a retired signal weighs",
        f"signals:\n{ZEROS}  exec_update: {{weight: 0}}\n"
        "  kickoff_call: {label: Call, category: milestone, weight: 2, retired: true}\n",
        1,
        "signals",
        "give at least one non-retired signal a weight above 0",
    ),
    (
        "every signal retired",
        "signals:\n"
        + "".join(
            f"  {k}: {{retired: true}}\n"
            for k in (
                "kickoff",
                "admin_trained",
                "data_import",
                "first_value",
                "ticket_trend",
                "exec_update",
            )
        ),
        1,
        "signals",
        "every signal is retired",
    ),
    (
        "an approver by name",
        "escalation:\n  approvers: ['@morgan']\n",
        2,
        "escalation.approvers.0",
        f"`@morgan` is not a Slack member ID; {MEMBER_HINT}",
    ),
    (
        "a second approver by name",
        "escalation:\n  approvers:\n    - U0MANAGER\n    - morgan\n",
        4,
        "escalation.approvers.1",
        MEMBER_HINT,
    ),
    (
        "a group as an approver",
        "escalation:\n  approvers: [S0LEADS]\n",
        2,
        "escalation.approvers.0",
        "is not a Slack member ID",
    ),
    (
        "an approver group by name",
        "escalation:\n  approver_group: '@cs-leads'\n",
        2,
        "escalation.approver_group",
        "is not a Slack user group ID; use the group's ID, e.g. S0",
    ),
    ("a lower-case admin", "roles:\n  admins: [u0admin]\n", 2, "roles.admins.0", MEMBER_HINT),
    (
        "an admin group by name",
        "roles:\n  admin_group: admins\n",
        2,
        "roles.admin_group",
        "is not a Slack user group ID",
    ),
    ("a CSM by name", "roles:\n  csms: [U0ALICE, '@bob']\n", 2, "roles.csms.1", MEMBER_HINT),
    (
        "a user as the CSM group",
        "roles:\n  csm_group: U0ALICE\n",
        2,
        "roles.csm_group",
        "is not a Slack user group ID",
    ),
    (
        "a digest CSM by name",
        "digests:\n  - channel: C0CSTEAM\n    scope: {csm: '@alice'}\n",
        3,
        "digests.0.scope.csm",
        MEMBER_HINT,
    ),
    (
        "a rescue channel by name",
        "rescue:\n  channel: '#rescue'\n",
        2,
        "rescue.channel",
        "`#rescue` is not a Slack channel ID; use the channel ID, e.g. C0123ABCD",
    ),
    (
        "a leaders channel by name",
        "escalation:\n  channel: leaders\n",
        2,
        "escalation.channel",
        "is not a Slack channel ID",
    ),
    (
        "a digest channel by name",
        "digests:\n  - {channel: '#cs-team'}\n",
        2,
        "digests.0.channel",
        "is not a Slack channel ID",
    ),
    (
        "a user as a digest channel",
        "digests:\n  - {channel: U0ALICE}\n",
        2,
        "digests.0.channel",
        "is not a Slack channel ID",
    ),
    (
        "an unknown roles key",
        "roles:\n  owners: [U0ALICE]\n",
        2,
        "roles.owners",
        "unknown key `owners`",
    ),
    (
        "a key given twice",
        "bands: {healthy: 8, watch: 5}\nbands: {healthy: 9, watch: 5}\n",
        2,
        None,
        "`bands` is given twice",
    ),
    ("not YAML", "bands: {healthy: 7.5\nrescue: {}\n", 2, None, "not valid YAML"),
    (
        "a recursive alias",
        "rescue: &loop\n  channel: C0X\n  again: *loop\n",
        1,
        None,
        "aliases cannot be recursive",
    ),
]


@pytest.mark.parametrize(
    ("text", "line", "path", "says"),
    [case[1:] for case in REFUSALS],
    ids=[case[0] for case in REFUSALS],
)
def test_a_bad_config_is_refused_with_file_line_path_and_problem(
    offline: Rescuebot, text: str, line: int, path: str | None, says: str
) -> None:
    offline.write("bad.yml", text)
    for args in (["--config", "bad.yml", "standup"], ["standup", "--config", "bad.yml"]):
        result = offline(*args)
        assert result.code == 1
        where = f"bad.yml, line {line}: " + (f"{path}: " if path else "")
        message = next((m for m in result.err.splitlines() if where in m), result.err)
        assert where in message and says in message, result.err
        assert "Traceback" not in result.out + result.err


def test_rescuebot_yml_in_the_working_directory_is_checked_the_same(offline: Rescuebot):
    offline.write("rescuebot.yml", "escalation:\n  approvers: ['@morgan']\n")
    result = offline("standup")
    assert result.code == 1
    where = "rescuebot.yml, line 2: escalation.approvers.0"
    assert f"{where}: `@morgan` is not a Slack member ID; {MEMBER_HINT}" in result.err


def test_every_problem_is_reported_at_once(offline: Rescuebot) -> None:
    offline.write("bad.yml", "roles:\n  admins: ['@ann']\n  csms: ['@bob']\n")
    result = offline("--config", "bad.yml", "standup")
    assert result.code == 1
    assert "line 2: roles.admins.0" in result.err and "line 3: roles.csms.0" in result.err


def test_a_missing_config_file_is_named(offline: Rescuebot) -> None:
    result = offline("standup", "--config", "nowhere.yml")
    assert result.code == 1 and "nowhere.yml: no such config file" in result.err


def billion_laughs(levels: int) -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    names = "abcdefghijklmnop"
    for previous, name in pairwise(names[: levels + 1]):
        lines.append(f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]")
    return "\n".join(lines) + "\n"


HANGS = {
    "an alias bomb": (billion_laughs(9), "bad.yml, line 9: aliases expand this file by"),
    "a file over 1 MB": ("# padding\n" * 120_000, "bad.yml: the file is larger than 1 MB"),
    "absurd nesting": ("[" * 20_000 + "]" * 20_000, "bad.yml: values are nested too deeply"),
}


@pytest.mark.parametrize("case", HANGS)
def test_files_that_would_hang_the_loader_are_refused_quickly(tmp_path: Path, case: str):
    text, says = HANGS[case]
    (tmp_path / "bad.yml").write_text(text, encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "COLUMNS": "200"}
    # A process with a deadline: a regression fails this test instead of hanging the suite.
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "standup", "--config", "bad.yml"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert run.returncode == 1 and says in run.stderr, run.stderr
    assert "Traceback" not in run.stdout + run.stderr


def test_a_device_that_never_ends_is_refused(offline: Rescuebot) -> None:
    result = offline("--config", "/dev/zero", "standup")
    assert result.code == 1 and "/dev/zero: the file is larger than 1 MB" in result.err


def test_aliases_within_the_budget_are_fine(offline: Rescuebot) -> None:
    offline.write(
        "ok.yml",
        "escalation:\n  approvers: &people [U0ANN, U0BOB]\nroles:\n  admins: *people\n",
    )
    assert offline("--config", "ok.yml", "standup").code == 0


DATABASE_URLS = {
    "no colon": "postgres//x",
    "a word": "nonsense",
    "empty": "",
    "another database": "mysql://rescuebot:s3cret@db.example.com/rescuebot",
    "not a database": "https://example.com/db",
}


@pytest.mark.parametrize("url", DATABASE_URLS.values(), ids=DATABASE_URLS.keys())
def test_a_malformed_database_url_is_refused_in_one_line(tmp_path, monkeypatch, url: str):
    monkeypatch.setenv("COLUMNS", "200")
    cli = Rescuebot(url, tmp_path, monkeypatch)
    for command in (["standup"], ["db", "upgrade"], ["scorecard", "acme", "--json"]):
        result = cli(*command)
        assert result.code == 1 and result.out == ""
        (line,) = result.err.strip().splitlines()
        assert line.startswith("Error: DATABASE_URL ")
        assert "write it like sqlite:///rescuebot.db or postgresql+psycopg://" in line
        assert "s3cret" not in line and "Traceback" not in line


def test_the_demo_refuses_a_malformed_database_url_option(offline: Rescuebot) -> None:
    result = offline("demo", "--database-url", "postgres//x")
    assert result.code == 2 and "--database-url `postgres//x` is not a database URL" in result.err
    assert "Traceback" not in result.err
