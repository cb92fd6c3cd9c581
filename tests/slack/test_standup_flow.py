"""A standup driven end to end through Slack: accounts, signals, the select, the list, Claim."""

from __future__ import annotations

from tests.slack.conftest import CHANNEL, CSM, Served


def titled(app: Served, title: str):
    """The channel's top-level message whose header starts with `title`, if any."""
    for message in app.double.messages(CHANNEL):
        header = message.blocks[0] if message.blocks else {}
        if header.get("type") == "header" and header["text"]["text"].startswith(title):
            return message
    return None


def section_with(blocks: list[dict], block_id: str) -> dict:
    return next(b for b in blocks if b.get("block_id") == block_id)


def test_a_whole_standup(app: Served):
    added = app.command("/onboard", "add Flow Widgets segment:mid arr:300000 signed:2026-09-01")
    assert "as `flow-widgets`" in added["text"]
    assert added["response_type"] == "ephemeral"
    app.command("/onboard", "add Flow Gadgets segment:smb arr:20000")
    app.command(
        "/onboard",
        'set flow-widgets problem:"Invoices take days" timeline:"60 days" dependencies:ERP '
        "decision:CFO",
    )

    answer = app.command("/signal", "flow-w kickoff=2 admin=2 import=1 first=2 ticket=2 exec=2 "
                                    "import waits on ERP export")  # fmt: skip
    assert "Recorded for *Flow Widgets*" in answer["text"]
    assert "Data import: unrated → *1 Watch*" in answer["text"]
    assert "Score — → *9.2*" in answer["text"]
    assert [r.signal for r in app.readings("flow-widgets")] == [
        "kickoff",
        "admin_trained",
        "data_import",
        "first_value",
        "ticket_trend",
        "exec_update",
    ]
    assert {r.note for r in app.readings("flow-widgets")} == {"import waits on ERP export"}
    assert {r.source for r in app.readings("flow-widgets")} == {"slash_command"}

    card = app.command("/scorecard", "flow-widgets")
    assert card["response_type"] == "ephemeral"
    block_id = "signal|flow-widgets|data_import"
    assert section_with(card["blocks"], block_id)["accessory"]["initial_option"]["value"] == "1"

    before = len(app.double.responses)
    app.slack.block_action(
        "scorecard.signal_select", block_id=block_id, selected_option="0",
        message={"ts": "1700000000.000100", "blocks": card["blocks"]}, user_id=CSM,
    )  # fmt: skip
    app.double.wait_for(lambda: len(app.double.responses) > before, timeout=10)
    updated = app.double.responses[before].body
    assert updated["replace_original"] is True
    assert section_with(updated["blocks"], block_id)["accessory"]["initial_option"]["value"] == "0"
    explained = str(updated["blocks"])
    assert "Data import: 1 Watch → *0 At risk*" in explained and f"By <@{CSM}>" in explained
    assert "Score 9.2 → *8.3*, Healthy → *Watch*" in explained  # a 0 caps the status at Watch
    import_readings = [r for r in app.readings("flow-widgets") if r.signal == "data_import"]
    assert [(r.value, r.source, r.author) for r in import_readings] == [
        (1, "slash_command", CSM),
        (0, "button", CSM),
    ]

    kinds = [e.kind for e in app.events("flow-widgets")]
    assert kinds[0] == "account_added" and kinds.count("reading_recorded") == 7
    assert kinds[-1] == "rescue_opened"

    # a signal set to 0 opened a rescue at once, in the channel where it happened
    app.double.wait_for(lambda: titled(app, "Rescue · Flow Widgets"), timeout=10)
    assert app.events("flow-widgets")[-1].kind == "rescue_opened"

    app.slack.command("/standup", "", channel_id=CHANNEL)
    app.double.wait_for(lambda: titled(app, "Standup"), timeout=10)
    posted = titled(app, "Standup")
    line = section_with(posted.blocks, "standup|flow-widgets")
    assert "Flow Widgets" in line["text"]["text"]
    assert "Watch, Data import" in str(posted.blocks)  # owned (the rescue's owner), overdue
    assert line["accessory"]["action_id"] == "standup.claim"
    # Flow Gadgets needs no decision today: counted in the message, listed in its thread
    assert "standup|flow-gadgets" not in str(posted.blocks)
    assert "*1* account on Watch" in str(posted.blocks)
    app.double.wait_for(lambda: app.double.messages(CHANNEL, thread_ts=posted.ts), timeout=10)
    assert "Flow Gadgets" in str(app.double.messages(CHANNEL, thread_ts=posted.ts)[0].blocks)

    app.slack.block_action("standup.claim", value="flow-widgets", message_ts=posted.ts,
                           channel_id=CHANNEL, user_id="U0MANAGER")  # fmt: skip
    app.double.wait_for(lambda: app.double.message(CHANNEL, posted.ts).edited, timeout=10)
    claimed = section_with(app.double.message(CHANNEL, posted.ts).blocks, "standup|flow-widgets")
    assert "<@U0MANAGER>" in claimed["text"]["text"]
    assert "unclaimed" not in claimed["text"]["text"]
    assert app.account("flow-widgets").followup_owner == "U0MANAGER"
    assert app.events("flow-widgets")[-1].kind == "claimed"

    app.slack.event({"type": "app_home_opened", "user": CSM, "tab": "home"})
    app.double.wait_for(lambda: CSM in app.double.views.home, timeout=10)
    home = app.double.views.home[CSM]
    assert "Flow Widgets" in str(home.blocks) and "My accounts" in str(home.blocks)


