"""Reports count a document's pages and a deck's slides in words that agree with the number."""

from mediasift.services.report_links import pages_of


def test_one_page_is_a_page_and_a_deck_s_pages_are_slides():
    pdf, deck = "application/pdf", "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    assert pages_of({"pages": 1, "mime": pdf}) == "1 page"
    assert pages_of({"pages": 3, "mime": pdf}) == "3 pages"
    assert pages_of({"pages": 1, "mime": deck}) == "1 slide"
    assert pages_of({"pages": 12, "mime": deck}) == "12 slides"
