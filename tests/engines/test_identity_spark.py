"""The identity engine on Splink's Spark backend: the same extract gives the same customers as on DuckDB, the
session is started once and reused, a run leaves nothing behind, and a bad backend setting is refused by name."""

import pytest

import config
from app.engines import identity as I
from app.engines.identity.backends import Backend, _SparkDialectNames, spark_available, spark_session
from app.engines.identity_synth import extracts
from app.services.engines.identity_inputs import configured_backend
from app.services.errors import ValidationError

SPARK_MISSING = spark_available()
needs_spark = pytest.mark.skipif(SPARK_MISSING is not None, reason=f"Spark backend unavailable: {SPARK_MISSING}")
SPARK = Backend(name="spark", spark_driver_memory="1g")


def _customers(result):
    keys = [r.key for r in result.records]
    return sorted(sorted(keys[i] for i in members) for members in result.clusters)


@pytest.fixture(scope="module")
def both():
    """One extract of about three hundred records (three systems, in-system duplicates) resolved on each backend."""
    records = extracts(150, seed=11)
    return records, I.resolve(records, I.Options()), I.resolve(records, I.Options(backend=SPARK))


@needs_spark
def test_spark_and_duckdb_find_the_same_customers(both):
    records, duck, spark = both
    assert 250 <= len(records) <= 400
    assert spark.real_customers == duck.real_customers < len(records)  # duplicates were found, on both
    assert _customers(spark) == _customers(duck)
    assert sorted((p.left, p.right) for p in spark.review) == sorted((p.left, p.right) for p in duck.review)


def _decision(pair, options):
    if pair.rule:
        return "rule"
    if pair.probability >= options.threshold:
        return "held" if pair.held else "linked"
    return "review" if pair.probability >= options.review_low else "below"


@needs_spark
def test_spark_scores_every_pair_to_the_same_decision_as_duckdb(both):
    _records, duck, spark = both
    on_duck = {(p.left, p.right): p for p in duck.pairs}
    assert {(p.left, p.right) for p in spark.pairs} == set(on_duck)
    assert {key: _decision(p, spark.options) for key, p in on_duck.items()} == {
        (p.left, p.right): _decision(p, spark.options) for p in spark.pairs}
    # The models are trained apart (u sampling, EM) and Spark's string similarity functions are Splink's Java
    # ones: scores agree closely, not to the last digit.
    differences = sorted(abs(p.probability - on_duck[(p.left, p.right)].probability) for p in spark.pairs)
    assert differences[len(differences) // 2] < 1e-3


@needs_spark
def test_a_spark_run_names_its_backend_and_explains_pairs_like_duckdb(both):
    _records, duck, spark = both
    assert spark.model["backend"] == "spark (local[*])" and duck.model["backend"] == "duckdb"
    pair = max((p for p in spark.pairs if not p.rule), key=lambda p: p.probability)
    twin = next(p for p in duck.pairs if (p.left, p.right) == (pair.left, pair.right))
    assert [(c.field, c.level) for c in pair.contributions] == [(c.field, c.level) for c in twin.contributions]
    assert sum(c.weight for c in pair.contributions) == pytest.approx(pair.weight, abs=1e-6)


@needs_spark
def test_the_session_is_started_once_and_a_run_leaves_no_tables_behind(both):
    session = spark_session(SPARK)
    assert spark_session(SPARK) is session
    assert not [t.name for t in session.catalog.listTables() if t.name.startswith("__splink")]
    assert session.conf.get("spark.ui.enabled") == "false"
    with pytest.raises(ValueError, match="needs a new process"):
        spark_session(Backend(name="spark", spark_master="spark://elsewhere:7077"))


def test_duckdb_function_names_in_comparisons_are_renamed_for_spark():
    sql = _SparkDialectNames.rename("select jaro_winkler_similarity(a_l, a_r) >= 0.9 as x, "
                                    "list_has_any(v_l, v_r) as y, damerau_levenshtein(a_l, a_r) as z from t")
    assert "JARO_WINKLER(" in sql.upper() and "ARRAYS_OVERLAP(" in sql.upper()
    assert "JARO_WINKLER_SIMILARITY" not in sql.upper() and "LIST_HAS_ANY" not in sql.upper()
    assert "DAMERAU_LEVENSHTEIN(" in sql.upper()


def test_duckdb_s_global_flag_on_regexp_replace_is_dropped_for_spark_which_replaces_every_match_anyway():
    sql = _SparkDialectNames.rename("select regexp_replace(e_l, '[^0-9]', '', 'g') = "
                                    "regexp_replace(e_r, '[^0-9]', '', 'g') as d from t")
    assert sql.upper().count("REGEXP_REPLACE(") == 2 and "'G'" not in sql.upper()


@pytest.mark.parametrize(("settings", "message"), [
    ({"name": "oracle"}, "Unknown identity backend 'oracle'"),
    ({"name": "spark", "spark_master": " "}, "master URL is empty"),
    ({"name": "spark", "spark_driver_memory": "lots"}, "'lots' is not a size"),
])
def test_a_bad_backend_setting_is_refused_with_its_value(settings, message):
    with pytest.raises(ValueError, match=message):
        Backend(**settings)


def test_the_service_reads_the_backend_from_configuration(monkeypatch):
    monkeypatch.setenv("IDENTITY_BACKEND", "Spark")
    monkeypatch.setenv("IDENTITY_SPARK_MASTER", "spark://cluster:7077")
    monkeypatch.setenv("IDENTITY_SPARK_DRIVER_MEMORY", "8g")
    assert configured_backend() == Backend(name="spark", spark_master="spark://cluster:7077",
                                           spark_driver_memory="8g")
    monkeypatch.delenv("IDENTITY_BACKEND")
    assert configured_backend().name == "duckdb"  # the default


def test_a_bad_backend_in_configuration_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("IDENTITY_BACKEND", "spark")
    monkeypatch.setenv("IDENTITY_SPARK_DRIVER_MEMORY", "four gigabytes")
    with pytest.raises(ValidationError) as caught:
        configured_backend()
    assert "four gigabytes" in str(caught.value.errors["IDENTITY_BACKEND"])
    monkeypatch.setenv("IDENTITY_BACKEND", "sqlite")
    monkeypatch.setenv("SECRET_KEY", "not-a-real-key")  # no key file written under instance/
    with pytest.raises(RuntimeError, match="IDENTITY_BACKEND must be duckdb or spark, not 'sqlite'"):
        config.Config()
