"""People read labels, never internal names: fields, flags and changes in words."""

from __future__ import annotations

from datetime import date

from bot.messages.labels import changes_text, field_label, flag_labels, payload_text
from scoring.scorecard import Flag


def test_a_change_reads_as_labels_with_mentions():
    said = changes_text(
        {"followup_owner": (None, "U0ALICE"), "followup_due": (None, date(2026, 12, 4))}
    )
    assert said == "Follow-up owner <@U0ALICE>, Due 2026-12-04"
    assert "followup" not in said
    before = changes_text({"csm": ("U0ALICE", "U0BOB")}, with_before=True)
    assert before == "CSM <@U0ALICE> → <@U0BOB>"
    assert changes_text({}) == "nothing changed"


def test_values_typed_by_people_are_escaped():
    assert changes_text({"followup_next": (None, "Call <CFO> & CTO")}) == (
        "Next step Call &lt;CFO&gt; &amp; CTO"
    )


def test_every_flag_has_words():
    codes = [v for k, v in vars(Flag).items() if k.isupper()]
    words = flag_labels(codes)
    assert all("_" not in w for w in words) and "a signal at 0" in words


def test_timeline_details_name_fields_and_signals():
    text = payload_text(
        {"changed": {"followup_owner": [None, "U0ALICE"]}, "rescue_id": 7, "elapsed_seconds": 9},
    )
    assert text == "Follow-up owner — → <@U0ALICE>"
    assert payload_text({"signal": "data_import", "value": 0}, {"data_import": "Data import"}) == (
        "Signal: Data import; Value: 0"
    )
    assert field_label("segment_group_id") == "Segment group id"
