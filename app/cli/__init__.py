"""`flask --app app …` commands, thin over the services."""

from __future__ import annotations

from flask import Flask


def register_cli(app: Flask) -> None:
    """Attach every command group to the app."""
    from app.cli.analysis import analysis_cli
    from app.cli.atp import atp_cli
    from app.cli.backup import backup_command, restore_command
    from app.cli.datasets import dataset_cli
    from app.cli.demo import demo_cli
    from app.cli.diagram import diagram_command
    from app.cli.digest import send_digests_command
    from app.cli.engagement import engagement_cli
    from app.cli.identity import identity_cli
    from app.cli.interchange import export_cli, import_cli
    from app.cli.queue_worker import worker_command
    from app.cli.report import report_command
    from app.cli.returns import returns_cli
    from app.cli.routing import routing_cli
    from app.cli.scenario import scenario_cli
    from app.cli.users import create_user_command, invite_user_command
    from app.cli.workbook import workbook_cli

    app.cli.add_command(create_user_command)
    app.cli.add_command(invite_user_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(engagement_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(analysis_cli)
    app.cli.add_command(dataset_cli)
    app.cli.add_command(atp_cli)
    app.cli.add_command(routing_cli)
    app.cli.add_command(returns_cli)
    app.cli.add_command(scenario_cli)
    app.cli.add_command(identity_cli)
    app.cli.add_command(diagram_command)
    app.cli.add_command(report_command)
    app.cli.add_command(workbook_cli)
    app.cli.add_command(export_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(send_digests_command)
