"""How onboarding is going and how good the model is: `report`, `kpis`, `calibrate`, `weights`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from bot.cli.base import (
    KPI_WINDOW,
    AsJson,
    AsOf,
    Runtime,
    app,
    as_of_day,
    engine_for,
    fail,
    print_json,
    reading,
    refusals,
    runtime_of,
)
from bot.config import (
    Config,
)
from scoring.calibration import Calibration

kpis_app = typer.Typer(help="Onboarding KPIs and their baseline.")
weights_app = typer.Typer(help="The weights in force and their approved versions.")


REPORTS = {
    "needs-help": ("needs_help", "Which customers need help this week"),
    "delays": ("delays", "Which onboarding step creates the most delays"),
    "promises": ("promises", "Which promises made in the sale are hard to keep"),
    "expansion": ("expansion", "Which accounts are ready for an expansion conversation"),
}


@app.command()
def report(
    ctx: typer.Context,
    question: Annotated[
        str, typer.Argument(help="needs-help, delays, promises, expansion; kpis or brief.")
    ],
    as_of: AsOf = None,
    as_json: AsJson = False,
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="`report kpis`: write the KPI workbook here.")
    ] = None,
    pdf: Annotated[
        Path | None, typer.Option("--pdf", help="`report brief`: write the one-page brief here.")
    ] = None,
) -> None:
    """One of the four weekly questions, with the evidence behind the answer; or a take-away
    report: `report kpis --xlsx FILE` (the KPI workbook), `report brief --pdf FILE`."""
    from bot.cli.reports import digest_json
    from bot.cli.takeaway import TAKEAWAYS, write_takeaway
    from bot.services.portfolio import load_portfolio

    if question in TAKEAWAYS:
        write_takeaway(ctx, question, xlsx=xlsx, pdf=pdf, as_of=as_of)
        return
    if question not in REPORTS:
        names = [*REPORTS, *TAKEAWAYS]
        fail(f"`{question}` is not a report; choose one of {', '.join(names)}", code=2)
    if xlsx is not None or pdf is not None:
        fail("--xlsx and --pdf go with `report kpis` and `report brief`", code=2)
    key, title = REPORTS[question]
    with reading(ctx, as_of) as read:
        built = load_portfolio(read.session, read.rules, as_of=read.day).digest()
    day = read.day
    answer = digest_json(built)[key]
    if as_json:
        print_json({"question": question, "as_of": day.isoformat(), "answer": answer})
        return
    console = Console()
    console.print(f"[bold]{title}[/bold] (as of {day})")
    if not answer:
        console.print("  Nobody: nothing to report.")
    for row in answer:
        console.print(
            "  " + " · ".join(f"{k}: {v}" for k, v in row.items() if v not in (None, [])),
            highlight=False,
        )


def _kpi_window(since: str | None, as_of: str | None, runtime: Runtime, config: Config) -> Any:
    from scoring.kpis import Window

    end = as_of_day(as_of, runtime, config)
    start = as_of_day(since, runtime, config) if since else end - KPI_WINDOW
    if start > end:
        fail("--since must not be after --as-of", code=2)
    return Window(start, end)


Since = Annotated[str | None, typer.Option("--since", help="First day (default: 90 days ago).")]


@kpis_app.callback(invoke_without_command=True)
def kpis_command(
    ctx: typer.Context, since: Since = None, as_of: AsOf = None, as_json: AsJson = False
) -> None:
    """Onboarding KPIs over a window, against the latest baseline, with week 4 / 8 movement."""
    if ctx.invoked_subcommand is not None:
        return
    from bot.services.outcomes import kpi_report
    from bot.services.weights import rules_in_force
    from bot.store.db import session_scope

    runtime = runtime_of(ctx)
    with refusals():
        config = runtime.config()
        window = _kpi_window(since, as_of, runtime, config)
        engine = engine_for(runtime.settings.database_url)
        with session_scope(engine, read_only=True) as session:
            result = kpi_report(session, rules_in_force(session, config), window=window)
    if as_json:
        print_json(result.as_json())
        return
    console = Console()
    console.print(
        f"[bold]KPIs {window.start} → {window.end}[/bold]"
        + (
            ""
            if result.baseline is None
            else f" (baseline {result.baseline.window_start} → {result.baseline.window_end})"
        )
    )
    for name, value in result.current.values().items():
        change = result.change.get(name)
        console.print(
            f"  {name.replace('_', ' ')}: {_kpi(name, value)}"
            + ("" if change is None else f"  ({change:+.3g} vs baseline)")
        )
    for moved in result.movement:
        status = (
            "not reached yet"
            if moved.kpis is None
            else ", ".join(
                f"{k.replace('_', ' ')} {v:+.3g}" for k, v in moved.deltas.items() if v is not None
            )
            or "no change measurable"
        )
        console.print(f"  week {moved.week}: {status}")
    if result.baseline is None:
        console.print("  No baseline yet: `rescuebot kpis baseline` captures one.")


def _kpi(name: str, value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1%}" if name.endswith(("rate", "completeness")) else f"{value:g}"


@kpis_app.command("baseline")
def kpis_baseline(ctx: typer.Context, since: Since = None, as_of: AsOf = None) -> None:
    """Capture this window's KPIs as the baseline later reports compare against."""
    from bot.services.outcomes import capture_baseline
    from bot.store.db import session_scope

    runtime = runtime_of(ctx)
    with refusals():
        config = runtime.config()
        window = _kpi_window(since, as_of, runtime, config)
        engine = engine_for(runtime.settings.database_url)
        with session_scope(engine) as session:
            baseline = capture_baseline(
                session, config.rules, window=window, actor="cli", now=runtime.now
            )
    Console().print(f"Baseline {baseline.id} captured for {window.start} → {window.end}.")


