"""The README's "Customer outcomes and take-away reports" example, run verbatim."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from openpyxl import load_workbook
from pypdf import PdfReader

README = Path(__file__).parents[2] / "README.md"


def section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Customer outcomes and take-away reports")
    return text[start : text.index("\n## ", start + 1)]


def block(kind: str) -> str:
    found = re.search(rf"```{kind}\n(.*?)```", section(), re.S)
    assert found, f"no ```{kind} block in the README's section"
    return found.group(1)


def test_the_readme_example_runs_as_written(rescuebot):
    rescuebot.write("outcomes.csv", block("csv"))
    outputs = []
    for line in block("bash").strip().splitlines():
        words = shlex.split(line)
        assert words[0] == "rescuebot"
        result = rescuebot(*words[1:])
        assert result.code == 0, (line, result.err)
        outputs.append(result)
    kpis = outputs[1].json()
    # window Apr 1 – Jun 30; answers dated signature + 7/30: acme's fall before it
    assert kpis["csat_d7"] == 4.0  # globex 5, initech 3
    assert kpis["nps_d7"] == 0.0  # globex 10 (a promoter), initech 6 (a detractor)
    assert kpis["csat_d30"] == 4.0 and kpis["nps_d30"] == 100.0  # globex alone
    assert kpis["churn_90_rate"] == 0.5  # day 90 in the window: acme (churned) and globex
    assert outputs[2].json()["outcome"]["name"] == "csat_d30"
    assert load_workbook(rescuebot.cwd / "kpis.xlsx").sheetnames[:3] == [
        "KPIs", "Accounts", "Rescues",
    ]  # fmt: skip
    assert len(PdfReader(rescuebot.cwd / "brief.pdf").pages) == 1
