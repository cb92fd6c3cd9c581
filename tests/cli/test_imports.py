"""`rescuebot accounts import` and `signals import`: idempotent, all-or-nothing, row-numbered."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import delete
from sqlmodel import func, select

from bot.store.db import make_engine, session_scope
from bot.store.tables import Account, CurrentState, Event, Reading
from tests.cli.conftest import ACCOUNTS_CSV
from tests.services.test_current_state import check, fresh_keys


def counts(url: str) -> tuple[int, int, int]:
    with session_scope(make_engine(url)) as session:
        return tuple(  # type: ignore[return-value]
            session.exec(select(func.count()).select_from(t)).one()
            for t in (Account, Reading, Event)
        )


def test_importing_accounts_creates_them_with_derived_keys(rescuebot):
    result = rescuebot("accounts", "import", str(rescuebot.write("a.csv", ACCOUNTS_CSV)), "--json")
    assert result.code == 0, result.err
    assert result.json() == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0, "skipped": []}
    card = rescuebot("scorecard", "cafe", "--json").json()
    assert card["account"] == "cafe-muller-gmbh"
    assert card["handoff_complete"] is False  # dependencies left empty
    assert rescuebot("scorecard", "globex", "--json").json()["handoff_complete"] is True


def test_importing_the_same_files_twice_changes_nothing(loaded):
    before = counts(loaded.database_url)
    again_accounts = loaded("accounts", "import", str(loaded.cwd / "a.csv"), "--json").json()
    again_readings = loaded("signals", "import", str(loaded.cwd / "r.csv"), "--json").json()
    assert again_accounts["unchanged"] == 3 and again_accounts["created"] == 0
    assert again_readings["unchanged"] == 9 and again_readings["created"] == 0
    assert counts(loaded.database_url) == before


def test_a_changed_row_updates_the_account_and_says_so(loaded):
    changed = ACCOUNTS_CSV.replace("120000", "150000")
    result = loaded("accounts", "import", str(loaded.write("a2.csv", changed)), "--json").json()
    assert (result["updated"], result["unchanged"]) == (1, 2)


def test_a_file_with_a_bad_row_imports_nothing_and_names_each_row(rescuebot):
    bad = ACCOUNTS_CSV + "bad key!,Bad,huge,U0X,2026-13-01,-5,x,#general,,,,\n,,smb,,,,,,,,,\n"
    result = rescuebot("accounts", "import", str(rescuebot.write("bad.csv", bad)))
    assert result.code == 1
    assert "row 5: `key` is `bad key!`" in result.err
    assert "row 6: `name` is empty" in result.err
    assert "nothing was imported" in result.err
    assert counts(rescuebot.database_url)[0] == 0


def test_skip_bad_imports_the_good_rows_and_reports_the_bad(rescuebot):
    bad = ACCOUNTS_CSV + "x,X,giant,,,,,,,,,\n"
    result = rescuebot("accounts", "import", str(rescuebot.write("bad.csv", bad)), "--skip-bad",
                       "--json")  # fmt: skip
    assert result.code == 0
    report = result.json()
    assert report["created"] == 3
    assert report["skipped"] == ["row 5: `segment` is `giant`; use smb, mid or enterprise"]


def test_each_bad_field_gets_an_explanation(rescuebot):
    rows = [
        ("k1,A,smb,not-a-user,,,,,,,,", "`csm` is `not-a-user`; expected a Slack user like @alex"),
        ("k2,B,smb,,01/02/2026,,,,,,,", "`signed_on` is `01/02/2026`; write a date as YYYY-MM-DD"),
        ("k3,C,smb,,,12.5,,,,,,", "`arr` is `12.5`; expected a whole number"),
        (
            "k4,D,smb,,,,,#general,,,,",
            "`channel` is `#general`; expected a Slack channel like #cs-team",
        ),
        ("k5,E,smb,,,,,,,,,,extra", "1 more cell than the header"),
        ("k6,F,smb,,,,,," + "x" * 3001 + ",,,", "`business_problem` is 3,001 characters"),
        ("k7,G,smb,,,,,,,,,", None),
        ("k7,H,smb,,,,,,,,,", "account `k7` is already in row 8"),
    ]
    header = ACCOUNTS_CSV.splitlines()[0]
    text = "\n".join([header, *(row for row, _ in rows)]) + "\n"
    result = rescuebot("accounts", "import", str(rescuebot.write("bad.csv", text)))
    assert result.code == 1
    for n, (_, message) in enumerate(rows, start=2):
        assert (f"row {n}:" in result.err) is (message is not None)
        if message:
            assert f"row {n}: {message}" in result.err


def test_json_files_import_like_csv_and_wrong_types_are_refused(rescuebot):
    good = [{"name": "Initech", "segment": "SMB", "arr": 5000, "users": None}]
    result = rescuebot("accounts", "import", str(rescuebot.write("a.json", json.dumps(good))),
                       "--json")  # fmt: skip
    assert result.json()["created"] == 1
    bad = [{"name": ["not", "text"]}, "just a string"]
    result = rescuebot("accounts", "import", str(rescuebot.write("b.json", json.dumps(bad))))
    assert result.code == 1
    assert "row 1: `name` must be text or a number, not a list" in result.err
    assert "row 2: is not an object with named fields" in result.err


def test_unusable_files_are_refused_with_what_right_looks_like(rescuebot):
    cases = {
        "empty.csv": ("", "the file is empty"),
        "typo.csv": ("name,segmnt\nAcme,smb\n", "unknown column `segmnt`"),
        "broken.json": ('[{"name": "x"', "not valid JSON"),
    }
    for name, (text, message) in cases.items():
        result = rescuebot("accounts", "import", str(rescuebot.write(name, text)))
        assert result.code == 1 and message in result.err, (name, result.err)
    missing = rescuebot("accounts", "import", str(rescuebot.cwd / "nope.csv"))
    assert missing.code == 1 and "cannot be read" in missing.err


def test_readings_import_resolves_prefixes_and_refuses_bad_rows_atomically(loaded):
    bad = (
        "account,signal,value,recorded_at\n"
        "acme,kickoff,2,2026-11-20\n"
        "nobody,kickoff,2,2026-11-20\n"
        "acme,t,2,2026-11-20\n"
        "acme,kickoff,3,2026-11-20\n"
        "acme,kickoff,2,yesterday\n"
        "acme,kickoff,2,2999-01-01\n"
    )
    before = counts(loaded.database_url)
    result = loaded("signals", "import", str(loaded.write("bad.csv", bad)))
    assert result.code == 1
    err = " ".join(result.err.split())
    assert "row 3: No account matches `nobody`" in err
    assert "row 4: `t` matches several signals" in err
    assert "row 5: `value` is `3`; use 0, 1, 2 or risk, watch, healthy" in err
    assert "row 6: `recorded_at` is `yesterday`" in err
    assert "row 7: `recorded_at` 2999-01-01T00:00:00+00:00 is in the future" in err
    assert counts(loaded.database_url) == before


def test_the_same_rating_within_ten_minutes_is_one_reading(loaded):
    near = (
        "account,signal,value,recorded_at,author\n"
        "globex,import,0,2026-11-20T00:09:00,U0CARMEN\n"  # 9 min after the import's 00:00
        "globex,import,0,2026-11-20T00:11:00,U0CARMEN\n"
    )  # 11 min after: a new reading
    result = loaded("signals", "import", str(loaded.write("near.csv", near)), "--json").json()
    assert (result["created"], result["unchanged"]) == (1, 1)


def test_imports_keep_the_states_they_change_and_rebuild_state_keeps_every_one(loaded):
    engine, today = make_engine(loaded.database_url), datetime.now(UTC).date()
    everyone = {"acme", "cafe-muller-gmbh", "globex"}
    assert fresh_keys(engine, today) == everyone  # kept by the imports, not dropped
    check(engine, today)
    with session_scope(engine) as session:
        session.execute(delete(CurrentState))
    result = loaded("db", "rebuild-state")
    assert result.code == 0, result.err
    assert "Kept the state of 3 accounts" in result.out
    assert fresh_keys(engine, today) == everyone
    check(engine, today)
