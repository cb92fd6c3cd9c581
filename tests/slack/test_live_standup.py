"""The live standup, through Slack: the focus posted, then edited in place (one edit per burst)
as the team rates and claims; lines keep their places; a new `/standup` supersedes the old one."""

from __future__ import annotations

from tests.slack.conftest import CHANNEL, MANAGER, Served

ALL_RISK = "kickoff=0 admin=0 import=0 first=0 ticket=0 exec=0"


def standups(app: Served) -> list:
    return [
        m for m in app.double.messages(CHANNEL)
        if m.blocks and m.blocks[0].get("type") == "header"
        and m.blocks[0]["text"]["text"].startswith("Standup")
    ]  # fmt: skip


def post_standup(app: Served):
    before = {m.ts for m in standups(app)}
    app.slack.command("/standup", "", channel_id=CHANNEL)
    app.double.wait_for(lambda: {m.ts for m in standups(app)} - before, timeout=10)
    app.settle()
    (ts,) = {m.ts for m in standups(app)} - before
    return app.double.message(CHANNEL, ts)


def line_ids(message) -> list[str]:
    return [
        str(b["block_id"]) for b in message.blocks if str(b.get("block_id")).startswith("standup|")
    ]


def text_of(message) -> str:
    return str(message.blocks)


def test_ratings_edit_the_posted_standup_in_place_once_per_burst(app: Served):
    app.command("/onboard", "add Live Alpha segment:smb arr:900000")
    app.command("/onboard", "add Live Beta segment:smb arr:800000")
    app.command("/signal", f"live-alpha {ALL_RISK}")
    app.command("/signal", f"live-beta {ALL_RISK}")
    posted = post_standup(app)
    order = line_ids(posted)
    assert order.index("standup|live-alpha") < order.index("standup|live-beta")
    assert "At risk: score 0.0" in text_of(posted)
    assert not posted.edited

    app.command("/signal", "live-beta kickoff 2")
    app.double.wait_for(lambda: app.double.message(CHANNEL, posted.ts).edited, timeout=10)
    app.settle()
    once = app.double.message(CHANNEL, posted.ts)
    assert len(once.history) == 1  # one rating, one edit
    assert "score 1.7" in text_of(once)

    for signal in ("admin", "import", "first", "ticket", "exec"):  # a burst of five
        app.command("/signal", f"live-beta {signal} 2")
    app.double.wait_for(
        lambda: "score 10.0" in text_of(app.double.message(CHANNEL, posted.ts)), timeout=10
    )
    app.settle()
    burst = app.double.message(CHANNEL, posted.ts)
    assert len(burst.history) <= 1 + 3  # five ratings, a couple of edits
    assert line_ids(burst) == order  # no longer At risk, Live Beta keeps its place

    app.command("/onboard", "outcome live-beta completed")  # out of the standup altogether
    app.double.wait_for(
        lambda: "no longer needs help" in text_of(app.double.message(CHANNEL, posted.ts)),
        timeout=10,
    )
    final = app.double.message(CHANNEL, posted.ts)
    assert line_ids(final) == order
    beta = next(b for b in final.blocks if b.get("block_id") == "standup|live-beta")
    assert "no longer needs help" in beta["text"]["text"] and "accessory" not in beta


def test_a_claim_shows_who_took_the_line_and_when(app: Served):
    app.command("/onboard", "add Live Gamma segment:smb arr:950000")
    app.command("/signal", f"live-gamma {ALL_RISK}")
    posted = post_standup(app)
    app.slack.block_action("standup.claim", value="live-gamma", message_ts=posted.ts,
                           channel_id=CHANNEL, user_id=MANAGER)  # fmt: skip
    app.double.wait_for(
        lambda: f"claimed by <@{MANAGER}>" in text_of(app.double.message(CHANNEL, posted.ts)),
        timeout=10,
    )


def test_a_new_standup_supersedes_the_old_one_which_then_stays_as_it_is(app: Served):
    app.command("/onboard", "add Live Delta segment:smb arr:990000")
    app.command("/signal", f"live-delta {ALL_RISK}")
    old = post_standup(app)
    new = post_standup(app)
    app.double.wait_for(
        lambda: "superseded" in text_of(app.double.message(CHANNEL, old.ts)), timeout=10
    )
    app.settle()
    superseded = app.double.message(CHANNEL, old.ts)
    link = f"https://slack.com/archives/{CHANNEL}/p{new.ts.replace('.', '')}"
    assert link in text_of(superseded)
    assert "accessory" not in text_of(superseded) and "standup.claim" not in text_of(superseded)
    edits_of_old = len(superseded.history)

    app.command("/signal", "live-delta kickoff 2")
    app.double.wait_for(lambda: app.double.message(CHANNEL, new.ts).edited, timeout=10)
    app.settle()
    assert len(app.double.message(CHANNEL, old.ts).history) == edits_of_old
    assert "score 1.7" in text_of(app.double.message(CHANNEL, new.ts))


def test_the_rest_is_counted_in_the_message_and_listed_by_name_in_its_thread(app: Served):
    app.command("/onboard", "add Live Watcher segment:smb arr:1")
    app.command("/signal", "live-watcher kickoff=1 admin=1 import=1 first=1 ticket=1 exec=1")
    posted = post_standup(app)
    assert "standup|live-watcher" not in line_ids(posted)  # Watch, nothing overdue
    assert "on Watch" in text_of(posted) and "listed in the thread" in text_of(posted)
    replies = app.double.messages(CHANNEL, thread_ts=posted.ts)
    listed = " ".join(str(r.blocks) for r in replies)
    assert "Live Watcher" in listed
    assert "<@" not in listed  # named, nobody pinged
