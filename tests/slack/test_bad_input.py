"""Bad input to every slash command, end to end: a private answer that says what was wrong and
how to type it, no Python in sight, and nothing written.

Slack sends command text escaped: `&`, `<`, `>` typed by a person arrive as `&amp;`, `&lt;`,
`&gt;`, users as `<@U123|name>`. The texts below are written the way Slack sends them.

This module's server retires one signal (`exec_update`) to show how a retired signal is refused.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import func
from sqlmodel import select

import tests.slack.conftest as slack_conftest
from bot.store.tables import Account, Event, Reading
from tests.slack.conftest import CHANNEL, CSM, Served

RETIRED = "exec_update"
SIGNAL_KEYS = ("kickoff", "admin_trained", "data_import", "first_value", "ticket_trend")
PYTHON_LEAKS = ("Traceback", 'File "', "Exception", "Error:", "NoneType", "sqlalchemy", ":x:")
LONG = "x" * 3001


@pytest.fixture(scope="module")
def retired_signal_config() -> Iterator[None]:
    """The conftest's `served` writes `CONFIG` when it starts the server: add a retired signal."""
    with pytest.MonkeyPatch.context() as patch:
        retired = f"signals:\n  {RETIRED}: {{retired: true}}\n"
        patch.setattr(slack_conftest, "CONFIG", slack_conftest.CONFIG + retired)
        yield


@pytest.fixture(scope="module")
def served(retired_signal_config: None, served: Served) -> Served:
    return served


# ---- helpers -------------------------------------------------------------------------------------


def unique(stem: str) -> str:
    """A name no other test on the shared server uses, e.g. `Probe 3f9a1c`."""
    return f"{stem} {uuid.uuid4().hex[:6]}"


def add_account(app: Served, name: str, options: str = "") -> str:
    """Add an account through `/onboard add` and return its key."""
    answer = app.command("/onboard", f"add {name} {options}".strip())
    match = re.search(r"as `([a-z0-9-]+)`", answer["text"])
    assert match, answer["text"]
    return match[1]


def totals(app: Served) -> tuple[int, int, int]:
    """How many accounts, readings and events the database holds."""
    with app.db() as session:
        return tuple(  # type: ignore[return-value]
            session.exec(select(func.count()).select_from(table)).one()
            for table in (Account, Reading, Event)
        )


def refused(app: Served, command: str, text: str, **kwargs: str) -> str:
    """Send `command`, check it was refused the way every refusal must be, return the answer.

    Ephemeral, a warning saying what was wrong, the command's usage, no Python exception text,
    nothing written to the database and nothing posted in the channel.
    """
    before = totals(app)
    answer = app.command(command, text, **kwargs)
    body = answer["text"]
    assert answer["response_type"] == "ephemeral", body
    assert body.startswith(":warning: "), body
    assert f"\nUsage: `{command}" in body, body
    assert not [leak for leak in PYTHON_LEAKS if leak in body], body
    assert totals(app) == before, f"{command} {text[:80]} wrote something"
    assert app.double.messages(kwargs.get("channel_id", CHANNEL)) == []
    return body


@pytest.fixture
def key(app: Served) -> str:
    """A fresh account for the test to point bad input at."""
    return add_account(app, unique("Target"), "signed:2026-10-01")


def stored(app: Served, key: str) -> dict | None:
    """The account's stored fields, to compare before and after a refusal."""
    account = app.account(key)
    return account.model_dump() if account else None


def fill(template: str, key: str, missing: str = "") -> str:
    return template.format(key=key, missing=missing)


# ---- accounts that are not there, or not one -----------------------------------------------------

NAMES_AN_ACCOUNT = {
    "signal": ("/signal", "{missing} kickoff 2"),
    "signal-multi": ("/signal", "{missing} kickoff=2 admin=1"),
    "scorecard": ("/scorecard", "{missing}"),
    "scorecard-share": ("/scorecard", "{missing} share"),
    "onboard-handoff": ("/onboard", "handoff {missing}"),
    "onboard-set": ("/onboard", 'set {missing} next:"Call the CFO"'),
    "onboard-outcome": ("/onboard", "outcome {missing} completed"),
}


