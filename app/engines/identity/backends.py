"""Where Splink runs: embedded DuckDB (the default) or Spark (`local[*]`, or a cluster's master URL).

The choice is an engine option (`Backend`), filled from configuration by the service, so the engine stays pure.
Spark starts a JVM (seconds): one session per process, created on first use and reused, with its logs quieted,
no web UI and its driver bound to 127.0.0.1 (a local run opens no port to the network). Our comparisons are
written in DuckDB's SQL; the few DuckDB function names in them are renamed to Spark's before Splink runs them.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

BACKENDS = ("duckdb", "spark")
MEMORY = re.compile(r"^[1-9][0-9]*[kmgt]$", re.IGNORECASE)
# DuckDB's regexp_replace(s, pattern, replacement, 'g') replaces every match; Spark's replaces every match with
# three arguments and reads a fourth as a position, so the 'g' is dropped (REGEXP_FLAG marks such statements).
REGEXP_FLAG = "'g')"
# DuckDB function (as comparisons.py writes it) -> Spark's: Splink's jar registers `jaro_winkler`, `arrays_overlap`
# is Spark's own. `damerau_levenshtein` has the same name in both.
SPARK_FUNCTIONS = {"jaro_winkler_similarity": "jaro_winkler", "list_has_any": "arrays_overlap"}

# Errors only, on stderr. A failed code generation is logged with its whole generated source although Spark then
# runs the query interpreted, correctly: it is not an error of the run.
LOG4J = """rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
logger.codegen.name = org.apache.spark.sql.catalyst.expressions.codegen
logger.codegen.level = off
"""


@dataclass(frozen=True)
class Backend:
    """The SQL engine Splink runs on; Spark's master URL and driver memory apply to the spark backend only."""

    name: str = "duckdb"
    spark_master: str = "local[*]"
    spark_driver_memory: str = "4g"  # the driver holds the records and the scored pairs (docs/identity.md)
    # Splink's intermediate tables (parquet); empty: a temporary directory. A cluster needs a shared one (hdfs://).
    spark_checkpoint_dir: str = ""

    def __post_init__(self) -> None:
        if self.name not in BACKENDS:
            raise ValueError(f"Unknown identity backend {self.name!r}: use {' or '.join(BACKENDS)}.")
        if not self.spark_master.strip():
            raise ValueError("The Spark master URL is empty: use local[*] or a cluster's spark://host:port.")
        if not MEMORY.match(self.spark_driver_memory):
            raise ValueError(f"Spark driver memory {self.spark_driver_memory!r} is not a size such as 4g or 512m.")

    def describe(self) -> str:
        """How the run's summary names the backend, e.g. "spark (local[*])"."""
        return f"spark ({self.spark_master})" if self.name == "spark" else "duckdb"


_session: Any = None
_session_master: str | None = None


def spark_available() -> str | None:
    """Why the Spark backend cannot start here (no pyspark, no java), or None when it can."""
    try:
        import pyspark  # noqa: F401 - only whether it is installed
    except ImportError:
        return "pyspark is not installed (pip install -c constraints.txt -e .)"
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        return "no Java runtime (apt-get install default-jre-headless)"
    return None


def spark_session(backend: Backend):
    """The process's Spark session, started on first use with the backend's master and driver memory."""
    global _session, _session_master
    if _session is not None:
        if _session_master != backend.spark_master:
            raise ValueError(f"This process's Spark session runs on {_session_master}; a second master "
                             f"({backend.spark_master}) needs a new process.")
        return _session
    if reason := spark_available():
        raise RuntimeError(f"The spark identity backend cannot start: {reason}.")
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    local = backend.spark_master.startswith("local")
    logs = os.path.join(tempfile.mkdtemp(prefix="throughline-spark-log-"), "log4j2.properties")
    with open(logs, "w", encoding="utf-8") as out:
        out.write(LOG4J)
    builder = (SparkSession.builder.master(backend.spark_master).appName("throughline-identity")
               .config("spark.driver.memory", backend.spark_driver_memory)
               .config("spark.jars", similarity_jar_location())  # Splink's string similarity functions
               .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{logs}")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               # A comparison vector is one CASE per field with dozens of levels: whole-stage code generation
               # outgrows Java's 64 KB method limit on it, fails and falls back after seconds of compiling, on
               # every query. Expression-level code generation (still on) compiles it in parts.
               .config("spark.sql.codegen.wholeStage", "false")
               .config("spark.sql.session.timeZone", "UTC"))
    if local:
        # No port beyond loopback; a few partitions per core (Spark's default of 200 is for clusters: on a
        # laptop each of them costs scheduling time on a few thousand rows).
        builder = (builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                   .config("spark.sql.shuffle.partitions", str(max(4, 2 * (os.cpu_count() or 2)))))
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    checkpoint = backend.spark_checkpoint_dir
    if not checkpoint:
        checkpoint = tempfile.mkdtemp(prefix="throughline-spark-")
        atexit.register(shutil.rmtree, checkpoint, True)
    session.sparkContext.setCheckpointDir(checkpoint)  # Spark adds a directory of its own below it
    _session, _session_master = session, backend.spark_master
    return session


