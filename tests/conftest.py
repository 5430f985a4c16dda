"""Shared fixtures for the whole test suite.

Sections (add new fixtures to the section they belong to, or start a new one):

1. Environment: every test run writes under a private temporary directory, never into the
   repository's `var/` (set at import time, before any `reporting` module reads it).
2. PostgreSQL: the server URL and a factory of fresh, uniquely named databases that are
   dropped again at the end of the session.
3. Seeded case databases: the synthetic authority (camden scale, seed 1, as at 2026-10-26)
   loaded once per xdist worker into SQLite and into PostgreSQL.
4. Definitions: `sql_copy`, a private copy of sql/ a test may break or add to.

The suite runs as `pytest -n 2 --dist loadgroup`. Session fixtures are per worker, so a
test that uses a seeded database must carry the matching xdist group mark, which keeps
every test of that group on one worker and the (slow) seed to once per run:

    @pytest.mark.xdist_group("sqlite_seed")   # uses seeded_sqlite_url
    @pytest.mark.xdist_group("pg_seed")       # uses seeded_pg_url

`SEEDED_DB_PARAMS` parametrizes a test over both engines with the right group marks:

    @pytest.mark.parametrize("seeded_url", SEEDED_DB_PARAMS, indirect=True)
    def test_something(seeded_url): ...
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import date

import pytest

# ---------------------------------------------------------------------------------------------
# 1. Environment defaults (import time, so they are in place before any test module imports)
# ---------------------------------------------------------------------------------------------
_TEST_VAR_DIR = tempfile.mkdtemp(prefix="mi-test-var-")
os.environ.setdefault("MI_VAR_DIR", _TEST_VAR_DIR)
os.environ.setdefault("MI_ARCHIVE_DIR", os.path.join(_TEST_VAR_DIR, "archive"))
os.environ.setdefault("MI_OUTBOX_DIR", os.path.join(_TEST_VAR_DIR, "outbox"))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Make `--dist loadgroup` honour `xdist_group` marks under pytest 9.2.

    pytest-xdist 3.8 groups tests by tagging each worker's node ids with `@<group>`, which it
    does by setting `item._nodeid`; pytest 9.2 keeps node ids in `item._id` (a structured
    NodeId) and ignores `_nodeid`, so the groups were silently lost and each seed ran on both
    workers. This does the same tagging on `_id` (once: ids already tagged are skipped).
    Remove it when pytest-xdist supports pytest 9.2 node ids.
    """
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        names = {
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        }
        if not names or item.nodeid.rfind("@") > item.nodeid.rfind("]"):
            continue
        tagged = f"{item.nodeid}@{'_'.join(sorted(names))}"
        if hasattr(item, "_id"):  # pytest >= 9.2
            from _pytest.nodeid import coerce_node_id

            item._id = coerce_node_id(tagged)
        else:
            item._nodeid = tagged

# ---------------------------------------------------------------------------------------------
# 2. PostgreSQL
# ---------------------------------------------------------------------------------------------
PG_SERVER_URL = os.environ.get("MI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """The maintenance database of the test PostgreSQL server (fails, never skips, if down)."""
    engine = create_engine(PG_SERVER_URL)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure to connect means the same thing
        pytest.fail(
            f"PostgreSQL is not reachable at {make_url(PG_SERVER_URL).render_as_string(hide_password=True)} "
            f"(set MI_TEST_PG_URL to point the tests elsewhere): {error}",
            pytrace=False,
        )
    finally:
        engine.dispose()
    return PG_SERVER_URL


@pytest.fixture(scope="session")
def make_pg_database(pg_server_url: str) -> Iterator[Callable[[], str]]:
    """Factory: `make_pg_database()` creates a new empty database and returns its URL.

    Names are `mi_test_<pid>_<uuid8>`, unique per call and per xdist worker. Every database
    created is dropped at the end of the session (open connections are terminated first).
    """
    admin = create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def make() -> str:
        name = f"mi_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return make_url(pg_server_url).set(database=name).render_as_string(hide_password=False)

    yield make

    with admin.connect() as conn:
        for name in created:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = :name AND pid <> pg_backend_pid()"),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


# ---------------------------------------------------------------------------------------------
# 3. Seeded case databases (the synthetic authority)
# ---------------------------------------------------------------------------------------------
SEED_SCALE = "camden"
SEED_NUMBER = 1
SEED_AS_AT = date(2026, 10, 26)


@pytest.fixture(scope="session")
def seeded_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file seeded with camden scale, seed 1, as at 2026-10-26 (xdist group sqlite_seed)."""
    from reporting.casedb.seed import seed_database

    url = f"sqlite:///{tmp_path_factory.mktemp('casedb') / 'casedb.sqlite'}"
    seed_database(url, SEED_SCALE, SEED_NUMBER, SEED_AS_AT)
    return url


@pytest.fixture(scope="session")
def seeded_pg_url(make_pg_database: Callable[[], str]) -> str:
    """A fresh PostgreSQL database with the same seed as seeded_sqlite_url (xdist group pg_seed)."""
    from reporting.casedb.seed import seed_database

    url = make_pg_database()
    seed_database(url, SEED_SCALE, SEED_NUMBER, SEED_AS_AT)
    return url


SEEDED_DB_PARAMS = [
    pytest.param("sqlite", id="sqlite", marks=pytest.mark.xdist_group("sqlite_seed")),
    pytest.param("postgresql", id="postgresql", marks=[pytest.mark.xdist_group("pg_seed"), pytest.mark.postgres]),
]


@pytest.fixture
def seeded_url(request: pytest.FixtureRequest) -> str:
    """The seeded database of the engine named by the (indirect) parameter: sqlite or postgresql."""
    name = {"sqlite": "seeded_sqlite_url", "postgresql": "seeded_pg_url"}[request.param]
    return request.getfixturevalue(name)


# ---------------------------------------------------------------------------------------------
# 4. Definitions
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def sql_copy(tmp_path, monkeypatch):
    """A private copy of sql/ that the test may break or add to; MI_SQL_DIR points at it."""
    import shutil

    from reporting import settings

    root = tmp_path / "sql"
    shutil.copytree(settings.sql_dir(), root)
    monkeypatch.setenv("MI_SQL_DIR", str(root))
    return root


# ---------------------------------------------------------------------------------------------
# 5. Mail
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def per_report_mail(tmp_path, monkeypatch):
    """Each report e-mailed on its own (config/mail.yml `digest: false`, in a private copy of
    config/): for tests of a report's own send, which the shipped digest would hold for the day's
    mi_staff_digest run instead."""
    import shutil

    from reporting import settings

    config = tmp_path / "config-per-report"
    shutil.copytree(settings.config_dir(), config)
    mail = (config / "mail.yml").read_text()
    assert "\ndigest: true\n" in mail
    (config / "mail.yml").write_text(mail.replace("\ndigest: true\n", "\ndigest: false\n"))
    monkeypatch.setenv("MI_CONFIG_DIR", str(config))
    return config