@pytest.mark.parametrize(("command", "template"), NAMES_AN_ACCOUNT.values(), ids=NAMES_AN_ACCOUNT)
def test_a_misspelt_account_gets_the_nearest_key_and_changes_nothing(
    app: Served, key: str, command: str, template: str
):
    missing = key[:-1] + ("x" if key[-1] != "x" else "y")  # one letter off
    body = refused(app, command, fill(template, key, missing))
    assert f"No account matches `{missing}`. Did you mean `{key}`?" in body
    assert app.account(missing) is None
    nothing_near = f"zq{uuid.uuid4().hex[:6]}"
    body = refused(app, command, fill(template, key, nothing_near))
    assert f"No account matches `{nothing_near}`." in body and "Did you mean" not in body


@pytest.mark.parametrize(("command", "template"), NAMES_AN_ACCOUNT.values(), ids=NAMES_AN_ACCOUNT)
def test_ambiguous_prefix_names_both_accounts_and_changes_nothing(
    app: Served, command: str, template: str
):
    prefix = f"amb{uuid.uuid4().hex[:6]}"
    north = add_account(app, f"{prefix} North")
    south = add_account(app, f"{prefix} South")
    body = refused(app, command, fill(template, key="", missing=prefix))
    assert f"`{prefix}` matches 2 accounts" in body
    assert north in body and south in body
    assert app.readings(north) == app.readings(south) == []
    assert [e.kind for e in app.events(north) + app.events(south)] == ["account_added"] * 2


# ---- signals and values --------------------------------------------------------------------------

BAD_VALUES = {
    "three": ("{key} kickoff 3", "`3` is not a signal value"),
    "word": ("{key} kickoff great", "`great` is not a signal value"),
    "negative": ("{key} kickoff -1", "`-1` is not a signal value"),
    "fraction": ("{key} kickoff 1.5", "`1.5` is not a signal value"),
    "multi-one-bad": ("{key} kickoff=2 admin=great", "`great` is not a signal value"),
}


@pytest.mark.parametrize(("template", "says"), BAD_VALUES.values(), ids=BAD_VALUES)
def test_bad_signal_value_is_refused_and_records_nothing(
    app: Served, key: str, template: str, says: str
):
    body = refused(app, "/signal", fill(template, key))
    assert says in body
    assert "0, 1, 2 or risk, watch, healthy" in body
    assert app.readings(key) == []


BAD_SIGNALS = {
    "unknown": ("{key} x 3", "`x` is not a signal"),
    "unknown-in-multi": ("{key} kickoff=2 zzz=1", "`zzz` is not a signal"),
    "ambiguous-prefix": ("{key} t 2", "`t` matches several signals"),
    "retired": (f"{{key}} {RETIRED} 2", f"`{RETIRED}`"),
    "retired-in-multi": (f"{{key}} kickoff=2 {RETIRED}=1", f"`{RETIRED}`"),
}


@pytest.mark.parametrize(("template", "says"), BAD_SIGNALS.values(), ids=BAD_SIGNALS)
def test_unknown_retired_or_ambiguous_signal_is_refused_and_records_nothing(
    app: Served, key: str, template: str, says: str
):
    body = refused(app, "/signal", fill(template, key))
    assert says in body
    assert "Did you mean" in body or "the signals are `kickoff`" in body
    assert app.readings(key) == []


@pytest.mark.parametrize(
    ("text", "meant"), [("imprt", "data_import"), ("kikoff", "kickoff"), ("frist", "first_value")]
)
def test_a_misspelt_signal_gets_the_nearest_key_and_records_nothing(
    app: Served, key: str, text: str, meant: str
):
    body = refused(app, "/signal", f"{key} {text} 2")
    assert f"`{text}` is not a signal. Did you mean `{meant}`?" in body
    assert app.readings(key) == []


@pytest.mark.parametrize("ratings", ["kickoff=2 kickoff=1", "kickoff=2 kick=1", "import=1 data=1"])
def test_signal_rated_twice_in_one_command_records_nothing(app: Served, key: str, ratings: str):
    body = refused(app, "/signal", f"{key} {ratings} two opinions")
    assert "is rated twice in one command; rate it once" in body
    assert app.readings(key) == []


# ---- dates ---------------------------------------------------------------------------------------

