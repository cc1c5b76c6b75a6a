"""The returns replay on hand-checked examples: each refusal reason, refunds, exchange and restock delays."""

from __future__ import annotations

import numpy as np
import pytest

from app.engines.returns import NO_TIME, Access, PolicyError, ReturnLines, ReturnRule, parse_policy, replay_returns
from app.engines.returns.model import ACCEPTED, CREDIT, EXCHANGE, R_CUSTOMER, R_ORDER, R_POLICY, R_WINDOW, TENDER
from app.engines.returns.policy import ReturnPolicy

DAY = 86400
WEB, STORE = 0, 1
CHANNELS = ("web", "store")


def lines(rows, conditions=("sellable", "damaged")) -> ReturnLines:
    """rows: (original, returned, days after the order, node, condition code, exchange)."""
    n = len(rows)
    return ReturnLines(
        channels=CHANNELS,
        time=np.array([10 * DAY + int(r[2] * DAY) for r in rows], np.int64),
        order_time=np.full(n, 10 * DAY, np.int64),
        original=np.array([r[0] for r in rows], np.int32),
        returned=np.array([r[1] for r in rows], np.int32),
        pickup=np.zeros(n, bool),
        sku=np.zeros(n, np.int32),
        quantity=np.ones(n, np.int64),
        node=np.array([r[3] for r in rows], np.int32),
        condition=np.array([r[4] for r in rows], np.int32),
        conditions=conditions,
        exchange=np.array([r[5] for r in rows], bool),
    )


def access(order=True, customer=True, refund=True, restock_hours=2.0) -> Access:
    full = np.ones((2, 2), bool)
    blocked = full.copy()
    blocked[WEB, STORE] = False
    return Access(full if order else blocked, full if customer else blocked, full if refund else blocked,
                  np.full((2, 2), restock_hours * 3600.0), np.full(2, 3600.0))


POLICY = ReturnPolicy(processing_hours=24, transit_hours=48)


def test_a_web_order_brought_to_a_store_in_the_window_is_refunded_to_its_tender_and_restocked_there():
    out = replay_returns(lines([(WEB, STORE, 5, 3, 0, False)]), POLICY, access(), dc_node=0)
    assert out.outcome.tolist() == [ACCEPTED]
    assert out.refund.tolist() == [TENDER]
    assert out.sellable_at.tolist() == [15 * DAY + 24 * 3600]
    assert (out.receipts_node.tolist(), out.receipts_quantity.tolist()) == ([3], [1])
    # 24 h of processing, then 2 h until each channel's systems see the store's stock.
    assert out.summary["restock_delay_hours"]["web"] == {"units": 1, "never_units": 0, "mean_hours": 26.0,
                                                         "worst_hours": 26.0}


def test_a_return_after_the_window_is_refused_as_out_of_window_even_where_the_order_is_invisible():
    out = replay_returns(lines([(WEB, STORE, 31, 3, 0, False), (WEB, STORE, 30, 3, 0, False)]), POLICY,
                         access(order=False), dc_node=0)
    assert out.outcome.tolist() == [R_WINDOW, R_ORDER]
    assert out.summary["refused_by_reason"]["out_of_window"] == 1
    assert out.summary["refused_by_reason"]["no_order_visibility"] == 1


def test_without_order_visibility_a_store_refuses_web_orders_but_takes_its_own():
    out = replay_returns(lines([(WEB, STORE, 2, 3, 0, False), (STORE, STORE, 2, 3, 0, False)]), POLICY,
                         access(order=False), dc_node=0)
    assert out.outcome.tolist() == [R_ORDER, ACCEPTED]
    assert out.summary["matrix"] == {"web": {"store": {"returns": 1, "accepted": 0}},
                                     "store": {"store": {"returns": 1, "accepted": 1}}}
    assert out.summary["by_return_channel"]["store"]["acceptance_rate"] == 0.5


