"""`flask --app app report ENGAGEMENT [--scenario NAME] [--compare NAME] [--sections a,b] [--runs 3,7] -o FILE`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from app.cli.common import fail, resolve_engagement
from app.extensions import db
from app.services import reports as svc
from app.services.errors import ServiceError
from exports.report import SECTION_KEYS, ReportError, render_html, report_pdf


@click.command("report")
@with_appcontext
@click.argument("engagement")
@click.option("--scenario", default=None, help="Scenario the report describes (id or name) [default: current state].")
@click.option("--compare", default=None, help="Scenario to compare with [default: current state, or the recommended].")
@click.option("--sections", default=None, help=f"Comma-separated sections [default: all]: {','.join(SECTION_KEYS)}.")
@click.option("--runs", default=None, help="Comma-separated engine run ids to include, e.g. 3,7.")
@click.option("--html", "as_html", is_flag=True, help="Write the HTML (with its CSS inlined as a file next to it).")
@click.option("--timeout", type=float, default=svc.PDF_TIMEOUT, show_default=True, help="Seconds allowed for the PDF.")
@click.option("-o", "--output", required=True, help="File to write (.pdf, or .html with --html), or - for stdout.")
def report_command(engagement: str, scenario: str | None, compare: str | None, sections: str | None,
                   runs: str | None, as_html: bool, timeout: float, output: str) -> None:
    """Make the client architecture report of an engagement as PDF (or HTML)."""
    found = resolve_engagement(engagement)
    try:
        options = svc.parse_options(scenario, compare, sections, runs)
        report = svc.build_input(db.session, found, options)
    except ServiceError as exc:
        fail(exc)
        return
    try:
        if as_html:
            css_name = Path(output).with_suffix(".css").name if output != "-" else None
            data = render_html(report, stylesheet_href=css_name).encode("utf-8")
            if css_name:
                from exports.report import report_css

                Path(output).with_suffix(".css").write_text(report_css(report), encoding="utf-8")
        else:
            data = report_pdf(report, static_dir=svc.STATIC_DIR, timeout=timeout)
    except ReportError as exc:
        raise click.ClickException(str(exc)) from None
    if output == "-":
        sys.stdout.buffer.write(data)
    else:
        Path(output).write_bytes(data)
        click.echo(f"Wrote {output} ({len(data):,} bytes; sections: {', '.join(options.sections)}).", err=True)
