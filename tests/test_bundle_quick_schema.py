"""The quick schema check: it says "valid" only for documents jsonschema accepts, and says it for real bundles."""

from __future__ import annotations

import copy
import random

import pytest

from app.services.bundle.checks import _validator, bundle_schema
from app.services.bundle.quick_schema import compile_schema
from tests.support.bundles import demo_document, small_bundle

QUICK = compile_schema(bundle_schema())
ODD_VALUES = [None, True, False, 0, 1, 1.0, -1, 2.5, "", " ", "x", "system-1", "bad id!", "2024-13-99", [], {},
              ["system-1", "system-1"], [1, True], {"a": 1}, "api", "REQ-1", "ADR-0"]


def _layout(frame) -> dict:
    return {"scenario_id": "scenario-1", "diagram": "landscape", "option": "category",
            "positions": {"system-1": [0, 1.5]}, "pins": ["system-1"], "frame": frame}


def test_a_valid_bundle_is_passed_by_the_quick_check():
    assert QUICK(demo_document())
    assert QUICK(small_bundle())


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda d: d["flows"][0].update(pattern="kafka"), id="a value outside an enum"),
        pytest.param(lambda d: d["flows"][0].update(pattern=True), id="true where an enum of text is wanted"),
        pytest.param(lambda d: d["systems"][0].pop("name"), id="a missing required field"),
        pytest.param(lambda d: d["systems"][0].update(colour="red"), id="an unknown field"),
        pytest.param(lambda d: d["systems"][0].update(id="no spaces allowed"), id="an id of the wrong form"),
        pytest.param(lambda d: d["systems"][0].update(tags=["a", "a"]), id="a repeated tag"),
        pytest.param(lambda d: d["flows"][0].update(latency_seconds=-1), id="a negative number of seconds"),
        pytest.param(lambda d: d["flows"][0].update(latency_seconds=True), id="true where a number is wanted"),
        pytest.param(lambda d: d["engagement"].update(next_requirement_number=0), id="a counter below its minimum"),
        pytest.param(lambda d: d["engagement"].update(next_requirement_number=True), id="true as a whole number"),
        pytest.param(lambda d: d.update(archimate_ids={"bad id!": "id-1"}), id="a property name of the wrong form"),
        pytest.param(lambda d: d.update(diagram_layouts=[_layout([1])]), id="a oneOf matching no branch"),
    ],
)
def test_an_invalid_bundle_is_never_passed_by_the_quick_check(mutate):
    document = demo_document()
    mutate(document)
    assert not _validator().is_valid(document)
    assert not QUICK(document)


def test_a_oneof_is_judged_exactly():
    for frame, valid in (([0, 1.5], True), (None, True), ([1], False), ("wide", False)):
        document = demo_document() | {"diagram_layouts": [_layout(frame)]}
        assert _validator().is_valid(document) is valid
        assert QUICK(document) is valid


def test_values_json_compares_differently_from_python_are_left_to_jsonschema():
    document = demo_document()
    document["engagement"]["next_requirement_number"] = float(document["engagement"]["next_requirement_number"])
    assert _validator().is_valid(document)  # 12.0 is a whole number in JSON Schema
    assert not QUICK(document)  # don't know: jsonschema decides


def test_random_damage_is_never_passed_when_jsonschema_refuses_it():
    rnd = random.Random(18)
    original, passed, refused = demo_document(), 0, 0
    for _ in range(250):
        document = copy.deepcopy(original)
        _damage(rnd, document)
        valid = _validator().is_valid(document)
        if QUICK(document):
            assert valid, document
            passed += 1
        refused += not valid
    assert passed > 30 and refused > 30  # both kinds of outcome were exercised


def _damage(rnd: random.Random, document: dict) -> None:
    """Replace, drop or add one value somewhere in the document."""
    parent, key, node = None, None, document
    for _ in range(rnd.randint(1, 4)):
        children = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        if not children:
            break
        parent, (key, node) = node, rnd.choice(children)
        if not isinstance(node, dict | list) or rnd.random() < 0.3:
            break
    if parent is None:
        return
    action = rnd.random()
    if isinstance(parent, dict) and action < 0.15:
        parent[rnd.choice(["extra", "name", "id", "tags"])] = rnd.choice(ODD_VALUES)
    elif isinstance(parent, dict) and action < 0.3:
        parent.pop(key)
    else:
        parent[key] = rnd.choice(ODD_VALUES)
