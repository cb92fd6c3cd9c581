"""The configuration files the docs show load, and every value they set takes effect."""

from __future__ import annotations

import os
import shutil
from dataclasses import fields
from pathlib import Path

import pytest
import yaml

from bot.config import load_config
from scoring.rules import Rules, Status
from tests.config.conftest import (
    PRODUCT_EXAMPLE,
    PRODUCT_MD,
    REPO,
    product_md_example,
    readme_yaml_blocks,
)
from tests.config.effects import assert_takes_effect


def same_rules(a: Rules, b: Rules) -> bool:
    """Rules compare field by field; the taxonomy by its signals."""
    return a.taxonomy.signals == b.taxonomy.signals and all(
        getattr(a, f.name) == getattr(b, f.name) for f in fields(a) if f.name != "taxonomy"
    )


def write(tmp_path: Path, text: str, name: str = "rescuebot.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_copy_is_product_md_s_example_verbatim() -> None:
    if not PRODUCT_MD.exists():
        assert os.environ.get("CI") != "true", f"{PRODUCT_MD} is missing on CI"
        pytest.skip(f"{PRODUCT_MD} is not beside this checkout")
    assert PRODUCT_EXAMPLE.read_text(encoding="utf-8") == product_md_example(
        PRODUCT_MD.read_text(encoding="utf-8")
    )


def test_product_md_s_example_loads_and_every_value_takes_effect() -> None:
    config = load_config(PRODUCT_EXAMPLE)
    assert config.source == str(PRODUCT_EXAMPLE)
    assert_takes_effect(yaml.safe_load(PRODUCT_EXAMPLE.read_text(encoding="utf-8")), config)
    # Spelled out, for the values the contract names:
    rules = config.rules
    assert rules.rescue.sla_business_days == {Status.AT_RISK: 1, Status.WATCH: 3}
    assert rules.rescue.checkpoint_days == {Status.AT_RISK: 7, Status.WATCH: 14}
    assert config.rescue_channel == "C0RESCUE" and config.escalation.channel == "C0LEADERS"
    assert config.escalation.approvers == ["U0MANAGER1", "U0MANAGER2"]
    assert config.escalation.two_approvals_from_arr == 250000
    assert config.roles.admins == {"U0ADMIN1"} and config.roles.csms == {"U0ALICE", "U0BOB"}
    assert config.roles.admin_group is None and config.roles.csm_group is None
    (digest,) = config.digests
    assert (digest.channel, digest.timezone, digest.scope.segment) == (
        "C0CSTEAM",
        "Europe/London",
        "mid",
    )
    assert rules.taxonomy.by_key["data_import"].label == "Data import finished"
    assert rules.taxonomy.by_key["kickoff"].label == "Kickoff completed"  # omitted: the default


# The example's numbers equal the defaults; changed, they must still take effect.
CHANGES = {
    "stale_after_days: 14": "stale_after_days: 10",
    "bands: {healthy: 7.5, watch: 5.0}": "bands: {healthy: 8.0, watch: 4.5}",
    "weight: 1,": "weight: 3,",
    "{smb: 30, mid: 45, enterprise: 60}": "{smb: 20, mid: 40, enterprise: null}",
    "sla_business_days: {at_risk: 1, watch: 3}": "sla_business_days: {at_risk: 2, watch: 5}",
    "checkpoint_days: {at_risk: 7, watch: 14}": "checkpoint_days: {at_risk: 4, watch: 9}",
    "two_approvals_from_arr: 250000": "two_approvals_from_arr: 100000",
    "scope: {segment: mid}": "scope: {segment: smb, csm: U0ALICE}",
    "admins: [U0ADMIN1]": "admins: [U0ADMIN1, W0ADMIN2]\n  admin_group: S0ADMINS",
}


def test_product_md_s_example_with_other_values_uses_those(tmp_path: Path) -> None:
    text = PRODUCT_EXAMPLE.read_text(encoding="utf-8")
    for old, new in CHANGES.items():
        assert text.count(old) == 1, f"the example no longer says {old!r}"
        text = text.replace(old, new)
    config = load_config(write(tmp_path, text))
    assert_takes_effect(yaml.safe_load(text), config)
    assert config.rules.rescue.checkpoint_days[Status.WATCH] == 9
    assert config.rules.taxonomy.by_key["data_import"].weight == 3


README_BLOCKS = readme_yaml_blocks()


def test_the_readme_shows_configuration() -> None:
    assert README_BLOCKS, "README.md shows no ```yaml block; this test would check nothing"


@pytest.mark.parametrize(
    "block", README_BLOCKS, ids=[f"block{i}" for i, _ in enumerate(README_BLOCKS)]
)
def test_every_yaml_block_in_the_readme_loads_and_takes_effect(tmp_path: Path, block: str) -> None:
    config = load_config(write(tmp_path, block))
    assert_takes_effect(yaml.safe_load(block), config)


def test_the_shipped_defaults_copied_as_a_user_file_are_the_defaults(tmp_path: Path) -> None:
    copy = tmp_path / "rescuebot.yml"
    shutil.copy(REPO / "scoring" / "defaults.yml", copy)
    config, shipped = load_config(copy), load_config(None)
    assert config.source == str(copy) and shipped.source == "shipped defaults"
    assert_takes_effect(yaml.safe_load(copy.read_text(encoding="utf-8")), config)
    assert same_rules(config.rules, shipped.rules)
    assert (config.escalation, config.digests, config.schedule, config.roles) == (
        shipped.escalation,
        shipped.digests,
        shipped.schedule,
        shipped.roles,
    )


@pytest.mark.parametrize(
    ("text", "check"),
    [
        (
            "rescue:\n  checkpoint_days: {watch: 10}\n",
            lambda c: (
                c.rules.rescue.checkpoint_days == {Status.AT_RISK: 7, Status.WATCH: 10}
                and c.rules.rescue.sla_business_days == {Status.AT_RISK: 1, Status.WATCH: 3}
            ),
        ),
        (
            "rescue:\n  sla_business_days: {at_risk: 2}\n",
            lambda c: c.rules.rescue.sla_business_days == {Status.AT_RISK: 2, Status.WATCH: 3},
        ),
        (
            "bands: {healthy: 8}\n",
            lambda c: (c.rules.bands.healthy_tenths, c.rules.bands.watch_tenths) == (80, 50),
        ),
        (
            "schedule: {sla_warning_hours: 4}\n",
            lambda c: (
                c.schedule.sla_warning_hours == 4 and c.schedule.recompute_cron == "0 2 * * *"
            ),
        ),
        (
            "escalation: {approvers: [U0BOSS]}\n",
            lambda c: (
                c.escalation.approvers == ["U0BOSS"]
                and c.escalation.two_approvals_from_arr == 250000
            ),
        ),
        (
            "signals:\n  kickoff: {window: null}\n",
            lambda c: (
                set(c.rules.taxonomy.by_key["kickoff"].window.values()) == {None}
                and c.rules.taxonomy.by_key["kickoff"].label == "Kickoff completed"
            ),
        ),
        ("rescue: null\nbands: null\n", lambda c: same_rules(c.rules, load_config(None).rules)),
        (
            "holidays: [2026-12-25, '2026-12-28']\n",
            lambda c: {str(d) for d in c.rules.holidays} == {"2026-12-25", "2026-12-28"},
        ),
        (
            "digests:\n  - &d {channel: C0ONE, timezone: Europe/London}\n"
            "  - {<<: *d, channel: G0TWO}\n",
            lambda c: (
                [(d.channel, d.timezone) for d in c.digests]
                == [("C0ONE", "Europe/London"), ("G0TWO", "Europe/London")]
            ),
        ),
    ],
    ids=[
        "one checkpoint",
        "one sla",
        "one band",
        "one schedule value",
        "approvers only",
        "window null overrides",
        "null sections keep defaults",
        "holidays",
        "anchors and merge keys",
    ],
)
def test_nested_sections_merge_field_by_field_over_the_defaults(tmp_path, text, check) -> None:
    assert check(load_config(write(tmp_path, text)))
