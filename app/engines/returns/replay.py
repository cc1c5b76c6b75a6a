"""Replay the client's returns under a scenario: accepted or refused where brought (and why), the refund, where
the units go and when each channel can sell them again. Vectorised over all returns at once (numpy)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.engines.returns.model import (
    ACCEPTED,
    CREDIT,
    EXCHANGE,
    NO_TIME,
    R_CUSTOMER,
    R_ORDER,
    R_POLICY,
    R_REFUND,
    R_WINDOW,
    REASONS,
    REFUNDS,
    RESTOCK,
    TENDER,
    TO_DC,
    Access,
    ReturnLines,
    ReturnsOutcome,
)
from app.engines.returns.policy import ANY, DISPOSITIONS, ReturnPolicy

DAY = 86400.0


def rule_table(policy: ReturnPolicy, channels: Sequence[str]) -> np.ndarray:
    """[original, returning, pickup] -> index of the first rule that accepts such a return, -1 for none."""
    n = len(channels)
    keys = [" ".join(str(c).split()).casefold() for c in channels]
    table = np.full((n, n, 2), -1, np.int32)
    for i in reversed(range(len(policy.rules))):  # reversed so that the first matching rule is written last
        rule = policy.rules[i]
        orig = np.array([ANY in rule.original_channels or k in rule.original_channels for k in keys], bool)
        ret = np.array([ANY in rule.return_channels or k in rule.return_channels for k in keys], bool)
        for f, name in enumerate(("ship", "pickup")):
            if name in rule.fulfilment:
                table[np.ix_(orig, ret, [f])] = i
    return table


def replay_returns(lines: ReturnLines, policy: ReturnPolicy, access: Access, dc_node: int = -1) -> ReturnsOutcome:
    """Judge every return (first reason wins: policy, window, order visibility, customer, refund path)."""
    n = len(lines)
    rules = policy.rules
    known = (lines.original >= 0) & (lines.returned >= 0)
    o, r = np.maximum(lines.original, 0), np.maximum(lines.returned, 0)
    rule = np.where(known, rule_table(policy, lines.channels)[o, r, lines.pickup.astype(np.int8)], -1)
    ri = np.maximum(rule, 0)
    days = np.array([x.days for x in rules], np.float64)[ri]
    exchange_ok = np.array([x.exchange for x in rules], bool)[ri]
    needs_customer = np.array([x.needs_customer for x in rules], bool)[ri]
    tender = np.array([x.refund == "original_tender" for x in rules], bool)[ri]
    credit_fallback = np.array([x.fallback == "store_credit" for x in rules], bool)[ri]

    age = np.where(lines.order_time == NO_TIME, 0, lines.time - lines.order_time) / DAY
    outcome = np.zeros(n, np.int8)
    no_refund = tender & ~access.refund_path[o, r] & ~credit_fallback & ~lines.exchange
    # Later checks are written first so that the earlier (more basic) reason overwrites them.
    outcome[no_refund] = R_REFUND
    outcome[needs_customer & ~access.customer_known[o, r]] = R_CUSTOMER
    outcome[~access.order_visible[o, r]] = R_ORDER
    outcome[age > days] = R_WINDOW
    outcome[(rule < 0) | (lines.exchange & ~exchange_ok)] = R_POLICY
    accepted = outcome == ACCEPTED

    refund = np.full(n, -1, np.int8)
    refund[accepted] = np.where(tender & access.refund_path[o, r], TENDER, CREDIT)[accepted]
    refund[accepted & lines.exchange] = EXCHANGE

    codes = np.array([DISPOSITIONS.index(policy.disposition.get(c, policy.other_condition))
                      for c in lines.conditions] + [RESTOCK], np.int8)
    disposition = np.where(accepted, codes[lines.condition], -1).astype(np.int8)
    # A return with no location cannot be restocked where it was brought: it goes back to the DC.
    disposition[(disposition == RESTOCK) & (lines.node < 0)] = TO_DC
    processing = policy.processing_hours * 3600
    sellable_at = np.full(n, NO_TIME, np.int64)
    restock, to_dc = disposition == RESTOCK, disposition == TO_DC
    sellable_at[restock] = lines.time[restock] + int(processing)
    sellable_at[to_dc] = lines.time[to_dc] + int(processing + policy.transit_hours * 3600)
    moved = restock | to_dc
    node = np.where(restock, lines.node, dc_node)
    keep = moved & (node >= 0)
    outcome_obj = ReturnsOutcome(
        outcome=outcome, refund=refund, disposition=disposition, sellable_at=sellable_at,
        receipts_time=sellable_at[keep], receipts_sku=lines.sku[keep], receipts_node=node[keep].astype(np.int32),
        receipts_quantity=lines.quantity[keep],
    )
    outcome_obj.summary.update(summarise(lines, access, outcome, refund, disposition, processing,
                                         policy.transit_hours * 3600))
    return outcome_obj


def summarise(lines: ReturnLines, access: Access, outcome: np.ndarray, refund: np.ndarray, disposition: np.ndarray,
              processing: float, transit: float) -> dict:
    """The figures a consultant shows: acceptance, the channel matrix, reasons, refunds, restock delays."""
    accepted = outcome == ACCEPTED
    q = lines.quantity
    channels = lines.channels
    n = len(channels)
    known = (lines.original >= 0) & (lines.returned >= 0)
    pair = np.where(known, lines.original * max(n, 1) + lines.returned, -1)
    all_pairs = np.bincount(pair[known], minlength=n * n)
    ok_pairs = np.bincount(pair[known & accepted], minlength=n * n)
    matrix = {channels[i]: {channels[j]: {"returns": int(all_pairs[i * n + j]), "accepted": int(ok_pairs[i * n + j])}
                            for j in range(n) if all_pairs[i * n + j]}
              for i in range(n) if all_pairs[i * n:(i + 1) * n].any()}
    reasons = np.bincount(outcome, minlength=len(REASONS) + 1)
    refunds = np.bincount(refund[accepted], minlength=3)
    units = np.bincount(disposition[accepted], weights=q[accepted], minlength=3)
    by_channel = {}
    returned = np.bincount(lines.returned[lines.returned >= 0], minlength=n)
    ok_returned = np.bincount(lines.returned[(lines.returned >= 0) & accepted], minlength=n)
    for j in range(n):
        if returned[j]:
            by_channel[channels[j]] = {"returns": int(returned[j]), "accepted": int(ok_returned[j]),
                                       "acceptance_rate": round(float(ok_returned[j] / returned[j]), 6)}
    return {
        "returns": len(lines),
        "units": int(q.sum()),
        "accepted": int(accepted.sum()),
        "refused": int((~accepted).sum()),
        "acceptance_rate": round(float(accepted.mean()), 6) if len(lines) else 0.0,
        "refused_by_reason": {name: int(reasons[code]) for code, name in REASONS.items()},
        "matrix": matrix,
        "by_return_channel": by_channel,
        "refunds": {name: int(refunds[i]) for i, name in enumerate(REFUNDS)},
        "units_by_disposition": {name: int(units[i]) for i, name in enumerate(DISPOSITIONS)},
        "restock_delay_hours": restock_delays(lines, access, disposition, processing, transit),
    }


def restock_delays(lines: ReturnLines, access: Access, disposition: np.ndarray, processing: float,
                   transit: float) -> dict:
    """Per selling channel: units it will see again, the mean and worst hours until it does, units it never sees."""
    out = {}
    restock, to_dc = disposition == RESTOCK, disposition == TO_DC
    q = lines.quantity.astype(np.float64)
    ret = np.maximum(lines.returned, 0)
    for c, name in enumerate(lines.channels):
        delay = np.full(len(lines), np.nan)
        delay[restock] = processing + access.restock_seconds[ret[restock], c]
        delay[to_dc] = processing + transit + access.dc_seconds[c]
        moved = restock | to_dc
        seen = moved & ~np.isnan(delay)
        units = q[seen].sum()
        out[name] = {
            "units": int(units),
            "never_units": int(q[moved & ~seen].sum()),
            "mean_hours": round(float((delay[seen] * q[seen]).sum() / units / 3600), 2) if units else None,
            "worst_hours": round(float(delay[seen].max() / 3600), 2) if units else None,
        }
    return out


__all__ = ["ACCEPTED", "R_CUSTOMER", "R_ORDER", "R_POLICY", "R_REFUND", "R_WINDOW", "replay_returns",
           "rule_table", "summarise"]
