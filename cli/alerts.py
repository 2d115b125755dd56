"""`framewatch alerts` and `alerts ack`; what they print is alerts/cli.py."""
from __future__ import annotations

from pathlib import Path

import typer

from cli.app import app, console, data_dir_option, escape, fail_config, require_warehouse, settings_for

alerts_app = typer.Typer(help="Framing-shift and source-health alerts: list them, acknowledge one.")
app.add_typer(alerts_app, name="alerts")


def _alerts_db(ctx: typer.Context, data_dir: Path | None) -> Path:
    return require_warehouse(settings_for(ctx, data_dir).database_path)


@alerts_app.callback(invoke_without_command=True)
def alerts_list(
    ctx: typer.Context,
    data_dir: Path = data_dir_option(),
    limit: int = typer.Option(20, help="most recent alerts to show"),
) -> None:
    """List alerts, newest first, with the stories and evidence behind each."""
    if ctx.invoked_subcommand:
        return
    from alerts.cli import print_alerts

    print_alerts(console, _alerts_db(ctx, data_dir), limit)


@alerts_app.command("ack")
def alerts_ack(
    ctx: typer.Context,
    alert_id: str = typer.Argument(..., help="the alert's id, as listed by `framewatch alerts`"),
    data_dir: Path = data_dir_option(),
) -> None:
    """Acknowledge an alert: a person has seen it."""
    from alerts.cli import acknowledge

    if not acknowledge(_alerts_db(ctx, data_dir), alert_id):
        fail_config(f"no unacknowledged alert {alert_id!r}")
    console.print(f"Acknowledged {escape(alert_id)}.", highlight=False)