BAD_DATES = {
    "add-signed-impossible": ("add {missing} signed:2026-13-40", "`signed` is `2026-13-40`"),
    "add-signed-word": ("add {missing} signed:yesterday", "`signed` is `yesterday`"),
    "set-due-word": ("set {key} due:tomorrow", "`due` is `tomorrow`"),
    "set-signed-feb-30": ("set {key} signed:2026-02-30", "`signed` is `2026-02-30`"),
    "set-due-us-order": ("set {key} due:12/01/2026", "`due` is `12/01/2026`"),
    "outcome-impossible": ("outcome {key} completed date:2026-13-40", "`date` is `2026-13-40`"),
    "outcome-future": ("outcome {key} completed date:2099-01-01", "is in the future"),
    "outcome-before-signature": (
        "outcome {key} churned date:2026-09-01",
        "is before the signature (2026-10-01)",
    ),
}


@pytest.mark.parametrize(("template", "says"), BAD_DATES.values(), ids=BAD_DATES)
def test_bad_date_is_refused_and_changes_nothing(app: Served, key: str, template: str, says: str):
    missing = unique("Dated").replace(" ", "-").lower()
    before = stored(app, key)
    body = refused(app, "/onboard", fill(template, key, missing))
    assert says in body
    if "`date`" in says or "`due`" in says or "`signed`" in says:
        assert "YYYY-MM-DD" in body
    assert app.account(missing) is None
    assert stored(app, key) == before
    assert [e.kind for e in app.events(key)] == ["account_added"]


# ---- missing, extra, repeated --------------------------------------------------------------------

MISSING = {
    "signal-nothing": ("/signal", "", "an account is missing"),
    "signal-account-only": ("/signal", "{key}", "a signal and a value are missing"),
    "signal-no-value": ("/signal", "{key} kickoff", "a value for `kickoff` is missing"),
    "scorecard-nothing": ("/scorecard", "", "an account is missing"),
    "add-no-name": ("/onboard", "add", "the account needs a name"),
    "add-only-options": ("/onboard", "add segment:mid arr:1000", "the account needs a name"),
    "handoff-no-account": ("/onboard", "handoff", "an account is missing"),
    "set-no-account": ("/onboard", "set", "an account is missing"),
    "set-nothing-to-set": ("/onboard", "set {key}", "say what to set"),
    "outcome-no-account": ("/onboard", "outcome", "an account is missing"),
    "outcome-no-outcome": ("/onboard", "outcome {key}", "the outcome is missing"),
}


@pytest.mark.parametrize(("command", "template", "says"), MISSING.values(), ids=MISSING)
def test_missing_argument_is_refused_with_usage(
    app: Served, key: str, command: str, template: str, says: str
):
    body = refused(app, command, fill(template, key))
    assert says in body
    assert app.readings(key) == []


EXTRA = {
    "scorecard-share-please": ("/scorecard", "{key} share please", "unexpected `please`"),
    "scorecard-junk": ("/scorecard", "{key} now", "unexpected `now`"),
    "outcome-trailing-word": ("/onboard", "outcome {key} completed now", "unexpected `now`"),
    "handoff-trailing-word": ("/onboard", "handoff {key} please", "unexpected `please`"),
    "set-unknown-key": ("/onboard", "set {key} colour:red", "`colour:` is not an option"),
    "list-mine-please": ("/onboard", "list mine please", "unexpected `please`"),
    "list-segment-and-mine": ("/onboard", "list segment:smb mine", "unexpected `mine`"),
    "standup-mine-please": ("/standup", "mine please", "unexpected `please`"),
}


@pytest.mark.parametrize(("command", "template", "says"), EXTRA.values(), ids=EXTRA)
def test_extra_words_are_refused_not_ignored(
    app: Served, key: str, command: str, template: str, says: str
):
    before = stored(app, key)
    body = refused(app, command, fill(template, key))
    assert says in body
    assert stored(app, key) == before


REPEATED = {
    "add-segment": ("/onboard", "add {missing} segment:smb segment:mid", "`segment:`"),
    "set-due": ("/onboard", "set {key} due:2026-12-01 due:2026-12-02", "`due:`"),
    "set-owner": ("/onboard", "set {key} owner:<@U0MANAGER|morgan> owner:<@U0USER|u>", "`owner:`"),
    "outcome-date": (
        "/onboard",
        "outcome {key} completed date:2026-11-01 date:2026-11-02",
        "`date:`",
    ),
    "list-segment": ("/onboard", "list segment:smb segment:mid", "`segment:`"),
    "standup-segment": ("/standup", "segment:smb segment:mid", "`segment:`"),
}


