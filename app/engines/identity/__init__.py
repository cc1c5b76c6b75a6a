"""Customer identity resolution across systems: preparation, deterministic rules, Splink, clusters, golden records.

Pure: plain records in (dicts with `system`, `source_record_id` and any customer field), plain results out;
no Flask, no ORM. The probabilistic model is Splink (Fellegi-Sunter, trained unsupervised per run with EM) on
its embedded DuckDB backend; everything runs offline.

Pipeline (`resolve`, in pipeline.py):
1. prepare (preparation.py; single-value normalisers in normalise.py and phones.py) — normalise emails (case,
   spaces; provider dots/plus-tags as an option), phones to E.164 (with a default region, or the record's
   country), names (accents, case, punctuation, titles; nickname variants from the `nicknames` package),
   postcodes, dates in several formats; flag invalid values, test and anonymous records, placeholder contacts.
   Column-wise, once per distinct value.
2. deterministic rules (rules.py) — records sharing a loyalty id, normalised email or phone link outright
   (configurable), unless both carry first names that are not compatible (a household sharing an email).
3. probabilistic (model.py) — Splink with blocking rules and comparisons chosen from the fields present,
   term-frequency adjustments for names, emails, postcodes and cities; trained on a sample at scale.
4. conflicts (conflicts.py): links between records that contradict each other (a household's other first name,
   namesakes' other email and birth date) or that share nothing but the name and city are held for review.
5. clusters (clusters.py: connected components of the links, review decisions applied; splitting.py: a
   component holding two conflicting records is split at its weakest links) and golden records by survivorship
   rule per field (source_priority, most_recent, most_complete, most_common).
6. what a consultant shows: real customers vs records, duplicate rate per system, overlap between systems,
   per-system data quality, a review queue and explanations (explain.py: each field's match weight; they sum
   to the pair's).
"""

from .base import (
                   DEFAULT_SURVIVORSHIP,
                   FIELDS,
                   GOLDEN_FIELDS,
                   LABELS,
                   RULES,
                   SURVIVORSHIP_RULES,
                   Contribution,
                   Options,
                   Pair,
                   Prepared,
                   Result,
)
from .clusters import duplicate_rates, golden_record, golden_records, overlap, quality
from .explain import explain
from .model import blocking_rules, model_columns, probabilistic_pairs
from .normalise import (
                   fold,
                   is_test_record,
                   name_variants,
                   normalise_email,
                   normalise_name,
                   normalise_phone,
                   normalise_postcode,
                   parse_date,
                   region_for,
                   split_full_name,
)
from .pipeline import resolve
from .preparation import prepare
from .rules import compatible_first_names, decision_key, deterministic_pairs

__all__ = [
    "DEFAULT_SURVIVORSHIP", "FIELDS", "GOLDEN_FIELDS", "LABELS", "RULES", "SURVIVORSHIP_RULES", "Contribution",
    "Options", "Pair", "Prepared", "Result", "blocking_rules", "compatible_first_names", "decision_key",
    "deterministic_pairs", "duplicate_rates", "explain", "fold", "golden_record", "golden_records",
    "is_test_record", "model_columns", "name_variants", "normalise_email", "normalise_name", "normalise_phone",
    "normalise_postcode", "overlap", "parse_date", "prepare", "probabilistic_pairs", "quality", "region_for",
    "resolve", "split_full_name",
]
