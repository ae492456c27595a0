"""The behaviour every ``Index`` backend shares, as one suite each backend's tests inherit.

Plug a backend in by subclassing ``IndexConformance`` and providing an ``index`` fixture that yields
an *empty* index private to the test, with the embedding spaces ``CONFORMANCE_DIMS`` (``text``:
4-d, ``image``: 3-d), and closes it afterwards::

    class TestPgvectorIndex(IndexConformance):
        @pytest.fixture
        def index(self, pg_url: str) -> Iterator[Index]:
            ix = PgvectorIndex(pg_url, dims=CONFORMANCE_DIMS, schema=fresh_schema())
            yield ix
            ix.close()

The suite calls ``optimize()`` after each batch of writes, as the search service does after bulk
loads, so engines that index lazily are searched the way production searches them. Vectors are
small and hand-made; the only scores asserted are cosine similarities of exact matches (≈ 1.0)
and fused scores against ``fusion.rrf``; otherwise the suite asserts order and membership, which
every backend must agree on.

Filters must apply *inside* the engine, not to its top k afterwards: the filter tests with
``limit=1`` put the nearest points outside the filter, where a post-filter would return nothing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from mediasift.domain import Filters, IndexHit, IndexPoint, path_filter_terms, path_terms
from mediasift.index.base import Index
from mediasift.index.fusion import rrf

CONFORMANCE_DIMS = {"text": 4, "image": 3}

TENANT = "acme"
OTHER_TENANT = "globex"


def point(
    text: str = "",
    *,
    text_vector: list[float] | None = None,
    image_vector: list[float] | None = None,
    tenant_id: str = TENANT,
    media_id: str = "m1",
    kind: str = "document",
    collection: str = "default",
    modality: str = "text",
    language: str | None = None,
    metadata: dict[str, str] | None = None,
    id: str | None = None,
    added_at: float | None = None,
    labels: tuple[str, ...] = (),
    entities: tuple[str, ...] = (),
    keywords: tuple[str, ...] = (),
    paths: tuple[str, ...] = (),
    quality: float | None = None,
) -> IndexPoint:
    """A point with a fresh UUID id (segment ids are UUIDs) and only the vectors given."""
    vectors = {}
    if text_vector is not None:
        vectors["text"] = text_vector
    if image_vector is not None:
        vectors["image"] = image_vector
    return IndexPoint(
        id=id or str(uuid.uuid4()),
        tenant_id=tenant_id,
        media_id=media_id,
        kind=kind,
        collection=collection,
        modality=modality,
        text=text,
        language=language,
        metadata=metadata or {},
        vectors=vectors,
        added_at=added_at,
        labels=labels,
        entities=entities,
        keywords=keywords,
        paths=paths,
        quality=quality,
    )


def epoch(day: int, hour: int = 12) -> float:
    """An instant of June 2026, as the epoch seconds points carry in ``added_at``."""
    return datetime(2026, 6, day, hour, tzinfo=UTC).timestamp()


def ids(hits: list[IndexHit]) -> list[str]:
    return [h.id for h in hits]


def load(index: Index, points: list[IndexPoint]) -> None:
    index.upsert(points)
    index.optimize()


# Four text points pointing along different axes, used by the filter tests: each differs from the
# others in exactly one payload field, so a filter on that field keeps exactly one of them.
def _filter_corpus() -> dict[str, IndexPoint]:
    base = {"kind": "video", "collection": "news", "modality": "speech", "language": "en"}
    variants = {
        "base": {},
        "kind": {"kind": "audio"},
        "collection": {"collection": "sports"},
        "modality": {"modality": "ocr"},
        "language": {"language": "es"},
        "media": {"media_id": "m2"},
        "metadata": {"metadata": {"sku": "SKU-9", "color": "red"}},
    }
    corpus = {}
    for name, change in variants.items():
        fields = {**base, "media_id": "m1", "metadata": {"sku": "SKU-1", "color": "red"}, **change}
        corpus[name] = point("weather report", text_vector=[1.0, 0.0, 0.0, 0.0], **fields)
    return corpus


class IndexConformance:
    @pytest.fixture
    def index(self) -> Index:
        raise NotImplementedError("a backend's test class provides the index fixture")

    # -- vector search --------------------------------------------------------------------------

    def test_vector_search_returns_the_nearest_point_first(self, index: Index) -> None:
        near = point("near", text_vector=[1.0, 0.1, 0.0, 0.0])
        middle = point("middle", text_vector=[1.0, 1.0, 0.0, 0.0])
        far = point("far", text_vector=[0.0, 0.0, 1.0, 0.0])
        load(index, [far, near, middle])

        hits = index.search_vector("text", TENANT, [1.0, 0.0, 0.0, 0.0], limit=3)

        assert ids(hits) == [near.id, middle.id, far.id]
        assert hits[0].score > hits[1].score > hits[2].score
        assert hits[0].media_id == "m1"

    def test_hits_of_equal_score_come_in_the_order_of_their_ids_every_time(self, index: Index) -> None:
        # Three pictures tagged alike ("bubble, globule, ball") have one text and so one vector: an
        # engine returns such ties in any order, a different one call after call, and a user's
        # results reshuffled each time the result cache expired. The id decides, as pgvector's
        # ORDER BY does.
        same = [point("ball, sphere", text_vector=[1.0, 0.5, 0.0, 0.0], media_id=f"m{i}") for i in range(6)]
        load(index, [*same, point("cube", text_vector=[0.0, 0.0, 1.0, 0.0])])
        by_id = sorted(p.id for p in same)
        for _ in range(10):
            assert ids(index.search_vector("text", TENANT, [1.0, 0.5, 0.0, 0.0], limit=6)) == by_id
            assert ids(index.search_keyword(TENANT, "ball", limit=6, media=False)) == by_id

    def test_a_search_that_does_not_read_the_media_finds_the_same_hits_and_scores(self, index: Index) -> None:
        # media=False lets a backend skip reading each hit's media id (search hydrates the media
        # from the catalog); the hits, their order and their scores do not change, the id is the
        # media's or "".
        near = point("the kettle boils water", text_vector=[1.0, 0.1, 0.0, 0.0], media_id="m1")
        far = point("water for the plants", text_vector=[0.0, 1.0, 0.0, 0.0], media_id="m2")
        load(index, [near, far])
        query = [1.0, 0.0, 0.0, 0.0]
        searches = (
            lambda media: index.search_vector("text", TENANT, query, limit=2, media=media),
            lambda media: index.search_keyword(TENANT, "water", limit=2, media=media),
        )
        for search in searches:
            with_media, without = search(True), search(False)
            assert [(h.id, h.score) for h in without] == [(h.id, h.score) for h in with_media]
            assert {h.media_id for h in with_media} == {"m1", "m2"}
            assert all(h.media_id in ("", w.media_id) for h, w in zip(without, with_media, strict=True))

    def test_vector_score_is_cosine_similarity(self, index: Index) -> None:
        same_direction = point(text_vector=[2.0, 0.0, 0.0, 0.0])  # length does not matter
        load(index, [same_direction])

        (hit,) = index.search_vector("text", TENANT, [0.5, 0.0, 0.0, 0.0], limit=1)

        assert hit.score == pytest.approx(1.0, abs=1e-3)

    def test_vector_search_returns_at_most_limit_hits(self, index: Index) -> None:
        load(index, [point(text_vector=[1.0, float(i), 0.0, 0.0]) for i in range(5)])

        assert len(index.search_vector("text", TENANT, [1.0, 0.0, 0.0, 0.0], limit=2)) == 2

    def test_empty_index_finds_nothing(self, index: Index) -> None:
        assert index.search_vector("text", TENANT, [1.0, 0.0, 0.0, 0.0], limit=5) == []
        assert index.search_keyword(TENANT, "anything", limit=5) == []
        assert index.count() == 0

    # -- idempotent writes ----------------------------------------------------------------------

    def test_upserting_the_same_id_replaces_the_point(self, index: Index) -> None:
        original = point("old words about cats", text_vector=[1.0, 0.0, 0.0, 0.0])
        load(index, [original, point("unrelated", text_vector=[0.0, 0.0, 0.0, 1.0])])

        replacement = point("new words about trains", text_vector=[0.0, 1.0, 0.0, 0.0], id=original.id)
        load(index, [replacement])

        assert index.count(TENANT) == 2
        assert ids(index.search_vector("text", TENANT, [0.0, 1.0, 0.0, 0.0], limit=1)) == [original.id]
        assert ids(index.search_keyword(TENANT, "trains", limit=5)) == [original.id]
        assert index.search_keyword(TENANT, "cats", limit=5) == []

    def test_replacing_a_point_drops_vectors_it_no_longer_has(self, index: Index) -> None:
        both = point("a frame with a caption", text_vector=[1.0, 0.0, 0.0, 0.0], image_vector=[1.0, 0.0, 0.0])
        load(index, [both])

        load(index, [point("a frame with a caption", text_vector=[1.0, 0.0, 0.0, 0.0], id=both.id)])

        assert index.search_vector("image", TENANT, [1.0, 0.0, 0.0], limit=5) == []
        assert ids(index.search_vector("text", TENANT, [1.0, 0.0, 0.0, 0.0], limit=5)) == [both.id]

    def test_upserting_nothing_is_a_no_op(self, index: Index) -> None:
        index.upsert([])
        assert index.count() == 0

    # -- keyword search -------------------------------------------------------------------------

    def test_keyword_search_stems_english(self, index: Index) -> None:
        runs = point("She runs every morning before work")
        run = point("A long run in the park")
        other = point("Bread and butter for breakfast")
        load(index, [runs, run, other])

        hits = index.search_keyword(TENANT, "running", limit=5)

        assert set(ids(hits)) == {runs.id, run.id}

    def test_keyword_search_stems_spanish(self, index: Index) -> None:
        singular = point("La temperatura del agua es alta", language="es")
        other = point("El perro duerme en la casa", language="es")
        load(index, [singular, other])

        assert ids(index.search_keyword(TENANT, "temperaturas", limit=5)) == [singular.id]
        assert ids(index.search_keyword(TENANT, "perros", limit=5)) == [other.id]

    def test_keyword_search_folds_accents_in_every_language(self, index: Index) -> None:
        # People type names and loanwords without their accents; the embedded index always folded
        # them, the servers only where the Spanish stemmer does.
        english = point("José García ordered a café au lait", language="en")
        spanish = point("La canción de Begoña", language="es")
        other = point("Bread and butter for breakfast", language="en")
        load(index, [english, spanish, other])

        assert ids(index.search_keyword(TENANT, "Jose Garcia", limit=5)) == [english.id]
        assert ids(index.search_keyword(TENANT, "cafe", limit=5)) == [english.id]
        assert ids(index.search_keyword(TENANT, "José", limit=5)) == [english.id]
        assert ids(index.search_keyword(TENANT, "cancion begona", limit=5)) == [spanish.id]

    def test_keyword_search_ranks_the_more_relevant_text_first(self, index: Index) -> None:
        passing = point("The report mentions the budget once among many other topics of the meeting")
        focused = point("Budget, budget: the budget review")
        load(index, [passing, focused])

        assert ids(index.search_keyword(TENANT, "budget", limit=5)) == [focused.id, passing.id]

    def test_keyword_search_prefers_points_matching_more_query_terms(self, index: Index) -> None:
        one = point("solar panels on the roof")
        both = point("solar panels and wind turbines")
        load(index, [one, both])

        assert ids(index.search_keyword(TENANT, "wind solar", limit=5))[0] == both.id

    def test_keyword_search_ignores_case(self, index: Index) -> None:
        shouting = point("QUARTERLY EARNINGS CALL")
        load(index, [shouting])

        assert ids(index.search_keyword(TENANT, "earnings", limit=5)) == [shouting.id]

    def test_keyword_search_without_terms_finds_nothing(self, index: Index) -> None:
        load(index, [point("the cat sat on the mat")])

        assert index.search_keyword(TENANT, "", limit=5) == []
        assert index.search_keyword(TENANT, "   ", limit=5) == []

    def test_keyword_search_returns_at_most_limit_hits(self, index: Index) -> None:
        load(index, [point(f"invoice number {i}") for i in range(5)])

        assert len(index.search_keyword(TENANT, "invoice", limit=3)) == 3

    # -- the tenant wall ------------------------------------------------------------------------

    def test_tenant_never_sees_another_tenants_points(self, index: Index) -> None:
        mine = point("confidential merger plan", text_vector=[1.0, 0.0, 0.0, 0.0], image_vector=[1, 0, 0])
        theirs = point(
            "confidential merger plan",
            text_vector=[1.0, 0.0, 0.0, 0.0],
            image_vector=[1.0, 0.0, 0.0],
            tenant_id=OTHER_TENANT,
        )
        load(index, [mine, theirs])

        for tenant, own in ((TENANT, mine), (OTHER_TENANT, theirs)):
            assert ids(index.search_vector("text", tenant, [1.0, 0.0, 0.0, 0.0], limit=10)) == [own.id]
            assert ids(index.search_vector("image", tenant, [1.0, 0.0, 0.0], limit=10)) == [own.id]
            assert ids(index.search_keyword(tenant, "merger", limit=10)) == [own.id]

    def test_the_wall_stands_once_a_second_tenants_points_arrive(self, index: Index) -> None:
        # An index may skip a condition every point meets while it holds one tenant alone (the
        # embedded one does): the first point of another tenant must bring the wall back at once.
        mine = point("confidential merger plan", text_vector=[1.0, 0.0, 0.0, 0.0], image_vector=[1, 0, 0])
        load(index, [mine])
        vector = [1.0, 0.0, 0.0, 0.0]
        assert ids(index.search_vector("text", TENANT, vector, limit=10)) == [mine.id]
        assert ids(index.search_keyword(TENANT, "merger", limit=10)) == [mine.id]
        assert index.search_vector("text", OTHER_TENANT, vector, limit=10) == []

        theirs = [
            point(
                "confidential merger plan", text_vector=vector, image_vector=[1, 0, 0], tenant_id=OTHER_TENANT
            )
            for _ in range(3)
        ]
        index.upsert(theirs)  # no optimize: searched as they arrived

        for tenant, own in ((TENANT, [mine.id]), (OTHER_TENANT, sorted(p.id for p in theirs))):
            assert sorted(ids(index.search_vector("text", tenant, vector, limit=10))) == own
            assert sorted(ids(index.search_vector("image", tenant, [1.0, 0.0, 0.0], limit=10))) == own
            assert sorted(ids(index.search_keyword(tenant, "merger", limit=10))) == own
            assert sorted(ids(index.search_hybrid(tenant, "merger", {"text": vector}, limit=10))) == own

    def test_unknown_tenant_sees_nothing(self, index: Index) -> None:
        load(index, [point("merger", text_vector=[1.0, 0.0, 0.0, 0.0])])

        assert index.search_vector("text", "nobody", [1.0, 0.0, 0.0, 0.0], limit=10) == []
        assert index.search_keyword("nobody", "merger", limit=10) == []

    def test_filters_cannot_reach_across_the_wall(self, index: Index) -> None:
        theirs = point("merger", text_vector=[1.0, 0.0, 0.0, 0.0], tenant_id=OTHER_TENANT, media_id="m9")
        load(index, [theirs])

        wide_open = Filters(media_ids=["m9"])
        assert index.search_vector("text", TENANT, [1.0, 0.0, 0.0, 0.0], limit=10, filters=wide_open) == []
        assert index.search_keyword(TENANT, "merger", limit=10, filters=wide_open) == []

    def test_count_is_per_tenant(self, index: Index) -> None:
        load(index, [point("a"), point("b"), point("c", tenant_id=OTHER_TENANT)])

        assert index.count(TENANT) == 2
        assert index.count(OTHER_TENANT) == 1
        assert index.count("nobody") == 0
        assert index.count() == 3

    # -- filters --------------------------------------------------------------------------------

    @pytest.mark.parametrize(
        ("filters", "expected"),
        [
            (Filters(kinds=["audio"]), {"kind"}),
            (Filters(collections=["sports"]), {"collection"}),
            (Filters(modalities=["ocr"]), {"modality"}),
            (Filters(languages=["es"]), {"language"}),
            (Filters(media_ids=["m2"]), {"media"}),
            (Filters(metadata={"sku": "SKU-9"}), {"metadata"}),
        ],
        ids=["kinds", "collections", "modalities", "languages", "media_ids", "metadata"],
    )
    def test_each_filter_keeps_only_matching_points(
        self, index: Index, filters: Filters, expected: set[str]
    ) -> None:
        corpus = _filter_corpus()
        load(index, list(corpus.values()))
        wanted = {corpus[name].id for name in expected}

        by_vector = index.search_vector("text", TENANT, [1.0, 0.0, 0.0, 0.0], limit=20, filters=filters)
        by_keyword = index.search_keyword(TENANT, "weather", limit=20, filters=filters)

        assert set(ids(by_vector)) == wanted
        assert set(ids(by_keyword)) == wanted

    def test_a_filter_list_matches_any_of_its_values(self, index: Index) -> None:
        corpus = _filter_corpus()
        load(index, list(corpus.values()))

        hits = index.search_vector(
            "text", TENANT, [1.0, 0.0, 0.0, 0.0], limit=20, filters=Filters(kinds=["audio", "image"])
        )
        by_kind = index.search_vector(
            "text", TENANT, [1.0, 0.0, 0.0, 0.0], limit=20, filters=Filters(kinds=["audio", "video"])
        )

        assert ids(hits) == [corpus["kind"].id]
        assert len(by_kind) == len(corpus)

    def test_different_filters_all_apply(self, index: Index) -> None:
        corpus = _filter_corpus()
        load(index, list(corpus.values()))

        both = Filters(languages=["en"], collections=["news"], kinds=["video"], modalities=["speech"])
        hits = index.search_keyword(TENANT, "weather", limit=20, filters=both)

        assert set(ids(hits)) == {corpus[name].id for name in ("base", "media", "metadata")}

    def test_metadata_filter_requires_every_key_to_match(self, index: Index) -> None:
        corpus = _filter_corpus()
        load(index, list(corpus.values()))

        match = Filters(metadata={"sku": "SKU-9", "color": "red"})
        mismatch = Filters(metadata={"sku": "SKU-9", "color": "blue"})

        query = [1.0, 0.0, 0.0, 0.0]
        assert ids(index.search_vector("text", TENANT, query, limit=20, filters=match)) == [
            corpus["metadata"].id
        ]
        assert index.search_vector("text", TENANT, query, limit=20, filters=mismatch) == []

    def test_empty_filters_narrow_nothing(self, index: Index) -> None:
        corpus = _filter_corpus()
        load(index, list(corpus.values()))

        empty = Filters(kinds=[], collections=[], modalities=[], media_ids=[], languages=[], metadata={})

        assert len(index.search_keyword(TENANT, "weather", limit=20, filters=empty)) == len(corpus)

    def test_language_filter_excludes_points_without_a_language(self, index: Index) -> None:
        unknown = point("weather", text_vector=[1.0, 0.0, 0.0, 0.0], language=None)
        english = point("weather", text_vector=[1.0, 0.0, 0.0, 0.0], language="en")
        load(index, [unknown, english])

        hits = index.search_keyword(TENANT, "weather", limit=20, filters=Filters(languages=["en"]))

        assert ids(hits) == [english.id]

    # -- delete_media ---------------------------------------------------------------------------

    def test_delete_media_removes_every_point_of_that_media_only(self, index: Index) -> None:
        doomed = [point("budget slide", text_vector=[1.0, 0.0, 0.0, 0.0], media_id="m1") for _ in range(3)]
        kept = point("budget memo", text_vector=[1.0, 0.0, 0.0, 0.0], media_id="m2")
        same_id_other_tenant = point("budget", media_id="m1", tenant_id=OTHER_TENANT)
        load(index, [*doomed, kept, same_id_other_tenant])

        index.delete_media(TENANT, "m1")
        index.optimize()

        assert index.count(TENANT) == 1
        assert ids(index.search_keyword(TENANT, "budget", limit=10)) == [kept.id]
        assert ids(index.search_vector("text", TENANT, [1.0, 0.0, 0.0, 0.0], limit=10)) == [kept.id]
        assert index.count(OTHER_TENANT) == 1

    def test_delete_media_of_unknown_media_is_a_no_op(self, index: Index) -> None:
        load(index, [point("x")])

        index.delete_media(TENANT, "never-indexed")

        assert index.count() == 1

    # -- replace_media --------------------------------------------------------------------------

    def test_replace_media_leaves_the_new_points_only_of_that_media_only(self, index: Index) -> None:
        kept_id, stale_id = str(uuid.uuid4()), str(uuid.uuid4())
        old = [
            point("budget slide old", text_vector=[1.0, 0.0, 0.0, 0.0], id=kept_id),
            point("budget slide gone", text_vector=[1.0, 0.0, 0.0, 0.0], id=stale_id),
        ]
        other_media = point("budget memo", text_vector=[1.0, 0.0, 0.0, 0.0], media_id="m2")
        other_tenant = point("budget", media_id="m1", tenant_id=OTHER_TENANT)
        load(index, [*old, other_media, other_tenant])
        new = [
            point("budget slide new", text_vector=[0.0, 1.0, 0.0, 0.0], id=kept_id),
            point("budget table", text_vector=[1.0, 0.0, 0.0, 0.0]),
        ]

        index.replace_media(TENANT, "m1", new)
        index.optimize()

        assert set(ids(index.search_keyword(TENANT, "budget", limit=10))) == {
            kept_id, new[1].id, other_media.id,
        }  # fmt: skip
        assert ids(index.search_keyword(TENANT, "gone", limit=10)) == []
        assert ids(index.search_keyword(TENANT, "new", limit=10)) == [kept_id]  # replaced by id
        assert index.count(TENANT) == 3 and index.count(OTHER_TENANT) == 1

    def test_replace_media_with_nothing_removes_the_media(self, index: Index) -> None:
        load(index, [point("budget", media_id="m1"), point("budget", media_id="m2")])

        index.replace_media(TENANT, "m1", [])

        assert index.count(TENANT) == 1

    def test_a_replacement_that_fails_leaves_the_media_as_it_was(self, index: Index) -> None:
        old = point("budget slide", text_vector=[1.0, 0.0, 0.0, 0.0])
        load(index, [old])
        wrong = point("budget table", text_vector=[1.0, 0.0])  # a vector of the wrong size

        with pytest.raises(Exception):  # noqa: B017 - each engine says it its own way
            index.replace_media(TENANT, "m1", [wrong])

        assert ids(index.search_keyword(TENANT, "budget", limit=10)) == [old.id]

    # -- points carrying a subset of the spaces -------------------------------------------------

    def test_each_space_only_sees_points_that_carry_it(self, index: Index) -> None:
        photo = point(image_vector=[1.0, 0.0, 0.0], modality="image", kind="image")
        speech = point("hello there", text_vector=[1.0, 0.0, 0.0, 0.0], modality="speech")
        load(index, [photo, speech])

        assert ids(index.search_vector("image", TENANT, [1.0, 0.0, 0.0], limit=10)) == [photo.id]
        assert ids(index.search_vector("text", TENANT, [1.0, 0.0, 0.0, 0.0], limit=10)) == [speech.id]
        assert index.count(TENANT) == 2

    def test_keyword_search_finds_text_points_without_vectors(self, index: Index) -> None:
        tags_only = point("tabby cat, domestic cat, feline", modality="tag")
        photo_without_text = point(image_vector=[1.0, 0.0, 0.0], modality="image")
        load(index, [tags_only, photo_without_text])

        assert ids(index.search_keyword(TENANT, "cats", limit=10)) == [tags_only.id]

    # -- image search under the filters text search takes (visual product search) ----------------

    def _catalog_photos(self, index: Index) -> dict[str, IndexPoint]:
        """Product photos and keyframes in the image space. The query's nearest neighbours belong
        to other products, collections, days or labels, so a filter applied to the top k
        afterwards (limit=1) would find nothing."""
        query_direction = [1.0, 0.0, 0.0]
        shared = {"modality": "image", "kind": "image", "collection": "shop", "added_at": epoch(10)}
        corpus = {
            "sku1": point(image_vector=[0.6, 0.8, 0.0], media_id="sku1", **shared,
                          metadata={"sku": "SKU-1", "client": "acme"}, labels=("tipo:taza",), quality=0.9),
            "sku1-frame": point(image_vector=[0.5, 0.0, 0.86], media_id="sku1-video", modality="frame",
                                kind="video", collection="shop", added_at=epoch(12),
                                metadata={"sku": "SKU-1", "client": "acme"}),
            "sku2": point(image_vector=query_direction, media_id="sku2", **shared,
                          metadata={"sku": "SKU-2", "client": "acme"}, labels=("tipo:plato",), quality=0.4),
            "sku3": point(image_vector=[0.99, 0.1, 0.0], media_id="sku3", modality="image", kind="image",
                          collection="archive", added_at=epoch(2),
                          metadata={"sku": "SKU-3", "client": "acme"}),
        }  # fmt: skip
        load(index, list(corpus.values()))
        return corpus

    def _photos_found(self, index: Index, filters: Filters, limit: int = 1) -> list[str]:
        query = [1.0, 0.0, 0.0]
        by_image = index.search_vector("image", TENANT, query, limit=limit, filters=filters)
        by_image_and_text = index.search_hybrid(TENANT, "", {"image": query}, limit=limit, filters=filters)
        assert ids(by_image) == ids(by_image_and_text)
        return [h.media_id for h in by_image]

    @pytest.mark.parametrize(
        ("filters", "expected"),
        [
            (Filters(metadata={"sku": "SKU-1"}), ["sku1"]),
            (Filters(metadata={"sku": "SKU-1", "client": "acme"}), ["sku1"]),
            (Filters(metadata={"sku": "SKU-1"}, kinds=["video"]), ["sku1-video"]),
            (Filters(metadata={"sku": "SKU-1"}, modalities=["frame"]), ["sku1-video"]),
            (Filters(collections=["shop"], metadata={"client": "acme"}), ["sku2"]),
            (Filters(added_after="2026-06-11T00:00:00+00:00"), ["sku1-video"]),
            (Filters(added_before="2026-06-05T00:00:00+00:00"), ["sku3"]),
            (Filters(labels=["tipo:taza"]), ["sku1"]),
            (Filters(min_quality=0.5), ["sku1"]),
            (Filters(metadata={"sku": "SKU-9"}), []),
        ],
        ids=["sku", "sku-and-client", "sku-and-kind", "sku-and-modality", "collection-and-client",
             "added-after", "added-before", "label", "min-quality", "unknown-sku"],
    )  # fmt: skip
    def test_image_search_takes_every_filter_text_search_takes(
        self, index: Index, filters: Filters, expected: list[str]
    ) -> None:
        self._catalog_photos(index)
        assert self._photos_found(index, filters) == expected

    def test_image_search_by_sku_ranks_that_products_photos_by_similarity(self, index: Index) -> None:
        corpus = self._catalog_photos(index)
        hits = index.search_vector(
            "image", TENANT, [1.0, 0.0, 0.0], limit=10, filters=Filters(metadata={"sku": "SKU-1"})
        )
        assert ids(hits) == [corpus["sku1"].id, corpus["sku1-frame"].id]
        assert hits[0].score == pytest.approx(0.6, abs=1e-3)

    def test_image_search_filters_cannot_reach_across_the_wall(self, index: Index) -> None:
        self._catalog_photos(index)
        theirs = point(image_vector=[1.0, 0.0, 0.0], tenant_id=OTHER_TENANT, media_id="theirs",
                       metadata={"sku": "SKU-1"}, modality="image", kind="image")  # fmt: skip
        load(index, [theirs])
        found = self._photos_found(index, Filters(metadata={"sku": "SKU-1"}), limit=10)
        assert found == ["sku1", "sku1-video"]

    # -- stored vectors ---------------------------------------------------------------------------

    def test_point_vectors_returns_the_stored_vectors_of_the_tenants_points_only(self, index: Index) -> None:
        corpus = self._catalog_photos(index)
        speech = point("hello", text_vector=[1.0, 0.0, 0.0, 0.0], modality="speech")
        theirs = point(image_vector=[0.0, 0.0, 1.0], tenant_id=OTHER_TENANT)
        load(index, [speech, theirs])

        wanted = [corpus["sku1"].id, corpus["sku2"].id, speech.id, theirs.id, str(uuid.uuid4())]
        got = index.point_vectors("image", TENANT, wanted)

        assert set(got) == {corpus["sku1"].id, corpus["sku2"].id}
        for point_id, vector in got.items():
            expected = next(p for p in corpus.values() if p.id == point_id).vectors["image"]
            assert vector == pytest.approx(expected, abs=1e-3)
        assert index.point_vectors("image", TENANT, []) == {}

    # -- the added-date window ------------------------------------------------------------------

    def test_added_window_keeps_points_added_within_it_ends_included(self, index: Index) -> None:
        by_day = {
            day: point("tide table", text_vector=[1.0, 0.0, 0.0, 0.0], added_at=epoch(day))
            for day in (1, 2, 3, 4)
        }
        load(index, list(by_day.values()))

        def found(**window: str) -> set[str]:
            filters = Filters(**window)
            query = [1.0, 0.0, 0.0, 0.0]
            by_vector = index.search_vector("text", TENANT, query, limit=10, filters=filters)
            by_keyword = index.search_keyword(TENANT, "tide", limit=10, filters=filters)
            by_both = index.search_hybrid(TENANT, "tide", {"text": query}, limit=10, filters=filters)
            assert set(ids(by_vector)) == set(ids(by_keyword)) == set(ids(by_both))
            return {day for day, p in by_day.items() if p.id in ids(by_vector)}

        assert found(added_after="2026-06-02T12:00:00+00:00") == {2, 3, 4}
        assert found(added_before="2026-06-02T12:00:00+00:00") == {1, 2}
        assert found(added_after="2026-06-02T00:00:00+00:00", added_before="2026-06-03T23:59:59+00:00") == {
            2,
            3,
        }
        assert found(added_after="2026-06-03T14:00:00+02:00", added_before="2026-06-03T12:00:00Z") == {3}
        assert found(added_after="2026-06-05T00:00:00") == set()  # no offset: UTC

    def test_added_window_applies_before_the_top_k_is_cut(self, index: Index) -> None:
        recent = [
            point("harbour log", text_vector=[1.0, 0.01 * i, 0.0, 0.0], added_at=epoch(20)) for i in range(8)
        ]
        old = point("harbour log", text_vector=[0.0, 1.0, 0.0, 0.0], added_at=epoch(1))
        load(index, [*recent, old])
        window = Filters(added_before="2026-06-10T00:00:00+00:00")

        assert ids(index.search_vector("text", TENANT, [1.0, 0.0, 0.0, 0.0], limit=1, filters=window)) == [
            old.id
        ]
        assert ids(index.search_keyword(TENANT, "harbour", limit=1, filters=window)) == [old.id]
        hybrid = index.search_hybrid(
            TENANT, "harbour", {"text": [1.0, 0.0, 0.0, 0.0]}, limit=1, filters=window
        )
        assert ids(hybrid) == [old.id]

    def test_points_without_added_at_are_found_only_without_a_window(self, index: Index) -> None:
        indexed_before_the_field = point("lighthouse", text_vector=[1.0, 0.0, 0.0, 0.0])
        dated = point("lighthouse", text_vector=[1.0, 0.0, 0.0, 0.0], added_at=epoch(5))
        load(index, [indexed_before_the_field, dated])
        query = [1.0, 0.0, 0.0, 0.0]

        assert len(index.search_vector("text", TENANT, query, limit=10)) == 2
        assert len(index.search_keyword(TENANT, "lighthouse", limit=10)) == 2
        assert len(index.search_hybrid(TENANT, "lighthouse", {"text": query}, limit=10)) == 2
        since_may = Filters(added_after="2026-05-01T00:00:00+00:00")
        assert ids(index.search_vector("text", TENANT, query, limit=10, filters=since_may)) == [dated.id]
        assert ids(index.search_keyword(TENANT, "lighthouse", limit=10, filters=since_may)) == [dated.id]

    # -- what the media is about: labels, entities, keywords -----------------------------------

    def _about_corpus(self, index: Index) -> dict[str, IndexPoint]:
        """Points of media about different things. The unlabelled ones are the nearest to the
        query, so a filter applied to the top k afterwards (limit=1) would find nothing."""
        query_direction = [1.0, 0.0, 0.0, 0.0]
        about = {
            "coffee": dict(
                labels=("temas:barismo", "tipo:curso"),
                entities=("ORG:nestlé", "LOC:colombia"),
                keywords=("espresso", "molienda"),
            ),
            "tea": dict(labels=("temas:té", "tipo:curso"), entities=("LOC:japón",), keywords=("matcha",)),
            "novel": dict(labels=("temas:literatura",), entities=("PER:jane austen",), keywords=("novela",)),
        }
        corpus = {
            name: point("tasting notes", text_vector=[0.5, 0.5 + i, 0.0, 0.0], media_id=name, **fields)
            for i, (name, fields) in enumerate(about.items())
        }
        corpus.update(
            {
                f"plain{i}": point("tasting notes", text_vector=query_direction, media_id=f"p{i}")
                for i in range(3)
            }
        )
        load(index, list(corpus.values()))
        return corpus

    def _found_every_way(self, index: Index, filters: Filters, limit: int = 20) -> set[str]:
        """Media found by vector, keyword and hybrid search under ``filters``: all three must agree."""
        query = [1.0, 0.0, 0.0, 0.0]
        by_vector = index.search_vector("text", TENANT, query, limit=limit, filters=filters)
        by_keyword = index.search_keyword(TENANT, "tasting", limit=limit, filters=filters)
        by_both = index.search_hybrid(TENANT, "tasting", {"text": query}, limit=limit, filters=filters)
        found = [{h.media_id for h in hits} for hits in (by_vector, by_keyword, by_both)]
        assert found[0] == found[1] == found[2], found
        return found[0]

    @pytest.mark.parametrize(
        ("filters", "expected"),
        [
            (Filters(labels=["temas:barismo"]), {"coffee"}),
            (Filters(labels=["tipo:curso"]), {"coffee", "tea"}),
            (Filters(entities=["PER:jane austen"]), {"novel"}),
            (Filters(entities=["LOC:colombia", "LOC:japón"]), {"coffee", "tea"}),
            (Filters(keywords=["matcha"]), {"tea"}),
            (Filters(labels=["temas:nada"]), set()),
        ],
        ids=["label", "shared-label", "entity", "entities-any", "keyword", "unknown-label"],
    )
    def test_label_entity_and_keyword_filters_keep_only_media_about_them(
        self, index: Index, filters: Filters, expected: set[str]
    ) -> None:
        self._about_corpus(index)

        assert self._found_every_way(index, filters) == expected

    def test_about_filters_apply_before_the_top_k_is_cut(self, index: Index) -> None:
        self._about_corpus(index)

        assert self._found_every_way(index, Filters(keywords=["novela"]), limit=1) == {"novel"}
        assert self._found_every_way(index, Filters(labels=["temas:té"]), limit=1) == {"tea"}

    def test_values_of_one_about_list_are_any_of_and_the_lists_all_apply(self, index: Index) -> None:
        self._about_corpus(index)
        either_topic = ["temas:barismo", "temas:literatura"]

        assert self._found_every_way(index, Filters(labels=either_topic)) == {"coffee", "novel"}
        both = Filters(labels=either_topic, entities=["PER:jane austen"])
        assert self._found_every_way(index, both) == {"novel"}
        nothing_has_all = Filters(labels=["tipo:curso"], entities=["PER:jane austen"])
        assert self._found_every_way(index, nothing_has_all) == set()
        with_keyword = Filters(labels=["tipo:curso"], keywords=["espresso", "novela"])
        assert self._found_every_way(index, with_keyword) == {"coffee"}

    def test_about_filters_combine_with_the_other_filters(self, index: Index) -> None:
        corpus = self._about_corpus(index)
        other_collection = point(
            "tasting notes", text_vector=[1.0, 0.0, 0.0, 0.0], media_id="tea2", collection="archive",
            labels=("temas:té",),
        )  # fmt: skip
        load(index, [other_collection])

        assert self._found_every_way(index, Filters(labels=["temas:té"])) == {"tea", "tea2"}
        narrowed = Filters(labels=["temas:té"], collections=["archive"])
        assert self._found_every_way(index, narrowed) == {"tea2"}
        assert corpus["tea"].collection == "default"

    def test_points_without_about_lists_are_found_only_without_those_filters(self, index: Index) -> None:
        self._about_corpus(index)

        assert self._found_every_way(index, Filters()) == {"coffee", "tea", "novel", "p0", "p1", "p2"}
        empty = Filters(labels=[], entities=[], keywords=[])
        assert self._found_every_way(index, empty) == {"coffee", "tea", "novel", "p0", "p1", "p2"}

    def test_about_filters_match_whole_values_only(self, index: Index) -> None:
        self._about_corpus(index)

        assert self._found_every_way(index, Filters(labels=["temas"])) == set()
        assert self._found_every_way(index, Filters(entities=["PER:jane"])) == set()
        assert self._found_every_way(index, Filters(keywords=["ESPRESSO"])) == set()  # stored casefolded

    def test_replacing_a_point_replaces_its_about_lists(self, index: Index) -> None:
        first = point("tasting notes", text_vector=[1.0, 0.0, 0.0, 0.0], labels=("temas:té",))
        load(index, [first])
        relabelled = point(
            "tasting notes", text_vector=[1.0, 0.0, 0.0, 0.0], id=first.id, labels=("temas:café",)
        )
        load(index, [relabelled])

        assert self._found_every_way(index, Filters(labels=["temas:té"])) == set()
        assert self._found_every_way(index, Filters(labels=["temas:café"])) == {"m1"}

    def test_about_filters_cannot_reach_across_the_wall(self, index: Index) -> None:
        theirs = point(
            "tasting notes", text_vector=[1.0, 0.0, 0.0, 0.0], tenant_id=OTHER_TENANT, labels=("temas:té",)
        )
        load(index, [theirs])

        assert self._found_every_way(index, Filters(labels=["temas:té"])) == set()

    # -- where in a repository: paths ------------------------------------------------------------

    _FILES = ("src/jobs/retry.py", "src/jobs/queue.go", "src/web/app.js", "tests/test_retry.py", "README.md")

    def _repository(self, index: Index) -> dict[str, IndexPoint]:
        """One point per file of a repository, plus one outside any file; the file-less one is the
        nearest, so a path filter applied to the top k afterwards (limit=1) would find nothing."""
        corpus = {
            path: point(
                "retry the job", text_vector=[0.5, 0.5, 0.0, 0.0], kind="code", paths=path_terms(path)
            )
            for path in self._FILES
        }
        corpus["none"] = point("retry the job", text_vector=[1.0, 0.0, 0.0, 0.0])
        load(index, list(corpus.values()))
        return corpus

    def _files_found(
        self, index: Index, corpus: dict[str, IndexPoint], patterns: list[str], limit: int = 20
    ) -> set[str]:
        filters = Filters(paths=sorted({t for p in patterns for t in path_filter_terms(p)}))
        query = [1.0, 0.0, 0.0, 0.0]
        by_id = {p.id: name for name, p in corpus.items()}
        found = [
            {by_id[h.id] for h in hits}
            for hits in (
                index.search_vector("text", TENANT, query, limit=limit, filters=filters),
                index.search_keyword(TENANT, "retry", limit=limit, filters=filters),
                index.search_hybrid(TENANT, "retry", {"text": query}, limit=limit, filters=filters),
            )
        ]
        assert found[0] == found[1] == found[2], found
        return found[0]

    @pytest.mark.parametrize(
        ("patterns", "expected"),
        [
            (["src/*"], {"src/jobs/retry.py", "src/jobs/queue.go", "src/web/app.js"}),
            (["src/jobs/**"], {"src/jobs/retry.py", "src/jobs/queue.go"}),
            (["*.py"], {"src/jobs/retry.py", "tests/test_retry.py"}),
            (["src/*.py"], {"src/jobs/retry.py"}),
            (["README.md"], {"README.md"}),
            (["src/web/*", "tests/*"], {"src/web/app.js", "tests/test_retry.py"}),
            (["docs/*"], set()),
        ],
        ids=["folder", "subfolder", "extension", "folder-and-extension", "file", "any-of", "nothing"],
    )
    def test_path_filters_keep_only_the_files_they_name(
        self, index: Index, patterns: list[str], expected: set[str]
    ) -> None:
        corpus = self._repository(index)

        assert self._files_found(index, corpus, patterns) == expected

    def test_path_filters_apply_before_the_top_k_is_cut(self, index: Index) -> None:
        corpus = self._repository(index)

        assert self._files_found(index, corpus, ["tests/*"], limit=1) == {"tests/test_retry.py"}

    def test_a_folder_filter_does_not_match_a_folder_that_only_starts_the_same(self, index: Index) -> None:
        corpus = self._repository(index)

        assert self._files_found(index, corpus, ["src/job/*"]) == set()

    # -- hybrid search --------------------------------------------------------------------------

    def test_hybrid_ranks_points_found_both_ways_first(self, index: Index) -> None:
        both = point("annual budget review", text_vector=[1.0, 0.0, 0.0, 0.0])
        words_only = point("budget", text_vector=[0.0, 0.0, 0.0, 1.0])
        vector_only = point("gardening tips", text_vector=[0.9, 0.1, 0.0, 0.0])
        other_tenant = point("budget", text_vector=[1.0, 0.0, 0.0, 0.0], tenant_id=OTHER_TENANT)
        load(index, [both, words_only, vector_only, other_tenant])

        hits = index.search_hybrid(TENANT, "budgets", {"text": [1.0, 0.0, 0.0, 0.0]}, limit=10)

        assert ids(hits)[0] == both.id
        assert set(ids(hits)) == {both.id, words_only.id, vector_only.id}

    def test_hybrid_ranks_as_rrf_of_the_separate_searches_ties_to_the_earlier_list(
        self, index: Index
    ) -> None:
        # Points found by one list only, at equal ranks, tie; the keyword list comes first, then
        # the spaces in the order given. Engines that order ties arbitrarily fail this repeatedly.
        words = [point(f"ferry timetable {'ferry ' * i}") for i in range(4)]
        texts = [point("zzz", text_vector=[1.0, 0.1 * i, 0.0, 0.0]) for i in range(4)]
        images = [point(image_vector=[1.0, 0.1 * i, 0.0], modality="image") for i in range(4)]
        shared = point("ferry", text_vector=[1.0, 0.05, 0.0, 0.0], image_vector=[1.0, 0.05, 0.0])
        load(index, [*words, *texts, *images, shared])
        vectors = {"text": [1.0, 0.0, 0.0, 0.0], "image": [1.0, 0.0, 0.0]}

        expected = rrf(
            [
                index.search_keyword(TENANT, "ferry", limit=6),
                index.search_vector("text", TENANT, vectors["text"], limit=6),
                index.search_vector("image", TENANT, vectors["image"], limit=6),
            ],
            limit=6,
        )
        for _ in range(5):
            hits = index.search_hybrid(TENANT, "ferry", vectors, limit=6)
            assert ids(hits) == ids(expected)
            assert [h.score for h in hits] == pytest.approx([h.score for h in expected], rel=1e-3)
        assert ids(expected)[0] == shared.id

    def test_hybrid_without_keyword_terms_fuses_the_vector_searches(self, index: Index) -> None:
        text_hit = point("the", text_vector=[1.0, 0.0, 0.0, 0.0])
        image_hit = point(image_vector=[1.0, 0.0, 0.0], modality="image")
        load(index, [text_hit, image_hit])

        hits = index.search_hybrid(
            TENANT, "the of", {"text": [1.0, 0.0, 0.0, 0.0], "image": [1.0, 0.0, 0.0]}, limit=10
        )

        assert ids(hits) == [text_hit.id, image_hit.id]

    def test_hybrid_respects_filters_limit_and_the_tenant_wall(self, index: Index) -> None:
        spanish = point("presupuesto", text_vector=[1.0, 0.0, 0.0, 0.0], language="es")
        english = [point("budget", text_vector=[1.0, 0.1 * i, 0.0, 0.0], language="en") for i in range(3)]
        theirs = point("presupuesto", text_vector=[1.0, 0.0, 0.0, 0.0], language="es", tenant_id=OTHER_TENANT)
        load(index, [spanish, *english, theirs])
        query = {"text": [1.0, 0.0, 0.0, 0.0]}

        only_es = Filters(languages=["es"])
        assert ids(index.search_hybrid(TENANT, "budget", query, limit=10, filters=only_es)) == [spanish.id]
        assert len(index.search_hybrid(TENANT, "budget", query, limit=2)) == 2
        assert index.search_hybrid(TENANT, "budget", query, limit=0) == []
        assert ids(index.search_hybrid(OTHER_TENANT, "budget", query, limit=10)) == [theirs.id]
        assert index.search_hybrid("nobody", "budget", query, limit=10) == []

    # -- wipe -----------------------------------------------------------------------------------

    def test_wipe_deletes_every_tenants_points_and_the_index_takes_new_ones(self, index: Index) -> None:
        load(
            index,
            [
                point("ferry timetable", text_vector=[1.0, 0.0, 0.0, 0.0]),
                point("harbour", image_vector=[1.0, 0.0, 0.0], modality="image"),
                point("ferry timetable", text_vector=[1.0, 0.0, 0.0, 0.0], tenant_id=OTHER_TENANT),
            ],
        )

        index.wipe()

        assert index.count() == 0
        assert index.search_keyword(TENANT, "ferry", limit=10) == []
        assert index.search_vector("text", OTHER_TENANT, [1.0, 0.0, 0.0, 0.0], limit=10) == []
        fresh = point("ferry again", text_vector=[1.0, 0.0, 0.0, 0.0], image_vector=[0.0, 1.0, 0.0])
        load(index, [fresh])
        assert ids(index.search_vector("image", TENANT, [0.0, 1.0, 0.0], limit=10)) == [fresh.id]
        assert ids(index.search_keyword(TENANT, "ferry", limit=10)) == [fresh.id]
        assert index.count() == 1

    # -- the media's quality score ---------------------------------------------------------------

    def test_min_quality_keeps_media_scored_at_least_that_before_the_top_k_is_cut(self, index: Index) -> None:
        # the unmeasured and the poor media are the nearest to the query: a filter applied to the
        # top k afterwards (limit=1) would find nothing
        corpus = {
            "unmeasured": point("tasting notes", text_vector=[1.0, 0.0, 0.0, 0.0], media_id="unmeasured"),
            "poor": point("tasting notes", text_vector=[1.0, 0.01, 0.0, 0.0], media_id="poor", quality=0.31),
            "fair": point("tasting notes", text_vector=[0.5, 0.5, 0.0, 0.0], media_id="fair", quality=0.6),
            "good": point("tasting notes", text_vector=[0.2, 0.8, 0.0, 0.0], media_id="good", quality=0.95),
        }
        load(index, list(corpus.values()))

        assert self._found_every_way(index, Filters()) == set(corpus)
        assert self._found_every_way(index, Filters(min_quality=0.6)) == {"fair", "good"}
        assert self._found_every_way(index, Filters(min_quality=0.9), limit=1) == {"good"}
        assert self._found_every_way(index, Filters(min_quality=0.0)) == {"poor", "fair", "good"}
        assert self._found_every_way(index, Filters(min_quality=0.6, media_ids=["good"])) == {"good"}