@app.command()
def calibrate(
    ctx: typer.Context,
    since: Annotated[
        str | None, typer.Option("--since", help="Onboardings signed from this day.")
    ] = None,
    as_of: AsOf = None,
    as_json: AsJson = False,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="Also draw the reliability and ROC plot into this PNG file."),
    ] = None,
    outcome: Annotated[
        str,
        typer.Option(
            "--outcome", help="What to predict: churn (default), csat_d30 or nps_d30 (low D+30)."
        ),
    ] = "churn",
) -> None:
    """How well day-30/60 scorecards predicted bad outcomes, per signal and for the model;
    with the rescues that were false alarms and the churns no rescue saw (misses)."""
    from bot.services.outcomes import OUTCOMES, calibration_of, rescue_calls
    from bot.services.weights import rules_in_force
    from bot.store.db import session_scope

    if plot is not None:
        _check_png_path(plot)
    runtime = runtime_of(ctx)
    with refusals():
        config = runtime.config()
        today = as_of_day(as_of, runtime, config)
        start = as_of_day(since, runtime, config) if since else None
        engine = engine_for(runtime.settings.database_url)
        with session_scope(engine, read_only=True) as session:
            rules = rules_in_force(session, config)
            result = calibration_of(session, rules, today=today, since=start, outcome=outcome)
            calls = rescue_calls(session, rules, today=today)
    if plot is not None:
        _write_calibration_plot(plot, result, config, quiet=as_json)
    data = {**result.as_json(), "weights_version": rules.weights_version}
    data["outcome"] = {"name": outcome, "bad": OUTCOMES[outcome]}
    data["definitions"] = {**data["definitions"], "bad": OUTCOMES[outcome]}  # type: ignore[dict-item]
    data["rescue_calls"] = calls
    if as_json:
        print_json(data)
        return
    from bot.cli.terminal import print_calibration

    console = Console()
    print_calibration(console, data, version=rules.weights_version)
    _print_proposal_and_overrides(console, result)
    if outcome != "churn":
        console.print(f"  outcome predicted: {OUTCOMES[outcome]}", highlight=False)
    for label, key in (("false alarms", "false_alarms"), ("misses", "misses")):
        found = data["rescue_calls"][key]
        console.print(
            f"  {label}: {found['numerator']} of {found['denominator']}"
            + (f" ({', '.join(found['accounts'])})" if found["accounts"] else ""),
            highlight=False,
        )


