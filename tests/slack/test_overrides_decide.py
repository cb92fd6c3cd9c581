"""A status override decides membership, rank and counts on every Slack surface (the list, the
standup, the App Home), with the computed status shown beside it."""

from __future__ import annotations

from tests.slack.conftest import CHANNEL, CSM, Served

ALL = "kickoff={v} admin={v} import={v} first={v} ticket={v} exec={v}"
HANDOFF = 'problem:"Invoices" timeline:"60 days" dependencies:ERP decision:CFO'


def overridden_pair(app: Served, prefix: str) -> tuple[str, str]:
    """`-calm`: At risk by its readings, called Healthy; `-alarm`: Healthy, called At risk."""
    calm, alarm = f"{prefix.lower()}-calm", f"{prefix.lower()}-alarm"
    app.command("/onboard", f"add {prefix} Calm segment:smb arr:5000")
    app.command("/onboard", f"add {prefix} Alarm segment:smb arr:1000")
    app.command("/onboard", f"set {alarm} {HANDOFF}")
    app.command("/signal", f"{calm} {ALL.format(v=1)}")
    app.command("/signal", f"{calm} kickoff=0 admin=0 import=0")  # 2.5: At risk
    app.command("/signal", f"{alarm} {ALL.format(v=2)}")  # 10.0, Healthy
    app.command("/onboard", f'override {calm} healthy reason:"Signed the renewal today"')
    app.command("/onboard", f'override {alarm} risk reason:"Champion left"')
    return calm, alarm


def test_the_list_ranks_and_counts_by_the_override(app: Served):
    calm, alarm = overridden_pair(app, "Ovl")
    answer = app.command("/onboard", "list segment:smb")
    text = str(answer["blocks"])
    assert "At risk by override (computed Healthy)" in text
    assert "Healthy by override (computed At risk)" in text
    assert text.index(f"`{alarm}`") < text.index(f"`{calm}`")  # the called At risk comes first
    lines = [line for line in text.split("\\n") if f"`{alarm}`" in line]
    assert lines and ":red_circle:" in lines[0]


def test_the_standup_focus_follows_the_override(app: Served):
    calm, alarm = overridden_pair(app, "Ovs")
    app.settle()
    before = {m.ts for m in app.double.messages(CHANNEL)}
    app.slack.command("/standup", "segment:smb", channel_id=CHANNEL)
    app.double.wait_for(
        lambda: any(
            m.ts not in before and "Standup" in m.text for m in app.double.messages(CHANNEL)
        ),
        timeout=10,
    )
    posted = next(
        m for m in app.double.messages(CHANNEL) if m.ts not in before and "Standup" in m.text
    )
    ids = [str(b.get("block_id")) for b in posted.blocks]
    assert f"standup|{alarm}" in ids  # Healthy by its readings, At risk by the override
    assert f"standup|{calm}" not in ids  # called Healthy: counted, no decision asked
    assert "At risk by override (computed Healthy)" in str(posted.blocks)


def test_the_app_home_ranks_by_the_override_and_shows_both(app: Served):
    overridden_pair(app, "Ovh")
    app.slack.event({"type": "app_home_opened", "user": CSM, "tab": "home"})

    def mine() -> str:
        view = app.double.views.home.get(CSM)
        shown = str(view.blocks) if view else ""
        return shown[shown.find("My accounts") :] if "My accounts" in shown else ""

    def alarm_line() -> str:
        shown = mine()
        start = shown.find("`ovh-alarm`")
        return shown[start : shown.find("'type'", start)] if start >= 0 else ""

    # the home is republished after each change: wait for the one showing the last override
    app.double.wait_for(lambda: "Overridden to At risk" in alarm_line(), timeout=10)
    assert "Computed: Healthy" in alarm_line()
    assert mine().index("Ovh Alarm") < mine().index("Ovh Calm")  # the called At risk on top
