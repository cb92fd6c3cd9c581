"""`rescuebot demo` has customer surveys: the outcome KPIs and the take-away reports show them."""

from __future__ import annotations

import json
import re

from pypdf import PdfReader

from tests.cli.test_demo import DAY, demo, seeded  # noqa: F401  (the fixtures)


def test_the_demo_portfolio_answers_surveys(seeded, demo):  # noqa: F811
    assert re.search(r"CSAT D\+30 \d\.\d · NPS D\+30 [+-]\d+ · churn within 90 days", seeded)
    kpis = demo("kpis", "--as-of", DAY, "--json")
    assert kpis.exit_code == 0, kpis.stderr
    data = json.loads(kpis.stdout)
    for name in ("csat_d7", "csat_d30", "nps_d7", "nps_d30"):
        assert data[name] is not None, name
        assert data["detail"]["surveys"][name]["answers"] > 0
    assert 1 <= data["csat_d30"] <= 5 and -100 <= data["nps_d30"] <= 100
    low = demo("calibrate", "--outcome", "csat_d30", "--as-of", DAY, "--json")
    assert low.exit_code == 0, low.stderr
    assert json.loads(low.stdout)["outcome"]["name"] == "csat_d30"


def test_the_demo_brief_is_one_page(seeded, demo, tmp_path):  # noqa: F811
    path = tmp_path / "brief.pdf"
    result = demo("report", "brief", "--pdf", str(path), "--as-of", DAY)
    assert result.exit_code == 0, result.stderr
    (page,) = PdfReader(path).pages
    text = page.extract_text()
    assert "Who needs help" in text and "CSAT at D+30" in text and "Decisions pending" in text
    assert "Recovery plan for" in text  # the demo's escalated rescue awaits a decision
