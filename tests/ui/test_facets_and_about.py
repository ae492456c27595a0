"""What media are about, in the browser: facets beside the search results narrow them, and a media's
page shows its summary, labels, keywords and entities, each mention a link to its page or second."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from tests import mediagen
from tests.docgen import make_pdf
from tests.ui.conftest import Server, open_view, running_server, screenshot

pytestmark = pytest.mark.browser

TAXONOMY = "ui-topics"
TOPICS = {
    "labels": [
        {"name": "coffee", "description": "coffee beans, roasting, brewing, espresso"},
        {"name": "football", "description": "football matches, players, goals and leagues"},
    ]
}
COLLECTION = "ui-facets"  # the session's server is shared: counts are read in this collection only
# Bogotá and Laurent Freixe are named on page 2 only.
PAGES = [
    [
        "Nestlé opens a coffee factory in Colombia",
        "Nestlé announced on 3 March 2021 that it will build a new coffee factory.",
        "The factory will roast coffee beans for espresso and instant coffee.",
    ],
    [
        "The new coffee factory will be built in Bogotá, the capital of Colombia.",
        "Laurent Freixe, the chief executive, said the investment was worth 120 million dollars.",
    ],
    [
        "Farmers sell their coffee beans directly to the factory at a fixed price.",
        "The coffee factory should open in July 2023 and employ 400 people.",
    ],
]
FOOTBALL = (
    "The football match in Madrid ended with three goals. The players of Real Madrid scored twice "
    "in the second half. The league table changed after the match and the coach praised his players."
)
QUERY = "a new factory and a football match"
EN_SCRIPT = [
    ("en", "Yesterday the engineers from Microsoft travelled to London to test a new coffee machine."),
    ("en", "The espresso machine heats the water to ninety degrees before every coffee."),
    ("en", "Later that week, the coffee machine was shown to the baristas of Paris."),
]


@pytest.fixture(scope="module")
def library(server: Server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """A taxonomy, then a three-page PDF about a coffee factory and a note about football, both in
    ``COLLECTION``; returns their details as ``GET /v1/media/{id}`` gives them."""
    put = server.client.put(f"/v1/taxonomies/{TAXONOMY}", json=TOPICS)
    assert put.status_code in (200, 201), put.text
    for job_id in put.json()["relabel_jobs"]:  # the other tests' media, relabelled in the background
        assert server.wait_for_job(job_id)["status"] == "succeeded"
    folder = tmp_path_factory.mktemp("about")
    pdf = make_pdf(folder / "coffee-factory.pdf", PAGES)
    note = folder / "football-report.txt"
    note.write_text(FOOTBALL)
    files = {"pdf": pdf, "note": note}
    ids = {name: server.ingest(path, collection=COLLECTION)["id"] for name, path in files.items()}
    return {name: server.client.get(f"/v1/media/{media_id}").json() for name, media_id in ids.items()}


def hash_params(page) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    fragment = unquote(urlsplit(page.url).fragment)
    return parse_qs(fragment.partition("?")[2])


def facet(page, value: str):  # type: ignore[no-untyped-def]
    return page.locator(f'#facets button.facet[data-value="{value}"]')


def test_facets_count_the_filtered_media_and_a_click_narrows_the_results(page, server, library):
    pdf, note = library["pdf"], library["note"]
    open_view(page, f"#/search?q={QUERY}&collection={COLLECTION}")
    cards = page.locator(".result-card")
    page.locator(f'.result-card[data-media-id="{pdf["id"]}"]').wait_for()
    page.locator(f'.result-card[data-media-id="{note["id"]}"]').wait_for()

    # each value with the number of media that carry it, grouped by taxonomy and entity type
    coffee = facet(page, f"{TAXONOMY}:coffee")
    coffee.wait_for()
    assert coffee.locator(".facet-count").inner_text().startswith("1")
    assert page.locator('#facets [data-field="labels"] h4').first.inner_text() == TAXONOMY
    assert facet(page, "LOC:colombia").count() == 1
    places = page.locator('#facets [data-field="entities"] .facet-subgroup').filter(has_text="Places")
    assert places.locator('button[data-value="LOC:colombia"]').count() == 1
    assert facet(page, "document").locator(".facet-count").inner_text().startswith("1")
    assert facet(page, "en").locator(".facet-count").inner_text().startswith("2")
    screenshot(page, "search-facets")

    # a label narrows the results; the URL says so, a chip shows it, focus stays on the facet
    coffee.click()
    page.wait_for_function("() => location.hash.includes('label=')")
    assert hash_params(page)["label"] == [f"{TAXONOMY}:coffee"]
    page.locator(f'.result-card[data-media-id="{pdf["id"]}"]').wait_for()
    page.wait_for_function(
        "(id) => !document.querySelector(`.result-card[data-media-id='${id}']`)", arg=note["id"]
    )
    assert cards.count() == 1
    chip = page.get_by_role("button", name=f"Remove filter Label: {TAXONOMY}: coffee")
    assert chip.count() == 1
    coffee.and_(page.locator('[aria-pressed="true"]')).wait_for()
    assert page.evaluate("document.activeElement.dataset.value") == f"{TAXONOMY}:coffee"
    screenshot(page, "search-facet-label")

    # removing the chip brings the other media back
    chip.click()
    page.locator(f'.result-card[data-media-id="{note["id"]}"]').wait_for()
    assert "label" not in hash_params(page)

    # from the keyboard: an entity of the football note, then a keyword of the PDF (both filters apply)
    madrid = facet(page, "ORG:real madrid")
    madrid.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => location.hash.includes('entity=')")
    page.locator(f'.result-card[data-media-id="{note["id"]}"]').wait_for()
    page.wait_for_function("() => document.querySelectorAll('.result-card').length === 1")
    assert page.locator(".result-card").get_attribute("data-media-id") == note["id"]
    assert hash_params(page)["entity"] == ["ORG:real madrid"]


def test_on_a_narrow_screen_the_facets_collapse_above_the_results(page, server, library):
    page.set_viewport_size({"width": 390, "height": 844})
    open_view(page, f"#/search?q={QUERY}&collection={COLLECTION}&kind=document")
    toggle = page.get_by_role("button", name="Refine results")
    toggle.wait_for()
    # the toggle comes before the counts: wait for them, so the hidden facet is there to be hidden
    page.locator('#facets[aria-busy="false"]').wait_for(state="attached")
    coffee = facet(page, f"{TAXONOMY}:coffee")
    assert coffee.count() == 1 and not coffee.is_visible()
    panel, results = page.locator("#facets").bounding_box(), page.locator("#results").bounding_box()
    assert panel and results and panel["y"] < results["y"]
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true" and coffee.is_visible()
    assert page.get_by_role("button", name="Remove filter Kind: document").count() == 1
    # a long field shows its first 6 values; the rest come with a button, focus on the first of them
    keywords = page.locator('#facets [data-field="keywords"]')
    expected = min(20, len(library["pdf"]["keywords"]))  # the only document's (20 are asked for)
    assert expected > 6 and keywords.locator("button.facet").count() == 6
    keywords.get_by_role("button", name=f"Show {expected - 6} more").click()
    assert keywords.locator("button.facet").count() == expected
    assert page.evaluate("document.activeElement.closest('[data-field]')?.dataset.field") == "keywords"
    screenshot(page, "search-facets-narrow")


def test_the_media_page_shows_what_a_document_is_about_and_a_mention_opens_its_page(page, server, library):
    pdf = library["pdf"]
    bogota = next(e for e in pdf["entities"] if e["text"].startswith("Bogot"))
    assert [o["page"] for o in bogota["occurrences"]] == [2]

    open_view(page, f"#/media/{pdf['id']}")
    about = page.locator("section#about")
    about.wait_for()
    summary = about.locator("ol.summary a.moment")
    assert summary.count() == len(pdf["summary"]) >= 3
    assert about.locator("ul.keywords a").count() == len(pdf["keywords"])
    label = about.locator(f'ul.labels a[data-label="{TAXONOMY}:coffee"]')
    assert label.count() == 1
    assert about.locator('.entity-group[data-type="LOC"] h4').inner_text().upper() == "PLACES"
    screenshot(page, "media-about")

    # an entity opens to its mentions; the one on page 2 marks page 2 and brings it into view
    entity = about.locator(f'details.entity[data-text="{bogota["text"]}"]')
    entity.locator("summary").click()
    mention = entity.locator("ol.moments a.moment")
    assert mention.count() == 1 and "p. 2" in mention.inner_text()
    assert mention.locator("mark").first.inner_text() == bogota["text"]
    mention.click()
    current = page.locator("article.page.current")
    current.wait_for()
    assert current.get_attribute("id") == "page-2"
    assert "Bogot" in current.locator("p.cited").inner_text()
    assert hash_params(page)["page"] == ["2"]
    page.wait_for_function(
        "() => { const r = document.querySelector('article.page.current').getBoundingClientRect();"
        " return r.top < innerHeight && r.bottom > 0; }"
    )
    screenshot(page, "media-about-mention")

    # a summary sentence goes to its page the same way
    first = pdf["summary"][0]
    summary.first.click()
    page.wait_for_function(
        "(n) => document.querySelector('article.page.current')?.id === `page-${n}`", arg=first["page"]
    )

    # a label opens a search filtered by it
    label.click()
    page.wait_for_function("() => location.hash.startsWith('#/search')")
    assert hash_params(page)["label"] == [f"{TAXONOMY}:coffee"]
    page.locator(f'.result-card[data-media-id="{pdf["id"]}"]').wait_for()


def test_a_keyword_on_the_media_page_opens_a_search_filtered_by_it(page, server, library):
    note = library["note"]
    keyword = note["keywords"][0]["text"]
    open_view(page, f"#/media/{note['id']}")
    page.locator("section#about ul.keywords a").first.click()
    page.wait_for_function("() => location.hash.startsWith('#/search')")
    assert hash_params(page)["keyword"] == [keyword] and hash_params(page)["q"] == [keyword]
    page.locator(f'.result-card[data-media-id="{note["id"]}"]').wait_for()
    assert page.get_by_role("button", name=f"Remove filter Keyword: {keyword}").count() == 1


def test_a_media_never_enriched_says_how_to_get_it(page, tmp_path: Path):
    """Media processed before enrichment existed, or with it off, have no enrichment: the page says
    so instead of showing empty sections."""
    with running_server(tmp_path / "plain", MEDIASIFT_ENRICH="false") as plain:
        note = tmp_path / "old-note.txt"
        note.write_text("The greenhouse windows were opened at noon to cool the tomato plants.")
        media = plain.ingest(note)
        assert plain.client.get(f"/v1/media/{media['id']}").json()["enrichment"] is None
        page.goto(f"{plain.base}/#/media/{media['id']}")
        page.wait_for_selector("body[data-ready=true]")
        missing = page.locator("section#about .about-missing")
        missing.wait_for()
        assert "mediasift reindex --enrich" in missing.inner_text()
        assert page.locator("section#about h3").count() == 0  # no empty Summary, Keywords…
        screenshot(page, "media-about-missing")


@pytest.mark.skipif(not mediagen.have_tools(), reason="needs ffmpeg and espeak-ng")
def test_an_entity_mention_seeks_the_player_to_the_second_it_is_said(page, server, tmp_path: Path):
    talk = mediagen.talk_audio(tmp_path, "wav", script=EN_SCRIPT)
    media = server.ingest(talk.path)
    detail = server.client.get(f"/v1/media/{media['id']}").json()
    paris = next(e for e in detail["entities"] if e["text"] == "Paris")
    said = talk.utterances[2]  # "… shown to the baristas of Paris."
    # the API points at the speech segment, a chunk that starts seconds earlier
    chunk_start = paris["occurrences"][0]["start_s"]

    open_view(page, f"#/media/{media['id']}")
    page.wait_for_function("() => document.querySelector('#player').readyState >= 1")
    entity = page.locator('section#about details.entity[data-text="Paris"]')
    entity.locator("summary").click()
    mention = entity.locator("a.moment").first
    start = float(mention.get_attribute("data-start-s"))
    # the page points at the recogniser's part that says it: within the spoken sentence
    assert said.start_s - 1.5 <= start <= said.end_s, (start, said, chunk_start)
    mention.click()
    page.wait_for_function(
        "(t) => { const p = document.querySelector('#player');"
        " return !p.seeking && Math.abs(p.currentTime - t) < 1; }",
        arg=start,
    )
    assert hash_params(page)["t"] == [f"{start:.2f}"]
    screenshot(page, "media-about-audio")
