"""`rescuebot calibrate --plot FILE.png`: the reliability and ROC plot, drawn from the store."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from tests.cli.conftest import Rescuebot

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# signed in January, so every onboarding is past day 90 by the as-of date; churned ones read worse
ACCOUNTS = """key,name,segment,signed_on,outcome,outcome_on
good-1,Good One,smb,2026-01-05,completed,2026-03-01
good-2,Good Two,mid,2026-01-05,completed,2026-03-10
good-3,Good Three,smb,2026-01-12,expanded,2026-03-20
good-4,Good Four,enterprise,2026-01-12,completed,2026-04-01
bad-1,Bad One,smb,2026-01-05,churned,2026-05-01
bad-2,Bad Two,mid,2026-01-05,churned,2026-05-15
bad-3,Bad Three,enterprise,2026-01-12,,
"""
READINGS = """account,signal,value,recorded_at
good-1,kickoff,2,2026-01-08
good-1,admin,2,2026-01-20
good-2,kickoff,2,2026-01-09
good-2,admin,1,2026-01-25
good-3,kickoff,2,2026-01-15
good-3,import,1,2026-01-30
good-4,kickoff,1,2026-01-20
bad-1,kickoff,0,2026-01-20
bad-1,admin,1,2026-01-25
bad-2,kickoff,1,2026-01-20
bad-2,import,0,2026-01-28
bad-3,kickoff,0,2026-01-25
"""


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header, after checking it is one."""
    assert data[:8] == PNG_MAGIC
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture
def finished(rescuebot: Rescuebot) -> Rescuebot:
    assert rescuebot("accounts", "import", str(rescuebot.write("a.csv", ACCOUNTS))).code == 0
    assert rescuebot("signals", "import", str(rescuebot.write("r.csv", READINGS))).code == 0
    return rescuebot


def test_calibrate_plot_writes_a_png_and_says_where(finished, tmp_path):
    target = tmp_path / "plots" / "calibration.png"
    target.parent.mkdir()
    result = finished("calibrate", "--as-of", "2026-11-24", "--plot", str(target))
    assert result.code == 0, result.err
    assert f"Calibration plot of 7 finished onboardings written to {target}" in result.out
    data = target.read_bytes()
    assert png_size(data) == (1440, 660)
    assert len(data) > 20_000  # two panels of curves, bars and text, not a blank image


def test_calibrate_plot_with_json_keeps_stdout_json_only(finished, tmp_path):
    target = tmp_path / "c.PNG"
    result = finished("calibrate", "--as-of", "2026-11-24", "--json", "--plot", str(target))
    assert result.code == 0, result.err
    assert json.loads(result.out)["cohort"]["accounts"] == 7
    assert f"written to {target}" in result.err
    assert png_size(target.read_bytes()) == (1440, 660)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("plot.jpg", "must name a .png file"),
        ("plot", "must name a .png file"),
        ("missing/plot.png", "does not exist"),
    ],
)
def test_calibrate_plot_refuses_a_bad_path_before_any_work(finished, tmp_path, name, message):
    result = finished("calibrate", "--as-of", "2026-11-24", "--plot", str(tmp_path / name))
    assert result.code == 2 and message in result.err
    assert not (tmp_path / name).exists()


def test_calibrate_plot_refuses_without_finished_onboardings(rescuebot: Rescuebot, tmp_path: Path):
    target = tmp_path / "empty.png"
    result = rescuebot("calibrate", "--as-of", "2026-11-24", "--plot", str(target))
    assert result.code == 1 and "no finished onboardings to plot" in result.err
    assert not target.exists()
