"""The probabilistic model: Splink (Fellegi-Sunter, trained unsupervised per run) on embedded DuckDB.

Blocking rules are chosen from the fields present and kept only while each stays within a comparison budget
(broad rules such as "same postcode" add recall on small extracts and would explode on large ones). Training
(prior from identifier rules, u by random sampling, m by EM) runs on a seeded sample of at most
`Options.max_training_records` records; the trained model (Splink's settings document) then scores every
blocked pair of the whole extract. Scores come back column-wise; a pair's explanation is built on demand.
For the largest clients the same model runs on Spark instead (`Options.backend`, backends.py).
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from .backends import fetch_columns, release, splink_database, table_columns
from .base import Contribution, Options, Pair, Prepared
from .comparisons import CROSSED_LAST, SWAPPED_LAST, comparisons

MODEL_FIELDS = ("first_name", "last_name", "email", "phone", "birth_date", "street", "house_number", "city",
                "postal_code", "loyalty_id")
SWAPPED = ("first_name", "last_name", "swapped")  # pseudo-rule: first and last name entered the other way round


def _present(records: Sequence[Prepared], name: str) -> bool:
    count = 0
    for r in records:
        if r.values.get(name):
            count += 1
            if count >= 2:
                return True
    return False


def model_columns(records: Sequence[Prepared]) -> list[str]:
    """The model fields with at least two values in the extract."""
    return [f for f in MODEL_FIELDS if _present(records, f)]


def blocking_rules(columns: Sequence[str]) -> list[tuple[str, ...]]:
    """Candidate blocking rules (columns that must be equal) from the columns present, strongest first."""
    candidates = [("email",), ("phone",), ("loyalty_id",), ("first_name", "last_name"), SWAPPED,
                  ("postal_code", "last_name"), ("postal_code", "first_initial"), ("birth_date", "last_name"),
                  ("birth_date", "first_initial"), ("street", "house_number"), ("birth_date", "house_number"),
                  ("postal_code", "house_number"), ("first_name", "city"), ("last_name", "city"),
                  ("last_name", "house_number"), ("first_name", "house_number"), ("birth_date",), ("postal_code",)]
    have = set(columns) | ({"first_initial"} if "first_name" in columns else set()) | {"swapped"}
    return [c for c in candidates if set(c) <= have]


def rule_text(rule: tuple[str, ...]) -> str:
    """How a blocking rule reads in the run's summary."""
    return "first and last name swapped" if rule == SWAPPED else " and ".join(rule)


def rule_holds(a: Prepared, b: Prepared, rule: Sequence[str]) -> bool:
    """Whether a blocking rule puts two prepared records in one block (the bench's blocking recall)."""
    if tuple(rule) == SWAPPED:
        fa, la, fb, lb = (a.values.get("first_name"), a.values.get("last_name"), b.values.get("first_name"),
                          b.values.get("last_name"))
        return bool(fa and la and fa == lb and la == fb)

    def value(r: Prepared, column: str) -> str | None:
        if column == "first_initial":
            return (r.values.get("first_name") or "")[:1] or None
        return r.values.get(column)

    return all(value(a, c) is not None and value(a, c) == value(b, c) for c in rule)


def _rule_sql(rule: tuple[str, ...]):
    from splink import block_on

    if rule == SWAPPED:
        return "l.first_name = r.last_name and l.last_name = r.first_name"
    return block_on(*rule)


def _rule_comparisons(con, table: str, rule: tuple[str, ...]) -> int:
    """How many pairs a blocking rule generates on the table (dedupe: n·(n-1)/2 per block)."""
    if rule == SWAPPED:
        sql = (f"with g as (select first_name f, last_name s, count(*) c from {table} where first_name is not null "  # noqa: S608 - our own names, no user text # nosec B608
               f"and last_name is not null and first_name <> last_name group by 1, 2) "
               f"select coalesce(sum(a.c * b.c), 0) / 2 from g a join g b on a.f = b.s and a.s = b.f")
    else:
        present = " and ".join(f"{c} is not null" for c in rule)
        sql = (f"select coalesce(sum(c * (c - 1) / 2), 0) from (select count(*) c from {table} where {present} "  # noqa: S608 - our own names, no user text # nosec B608
               f"group by {', '.join(rule)})")
    return int(con.sql(sql).fetchall()[0][0])