@pytest.mark.parametrize(("command", "template", "option"), REPEATED.values(), ids=REPEATED)
def test_repeated_option_is_refused(
    app: Served, key: str, command: str, template: str, option: str
):
    missing = unique("Twice").replace(" ", "-").lower()
    before = stored(app, key)
    body = refused(app, command, fill(template, key, missing))
    assert f"{option} is given twice; give it once" in body
    assert app.account(missing) is None
    assert stored(app, key) == before


BAD_FIELDS = {
    "add-segment": ("/onboard", "add {missing} segment:galaxy", "`segment` is `galaxy`"),
    "add-csm-not-a-mention": ("/onboard", "add {missing} csm:bob", "`csm` is `bob`"),
    "add-channel-not-a-channel": ("/onboard", "add {missing} channel:general", "`channel`"),
    "add-arr-word": ("/onboard", "add {missing} arr:lots", "`arr` is `lots`"),
    "add-arr-infinite": ("/onboard", "add {missing} arr:inf", "`arr` is `inf`"),
    "add-users-fraction": ("/onboard", "add {missing} users:1.5", "`users` is `1.5`"),
    "set-arr-negative": ("/onboard", "set {key} arr:-5", "`arr` is `-5`"),
    "set-owner-not-a-mention": ("/onboard", "set {key} owner:bob", "`owner` is `bob`"),
    "set-segment-cleared": ("/onboard", "set {key} segment:none", "`segment` is `none`"),
    "outcome-unknown": ("/onboard", "outcome {key} finished", "`outcome` is `finished`"),
    "list-segment": ("/onboard", "list segment:galaxy", "`segment` is `galaxy`"),
    "list-scope": ("/onboard", "list everyone", "`everyone` is not `mine`, a @mention"),
    "standup-segment": ("/standup", "segment:galaxy", "`segment` is `galaxy`"),
    "standup-scope": ("/standup", "everyone", "`everyone` is not `mine`, a @mention"),
}


@pytest.mark.parametrize(("command", "template", "says"), BAD_FIELDS.values(), ids=BAD_FIELDS)
def test_bad_field_value_is_refused_and_changes_nothing(
    app: Served, key: str, command: str, template: str, says: str
):
    missing = unique("Field").replace(" ", "-").lower()
    before = stored(app, key)
    body = refused(app, command, fill(template, key, missing))
    assert says in body
    assert app.account(missing) is None
    assert stored(app, key) == before


# ---- size and shape of names and notes -----------------------------------------------------------

TOO_LONG = {
    "note": ("/signal", "{key} kickoff 2 " + LONG, "the note is 3,001 characters"),
    "multi-note": ("/signal", "{key} kickoff=2 admin=1 " + LONG, "the note is 3,001 characters"),
    "name": ("/onboard", "add " + LONG, "`name` is 3,001 characters; keep it under 200"),
    "rename": ("/onboard", "set {key} name:" + "N" * 201, "`name` is 201 characters"),
    "next-step": ("/onboard", "set {key} next:" + LONG, "`next` is 3,001 characters"),
    "whole-command": ("/onboard", "add Big " + "y" * 7000, "the command is 7,004 characters"),
}


@pytest.mark.parametrize(("command", "template", "says"), TOO_LONG.values(), ids=TOO_LONG)
def test_overlong_text_is_refused_and_changes_nothing(
    app: Served, key: str, command: str, template: str, says: str
):
    before = stored(app, key)
    body = refused(app, command, fill(template, key))
    assert says in body
    assert stored(app, key) == before
    assert app.readings(key) == []


@pytest.mark.parametrize("name", ["!!!", "&amp;&amp;&amp;", "— · —", '""'])
def test_name_without_letters_or_digits_is_refused(app: Served, name: str):
    body = refused(app, "/onboard", f"add {name}")
    assert "has no letters or digits to make a key from" in body or "needs a name" in body


def test_non_ascii_name_gets_a_folded_key_and_is_found_by_its_accented_prefix(app: Served):
    added = app.command("/onboard", "add Café Müller")
    assert added["response_type"] == "ephemeral"
    assert "Added *Café Müller* as `cafe-muller`" in added["text"]
    assert app.account("cafe-muller").name == "Café Müller"

    assert app.command("/scorecard", "café")["text"].startswith("Café Müller: ")
    recorded = app.command("/signal", "CAFÉ kickoff 2")
    assert "Recorded for *Café Müller*" in recorded["text"]
    assert [(r.signal, r.value) for r in app.readings("cafe-muller")] == [("kickoff", 2)]


