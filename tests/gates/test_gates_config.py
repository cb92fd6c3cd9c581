"""`gates:` in the YAML config: the blueprint's checklist by default, merged item by item, and
refused with the file, line, path and what right looks like."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from scoring.gates import GatePhase


def load(tmp_path: Path, text: str):
    path = tmp_path / "rescuebot.yml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_the_defaults_are_the_blueprint_per_phase():
    gates = load_config().rules.gates
    assert [i.label for i in gates.of(GatePhase.DAY0)] == [
        "Stakeholders identified", "Success criteria agreed", "Risk categories reviewed",
    ]  # fmt: skip
    assert len(gates.of(GatePhase.DAYS_1_30)) == 5
    uat = gates.get("uat_coverage")
    assert uat is not None and uat.target == 95 and uat.unit == "%"
    assert gates.get("migration_rehearsals").target == 4
    assert [i.key for i in gates.of(GatePhase.DAYS_61_90)] == [
        "cutover_without_rollback", "hypercare_errors", "bau_ownership",
    ]  # fmt: skip


def test_a_file_adds_changes_and_removes_items(tmp_path: Path):
    gates = load(
        tmp_path,
        "gates:\n"
        "  day0:\n"
        "    stakeholders: null\n"
        "    security_review: {label: Security review booked, signal: kickoff}\n"
        "  days_31_60:\n"
        "    uat_coverage: {target: 90}\n",
    ).rules.gates
    assert [i.key for i in gates.of(GatePhase.DAY0)] == [
        "success_criteria", "risk_categories", "security_review",
    ]  # fmt: skip
    assert gates.get("security_review").signal == "kickoff"
    uat = gates.get("uat_coverage")
    assert (uat.label, uat.target, uat.unit) == ("UAT coverage", 90, "%")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("gates:\n  day_zero: {}\n", "gates.day_zero"),
        (
            "gates:\n  day0:\n    new_item: {target: 3}\n",
            "gates.day0.new_item: a gate item needs a label",
        ),
        ("gates:\n  day0:\n    Bad-Key: {label: x}\n", "a gate item key is lower-case letters"),
        (
            "gates:\n  days_1_30:\n    stakeholders: {label: again}\n",
            "`stakeholders` is already an item of gates.day0",
        ),
        ("gates:\n  day0:\n    x: {label: X, signal: nope}\n", "`nope` is not a signal in use"),
        ("gates:\n  day0:\n    x: {label: X, target: 0}\n", "gates.day0.x.target"),
        ("gates:\n  day0:\n    x: {label: X, target: true}\n", "gates.day0.x.target"),
        ("gates:\n  day0:\n    x: {label: X, unit: '%'}\n", "a unit needs a target"),
    ],
)
def test_a_bad_gates_section_is_refused_clearly(tmp_path: Path, text: str, says: str):
    with pytest.raises(ConfigError) as refused:
        load(tmp_path, text)
    assert says in str(refused.value)
    assert "rescuebot.yml, line " in str(refused.value)
