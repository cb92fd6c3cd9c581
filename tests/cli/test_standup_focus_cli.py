"""`standup --json` marks the focus (`standup.focus_limit`), the digest's who-needs-help is the
same focus, and a bad `focus_limit` is refused with its line."""

from __future__ import annotations


def test_standup_json_lists_everyone_and_marks_the_focus(loaded):
    everyone = loaded("standup", "--as-of", "2026-11-24", "--json").json()["items"]
    assert {i["account"] for i in everyone} == {"globex", "cafe-muller-gmbh", "acme"}
    focus = [i["account"] for i in everyone if i["focus"]]
    assert focus[0] == "globex"  # Data import at 0, nobody owns it
    assert everyone[0]["why"] == "Data import at 0, no owner"
    assert all(isinstance(i["focus"], bool) for i in everyone)

    loaded.write("rescuebot.yml", "standup:\n  focus_limit: 1\n")
    limited = loaded("standup", "--as-of", "2026-11-24", "--json").json()["items"]
    assert [i["account"] for i in limited if i["focus"]] == ["globex"]
    assert len(limited) == len(everyone)  # the rest is still listed, counted, not shown

    digest = loaded("digest", "--dry-run", "--as-of", "2026-11-24", "--json").json()
    assert [i["account"] for i in digest["needs_help"] if i["focus"]] == ["globex"]


def test_the_terminal_standup_shows_the_focus_and_counts_the_rest(loaded):
    loaded.write("rescuebot.yml", "standup:\n  focus_limit: 1\n")
    result = loaded("standup", "--as-of", "2026-11-24")
    assert result.code == 0, result.err
    assert "Globex" in result.out and "Data import at 0, no owner" in result.out
    assert "Also in the standup" in result.out and "Acme Corp" not in result.out


def test_a_bad_focus_limit_is_refused_with_its_line(loaded):
    for bad, says in (("0", "greater than or equal to 1"), ("ten", "whole number"),
                      ("16", "less than or equal to 15")):  # fmt: skip
        loaded.write("rescuebot.yml", f"standup:\n  focus_limit: {bad}\n")
        result = loaded("standup")
        assert result.code == 1, bad
        assert "rescuebot.yml, line 2: standup.focus_limit" in result.err, result.err
        assert says in result.err
