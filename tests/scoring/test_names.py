"""Names users type: signal values, signal prefixes, account keys and account prefixes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.accounts import derive_key, free_key, resolve_account
from scoring.errors import AmbiguousName, InvalidValue, UnknownName
from scoring.phases import Phase, phase_for
from scoring.signals import Value, parse_value
from tests.scoring.builders import rules


@pytest.mark.parametrize(
    ("text", "value"),
    [("0", 0), ("1", 1), ("2", 2), ("risk", 0), ("RISK", 0), ("Watch", 1), ("healthy", 2),
     (" 2 ", 2), (2, 2)],
)  # fmt: skip
def test_values_are_digits_or_words_in_any_case(text, value):
    assert parse_value(text) == Value(value)


@pytest.mark.parametrize("text", ["3", "-1", "", "good", "2.0", "１", True])
def test_anything_else_is_refused_with_the_usage(text):
    with pytest.raises(InvalidValue, match="0, 1, 2 or risk, watch, healthy"):
        parse_value(text)


@pytest.mark.parametrize(
    ("text", "key"),
    [("data_import", "data_import"), ("import", "data_import"), ("IMP", "data_import"),
     ("trained", "admin_trained"), ("kick", "kickoff"), ("exec", "exec_update")],
)  # fmt: skip
def test_signals_accept_unambiguous_prefixes(text, key):
    assert rules().taxonomy.resolve(text).key == key


def test_ambiguous_and_unknown_signals_list_the_candidates():
    with pytest.raises(AmbiguousName) as ambiguous:
        rules().taxonomy.resolve("t")  # ticket_trend, admin_trained
    assert set(ambiguous.value.candidates) == {"ticket_trend", "admin_trained"}
    with pytest.raises(UnknownName) as unknown:
        rules().taxonomy.resolve("nps")
    assert unknown.value.suggestion is None and "the signals are `kickoff`" in str(unknown.value)


@pytest.mark.parametrize(
    ("text", "meant"),
    [("imprt", "data_import"), ("kikoff", "kickoff"), ("frist_value", "first_value"),
     ("Exec updte", "exec_update"), ("tikcet", "ticket_trend")],
)  # fmt: skip
def test_a_misspelt_signal_suggests_the_one_nearest_key(text, meant):
    with pytest.raises(UnknownName) as unknown:
        rules().taxonomy.resolve(text)
    assert unknown.value.suggestion == meant
    assert unknown.value.hint() == f"Did you mean `{meant}`?"


@pytest.mark.parametrize(
    ("text", "meant"),
    [("acme-crop", "acme"), ("Globx", "globex"), ("cafe muler", "cafe-muller"), ("zzz", None),
     ("ab", None)],
)  # fmt: skip
def test_a_misspelt_account_suggests_the_one_nearest_key_or_nothing(text, meant):
    with pytest.raises(UnknownName) as unknown:
        resolve_account(text, ACCOUNTS)
    assert unknown.value.suggestion == meant and unknown.value.candidates == []


@pytest.mark.parametrize(
    ("name", "key"),
    [("Acme Corp", "acme-corp"), ("Café Müller GmbH", "cafe-muller-gmbh"),
     ("  --Zürich  Analytik AG!! ", "zurich-analytik-ag"), ("O'Reilly & Sons", "o-reilly-sons"),
     ("東京", "")],
)  # fmt: skip
def test_account_keys_fold_accents_and_collapse_other_characters(name, key):
    assert derive_key(name) == key


def test_colliding_keys_get_a_number():
    assert free_key("acme", set()) == "acme"
    assert free_key("acme", {"acme"}) == "acme-2"
    assert free_key("acme", {"acme", "acme-2"}) == "acme-3"


@given(st.text(max_size=60))
def test_derived_keys_are_lower_case_ascii_words_joined_by_single_dashes(name):
    key = derive_key(name)
    assert key == key.strip("-")
    assert "--" not in key
    assert all(c.isascii() and (c.islower() or c.isdigit() or c == "-") for c in key)


ACCOUNTS = [("acme", "Acme Corp"), ("acme-2", "Acme Labs"), ("globex", "Globex"),
            ("cafe-muller", "Café Müller")]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "key"),
    [("acme", "acme"), ("ACME", "acme"), ("glob", "globex"), ("café", "cafe-muller"),
     ("acme l", "acme-2"), ("acme-2", "acme-2")],
)  # fmt: skip
def test_accounts_by_exact_key_or_unambiguous_prefix_of_key_or_name(text, key):
    assert resolve_account(text, ACCOUNTS) == key


def test_ambiguous_and_unknown_accounts_list_candidates():
    with pytest.raises(AmbiguousName) as ambiguous:
        resolve_account("ac", ACCOUNTS)
    assert ambiguous.value.candidates == ["acme (Acme Corp)", "acme-2 (Acme Labs)"]
    with pytest.raises(UnknownName, match="No account matches `initech`"):
        resolve_account("initech", ACCOUNTS)
    with pytest.raises(UnknownName, match="missing"):
        resolve_account("   ", ACCOUNTS)


@pytest.mark.parametrize(
    ("days", "phase"),
    [(None, Phase.PRE_KICKOFF), (-3, Phase.PRE_KICKOFF), (0, Phase.PRE_KICKOFF),
     (1, Phase.FOUNDATIONS), (30, Phase.FOUNDATIONS), (31, Phase.INTEGRATION),
     (60, Phase.INTEGRATION), (61, Phase.CUTOVER), (90, Phase.CUTOVER),
     (91, Phase.BUSINESS_AS_USUAL)],
)  # fmt: skip
def test_phases_by_days_since_signature(days, phase):
    assert phase_for(days) is phase
