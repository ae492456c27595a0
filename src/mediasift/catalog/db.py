"""Engine and session factory for the catalog, and migrations to head on start-up."""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from mediasift.errors import BackendUnavailable

# Session: the unit of work repo functions take
__all__ = ["Catalog", "Session", "make_engine", "migrate", "upgrade"]

_MIGRATIONS = Path(__file__).parent / "migrations"
_READ_ONLY = "mediasift_read_only"  # execution option marking a read session's connection
_REVISION_LINE = re.compile(r"^(down_)?revision\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")


@contextmanager
def _unavailable() -> Iterator[None]:
    """The database not answering (SQLite locked past its busy timeout by another process, a
    PostgreSQL server gone) as ``BackendUnavailable``: a 503 a client may retry, and one line
    from the CLI, where it had been a 500 "internal error" and a traceback."""
    try:
        yield
    except OperationalError as exc:
        said = str(exc.orig).splitlines()[0] if exc.orig is not None else type(exc).__name__
        raise BackendUnavailable(f"catalog unavailable: {said}") from exc


BUSY_TIMEOUT_S = 30.0  # how long a SQLite writer queues behind another process's write
_WRITE_PROBE_S = 1.0  # how long ``ping`` waits for the write lock after a write was refused


def make_engine(url: str, busy_timeout_s: float = BUSY_TIMEOUT_S) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": busy_timeout_s, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # WAL lets the API read while a worker writes; busy_timeout makes writers queue up
            # instead of failing when the CLI and the server touch the catalog together.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
            cur.close()

        # pysqlite's own transaction handling defers BEGIN; we want BEGIN IMMEDIATE on writes so
        # two processes leasing jobs serialise instead of deadlocking on lock upgrades. A read
        # session begins deferred instead: under WAL it reads a snapshot and never waits for the
        # write lock, so a search does not queue behind a worker's or an upload's write.
        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn):  # type: ignore[no-untyped-def]
            reading = conn.get_execution_options().get(_READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _refuse_writes(session: Session, _context: object, _instances: object) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a catalog read session cannot write; use Catalog.session()")


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (idempotent). A catalog already there is
    recognised without Alembic, whose import was ~0.15 s of every command's start, and a new
    embedded catalog is created at head without it (``_create_at_head``)."""
    if _at_head(engine) or _create_at_head(engine):
        return
    upgrade(engine)


def upgrade(engine: Engine) -> None:
    """Run Alembic's migrations from wherever the catalog is to head."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # API and workers of a deployment start together and all migrate: concurrent DDL races
            # (duplicate pg_type rows), so they take turns; later ones then find the schema at head.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4731020)")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


# What Alembic's own version table is (alembic.runtime.migration), for a catalog created at head.
_VERSION_TABLE = (
    "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
    "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
)


def _create_at_head(engine: Engine) -> bool:
    """Create a new, empty SQLite catalog from the models and record it at head; False (nothing
    done) for any other catalog, which Alembic migrates.

    Running the fifteen migrations one after another cost a new home ~0.13 s more of the interpreter
    than this (Alembic's import, then each step's DDL), on every first command and every test's
    home. The two make the same schema: tests/catalog/test_schema.py compares each table's
    columns, indexes, foreign keys and rows. PostgreSQL keeps Alembic's path, behind its lock."""
    head = head_revision()
    if engine.dialect.name != "sqlite" or head is None:
        return False
    from sqlalchemy import inspect

    from mediasift.catalog.models import Base

    # BEGIN IMMEDIATE (make_engine): a second process creating the same catalog waits here, then
    # finds the tables and leaves them be.
    with engine.begin() as conn:
        if inspect(conn).get_table_names():
            return False
        Base.metadata.create_all(conn)
        conn.exec_driver_sql(_VERSION_TABLE)
        conn.exec_driver_sql("INSERT INTO alembic_version (version_num) VALUES (?)", (head,))
    return True


def _at_head(engine: Engine) -> bool:
    """Whether the catalog's recorded revision is the migrations' one head (``head_revision``)."""
    head = head_revision()
    if head is None:
        return False
    try:
        # a read connection: on SQLite it begins deferred, so the look takes no write lock
        with engine.execution_options(**{_READ_ONLY: True}).connect() as conn:
            found = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    except DBAPIError:  # a new catalog: no version table yet
        return False
    return found == [head]


@functools.cache
def head_revision() -> str | None:
    """The newest migration's revision, read from the migration files' ``revision`` and
    ``down_revision`` lines (the one revision no other follows); None unless there is exactly one."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for path in (_MIGRATIONS / "versions").glob("*.py"):
        for down, value in _REVISION_LINE.findall(path.read_text("utf-8")):
            (followed if down else revisions).update(_QUOTED.findall(value))
    heads = revisions - followed
    return heads.pop() if len(heads) == 1 else None


class Catalog:
    """Holds the engine and hands out sessions; the repository functions that take them live in
    the package's other modules (see ``mediasift.catalog``)."""

    def __init__(self, url: str, busy_timeout_s: float = BUSY_TIMEOUT_S) -> None:
        self.url = url
        self._busy_timeout_s = busy_timeout_s
        self.engine = make_engine(url, busy_timeout_s)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            self.engine.execution_options(**{_READ_ONLY: True}), expire_on_commit=False
        )
        event.listen(self._read_sessions, "before_flush", _refuse_writes)
        # What the last write refused said, until a write goes through again (``ping``).
        self._write_refused: str | None = None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on error."""
        try:
            with _unavailable(), self._sessions() as session, session.begin():
                yield session
        except BackendUnavailable as exc:
            if isinstance(exc.__cause__, OperationalError):
                self._write_refused = exc.message
            raise
        self._write_refused = None

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A session for reads only (a flush raises): on SQLite it never takes the write lock, so
        it neither waits for writers nor makes them wait. Its transaction ends with a rollback."""
        with _unavailable(), self._read_sessions() as session:
            yield session

    def migrate(self) -> None:
        """Open the catalog and bring it to head; a database that does not answer (nothing on its
        port, no such database) is ``BackendUnavailable`` naming where it was looked for: the
        command that opened it had ended on a 500-line traceback."""
        try:
            with _unavailable():
                migrate(self.engine)
        except BackendUnavailable as exc:
            where = self.engine.url.render_as_string(hide_password=True)
            raise BackendUnavailable(
                f"{exc.message} (the catalog at {where}: check MEDIASIFT_CATALOG_URL and that its "
                "server runs)"
            ) from exc.__cause__

    def ping(self) -> None:
        """Raise what the database answers with if it cannot run a query, or, after a write was
        refused, if it still cannot take one: reads alone had shown a SQLite catalog that another
        process held write-locked as "ok" while every upload answered 503."""
        with self.read_session() as s:
            s.execute(text("SELECT 1"))
        refused = self._write_refused
        if refused is None or self.engine.dialect.name != "sqlite":
            self._write_refused = None  # a server that answers again takes writes again
            return
        with self.engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.execute(f"PRAGMA busy_timeout={int(_WRITE_PROBE_S * 1000)}")
            try:
                raw.execute("BEGIN IMMEDIATE")  # the write lock, taken and given back at once
                raw.execute("ROLLBACK")
            except sqlite3.OperationalError as exc:
                raise BackendUnavailable(f"catalog refuses writes: {exc}") from exc
            finally:
                raw.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_s * 1000)}")
        self._write_refused = None

    def close(self) -> None:
        self.engine.dispose()