def _table(records: Sequence[Prepared], columns: Sequence[str]):
    import pyarrow as pa
    import pyarrow.compute as pc

    # One pass over the records (a million scattered objects: each pass costs a second in cache misses alone).
    rows = [(r.index, r.variants or None, *map(r.values.get, columns)) for r in records]
    ids, variants, *values = zip(*rows, strict=True) if rows else ((), (), *([()] * len(columns)))
    del rows
    data: dict[str, Any] = {"unique_id": pa.array(ids, pa.int64())}
    for name, column in zip(columns, values, strict=True):
        data[name] = pa.array(column, pa.string())
    if "email" in columns:  # emails are validated: one '@', a non-empty user
        data["email_user"] = pc.replace_substring_regex(data["email"], "@[^@]*$", "")
    if "first_name" in columns:
        data["first_initial"] = pc.utf8_slice_codeunits(data["first_name"], 0, 1)
        data["first_name_variants"] = pa.array(variants, pa.list_(pa.string()))
    return pa.table(data)


class Scored:
    """The scored pairs, column-wise (numpy arrays from DuckDB), explaining one pair on demand."""

    def __init__(self, columns: dict[str, Any], fields: Sequence[str], labels: dict[tuple[str, int], str],
                 records: Sequence[Prepared]) -> None:
        self.columns, self.fields, self.labels = columns, list(fields), labels
        self.records = {r.index: r for r in records}  # by index: test records are not in the model's list
        self._counts: dict[str, Counter] = {}  # per field, how many records hold each value (when explained)

    def share(self, name: str, value: str) -> float:
        """The share of the model's records holding this value of the field (what the term-frequency adjustment
        weighs: a common name is weak evidence)."""
        if name not in self._counts:
            self._counts[name] = Counter(r.values.get(name) for r in self.records.values())
        return self._counts[name][value] / max(len(self.records), 1)

    def contributions(self, row: int) -> tuple[Contribution, ...]:
        """Each comparison's match weight (with its term-frequency adjustment) and the prior: they sum to the
        pair's match weight."""
        c = self.columns
        left = self.records[int(c["unique_id_l"][row])]
        right = self.records[int(c["unique_id_r"][row])]
        if left.index > right.index:
            left, right = right, left
        prior = float(c["match_weight"][row])
        out = []
        for name in self.fields:
            weight = float(c[f"mw_{name}"][row])
            adjustment = float(c[f"mw_tf_adj_{name}"][row]) if f"mw_tf_adj_{name}" in c else 0.0
            weight += adjustment
            prior -= weight
            gamma = int(c[f"gamma_{name}"][row])
            level = self.labels.get((name, gamma), f"level {gamma}")
            # the address comparison's "same city only" level is weighed by the city's frequency
            field = "city" if name == "postal_code" and level == "same city only" else name
            value = left.values.get(field)
            if adjustment and value and value == right.values.get(field):
                shown = left.display.get(field) or value
                level += (f"; {shown} is shared by {self.share(field, value) * 100:.1f} % of records "
                          f"({adjustment:+.1f} for how common it is)")
            if gamma == -1:
                both = left.values.get(name) and right.values.get(name)
                level = "missing on one side"
                if both and name == "last_name":
                    # the first name's level says which (it comes first in self.fields)
                    swapped = any(c.field == "first_name" and c.level.startswith("swapped") for c in out)
                    level = SWAPPED_LAST if swapped else CROSSED_LAST
            out.append(Contribution(name, left.values.get(name), right.values.get(name), level, weight))
        return (Contribution("prior", None, None, "prior", prior), *out)


def _labels(model: dict[str, Any]) -> tuple[dict[tuple[str, int], str], dict[str, int]]:
    """Level labels by (comparison, gamma) from Splink's settings document, and each comparison's top gamma.
    Splink numbers the non-null levels from the top: the first is n-1, the last (else) is 0."""
    labels: dict[tuple[str, int], str] = {}
    top: dict[str, int] = {}
    for comparison in model.get("comparisons", []):
        column = comparison.get("output_column_name", "")
        levels = [lv for lv in comparison.get("comparison_levels", []) if not lv.get("is_null_level")]
        top[column] = len(levels) - 1
        for position, level in enumerate(levels):
            labels[(column, len(levels) - 1 - position)] = str(level.get("label_for_charts", "")).lower()
    return labels, top


def prior_recall(table, rules: Sequence[tuple[str, ...]], agree: float = 0.8) -> float:
    """The share of true matches the prior's rules find: `agree` (0.8, as in Splink's examples: the rules' fields
    agree on four matches in five) times the chance that both records hold every field of one rule (a rule cannot
    find a match whose birth date is missing: with half the dates missing it sees a quarter of the matches)."""
    import pyarrow.compute as pc

    if table.num_rows == 0:
        return agree
    covered = None
    for rule in rules:
        present = None
        for column in rule:
            if column == SWAPPED[2]:
                continue
            valid = pc.is_valid(table[column])
            present = valid if present is None else pc.and_(present, valid)
        if present is not None:
            covered = present if covered is None else pc.or_(covered, present)
    share = pc.mean(pc.cast(covered, "float64")).as_py() if covered is not None else 1.0
    return max(agree * share * share, 0.05)  # a floor: Splink divides by it


