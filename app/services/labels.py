"""One label for every stored code a person may see: `label("not_met")` is "Not met".

Codes live in the vocabularies (`models.vocab`), the analyses (finding severities, freshness and criteria
verdicts) and the engines (run kinds and states). Pages (the `label` Jinja filter), the PDF report, diagrams,
MADR files and the spreadsheets meant for people show the label; machine formats (the bundle, the API, ReqIF
enumeration keys) keep the code. A code no vocabulary knows reads as words: `partially_met` -> "Partially met".
"""

from __future__ import annotations

from collections.abc import Mapping

from exports.text import humanize
from models import vocab

_EXTRA = {
    # Finding severities (app.graph.rules), engine runs and their states, dataset versions, verdicts.
    "critical": "Critical", "info": "Info", "atp": "ATP", "replay": "Replay", "routing": "Routing",
    "identity": "Identity", "queued": "Queued", "running": "Running", "done": "Done", "failed": "Failed",
    "ok": "OK", "warnings": "Warnings", "pass": "Pass", "fail": "Fail", "partially_met": "Partially met",
    # Freshness verdicts fill small heat-map cells: short words (the cell's path panel gives the sentence).
    "no_target": "No target", "no_sor": "No SoR", "no_channel_systems": "No channel systems",
    "no_holder": "No holder", "no_path": "No path", "latency_unknown": "Latency unknown",
}


def _vocabularies() -> dict[str, str]:
    labels: dict[str, str] = {}
    for value in vars(vocab).values():
        if isinstance(value, Mapping):
            labels.update((code, text) for code, text in value.items()
                          if isinstance(code, str) and isinstance(text, str))
    return {**labels, **_EXTRA}


LABELS: dict[str, str] = _vocabularies()


def label(code: object) -> str:
    """The label a person reads for `code`; text that is not a code comes back as it is."""
    text = "" if code is None else str(code)
    return LABELS[text] if text in LABELS else humanize(text) if "_" in text else text


__all__ = ["LABELS", "label"]
