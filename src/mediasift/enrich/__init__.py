"""What a media is about: language, entities, keywords, a summary and taxonomy labels.

Pure functions over a media's segments ``(segment_id, text, start_s, page[, language])``; the
models they use load lazily (``ner_models``, ``embedding``). See docs/enrichment-models.md.
"""

from mediasift.enrich.classify import KeywordClassifier, LabelScore, ZeroShotClassifier
from mediasift.enrich.embedding import E5Queries, QueryEmbedder, document_vector, load_e5_queries
from mediasift.enrich.entities import Entities, Entity, Occurrence, extract_entities
from mediasift.enrich.keywords import Keyword, Keywords, extract_keywords
from mediasift.enrich.summary import Summary, SummarySentence, summarize
from mediasift.enrich.taxonomy import Label, Taxonomy, TaxonomyInvalid, parse_taxonomy
from mediasift.enrich.text_units import Coverage, Segment

__all__ = [
    "Coverage",
    "E5Queries",
    "Entities",
    "Entity",
    "Keyword",
    "KeywordClassifier",
    "Keywords",
    "Label",
    "LabelScore",
    "Occurrence",
    "QueryEmbedder",
    "Segment",
    "Summary",
    "SummarySentence",
    "Taxonomy",
    "TaxonomyInvalid",
    "ZeroShotClassifier",
    "document_vector",
    "extract_entities",
    "extract_keywords",
    "load_e5_queries",
    "parse_taxonomy",
    "summarize",
]