def _print_proposal_and_overrides(console: Console, result: Calibration) -> None:
    """Whether there is a proposal for an approver, and whose calls the outcomes bore out."""
    from scoring.weights import proposal_problem

    problem = proposal_problem(result)
    console.print(
        f"  proposal: {problem}"
        if problem
        else f"  proposal: held-out AUC {result.proposal.auc_before:.3f} → "
        f"{result.proposal.auc_after:.3f}; `/onboard weights propose` puts it to an approver",
        highlight=False,
    )
    if not result.overrides:
        console.print("  overrides: none was in force at day 30 or day 60")
    for check in result.overrides:
        computed = check.computed.label if check.computed else "unscored"
        console.print(
            f"  override {check.key} day {check.day}: computed {computed}, overridden to "
            f"{check.override.label} · {'bad' if check.bad else 'good'} outcome · "
            + ("[green]right[/green]" if check.right else "[red]wrong[/red]"),
            highlight=False,
        )


def _check_png_path(path: Path) -> None:
    if path.suffix.lower() != ".png":
        fail(f"--plot `{path}` must name a .png file", code=2)
    if not path.parent.is_dir():
        fail(f"--plot: the directory `{path.parent}` does not exist", code=2)


def _write_calibration_plot(
    path: Path, result: Calibration, config: Config, *, quiet: bool
) -> None:
    """Draw the calibration plot into `path`; say where on stderr when stdout is JSON."""
    from bot.messages.charts import calibration_chart

    if result.accounts == 0:
        fail("no finished onboardings to plot: record outcomes first "
             "(`/onboard outcome`, or outcome columns in `rescuebot accounts import`)")  # fmt: skip
    try:
        path.write_bytes(calibration_chart(result, bands=config.rules.bands))
    except OSError as exc:
        fail(f"--plot: cannot write `{path}` ({exc.strerror})")
    Console(stderr=quiet).print(
        f"Calibration plot of {result.accounts} finished onboardings written to {path}",
        highlight=False,
    )


@weights_app.callback(invoke_without_command=True)
def weights_command(ctx: typer.Context, as_json: AsJson = False) -> None:
    """The weights in force, signal by signal, every approved version, and any proposal
    awaiting a decision."""
    if ctx.invoked_subcommand is not None:
        return
    from bot.services.weights import weights_overview
    from bot.store.db import session_scope

    runtime = runtime_of(ctx)
    with refusals():
        config = runtime.config()
        engine = engine_for(runtime.settings.database_url)
        with session_scope(engine, read_only=True) as session:
            overview = weights_overview(session, config)
    data = overview.as_json()
    if as_json:
        print_json(data)
        return
    console = Console()
    in_force = data["in_force"]
    console.print(f"[bold]Weights in force: v{in_force['version']}[/bold]")
    for key, weight in in_force["weights"].items():
        console.print(f"  {key}: {weight:g}", highlight=False)
    if in_force["retired"]:
        console.print(f"  retired: {', '.join(in_force['retired'])}", highlight=False)
    for version in data["versions"]:
        console.print(
            f"  v{version['version']} {version['created_at'][:10]} from {version['source']}, "
            f"approved by {', '.join(version['approved_by']) or 'nobody'}",
            highlight=False,
        )
    if not data["versions"]:
        console.print("  No version approved yet: the weights are as configured.")
    if data["pending_proposal"]:
        console.print(f"  Proposal #{data['pending_proposal']['id']} awaits a decision in Slack.")


@weights_app.command("reset")
def weights_reset(ctx: typer.Context) -> None:
    """Put the configured weights back in force, as a new version (the history stays)."""
    from bot.services.weights import reset_to_config
    from bot.store.db import session_scope

    runtime = runtime_of(ctx)
    with refusals():
        config = runtime.config()
        engine = engine_for(runtime.settings.database_url)
        with session_scope(engine) as session:
            version = reset_to_config(session, config, actor="cli", now=runtime.now)
    Console().print(f"Weights v{version.version} in force: the configured weights.")
