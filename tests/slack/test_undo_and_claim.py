"""Undo and Claim through signed Slack requests against `rescuebot serve` (with `roles:` set):
a mistaken rating undone closes the rescue it opened, refused for anyone else; Claim asks to
confirm a line someone took since it was shown and tells them; Unclaim is the owner's; two
simultaneous claims leave one owner (PRODUCT.md, "The standup in fifteen minutes")."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import DATABASES
from tests.slack.conftest import CHANNEL, CSM, LEADERS, MANAGER, STRANGER, Served, serving
from tests.slack.test_rescue_flow import buttons, thread

BOB = "U0BOB"
ROOM = "C0RESCUE"
CONFIG = f"""
roles:
  admins: [{MANAGER}]
  csms: [{CSM}, {BOB}]
escalation:
  channel: {LEADERS}
  approvers: [{MANAGER}]
"""


@pytest.fixture(scope="module", params=DATABASES)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    with serving(request.param, tmp_path_factory.mktemp("undo"), CONFIG) as served:
        served.double.add_user(BOB, "bob", real_name="Bob", tz="UTC")
        yield served


def answer_after(app: Served, before: int) -> dict[str, Any]:
    app.double.wait_for(lambda: len(app.double.responses) > before, timeout=10)
    return app.double.responses[before].body


def element(blocks: list[dict], action_id: str) -> dict:
    return next(
        e
        for b in blocks
        for e in ([*(b.get("elements") or []), b.get("accessory") or {}])
        if isinstance(e, dict) and e.get("action_id") == action_id
    )


def press(app: Served, action_id: str, blocks: list[dict], user: str, **options: Any) -> dict:
    """Click a button on an answer (an ephemeral message the app sent to a response URL) and
    return what the app answered."""
    before = len(app.double.responses)
    value = element(blocks, action_id)["value"]
    response = app.slack.block_action(
        action_id, value=value, user_id=user, channel_id=CHANNEL,
        message={"ts": "1700000000.000500", "blocks": blocks}, **options,
    )  # fmt: skip
    assert response.status == 200, response.text
    return answer_after(app, before)


def card_of(app: Served, name: str):
    return next((m for m in app.double.messages(ROOM) if name in m.text), None)


def test_an_undone_mistake_closes_the_rescue_it_opened_and_tells_its_owner(app: Served):
    app.command("/onboard", f"add Undo Inc channel:<#{ROOM}|rescue-acme> csm:<@{BOB}>",
                user_id=MANAGER)  # fmt: skip
    app.command("/signal", "undo-inc kickoff=2 import=2", user_id=CSM)
    answer = app.command("/signal", "undo-inc import 0 wrong account", user_id=CSM)
    assert "Data import: 2 Healthy → *0 At risk*" in answer["text"]
    assert element(answer["blocks"], "rating.undo")["text"]["text"] == "Undo"
    app.double.wait_for(lambda: card_of(app, "Undo Inc") is not None, timeout=20)
    card = card_of(app, "Undo Inc")
    app.double.wait_for(lambda: any("Undo Inc" in m.text for m in app.double.messages(BOB)),
                        timeout=20)  # fmt: skip

    refused = press(app, "rating.undo", answer["blocks"], STRANGER)
    assert refused["response_type"] == "ephemeral" and refused["replace_original"] is False
    assert "only the person who gave this rating may undo it" in refused["text"]
    assert [r.value for r in app.readings("undo-inc") if r.signal == "data_import"] == [2, 0]

    undone = press(app, "rating.undo", answer["blocks"], CSM)
    assert undone["replace_original"] is True
    assert "Undone on *Undo Inc*: back to Data import: 2 Healthy (was 0 At risk)" in undone["text"]
    assert "The rescue it opened is closed: opened by mistake." in undone["text"]
    readings = [(r.value, r.source) for r in app.readings("undo-inc") if r.signal == "data_import"]
    assert readings == [(2, "slash_command"), (0, "slash_command"), (2, "undo")]

    app.double.wait_for(lambda: any("undone by" in t for t in thread(app, card)), timeout=20)
    assert f"opened by mistake — the rating was undone by <@{CSM}>" in thread(app, card)[-1]
    app.double.wait_for(lambda: "rescue.acknowledge" not in buttons(card_of(app, "Undo Inc")),
                        timeout=20)  # fmt: skip
    app.double.wait_for(
        lambda: any("opened by mistake" in m.text for m in app.double.messages(BOB)), timeout=20
    )
    resolved = [e for e in app.events("undo-inc") if e.kind == "rescue_resolved"]
    assert [e.payload["resolution"] for e in resolved] == ["opened_by_mistake"]

    again = press(app, "rating.undo", answer["blocks"], CSM)
    assert "you already undid this rating" in again["text"]
    assert again["replace_original"] is False
    assert len([r for r in app.readings("undo-inc") if r.signal == "data_import"]) == 3


def test_a_retried_undo_click_undoes_once(app: Served):
    app.command("/onboard", "add Retry Undo", user_id=CSM)
    app.command("/signal", "retry-undo kickoff 2", user_id=CSM)
    answer = app.command("/signal", "retry-undo kickoff 1", user_id=CSM)
    value = element(answer["blocks"], "rating.undo")["value"]
    message = {"ts": "1700000000.000600", "blocks": answer["blocks"]}
    trigger = "1700000000.42.retried"
    before = len(app.double.responses)
    for retry in ({}, {"retry_num": 1}):
        response = app.slack.block_action("rating.undo", value=value, user_id=CSM,
                                          message=message, trigger_id=trigger, **retry)  # fmt: skip
        assert response.status == 200
    answer_after(app, before)
    app.command("/onboard", "list", user_id=CSM)  # a later request, answered after the retry's
    assert [r.value for r in app.readings("retry-undo")] == [2, 1, 2]


def test_no_undo_is_offered_where_the_signal_was_unrated(app: Served):
    app.command("/onboard", "add Fresh Start", user_id=CSM)
    answer = app.command("/signal", "fresh-start kickoff 1", user_id=CSM)
    assert "rating.undo" not in str(answer.get("blocks"))


def test_undo_on_the_scorecard_puts_the_select_back(app: Served):
    app.command("/onboard", "add Select Slip", user_id=CSM)
    app.command("/signal", "select-slip kickoff 2", user_id=CSM)
    card = app.command("/scorecard", "select-slip", user_id=CSM)
    before = len(app.double.responses)
    app.slack.block_action(
        "scorecard.signal_select", block_id="signal|select-slip|kickoff", selected_option="0",
        message={"ts": "1700000000.000700", "blocks": card["blocks"]}, user_id=CSM,
    )  # fmt: skip
    rated = answer_after(app, before)
    undone = press(app, "rating.undo", rated["blocks"], CSM)
    assert undone["replace_original"] is True
    kickoff = next(b for b in undone["blocks"] if b.get("block_id") == "signal|select-slip|kickoff")
    assert kickoff["accessory"]["initial_option"]["value"] == "2"
    assert "Undone on *Select Slip*" in str(undone["blocks"])
    assert "rating.undo" not in str(undone["blocks"])


def standup_line(app: Served, key: str) -> dict:
    """The line of `key` on the newest standup posted in the channel."""
    app.slack.command("/standup", "", channel_id=CHANNEL, user_id=CSM)
    app.double.wait_for(lambda: _line(app, key) is not None, timeout=20)
    return _line(app, key)  # type: ignore[return-value]


def _line(app: Served, key: str) -> dict | None:
    for message in reversed(app.double.messages(CHANNEL)):
        for block in message.blocks:
            if block.get("block_id") == f"standup|{key}":
                return {"message": message, "block": block}
    return None


def claim_click(app: Served, line: dict, user: str, trigger: str | None = None) -> Any:
    message = line["message"]
    return app.slack.block_action(
        "standup.claim", value=line["block"]["accessory"]["value"], user_id=user,
        message_ts=message.ts, channel_id=CHANNEL, trigger_id=trigger,
    )  # fmt: skip


def test_claim_asks_to_confirm_a_line_claimed_since_and_tells_the_owner(app: Served):
    app.command("/onboard", "add Claim Co", user_id=CSM)
    app.command("/signal", "claim-co kickoff=1 import=1", user_id=CSM)
    app.command("/signal", "claim-co import 0", user_id=CSM)  # At risk: its rescue, the CSM's
    line = standup_line(app, "claim-co")
    assert line["block"]["accessory"]["value"] == f"claim-co|{CSM}"

    before = len(app.double.responses)
    assert claim_click(app, line, BOB).status == 200  # Slack showed "CSM owns it": confirmed
    owned = answer_after(app, before)
    assert owned["text"] == "You own the follow-up of *Claim Co* now."
    assert element(owned["blocks"], "standup.unclaim")["value"] == "claim-co"
    assert app.account("claim-co").followup_owner == BOB
    app.double.wait_for(
        lambda: any("claimed the follow-up of *Claim Co*" in m.text
                    for m in app.double.messages(CSM)), timeout=20,
    )  # fmt: skip

    before = len(app.double.responses)
    assert claim_click(app, line, MANAGER).status == 200  # the line still shows the CSM
    asked = answer_after(app, before)
    assert asked["response_type"] == "ephemeral"
    assert f"<@{BOB}> owns the follow-up of *Claim Co* now. Take it over?" in str(asked["blocks"])
    assert app.account("claim-co").followup_owner == BOB

    taken = press(app, "standup.claim", asked["blocks"], MANAGER)
    assert taken["replace_original"] is True and "You own the follow-up" in taken["text"]
    assert app.account("claim-co").followup_owner == MANAGER
    app.double.wait_for(
        lambda: any("claimed the follow-up of *Claim Co*" in m.text
                    for m in app.double.messages(BOB)), timeout=20,
    )  # fmt: skip
    assert [e.actor for e in app.events("claim-co") if e.kind == "claimed"] == [BOB, MANAGER]

    def live_line() -> str:
        return str(app.double.message(CHANNEL, line["message"].ts).blocks)

    app.double.wait_for(lambda: f"claimed by <@{MANAGER}>" in live_line(), timeout=20)
    gave_up = press(app, "standup.unclaim", taken["blocks"], MANAGER)
    assert "You gave up the follow-up of *Claim Co*" in gave_up["text"]
    app.double.wait_for(lambda: "claimed by" not in live_line(), timeout=20)
    assert app.account("claim-co").followup_owner is None


def click_unclaim(app: Served, user: str) -> dict[str, Any]:
    before = len(app.double.responses)
    response = app.slack.block_action(
        "standup.unclaim", value="unclaim-ltd", user_id=user, channel_id=CHANNEL,
        message={"ts": "1700000000.000802", "blocks": []},
    )  # fmt: skip
    assert response.status == 200
    return answer_after(app, before)


def test_unclaim_is_the_owners_and_falls_back_to_the_default(app: Served):
    app.command("/onboard", f"add Unclaim Ltd csm:<@{BOB}>", user_id=MANAGER)
    before = len(app.double.responses)
    claim = app.slack.block_action(
        "standup.claim", value="unclaim-ltd|", user_id=CSM, channel_id=CHANNEL,
        message={"ts": "1700000000.000801", "blocks": []},
    )  # fmt: skip
    assert claim.status == 200
    owned = answer_after(app, before)
    assert app.account("unclaim-ltd").followup_owner == CSM

    refused = click_unclaim(app, BOB)
    assert refused["response_type"] == "ephemeral"
    assert "only its owner may unclaim this follow-up on Unclaim Ltd" in refused["text"]
    assert app.account("unclaim-ltd").followup_owner == CSM

    answer = press(app, "standup.unclaim", owned["blocks"], CSM)  # from Claim's answer
    assert answer["text"] == (
        f"You gave up the follow-up of *Unclaim Ltd*; it falls back to <@{BOB}>."
    )
    assert app.account("unclaim-ltd").followup_owner is None
    assert app.events("unclaim-ltd")[-1].kind == "unclaimed"
    app.double.wait_for(
        lambda: any("unclaimed the follow-up of *Unclaim Ltd*" in m.text
                    for m in app.double.messages(BOB)), timeout=20,
    )  # fmt: skip
    again = click_unclaim(app, CSM)
    assert "only its owner may unclaim" in again["text"]


def test_claim_is_refused_to_users_the_roles_do_not_allow(app: Served):
    app.command("/onboard", "add Roles Only", user_id=CSM)
    before = len(app.double.responses)
    app.slack.block_action(
        "standup.claim", value="roles-only|", user_id=STRANGER, channel_id=CHANNEL,
        message={"ts": "1700000000.000900", "blocks": []},
    )  # fmt: skip
    said = answer_after(app, before)
    assert said["response_type"] == "ephemeral"
    assert "only CSMs and admins may claim a follow-up on Roles Only" in said["text"]
    assert app.account("roles-only").followup_owner is None
    assert "claimed" not in [e.kind for e in app.events("roles-only")]


def test_two_simultaneous_claims_leave_one_owner_and_one_asked(app: Served):
    app.command("/onboard", "add Race Corp", user_id=CSM)
    app.command("/signal", "race-corp kickoff=1 import=1", user_id=CSM)
    app.command("/signal", "race-corp import 0", user_id=CSM)  # its rescue: the CSM's
    line = standup_line(app, "race-corp")
    start = threading.Barrier(2)
    statuses: list[int] = []

    def click(user: str) -> None:
        start.wait()
        statuses.append(claim_click(app, line, user).status)

    before = len(app.double.responses)
    clicks = [threading.Thread(target=click, args=(u,)) for u in (MANAGER, BOB)]
    for t in clicks:
        t.start()
    for t in clicks:
        t.join(timeout=30)
    assert statuses == [200, 200]
    app.double.wait_for(lambda: len(app.double.responses) >= before + 2, timeout=10)
    owner = app.account("race-corp").followup_owner
    assert owner in (MANAGER, BOB)
    answers = sorted(str(r.body["blocks"]) for r in app.double.responses[before:])
    assert len(answers) == 2
    assert f"<@{owner}> owns the follow-up of *Race Corp* now" in answers[0]
    assert "You own the follow-up of *Race Corp* now." in answers[1]
    claims = [e for e in app.events("race-corp") if e.kind == "claimed"]
    assert [e.actor for e in claims] == [owner]
    # the live standup ends showing the one owner
    message = line["message"]
    app.double.wait_for(lambda: f"<@{owner}>" in str(_line(app, "race-corp")["block"]), timeout=20)
    assert app.double.message(CHANNEL, message.ts) is not None


def test_a_correction_follows_up_the_owners_dm_unless_someone_acted(app: Served):
    for name in ("Fix Early", "Fix Late"):
        app.command("/onboard", f"add {name} channel:<#{ROOM}|rescue-acme> csm:<@{BOB}>",
                    user_id=MANAGER)  # fmt: skip
        key = name.lower().replace(" ", "-")
        app.command("/signal", f"{key} kickoff=2 import=2", user_id=CSM)
        app.command("/signal", f"{key} import 0", user_id=CSM)
        app.double.wait_for(lambda name=name: card_of(app, name) is not None, timeout=20)
    late = card_of(app, "Fix Late")
    acknowledged = app.slack.block_action(
        "rescue.acknowledge", value=element(late.blocks, "rescue.acknowledge")["value"],
        message_ts=late.ts, channel_id=ROOM, user_id=BOB,
    )  # fmt: skip
    assert acknowledged.status == 200
    app.double.wait_for(lambda: "rescue.acknowledge" not in buttons(card_of(app, "Fix Late")),
                        timeout=20)  # fmt: skip

    app.command("/signal", "fix-early import 2", user_id=CSM)
    app.command("/signal", "fix-late import 2", user_id=CSM)
    app.double.wait_for(
        lambda: any(f"*Fix Early* you were given was opened by mistake: <@{CSM}> corrected"
                    in m.text for m in app.double.messages(BOB)), timeout=20,
    )  # fmt: skip
    early = [e.payload.get("resolution") for e in app.events("fix-early")
             if e.kind == "rescue_resolved"]  # fmt: skip
    assert early == ["opened_by_mistake"]
    assert "rescue_resolved" not in [e.kind for e in app.events("fix-late")]
    assert not any("Fix Late" in m.text and "mistake" in m.text for m in app.double.messages(BOB))