def test_escaped_input_is_stored_unescaped_and_shown_escaped(app: Served):
    added = app.command("/onboard", "add Smith &amp; Sons &lt;UK&gt;")
    assert "Added *Smith &amp; Sons &lt;UK&gt;* as `smith-sons-uk`" in added["text"]
    assert "<UK>" not in added["text"]
    assert app.account("smith-sons-uk").name == "Smith & Sons <UK>"

    recorded = app.command("/signal", "smith-sons-uk import 1 waits on &lt;ERP&gt; &amp; CRM")
    assert "Recorded for *Smith &amp; Sons &lt;UK&gt;*" in recorded["text"]
    assert app.readings("smith-sons-uk")[-1].note == "waits on <ERP> & CRM"

    listing = app.command("/onboard", "list")
    shown = str(listing["blocks"])
    assert "*Smith &amp; Sons &lt;UK&gt;* `smith-sons-uk`" in shown
    assert "<UK>" not in shown


# ---- sub-commands, help, lists -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["frobnicate", "remove acme", "ADDD Acme"])
def test_unknown_onboard_subcommand_lists_the_subcommands_and_their_usage(app: Served, text: str):
    body = refused(app, "/onboard", text)
    word = text.split()[0].lower()
    assert f"`{word}` is not an /onboard command; use add, handoff, gate, set" in body
    for sub in ("add", "handoff", "set", "outcome", "list", "help"):
        assert f"/onboard {sub}" in body


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP", "help me"])
def test_empty_onboard_or_help_shows_every_command(app: Served, text: str):
    before = totals(app)
    answer = app.command("/onboard", text)
    assert answer["response_type"] == "ephemeral"
    for command in ("/onboard add", "/scorecard", "/signal", "/standup", "/rescue", "/escalate"):
        assert f"`{command} " in answer["text"]
    assert totals(app) == before


def test_list_mine_with_no_accounts_says_there_are_none(app: Served):
    newcomer = f"U0NEW{uuid.uuid4().hex[:6].upper()}"
    answer = app.command("/onboard", "list mine", user_id=newcomer)
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith(f"0 accounts for <@{newcomer}>")
    assert "No accounts match." in str(answer["blocks"])


# ---- the standup channel -------------------------------------------------------------------------


def test_standup_where_the_bot_is_not_a_member_says_how_to_fix_it(app: Served):
    app.double.add_channel("C0PRIVATE", "secret", is_member=False)
    body = refused(app, "/standup", "", channel_id="C0PRIVATE")
    assert "I can't post in this channel" in body
    assert "/invite @Onboarding Rescue" in body


# ---- /rescue and /escalate ----------------------------------------------------------------------

RESCUE_INPUT = {
    "rescue-nothing": ("/rescue", "", "an account is missing"),
    "rescue-unknown-account": ("/rescue", "{missing}", "No account matches `{missing}`"),
    "rescue-bad-date": ("/rescue", "{key} due:tomorrow", "`due` is `tomorrow`"),
    "rescue-past-date": ("/rescue", "{key} due:2020-01-01", "is in the past"),
    "rescue-bad-owner": ("/rescue", "{key} owner:bob call them", "`owner` is `bob`"),
    "rescue-unknown-option": ("/rescue", "{key} colour:red", "`colour:` is not an option"),
    "escalate-nothing": ("/escalate", "", "an account is missing"),
    "escalate-unknown-account": ("/escalate", "{missing}", "No account matches `{missing}`"),
    "escalate-extra": ("/escalate", "{key} now please", "unexpected `now please`"),
}


@pytest.mark.parametrize(("command", "template", "says"), RESCUE_INPUT.values(), ids=RESCUE_INPUT)
def test_rescue_and_escalate_refuse_bad_input_with_usage(
    app: Served, key: str, command: str, template: str, says: str
):
    missing = f"nosuch-{uuid.uuid4().hex[:6]}"
    body = refused(app, command, fill(template, key, missing))
    assert fill(says, key, missing) in body