M_FLOOR = 0.002


def _floor_m(model: dict[str, Any]) -> list[str]:
    """Raise every level's m probability to at least M_FLOOR (the others scaled to keep the sum at 1), in place.

    EM drives m towards zero for a level it never sees among matches in this extract (no birth-date typos, no
    one who moved): the level's weight then reaches -25 bits and vetoes a pair that every other field calls the
    same customer. One true match in 500 may show any level. Returns the levels raised ("comparison: label").
    """
    raised = []
    for comparison in model.get("comparisons", []):
        levels = [lv for lv in comparison.get("comparison_levels", [])
                  if not lv.get("is_null_level") and lv.get("m_probability") is not None]
        low = [lv for lv in levels if lv["m_probability"] < M_FLOOR]
        if not low or len(low) == len(levels):
            continue
        spare = sum(lv["m_probability"] for lv in levels if lv not in low)
        scale = (1 - M_FLOOR * len(low)) / spare
        for level in levels:
            if level in low:
                raised.append(f"{comparison.get('output_column_name')}: {level.get('label_for_charts', '')}")
                level["m_probability"] = M_FLOOR
            else:
                level["m_probability"] *= scale
    return raised


def probabilistic_pairs(records: Sequence[Prepared], options: Options,
                        progress: Callable[[float], None] | None = None) -> tuple[list[Pair], list[str],
                                                                                  dict[str, Any]]:
    """Splink: train (prior from the identifier rules, u by random sampling, m by EM) and score blocked pairs
    at or above review_low. Returns the pairs, the blocking rules used (as text) and model facts."""
    report = progress or (lambda _fraction: None)
    columns = model_columns(records)
    candidates = blocking_rules(columns)
    if len(records) < 2 or not candidates or len(columns) < 2:
        return [], [], {"trained": False, "reason": "Not enough fields or records for a model."}
    import duckdb
    from splink import Linker, SettingsCreator

    logging.getLogger("splink").setLevel(logging.ERROR)
    con = duckdb.connect()
    # DuckDB takes 80 % of RAM by default; a cap makes large runs spill to disk instead of growing unbounded.
    con.sql(f"set memory_limit = '{int(options.duckdb_memory_mib)}MB'")
    table = _table(records, columns)
    con.register("customers_in", table)
    budget = max(options.min_block_comparisons, int(options.block_comparisons_per_record * len(records)))
    rules, dropped, counts, total = [], {}, {}, 0
    for rule in candidates:  # strongest first, while the pairs to score stay within the budget
        count = _rule_comparisons(con, "customers_in", rule)
        if count == 0:
            continue  # puts no two records together here
        if total + count <= budget:
            rules.append(rule)
            counts[rule_text(rule)] = count
            total += count
        else:
            dropped[rule_text(rule)] = count
    report(0.05)
    if not rules:  # never a full cross product: without a blocking rule there is no model
        con.close()
        return [], [], {"trained": False, "reason": "Every blocking rule exceeds the comparison budget.",
                        "blocking_budget": budget, "blocking_dropped": dropped}
    facts: dict[str, Any] = {"trained": True, "columns": columns, "em_sessions": [],
                             "blocking_budget": budget, "blocking_dropped": dropped,
                             "blocking_comparisons": counts, "backend": options.backend.describe()}
    db = splink_database(options.backend, con)  # blocking counts above stay on the local DuckDB
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(columns),
        blocking_rules_to_generate_predictions=[_rule_sql(r) for r in rules],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,  # gamma_ columns come with them
    )
    sample = table
    if len(records) > options.max_training_records:
        rows = sorted(random.Random(options.seed).sample(range(len(records)), options.max_training_records))
        sample = table.take(rows)
        facts["training_records"] = len(rows)
    # Splink's settings validation only logs (it parses every comparison's SQL: ~10 % of a FEBRL run); the
    # settings are ours and the same every run, checked by the tests instead.
    trainer = Linker(db.register(sample), settings, log_level=logging.ERROR, validate_settings=False)
    deterministic = [r for r in rules if len(r) == 1 and r[0] in ("email", "phone", "loyalty_id")]
    if {"first_name", "last_name", "birth_date"} <= set(columns):
        deterministic.append(("first_name", "last_name", "birth_date"))
    deterministic = deterministic or [rules[0]]
    recall = prior_recall(sample, deterministic)
    facts["prior_rules_recall"] = round(recall, 4)
    try:
        trainer.training.estimate_probability_two_random_records_match([_rule_sql(r) for r in deterministic],
                                                                       recall=recall)
    except Exception as error:  # noqa: BLE001 - e.g. no pair shares an identifier: keep Splink's default prior
        facts["prior_note"] = str(error)[:200]
    report(0.1)
    # Splink's chunked estimate stops once every level has been seen 100 times: most runs need a few chunks.
    trainer.training.estimate_u_using_random_sampling(max_pairs=options.max_u_pairs, seed=options.seed)
    report(0.2)
    # EM sessions: each trains every comparison but its blocking columns, so two on different columns train
    # them all (a third, measured on FEBRL and generated sets, changed no figure and cost a fifth of the time).
    # A session that fails (too few pairs; a level never seen, whose m underflows) can leave the model half
    # updated: the linker is rebuilt from the last good model document and the next candidate is tried.
    # A single name or the city blocks broadly: they come last, for extracts with little else (a comparison no
    # session trains keeps Splink's default m, and an extract of last names and birth dates found 2 % of its
    # duplicates).
    sessions = [r for r in (("first_name", "last_name"), ("birth_date",), ("postal_code",), ("email",), ("phone",),
                            ("last_name",), ("first_name",), ("city",)) if set(r) <= set(columns)]
    good = trainer.misc.save_model_to_json()
    for number, rule in enumerate(sessions):
        if len(facts["em_sessions"]) == 2:
            break
        try:
            trainer.training.estimate_parameters_using_expectation_maximisation(
                _rule_sql(rule), estimate_without_term_frequencies=True)
            facts["em_sessions"].append(list(rule))
            good = trainer.misc.save_model_to_json()
        except Exception as error:  # noqa: BLE001 - Splink refuses this session's estimates: keep the last good
            facts.setdefault("em_notes", []).append(f"{'+'.join(rule)}: {str(error)[:160]}")
            trainer = Linker(db.register(sample), good, log_level=logging.ERROR, validate_settings=False)
        report(0.2 + 0.25 * min(1.0, (number + 1) / 2))
    model = trainer.misc.save_model_to_json()  # the public settings document: parameters, labels, prior
    if floored := _floor_m(model):
        facts["m_floored"] = floored
    labels, top = _labels(model)
    facts["prior_probability"] = float(model.get("probability_two_random_records_match") or 0.0)
    # retain_matching_columns stays on: without the records' values Splink's scores changed (FEBRL4: 5,007
    # customers became 5,005), so the narrower rows are not worth it.
    linker = Linker(db.register(table), model, log_level=logging.ERROR, validate_settings=False)
    low = min(options.review_low, options.threshold)
    predictions = linker.inference.predict(threshold_match_probability=low)
    report(0.8)
    wanted = ["unique_id_l", "unique_id_r", "match_probability", "match_weight"]
    present = table_columns(db, con, predictions.physical_name)
    fields = [n for n in columns if f"gamma_{n}" in present]
    for name in fields:
        wanted += [f"gamma_{name}", f"coalesce(mw_{name}, 0) as mw_{name}"]
        if f"mw_tf_adj_{name}" in present:
            wanted.append(f"coalesce(mw_tf_adj_{name}, 0) as mw_tf_adj_{name}")
    data = fetch_columns(db, con, predictions.physical_name, wanted)
    release(db)
    con.close()  # the scores are numpy copies now; DuckDB's tables (and its memory) go
    scored = Scored(data, fields, labels, records)
    guard = options.household_guard and "gamma_first_name" in data
    # Birth dates one keying slip apart are the same date: spouses' dates are rarely a typo or a day/month swap
    # away from each other, so these release the household guard as an equal date does.
    births_alike = {gamma for (name, gamma), label in labels.items()
                    if name == "birth_date" and label in ("same", "one typo apart", "day and month swapped")}
    loyalty_top = top.get("loyalty_id", -9)
    pairs = []
    ids_l, ids_r = data["unique_id_l"].tolist(), data["unique_id_r"].tolist()
    probabilities, weights = data["match_probability"].tolist(), data["match_weight"].tolist()
    first = data["gamma_first_name"].tolist() if guard else None
    birth = data["gamma_birth_date"].tolist() if guard and "gamma_birth_date" in data else None
    loyalty = data["gamma_loyalty_id"].tolist() if guard and "gamma_loyalty_id" in data else None
    for row, (a, b) in enumerate(zip(ids_l, ids_r, strict=True)):
        held = None
        # A household shares an email, a phone and an address, not a date of birth or a personal loyalty number.
        if guard and first[row] == 0 and (birth is None or birth[row] not in births_alike) and (
                loyalty is None or loyalty[row] != loyalty_top):
            held = "different first names with shared details (a household?): review before merging"
        pairs.append(Pair(min(a, b), max(a, b), probabilities[row], weights[row], None, None, held,
                          (scored, row)))
    report(1.0)
    facts["blocked_pairs"] = len(pairs)
    facts["blocking"] = [list(r) for r in rules]
    return pairs, [rule_text(r) for r in rules], facts
