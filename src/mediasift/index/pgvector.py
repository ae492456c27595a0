"""PostgreSQL + pgvector index: HNSW (cosine) per embedding space, ``tsvector`` full text.

Tables (``prefix`` defaults to ``ms``)::

    ms_points        one row per point: payload, text, and a generated ``tsv`` column
                     (Spanish stemming for language 'es*', English for 'en*', unknown or code,
                     'simple' else)
    ms_vec_{space}   one table per embedding space: the filterable payload again, plus
                     ``embedding halfvec(d)`` under an HNSW ``halfvec_cosine_ops`` index

The payload is repeated in each space table so a filtered nearest-neighbour query reads one table,
which is what lets pgvector's *iterative index scans* apply the filter while walking the graph.
It includes ``added_at`` (epoch seconds, ``double precision``, NULL for points indexed before the
column existed: opening the index adds it to older tables, ``mediasift reindex`` fills it) under a
``(tenant_id, added_at)`` btree, so an added-date window is a range condition in the same query.
So are ``labels``, ``entities`` and ``keywords`` (``text[]``; NULL when empty, which keeps rows of
media without them as narrow as before) under one GIN index per table: a filter list is an overlap
(``&&``: any of its values; NULL overlaps nothing), the lists ANDed. ``paths`` (a source file's
``path_terms``, ``text[]`` under a GIN index of its own) filters the same way. Tables of an older schema get
these columns and the index when an index opens (NULL until ``mediasift reindex``), so an existing
index keeps working.

**k results, never silently fewer.** A filtered HNSW query can run out of candidates before it
finds k matches. Searches run with ``hnsw.iterative_scan = relaxed_order`` (pgvector >= 0.8), which
keeps scanning the graph until the filter has passed k rows or ``hnsw.max_scan_tuples`` is reached,
and re-sort the candidates exactly. If that still yields fewer than k, the query is repeated as an
exact scan, which returns every match there is. On an older pgvector the setting does not exist
(PostgreSQL 15+ refuses it), so it is left out and the exact fallback does all the work.
Scores are cosine similarity (1 - cosine distance).

**Keyword search** stems the query both as English and as Spanish (its language is unknown) and
matches rows containing *any* of those terms (OR, as BM25 does) against each row's own ``tsv``,
ranked by ``ts_rank`` normalised by document length, so rows with more query terms rank first.
A search for fewer matches than k pays one extra exact query, which is cheap for so few rows.

**Hybrid search** runs the keyword and vector searches one after another on the connection and
fuses them with ``fusion.rrf``: PostgreSQL has no fusion of its own.

One connection serves the index, guarded by a lock: searches from many threads queue on it. The
dimension of a space is fixed by its first vector; a different model needs ``mediasift reindex --wipe``.

**Vectors are stored as half precision** (``halfvec``, ``_STORED``; ``vector`` before pgvector
0.7): a table and its graph take about half the space of ``vector``'s float32, and searches read
half the bytes. A space table created before keeps ``vector`` (each table's type is read when the
index opens) until ``mediasift reindex --wipe``; a stored vector's components come back within 5e-4.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from mediasift.domain import Filters, IndexHit, IndexPoint, added_bounds
from mediasift.errors import BackendUnavailable, InvalidRequest
from mediasift.index.fusion import rrf

log = logging.getLogger(__name__)

# The column type of a new space's vectors. ``python -m bench.index_compare --sizes 100000
# --engines pgvector-float32,pgvector,pgvector,pgvector-float32`` (embedded PostgreSQL 18 +
# pgvector 0.8, 2026-12-05): table and graph 225 MB against 427 MB with ``vector``, the graph's
# build 14.1-15.0 s against 17.0-17.9 s, a search p50 1.38-1.55 ms against 1.87-2.04 ms, recall@10
# 0.9995-1.000 both.
_STORED = "halfvec"

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
_PAYLOAD = (
    "id", "tenant_id", "media_id", "kind", "collection", "modality", "language", "metadata", "added_at",
    "labels", "entities", "keywords", "paths", "quality",
)  # fmt: skip
_ABOUT = ("labels", "entities", "keywords")  # text[] columns, each filter list an overlap (&&)
_PATHS = "paths"  # text[]: a source file's path_terms, under a GIN index of its own
# Columns later versions added, with their definitions: opening an index adds those a table lacks.
_LATER_COLUMNS = {
    "added_at": "double precision",
    **dict.fromkeys((*_ABOUT, _PATHS), "text[]"),
    "quality": "double precision",  # the media's overall quality score, 0–1; NULL until measured
}
# How the tsv column picks a text search configuration from the point's language. Code (whose
# language is its programming language) is English: its identifiers and comments mostly are, and
# stemming lets "retries" find retry_failed_job.
_TS_CONFIG = (
    "CASE WHEN modality = 'code' THEN 'english'::regconfig "
    "WHEN language LIKE 'es%' THEN 'spanish'::regconfig "
    "WHEN language IS NULL OR language LIKE 'en%' THEN 'english'::regconfig "
    "ELSE 'simple'::regconfig END"
)
_SET_EXPRESSION_SINCE = 170000  # server_version_num of PostgreSQL 17: ALTER COLUMN … SET EXPRESSION


def _folding() -> tuple[str, str]:
    """Each accented Latin letter (``À`` to ``ɏ``) that is an ASCII letter with accents, and that
    letter: the arguments of ``translate``, which folds them ("José" -> "Jose") in an immutable
    expression, as a generated column needs (the ``unaccent`` extension's function is not
    immutable, nor installed everywhere)."""
    pairs = []
    for code in range(0xC0, 0x250):
        letter = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", letter) if not unicodedata.combining(c))
        if len(base) == 1 and base.isascii() and base.isalpha():
            pairs.append((letter, base))
    return "".join(a for a, _ in pairs), "".join(b for _, b in pairs)


_FOLD = "'{}', '{}'".format(*_folding())  # letters only: nothing to escape
# A point's terms: its text under its language's configuration, accents folded as people type
# names and loanwords, and as the embedded index folds them.
_TSV = "to_tsvector(" + _TS_CONFIG + ", translate(text, " + _FOLD + "))"

# The query's words stemmed as English and as Spanish, as typed and folded (a table from before
# folding keeps its points' accents until reindexed), joined with OR (BM25-like: a point matching
# any word is a candidate, more matching words rank higher). Each lexeme is quoted for the
# text->tsquery cast, which keeps lexemes as they are, so they are not stemmed twice.
_OR_QUERY = (
    r"SELECT string_agg(DISTINCT '''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''', ' | ')"
    "::tsquery AS query FROM (SELECT %s::text AS typed) AS w,"
    " LATERAL (SELECT translate(w.typed, " + _FOLD + ") AS folded) AS f,"
    " unnest(tsvector_to_array(to_tsvector('english', w.typed) || to_tsvector('spanish', w.typed)"
    " || to_tsvector('english', f.folded) || to_tsvector('spanish', f.folded))) AS lexeme"
)


def has_iterative_scan(version: str) -> bool:
    """Whether a pgvector ``extversion`` (``0.8.0``) has iterative index scans (0.8 and later)."""
    return _version(version) >= (0, 8)


def has_halfvec(version: str) -> bool:
    """Whether a pgvector ``extversion`` has the ``halfvec`` type (0.7 and later)."""
    return _version(version) >= (0, 7)


def _version(version: str) -> tuple[int, ...]:
    parts = re.findall(r"\d+", version)[:2]
    return tuple(int(p) for p in parts) if parts else (0, 0)


def _driver() -> tuple[Any, Any, Any]:
    try:
        import numpy as np
        import psycopg
        from pgvector.psycopg import register_vector
    except ImportError as e:  # pragma: no cover - exercised only without the extra
        raise BackendUnavailable(
            "the pgvector index needs psycopg and pgvector: pip install 'mediasift[postgres]'"
        ) from e
    return psycopg, register_vector, np


class PgVectorIndex:
    def __init__(
        self,
        url: str,
        prefix: str = "ms",
        ef_search: int = 100,
        hnsw_m: int = 16,
        hnsw_ef_construction: int = 64,
        dims: Mapping[str, int] | None = None,
        defer_hnsw: bool = False,
        build_memory: str = "512MB",
        *,
        wipe: bool = False,
    ) -> None:
        """``url`` is a libpq URL (``postgresql://user@host/db``; SQLAlchemy's ``+psycopg`` is dropped).

        ``dims`` creates those spaces up front; any other space is created by its first vector.
        ``defer_hnsw`` (bulk loads, reindex): new spaces get no HNSW index until ``optimize()``
        builds it with ``build_memory`` of maintenance memory; until then searches are exact.
        ``wipe`` drops the index's tables first (see ``wipe``), so spaces of other sizes go.
        """
        if not _NAME.match(prefix):
            raise ValueError(f"index table prefix must match {_NAME.pattern}: {prefix!r}")
        self._psycopg, self._register_vector, self._np = _driver()
        self.url = url.replace("postgresql+psycopg://", "postgresql://")
        self.prefix = prefix
        self.ef_search = ef_search
        self.hnsw_m = hnsw_m
        self.hnsw_ef_construction = hnsw_ef_construction
        self.defer_hnsw = defer_hnsw
        self.build_memory = build_memory
        self._lock = threading.Lock()
        self._conn: Any = None
        self._dims: dict[str, int] = {}
        self._types: dict[str, str] = {}  # space -> its column's type: "halfvec", or "vector" (older)
        self._iterative_scan = False
        self._stored = _STORED  # what a new space's table stores: "vector" before pgvector 0.7
        self._wanted = dict(dims or {})
        try:
            with self._session() as conn:
                if wipe:
                    self._drop_tables(conn)
                self._create_points_table(conn)
                for space in self._existing_spaces(conn):
                    self._upgrade_table(conn, self._space_table(space), f"vec_{space}")
                for space, size in self._wanted.items():
                    self._ensure_space(conn, space, size)
        except BaseException:
            self.close()  # an index that failed to open holds no connection
            raise

    # -- connection --------------------------------------------------------------------------------

    @contextmanager
    def _session(self) -> Iterator[Any]:
        """The connection inside one transaction; a broken connection is replaced on the next call."""
        psycopg = self._psycopg
        with self._lock:
            try:
                if self._conn is None or self._conn.closed or self._conn.broken:
                    self._conn = psycopg.connect(self.url, autocommit=True)
                    with self._conn.transaction():
                        # Workers starting together race on CREATE EXTENSION IF NOT EXISTS too.
                        self._conn.execute("SELECT pg_advisory_xact_lock(hashtext('mediasift-vector-ext'))")
                        self._conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
                        version = self._conn.execute(
                            "SELECT extversion FROM pg_extension WHERE extname = 'vector'"
                        ).fetchone()[0]
                    self._iterative_scan = has_iterative_scan(version)
                    self._stored = _STORED if has_halfvec(version) else "vector"
                    if not self._iterative_scan:
                        log.warning(
                            "pgvector %s has no iterative index scans (0.8+): "
                            "filtered searches fall back to exact scans more often",
                            version,
                        )
                    self._register_vector(self._conn)
                with self._conn.transaction():
                    yield self._conn
            except psycopg.OperationalError as e:
                raise BackendUnavailable(f"pgvector index unavailable: {e}") from e

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- schema ------------------------------------------------------------------------------------

    def _ident(self, name: str) -> Any:
        return self._psycopg.sql.Identifier(f"{self.prefix}_{name}")

    def _space_table(self, space: str) -> Any:
        if not _NAME.match(space):
            raise InvalidRequest(f"invalid embedding space name: {space!r}")
        return self._ident(f"vec_{space}")

    def _schema_lock(self, conn: Any) -> None:
        # Many workers may create the same table at once; CREATE ... IF NOT EXISTS alone can race.
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"mediasift-index-{self.prefix}",))

    def _create_points_table(self, conn: Any) -> None:
        sql = self._psycopg.sql
        self._schema_lock(conn)
        points = self._ident("points")
        conn.execute(
            sql.SQL(
                """CREATE TABLE IF NOT EXISTS {points} (
                    id text PRIMARY KEY, tenant_id text NOT NULL, media_id text NOT NULL,
                    kind text NOT NULL, collection text NOT NULL, modality text NOT NULL,
                    language text, metadata jsonb NOT NULL DEFAULT '{{}}', text text NOT NULL,
                    tsv tsvector GENERATED ALWAYS AS ("""
                + _TSV
                + """) STORED, added_at double precision,
                    labels text[], entities text[], keywords text[], paths text[])"""
            ).format(points=points)
        )
        self._upgrade_table(conn, points, "points")
        self._upgrade_tsv(conn, points)
        conn.execute(
            sql.SQL("CREATE INDEX IF NOT EXISTS {name} ON {points} (tenant_id, media_id)").format(
                name=self._ident("points_tenant_media"), points=points
            )
        )
        conn.execute(
            sql.SQL("CREATE INDEX IF NOT EXISTS {name} ON {points} USING gin (tsv)").format(
                name=self._ident("points_tsv"), points=points
            )
        )

    def _drop_tables(self, conn: Any) -> None:
        sql = self._psycopg.sql
        self._schema_lock(conn)
        for table in [*(self._space_table(s) for s in self._existing_spaces(conn)), self._ident("points")]:
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {t}").format(t=table))
        self._dims.clear()
        self._types.clear()

    def _upgrade_table(self, conn: Any, table: Any, name: str) -> None:
        """Give a table of an older schema the columns added since (``added_at`` NULL, the ``text[]``
        ones too, until reindexed), and make sure of the ``(tenant_id, added_at)`` btree and the
        GIN index of the ``text[]`` columns. Looks first: ALTER TABLE would lock out readers even
        when there is nothing to add."""
        sql = self._psycopg.sql
        present = {
            row[0]
            for row in conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND NOT attisdropped",
                (f"{self.prefix}_{name}",),
            )
        }
        missing = [column for column in _LATER_COLUMNS if column not in present]
        if missing:
            self._schema_lock(conn)
            additions = sql.SQL(", ").join(
                sql.SQL("ADD COLUMN IF NOT EXISTS {c} {d}").format(
                    c=sql.Identifier(column), d=sql.SQL(_LATER_COLUMNS[column])
                )
                for column in missing
            )
            conn.execute(sql.SQL("ALTER TABLE {t} {adds}").format(t=table, adds=additions))
        conn.execute(
            sql.SQL("CREATE INDEX IF NOT EXISTS {name} ON {t} (tenant_id, added_at)").format(
                name=self._ident(f"{name}_tenant_added"), t=table
            )
        )
        conn.execute(
            sql.SQL("CREATE INDEX IF NOT EXISTS {name} ON {t} USING gin ({cols})").format(
                name=self._ident(f"{name}_about"),
                t=table,
                cols=sql.SQL(", ").join(map(sql.Identifier, _ABOUT)),
            )
        )
        conn.execute(
            sql.SQL("CREATE INDEX IF NOT EXISTS {name} ON {t} USING gin ({c})").format(
                name=self._ident(f"{name}_paths"), t=table, c=sql.Identifier(_PATHS)
            )
        )

    def _upgrade_tsv(self, conn: Any, points: Any) -> None:
        """Give a points table of an older schema the ``tsv`` expression that reads code as English
        and folds accents (``_TSV``). PostgreSQL 17+ changes it in place (one rewrite of the
        table); an older server keeps the old one, which reads code with the ``simple``
        configuration (unstemmed) or keeps accents, until the index is rebuilt with ``mediasift
        reindex --wipe``."""
        expression = conn.execute(
            "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a"
            " ON a.attrelid = d.adrelid AND a.attnum = d.adnum"
            " WHERE d.adrelid = to_regclass(%s) AND a.attname = 'tsv'",
            (f"{self.prefix}_points",),
        ).fetchone()
        if expression is None or ("code" in expression[0] and "translate" in expression[0]):
            return
        version = int(conn.execute("SHOW server_version_num").fetchone()[0])
        if version < _SET_EXPRESSION_SINCE:
            log.warning(
                "the pgvector index's tsv column predates code search or accent folding: code is "
                "keyword-searched unstemmed, or accents must be typed as written, until `mediasift "
                "reindex --wipe` (or PostgreSQL 17+, which upgrades it)"
            )
            return
        self._schema_lock(conn)
        sql = self._psycopg.sql
        conn.execute(
            sql.SQL("ALTER TABLE {t} ALTER COLUMN tsv SET EXPRESSION AS (" + _TSV + ")").format(t=points)
        )

    def _dimension(self, conn: Any, space: str) -> int | None:
        """The vector dimension of a space's table, or None when the space has no table yet."""
        if space not in self._dims:
            row = conn.execute(
                "SELECT atttypmod, format_type(atttypid, NULL) FROM pg_attribute"
                " WHERE attrelid = to_regclass(%s) AND attname = 'embedding'",
                (f"{self.prefix}_vec_{space}",),
            ).fetchone()
            if row is None:
                return None
            self._dims[space], self._types[space] = int(row[0]), str(row[1])
        return self._dims[space]

    def _cast(self, space: str) -> Any:
        """``%s`` cast to the space's column type (known once ``_dimension`` has read it): the
        driver sends vectors as ``vector``, and a ``halfvec`` column's graph serves only
        ``halfvec`` distances."""
        return self._psycopg.sql.SQL("%s::" + self._types[space])

    def _ensure_space(self, conn: Any, space: str, dims: int) -> None:
        known = self._dimension(conn, space)
        if known is None:
            sql = self._psycopg.sql
            self._schema_lock(conn)
            table = self._space_table(space)
            conn.execute(
                sql.SQL(
                    """CREATE TABLE IF NOT EXISTS {table} (
                        id text PRIMARY KEY, tenant_id text NOT NULL, media_id text NOT NULL,
                        kind text NOT NULL, collection text NOT NULL, modality text NOT NULL,
                        language text, metadata jsonb NOT NULL DEFAULT '{{}}',
                        embedding {stored}({dims}) NOT NULL, added_at double precision,
                        labels text[], entities text[], keywords text[], paths text[])"""
                ).format(table=table, stored=sql.SQL(self._stored), dims=sql.Literal(dims))
            )
            self._upgrade_table(conn, table, f"vec_{space}")
            conn.execute(
                sql.SQL("CREATE INDEX IF NOT EXISTS {name} ON {table} (tenant_id, media_id)").format(
                    name=self._ident(f"vec_{space}_tenant_media"), table=table
                )
            )
            self._dims.pop(space, None)
            known = self._dimension(conn, space)
            if not self.defer_hnsw:
                self._create_hnsw(conn, space)
        if known != dims:
            raise InvalidRequest(
                f"embedding space {space!r} holds {known}-d vectors, got {dims}-d: "
                "a new embedding model needs `mediasift reindex --wipe`"
            )

    def _create_hnsw(self, conn: Any, space: str) -> None:
        sql = self._psycopg.sql
        self._dimension(conn, space)  # the column's type
        conn.execute(
            sql.SQL(
                "CREATE INDEX IF NOT EXISTS {name} ON {table} USING hnsw (embedding {ops}) "
                "WITH (m = {m}, ef_construction = {ef})"
            ).format(
                name=self._ident(f"vec_{space}_hnsw"),
                table=self._space_table(space),
                ops=sql.SQL(f"{self._types[space]}_cosine_ops"),
                m=sql.Literal(self.hnsw_m),
                ef=sql.Literal(self.hnsw_ef_construction),
            )
        )

    # -- writes ------------------------------------------------------------------------------------

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        if not points:
            return
        with self._session() as conn:
            self._write(conn, points)

    def replace_media(self, tenant_id: str, media_id: str, points: Sequence[IndexPoint]) -> None:
        """The media's points become ``points``, in one transaction: a search sees the old ones or
        the new ones, and a failure leaves the old."""
        sql = self._psycopg.sql
        with self._session() as conn:
            if points:
                self._write(conn, points)
            keep = [p.id for p in points]
            tables = [self._ident("points"), *(self._space_table(s) for s in self._existing_spaces(conn))]
            for table in tables:
                conn.execute(
                    sql.SQL(
                        "DELETE FROM {t} WHERE tenant_id = %s AND media_id = %s AND NOT (id = ANY(%s))"
                    ).format(t=table),
                    (tenant_id, media_id, keep),
                )

    def _write(self, conn: Any, points: Sequence[IndexPoint]) -> None:
        """Insert or replace ``points`` inside the caller's transaction."""
        sql, np = self._psycopg.sql, self._np
        from psycopg.types.json import Jsonb

        def payload(p: IndexPoint) -> tuple[Any, ...]:
            return (
                p.id,
                p.tenant_id,
                p.media_id,
                p.kind,
                p.collection,
                p.modality,
                p.language,
                Jsonb(p.metadata),
                p.added_at,
                list(p.labels) or None,
                list(p.entities) or None,
                list(p.keywords) or None,
                list(p.paths) or None,
                p.quality,
            )

        columns = sql.SQL(", ").join(map(sql.Identifier, _PAYLOAD))
        updates = sql.SQL(", ").join(
            sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c)) for c in (*_PAYLOAD[1:], "text")
        )
        spaces = {space for p in points for space in p.vectors}
        cur = conn.cursor()
        cur.executemany(
            sql.SQL(
                "INSERT INTO {t} ({cols}, text) VALUES ({ph}) ON CONFLICT (id) DO UPDATE SET {up}"
            ).format(
                t=self._ident("points"),
                cols=columns,
                ph=sql.SQL(", ").join(sql.Placeholder() * (len(_PAYLOAD) + 1)),
                up=updates,
            ),
            [(*payload(p), p.text) for p in points],
        )
        for space in spaces:
            rows = [p for p in points if space in p.vectors]
            self._ensure_space(conn, space, len(rows[0].vectors[space]))
            for p in rows:
                if len(p.vectors[space]) != self._dims[space]:
                    raise InvalidRequest(f"point {p.id}: {len(p.vectors[space])}-d vector in {space!r}")
            cur.executemany(
                sql.SQL(
                    "INSERT INTO {t} ({cols}, embedding) VALUES ({ph}, {vector}) "
                    "ON CONFLICT (id) DO UPDATE SET {up}, embedding = EXCLUDED.embedding"
                ).format(
                    t=self._space_table(space),
                    cols=columns,
                    ph=sql.SQL(", ").join(sql.Placeholder() * len(_PAYLOAD)),
                    vector=self._cast(space),
                    up=sql.SQL(", ").join(
                        sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c)) for c in _PAYLOAD[1:]
                    ),
                ),
                [(*payload(p), np.asarray(p.vectors[space], dtype=np.float32)) for p in rows],
            )
        # A replaced point that lost a space's vector must not be found in that space any more.
        for space in self._existing_spaces(conn):
            stale = [p.id for p in points if space not in p.vectors]
            if stale:
                conn.execute(
                    sql.SQL("DELETE FROM {t} WHERE id = ANY(%s)").format(t=self._space_table(space)),
                    (stale,),
                )

    def _existing_spaces(self, conn: Any) -> list[str]:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE %s",
            (f"{self.prefix}\\_vec\\_%",),
        ).fetchall()
        start = len(f"{self.prefix}_vec_")
        return [name[start:] for (name,) in rows if _NAME.match(name[start:])]

    def delete_media(self, tenant_id: str, media_id: str) -> None:
        sql = self._psycopg.sql
        with self._session() as conn:
            tables = [self._ident("points"), *(self._space_table(s) for s in self._existing_spaces(conn))]
            for table in tables:
                conn.execute(
                    sql.SQL("DELETE FROM {t} WHERE tenant_id = %s AND media_id = %s").format(t=table),
                    (tenant_id, media_id),
                )

    # -- queries -----------------------------------------------------------------------------------

    def _where(self, tenant_id: str, filters: Filters | None) -> tuple[Any, list[Any]]:
        sql = self._psycopg.sql
        from psycopg.types.json import Jsonb

        clauses = [sql.SQL("tenant_id = %s")]
        params: list[Any] = [tenant_id]
        if filters is not None:
            for column, values in (
                ("kind", filters.kinds),
                ("collection", filters.collections),
                ("modality", filters.modalities),
                ("media_id", filters.media_ids),
                ("language", filters.languages),
            ):
                if values:  # None or [] narrows nothing
                    clauses.append(sql.SQL("{c} = ANY(%s)").format(c=sql.Identifier(column)))
                    params.append(list(values))
            if filters.metadata:
                clauses.append(sql.SQL("metadata @> %s"))
                params.append(Jsonb(filters.metadata))
            for column in (*_ABOUT, _PATHS):
                values = getattr(filters, column)
                if values:  # overlap: the row holds any of them
                    clauses.append(sql.SQL("{c} && %s::text[]").format(c=sql.Identifier(column)))
                    params.append(list(values))
            after, before = added_bounds(filters)
            if after is not None:
                clauses.append(sql.SQL("added_at >= %s"))
                params.append(after)
            if before is not None:
                clauses.append(sql.SQL("added_at <= %s"))
                params.append(before)
            if filters.min_quality is not None:
                clauses.append(sql.SQL("quality >= %s"))
                params.append(float(filters.min_quality))
        return sql.SQL(" AND ").join(clauses), params

    def search_vector(
        self,
        space: str,
        tenant_id: str,
        vector: Sequence[float],
        limit: int,
        filters: Filters | None = None,
        *,
        media: bool = True,  # media_id comes with the point's id here at no extra cost: always given
    ) -> list[IndexHit]:
        if limit <= 0:
            return []
        sql, np = self._psycopg.sql, self._np
        query = np.asarray(vector, dtype=np.float32)
        table = self._space_table(space)  # before anything reads the name: it must be one
        where, params = self._where(tenant_id, filters)
        args = [query, *params, query, limit]
        with self._session() as conn:
            dims = self._dimension(conn, space)
            if dims is None:
                return []
            if dims != len(query):
                raise InvalidRequest(f"space {space!r} holds {dims}-d vectors, the query is {len(query)}-d")
            statement = sql.SQL(
                "WITH nearest AS MATERIALIZED ("
                " SELECT id, media_id, embedding <=> {q} AS distance FROM {t} WHERE {where}"
                " ORDER BY embedding <=> {q} LIMIT %s)"
                " SELECT id, media_id, 1 - distance FROM nearest ORDER BY distance, id"
            ).format(q=self._cast(space), t=table, where=where)
            conn.execute(
                sql.SQL("SET LOCAL hnsw.ef_search = {}").format(sql.Literal(max(self.ef_search, limit)))
            )
            if self._iterative_scan:
                conn.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
            rows = conn.execute(statement, args).fetchall()
            if len(rows) < limit:
                # The graph walk gave up before k rows passed the filter: an exact scan finds all.
                log.debug("pgvector %s: graph walk found %d of %d, scanning exactly", space, len(rows), limit)
                conn.execute("SET LOCAL enable_indexscan = off")
                rows = conn.execute(statement, args).fetchall()
        return [IndexHit(id=r[0], media_id=r[1], score=float(r[2])) for r in rows]

    def point_vectors(self, space: str, tenant_id: str, point_ids: Sequence[str]) -> dict[str, list[float]]:
        if not point_ids:
            return {}
        statement = self._psycopg.sql.SQL(
            "SELECT id, embedding FROM {t} WHERE tenant_id = %s AND id = ANY(%s)"
        ).format(t=self._space_table(space))
        with self._session() as conn:
            if self._dimension(conn, space) is None:
                return {}
            rows = conn.execute(statement, (tenant_id, list(point_ids))).fetchall()
        return {r[0]: [float(x) for x in r[1].to_list()] for r in rows}

    def search_keyword(
        self, tenant_id: str, text: str, limit: int, filters: Filters | None = None, *, media: bool = True
    ) -> list[IndexHit]:
        if limit <= 0 or not text.strip():
            return []
        sql = self._psycopg.sql
        where, params = self._where(tenant_id, filters)
        statement = sql.SQL(
            "SELECT id, media_id, ts_rank(tsv, q.query, 1) AS score FROM {t}, (" + _OR_QUERY + ") AS q"
            " WHERE tsv @@ q.query AND {where} ORDER BY score DESC, id LIMIT %s"
        ).format(t=self._ident("points"), where=where)
        with self._session() as conn:
            rows = conn.execute(statement, [text, *params, limit]).fetchall()
        return [IndexHit(id=r[0], media_id=r[1], score=float(r[2])) for r in rows]

    def search_hybrid(
        self,
        tenant_id: str,
        text: str,
        vectors: Mapping[str, Sequence[float]],
        limit: int,
        filters: Filters | None = None,
    ) -> list[IndexHit]:
        """The keyword search, then one vector search per space, fused by ``fusion.rrf``."""
        lists = [self.search_keyword(tenant_id, text, limit, filters)]
        lists += [self.search_vector(space, tenant_id, v, limit, filters) for space, v in vectors.items()]
        return rrf(lists, limit=limit)

    # -- maintenance -------------------------------------------------------------------------------

    def optimize(self) -> None:
        """Build any missing HNSW index (``defer_hnsw``) and refresh planner statistics.

        Once an HNSW index exists pgvector maintains it on every insert; building it once after a
        bulk load is several times faster than growing it row by row.
        """
        sql = self._psycopg.sql
        with self._session() as conn:
            if self.defer_hnsw:
                # Graph construction is memory-bound: give this transaction room (server default 64 MB).
                conn.execute(
                    sql.SQL("SET LOCAL maintenance_work_mem = {}").format(sql.Literal(self.build_memory))
                )
                for space in self._existing_spaces(conn):
                    self._create_hnsw(conn, space)
            for table in [
                self._ident("points"),
                *(self._space_table(s) for s in self._existing_spaces(conn)),
            ]:
                conn.execute(sql.SQL("ANALYZE {t}").format(t=table))

    def wipe(self) -> None:
        """Drop the points table and every space's table, and create them again, empty, in one
        transaction: the points table and the spaces the index was opened with (``dims``)."""
        with self._session() as conn:
            self._drop_tables(conn)
            self._create_points_table(conn)
            for space, size in self._wanted.items():
                self._ensure_space(conn, space, size)

    def count(self, tenant_id: str | None = None) -> int:
        sql = self._psycopg.sql
        with self._session() as conn:
            if tenant_id is None:
                row = conn.execute(
                    sql.SQL("SELECT count(*) FROM {t}").format(t=self._ident("points"))
                ).fetchone()
            else:
                row = conn.execute(
                    sql.SQL("SELECT count(*) FROM {t} WHERE tenant_id = %s").format(t=self._ident("points")),
                    (tenant_id,),
                ).fetchone()
        return int(row[0])