class _SparkDialectNames:
    """Renames our DuckDB function names to Spark's in each statement Splink sends (see SPARK_FUNCTIONS) and
    drops DuckDB's 'g' flag from regexp_replace (REGEXP_FLAG)."""

    @staticmethod
    def rename(sql: str) -> str:
        """The statement with DuckDB-only function calls renamed."""
        import sqlglot
        from sqlglot import exp

        tree = sqlglot.parse_one(sql, read="spark")
        for call in tree.find_all(exp.Anonymous):
            if (name := str(call.this).lower()) in SPARK_FUNCTIONS:
                call.set("this", SPARK_FUNCTIONS[name])
        for call in tree.find_all(exp.RegexpReplace):
            flag = call.args.get("position")
            if isinstance(flag, exp.Literal) and flag.is_string and flag.this == "g":
                call.set("position", None)
        return tree.sql(dialect="spark")


def _local_path(url: str | None) -> str | None:
    """The local directory of a checkpoint URL ("file:/tmp/x" or "/tmp/x"); None for a cluster's (hdfs://, s3a://)."""
    if not url:
        return None
    if url.startswith("file:"):
        return "/" + url[len("file:"):].lstrip("/")
    return url if url.startswith("/") else None


def _drop_run_tables(session, names: list[str], checkpoint_dir: str | None) -> None:
    """Drop a run's temporary views and, in a local checkpoint directory, their parquet files."""
    local = _local_path(checkpoint_dir)
    for name in dict.fromkeys(names):
        session.catalog.dropTempView(name)
        if local:
            shutil.rmtree(os.path.join(local, name), ignore_errors=True)


def _spark_api(session):
    from splink.backends.spark import SparkAPI

    class OurSparkAPI(SparkAPI):
        """Splink's Spark API, reading our DuckDB-flavoured comparison SQL and noting the tables a run makes."""

        def _table_registration(self, input, table_name: str) -> None:  # noqa: A002 - Splink's signature
            self.made.append(table_name)  # inputs and tables Splink hands over (u sampling's counts)
            super()._table_registration(input, table_name)

        def _setup_for_execute_sql(self, sql: str, physical_name: str) -> str:
            self.made.append(physical_name)
            if REGEXP_FLAG in sql or any(name in sql for name in SPARK_FUNCTIONS):
                sql = _SparkDialectNames.rename(sql)
            return super()._setup_for_execute_sql(sql, physical_name)

    # Intermediate tables go to parquet files under the checkpoint directory, not to memory caches that outlive
    # the run; they are removed when the run releases the API (or when it is garbage-collected after a failure).
    api = OurSparkAPI(spark_session=session, break_lineage_method="parquet")
    api.made = []
    checkpoint = session.sparkContext.getCheckpointDir()
    api.release = weakref.finalize(api, _drop_run_tables, session, api.made, checkpoint)
    return api


def splink_database(backend: Backend, con):
    """Splink's database API on the backend for one run (DuckDB: on the run's connection `con`); `release` it."""
    if backend.name == "duckdb":
        from splink.backends.duckdb import DuckDBAPI

        return DuckDBAPI(connection=con)
    return _spark_api(spark_session(backend))


def release(db) -> None:
    """Free what the run left on the backend (Spark: its temporary views and intermediate files)."""
    if (finalizer := getattr(db, "release", None)) is not None:
        finalizer()


def fetch_columns(db, con, table: str, expressions: Sequence[str]) -> dict[str, Any]:
    """The expressions over a Splink output table as numpy arrays, ordered by pair on Spark (partitions return
    rows in any order; DuckDB returns them in the order scored)."""
    sql = f"select {', '.join(expressions)} from {table}"  # noqa: S608 - our own names, no user text # nosec B608
    if getattr(db, "spark", None) is None:
        return con.sql(sql).fetchnumpy()
    arrow = db.spark.sql(f"{sql} order by unique_id_l, unique_id_r").toArrow()
    return {name: arrow.column(name).to_numpy() for name in arrow.column_names}


def table_columns(db, con, table: str) -> set[str]:
    """The column names of a Splink output table."""
    if getattr(db, "spark", None) is None:
        return set(con.sql(f"select * from {table} limit 0").columns)  # noqa: S608 - our own names, no user text # nosec B608
    return set(db.spark.table(table).columns)