def test_no_customer_match_refuses_only_where_the_rule_needs_the_customer():
    strict = replay_returns(lines([(WEB, STORE, 2, 3, 0, False)]), POLICY, access(customer=False), dc_node=0)
    lenient = ReturnPolicy(rules=(ReturnRule(needs_customer=False),))
    relaxed = replay_returns(lines([(WEB, STORE, 2, 3, 0, False)]), lenient, access(customer=False), dc_node=0)
    assert strict.outcome.tolist() == [R_CUSTOMER]
    assert relaxed.outcome.tolist() == [ACCEPTED]


def test_without_a_payment_path_the_refund_falls_back_to_store_credit_or_is_refused():
    credit = replay_returns(lines([(WEB, STORE, 2, 3, 0, False)]), POLICY, access(refund=False), dc_node=0)
    refuse = ReturnPolicy(rules=(ReturnRule(fallback="refuse"),))
    refused = replay_returns(lines([(WEB, STORE, 2, 3, 0, False)]), refuse, access(refund=False), dc_node=0)
    assert credit.refund.tolist() == [CREDIT]
    assert refused.summary["refused_by_reason"]["no_refund_path"] == 1


def test_an_exchange_is_no_refund_and_a_policy_without_exchanges_refuses_it():
    allowed = replay_returns(lines([(WEB, WEB, 2, 0, 0, True)]), POLICY, access(), dc_node=0)
    no_exchange = ReturnPolicy(rules=(ReturnRule(exchange=False),))
    refused = replay_returns(lines([(WEB, WEB, 2, 0, 0, True)]), no_exchange, access(), dc_node=0)
    assert allowed.refund.tolist() == [EXCHANGE]
    assert allowed.summary["refunds"] == {"original_tender": 0, "store_credit": 0, "exchange": 1}
    assert refused.outcome.tolist() == [R_POLICY]


def test_a_channel_the_policy_does_not_name_refuses_by_policy():
    web_only = ReturnPolicy(rules=(ReturnRule(return_channels=("web",)),))
    out = replay_returns(lines([(WEB, STORE, 2, 3, 0, False), (WEB, WEB, 2, 0, 0, False)]), web_only, access(),
                         dc_node=0)
    assert out.outcome.tolist() == [R_POLICY, ACCEPTED]


def test_damaged_units_are_written_off_and_units_without_a_location_go_back_to_the_dc_later():
    out = replay_returns(lines([(WEB, STORE, 2, 3, 1, False), (WEB, WEB, 2, -1, 0, False)]), POLICY, access(),
                         dc_node=7)
    assert out.summary["units_by_disposition"] == {"restock": 0, "ship_to_dc": 1, "write_off": 1}
    assert out.receipts_node.tolist() == [7]
    # 24 h processing + 48 h transit + 1 h until a channel sees the DC's stock.
    assert out.summary["restock_delay_hours"]["store"]["worst_hours"] == 73.0


def test_restock_delay_counts_units_a_channel_never_sees():
    never = access()
    never.restock_seconds[STORE, WEB] = np.nan
    out = replay_returns(lines([(STORE, STORE, 2, 3, 0, False)]), POLICY, never, dc_node=0)
    assert out.summary["restock_delay_hours"]["web"] == {"units": 0, "never_units": 1, "mean_hours": None,
                                                         "worst_hours": None}


def test_a_return_without_a_known_order_time_is_not_judged_on_the_window():
    rows = lines([(WEB, WEB, 400, 0, 0, False)])
    unknown = ReturnLines(**{**rows.__dict__, "order_time": np.array([NO_TIME], np.int64)})
    assert replay_returns(unknown, POLICY, access(), dc_node=0).outcome.tolist() == [ACCEPTED]


def test_the_policy_document_round_trips_and_names_each_bad_setting():
    document = ReturnPolicy().to_document()
    assert parse_policy(document).to_document() == document
    with pytest.raises(PolicyError) as caught:
        parse_policy({"rules": [{"days": -1, "refund": "cash"}], "transit_hours": "soon", "colour": 1})
    assert set(caught.value.errors) == {"rules[0].days", "rules[0].refund", "transit_hours", "colour"}
    with pytest.raises(PolicyError):
        parse_policy([])