# ---- bugs: each test shows the right behaviour ---------------------------------------------------

ECHOES = {
    "signal-value": ("/signal", "{key} kickoff &lt;!here&gt;"),
    "signal-name": ("/signal", "{key} &lt;!here&gt; 2"),
    "signal-account": ("/signal", "&lt;!here&gt; kickoff 2"),
    "scorecard-extra": ("/scorecard", "{key} &lt;!here&gt;"),
    "onboard-outcome": ("/onboard", "outcome {key} &lt;!here&gt;"),
    "onboard-add-segment": ("/onboard", "add Echo segment:&lt;!here&gt;"),
    "onboard-list": ("/onboard", "list &lt;!here&gt;"),
    "standup": ("/standup", "&lt;!here&gt;"),
}


@pytest.mark.parametrize(
    ("command", "template"),
    [
        *(pytest.param(*case, id=name) for name, case in ECHOES.items()),
        pytest.param("/onboard", "&lt;!here&gt;", id="onboard-subcommand"),
    ],
)  # fmt: skip
def test_user_text_echoed_in_an_error_is_escaped(
    app: Served, key: str, command: str, template: str
):
    body = refused(app, command, fill(template, key))
    assert "&lt;!here&gt;" in body
    assert "<!here>" not in body


def test_ambiguous_account_candidates_show_names_escaped(app: Served):
    prefix = f"esc{uuid.uuid4().hex[:6]}"
    add_account(app, f"{prefix} &lt;A&gt; &amp; Co")
    add_account(app, f"{prefix} &lt;B&gt;")
    body = refused(app, "/scorecard", prefix)
    assert "&lt;A&gt; &amp; Co" in body and "&lt;B&gt;" in body
    assert "<A>" not in body and "<B>" not in body


def test_scorecard_fallback_text_escapes_the_account_name(app: Served):
    key = add_account(app, unique("Fallback &amp; Co &lt;EU&gt;"))
    answer = app.command("/scorecard", key)
    assert "&amp; Co &lt;EU&gt;" in answer["text"]
    assert "<EU>" not in answer["text"]


def test_unknown_account_suggests_the_nearest_keys(app: Served):
    for n in range(11):
        add_account(app, f"Aaa Filler {n} {uuid.uuid4().hex[:4]}")
    target = add_account(app, unique("Zylophone Labs"))
    typo = target.replace("zylophone", "zylofone")
    body = refused(app, "/scorecard", typo)
    assert f"`{target}`" in body


def test_add_refuses_an_unknown_option_instead_of_naming_the_account_with_it(app: Served):
    name = unique("Typo Co")
    key = name.replace(" ", "-").lower()
    body = refused(app, "/onboard", f"add {name} sgement:mid")
    assert "`sgement:`" in body
    assert app.account(f"{key}-sgement-mid") is None


def test_set_says_which_key_cannot_be_set(app: Served, key: str):
    body = refused(app, "/onboard", f"set {key} colour:red")
    assert "`colour:`" in body


def test_signal_with_an_empty_value_names_the_signal(app: Served, key: str):
    body = refused(app, "/signal", f"{key} kickoff=")
    assert "`kickoff`" in body
    assert "``" not in body.split("\nUsage:")[0]


def test_retired_signal_is_called_retired(app: Served, key: str):
    body = refused(app, "/signal", f"{key} {RETIRED} 2")
    assert "retired" in body


def test_help_does_not_offer_a_retired_signal(app: Served):
    answer = app.command("/onboard", "help")
    assert all(signal in answer["text"] for signal in SIGNAL_KEYS)
    assert RETIRED not in answer["text"]


def test_standup_refusal_ends_with_one_full_stop(app: Served):
    app.double.add_channel("C0PRIVATE", "secret", is_member=False)
    body = refused(app, "/standup", "", channel_id="C0PRIVATE")
    assert ".." not in body


def test_standup_in_an_archived_channel_says_it_is_archived(app: Served):
    app.double.add_channel("C0OLDTEAM", "old-team", is_archived=True)
    body = refused(app, "/standup", "", channel_id="C0OLDTEAM")
    assert "archived" in body


def test_list_mine_title_mentions_the_user(app: Served):
    answer = app.command("/onboard", "list mine", user_id=CSM)
    assert f"<@{CSM}>" in answer["blocks"][0]["text"]["text"]
