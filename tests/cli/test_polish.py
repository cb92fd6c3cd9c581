"""The command line's wording: nearest-match suggestions, numbers that agree with their nouns,
and the import progress bar (count, rate, time left)."""

from __future__ import annotations

import io

from rich.console import Console

from bot.cli.data import import_progress


def test_a_misspelt_account_suggests_the_nearest_and_changes_nothing(loaded):
    before = loaded("timeline", "acme", "--json").json()
    result = loaded("scorecard", "acme-crop")
    assert result.code == 1
    assert "No account matches `acme-crop`. Did you mean `acme`?" in " ".join(result.err.split())
    nothing_near = loaded("scorecard", "zzyzx")
    assert nothing_near.code == 1 and "Did you mean" not in nothing_near.err
    assert loaded("timeline", "acme", "--json").json() == before


def test_a_misspelt_signal_in_an_import_suggests_the_nearest_and_imports_nothing(loaded):
    bad = (
        "account,signal,value,recorded_at\n"
        "acme,imprt,2,2026-11-20\n"
        "acme-crop,kickoff,2,2026-11-20\n"
    )
    result = loaded("signals", "import", str(loaded.write("typo.csv", bad)))
    err = " ".join(result.err.split())
    assert result.code == 1 and "2 bad rows; nothing was imported" in err
    assert "row 2: `imprt` is not a signal. Did you mean `data_import`?" in err
    assert "row 3: No account matches `acme-crop`. Did you mean `acme`?" in err


def test_import_counts_agree_with_their_nouns(rescuebot):
    one = rescuebot("accounts", "import", str(rescuebot.write("one.csv", "name\nSolo Ltd\n")))
    assert "from 1 row of one.csv" in one.out and "row(s)" not in one.out
    two = rescuebot("accounts", "import", str(rescuebot.write("two.csv", "name\nA Ltd\nB Ltd\n")))
    assert "from 2 rows of two.csv" in two.out


def test_the_import_progress_bar_shows_count_rate_and_time_left():
    out = io.StringIO()
    console = Console(file=out, width=120, force_terminal=True, color_system=None)
    now = [0.0]
    progress = import_progress(console, clock=lambda: now[0])
    task = progress.add_task("Importing readings.csv", total=12_000)
    for _ in range(3):
        now[0] += 1.0
        progress.update(task, advance=1_000)
    console.print(progress.get_renderable())
    shown = out.getvalue()
    assert "Importing readings.csv" in shown
    assert "3000/12000" in shown.replace(",", "")
    assert "1,000 rows/s" in shown
    assert "0:00:09" in shown  # 9,000 rows left at 1,000 a second


def test_the_timeline_reads_in_labels(loaded):
    loaded(
        "accounts", "import", str(loaded.write("owner.csv", "key,name,csm\nacme,Acme Corp,U0BOB\n"))
    )
    shown = loaded("timeline", "acme")
    assert shown.code == 0
    flat = " ".join(shown.out.split())
    assert "Account updated" in flat and "CSM @U0BOB" in flat
    assert "account_updated" not in flat and '"csm"' not in flat
    assert "Signal: Data import" in flat


def test_the_scorecard_names_what_needs_attention_in_words(loaded):
    shown = " ".join(loaded("scorecard", "globex", "--as-of", "2026-11-24").out.split())
    assert "Needs attention: under half the signals rated, a signal at 0" in shown
    assert "signal_at_zero" not in shown and "Flags:" not in shown