def test_scorecard_share_posts_in_channel_and_shows_the_breakdown(app: Served):
    app.command("/onboard", "add Share Test")
    app.command("/signal", "share-test kickoff healthy")
    shared = app.command("/scorecard", "share-test share")
    assert shared["response_type"] == "in_channel"
    text = str(shared["blocks"])
    assert "Score = 10 × (1×2) / (1×2) = *10.0*" in text
    assert "capped at Watch" in text  # one of six rated, and no hand-off


def test_double_clicking_the_same_value_records_one_reading(app: Served):
    app.command("/onboard", "add Double Click")
    card = app.command("/scorecard", "double-click")
    message = {"ts": "1700000000.000200", "blocks": card["blocks"]}
    for _ in range(2):
        before = len(app.double.responses)
        app.slack.block_action("scorecard.signal_select", block_id="signal|double-click|kickoff",
                               selected_option="2", message=message)  # fmt: skip
        app.double.wait_for(lambda before=before: len(app.double.responses) > before, timeout=10)
    assert [r.value for r in app.readings("double-click")] == [2]
    again = app.command("/signal", "double-click kickoff 2")
    assert "already recorded a moment ago" in again["text"]
    assert len(app.readings("double-click")) == 1


def test_note_modal_adds_a_note_and_updates_the_scorecard(app: Served):
    app.command("/onboard", "add Note Taker")
    app.command("/signal", "note-taker import 1")
    card = app.command("/scorecard", "note-taker")
    message = {"ts": "1700000000.000300", "blocks": card["blocks"]}
    app.slack.block_action("scorecard.add_note", value="note-taker", message=message)
    app.double.wait_for(lambda: app.double.views.modals, timeout=10)
    modal = app.double.views.modals[-1]
    assert modal.view["title"]["text"] == "Add a note"

    empty = app.slack.view_submission(
        "modal.note", view_id=modal.id,
        values={"note.signal": {"note.signal": {"type": "static_select",
                                                "selected_option": {"value": "data_import"}}},
                "note.text": {"note.text": "   "}},
    )  # fmt: skip
    assert empty.json()["response_action"] == "errors"
    assert "note.text" in empty.json()["errors"]

    before = len(app.double.responses)
    ok = app.slack.view_submission(
        "modal.note", view_id=modal.id,
        values={"note.signal": {"note.signal": {"type": "static_select",
                                                "selected_option": {"value": "data_import"}}},
                "note.text": {"note.text": "Customer sent the ERP file <finally> & it parsed"}},
    )  # fmt: skip
    assert ok.status == 200
    app.double.wait_for(lambda: len(app.double.responses) > before, timeout=10)
    latest = app.readings("note-taker")[-1]
    assert (latest.signal, latest.value) == ("data_import", 1)  # value kept
    assert latest.note == "Customer sent the ERP file <finally> & it parsed"
    shown = str(app.double.responses[before].body["blocks"])
    assert "&lt;finally&gt; &amp; it parsed" in shown


def test_handoff_modal_saves_the_checklist(app: Served):
    app.command("/onboard", "add Hand Off")
    before = len(app.double.views.modals)
    app.slack.command("/onboard", "handoff hand-off")
    app.double.wait_for(lambda: len(app.double.views.modals) > before, timeout=10)
    modal = app.double.views.modals[-1]
    answers = {
        "business_problem": "Close books faster",
        "promised_timeline": "Live by 2027-01-31",
        "dependencies": "NetSuite export",
        "decision_maker": "Dana, VP Finance",
    }
    values = {f"handoff|{q}": {"handoff.answer": a} for q, a in answers.items()}
    assert app.slack.view_submission("modal.handoff", view_id=modal.id, values=values).status == 200
    # the answer to `add` is an ephemeral too: wait for the checklist's own
    app.double.wait_for(
        lambda: any("is complete" in e.text for e in app.double.ephemerals), timeout=10
    )
    assert app.account("hand-off").decision_maker == "Dana, VP Finance"


def test_onboard_kpis_answers_privately(app: Served):
    answer = app.command("/onboard", "kpis")
    assert answer["response_type"] == "ephemeral"
    assert "*Onboarding KPIs*" in answer["text"] and "Completion rate" in answer["text"]
