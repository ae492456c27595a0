"""A report (``services/reports.py``'s JSON document) as Markdown (CommonMark with GitHub tables).

Text from the media (names, sentences, entities) is escaped, so a filename or a transcript can
neither inject HTML nor break a table; times and pages are links to the web UI's player.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mediasift.services.report_links import clock, pages_of, pictures_title, where

MAX_ENTITIES = 200  # entities of one media written out; the JSON report has them all
MAX_OCCURRENCES = 12  # links per entity, then "and N more"
# What can start Markdown syntax mid-line (links, emphasis, code, HTML, tables, entities); the
# characters that matter only at a line's start never start one here (text follows a prefix).
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&])")


def md(text: object) -> str:
    """``text`` as literal Markdown on one line (never at a line's start): syntax characters escaped."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def link(label: str, url: str) -> str:
    return f"[{md(label)}]({url})"


def media_markdown(report: Mapping[str, Any]) -> str:
    m = report["media"]
    out = [f"# {md(m['filename'])}", "", _facts(m, report), ""]
    if report["summary"]:
        out += ["## Summary", ""]
        out += [f"{i}. {_at(x)}{md(x['text'])}" for i, x in enumerate(report["summary"], 1)]
        out.append("")
    if report["keywords"]:
        out += ["## Keywords", "", ", ".join(md(k["text"]) for k in report["keywords"]), ""]
    if report["labels"]:
        out += ["## Labels", "", "| taxonomy | label | score |", "|---|---|---|"]
        out += [f"| {md(x['taxonomy'])} | {md(x['label'])} | {x['score']:.2f} |" for x in report["labels"]]
        out.append("")
    if report["entities"]:
        out += _entities(report["entities"])
    if report.get("quality"):
        out += _quality(report["quality"])
    if report["keyframes"]:
        out += [f"## {pictures_title(report['media'])}", ""]
        shown = [link(where(f["start_s"], f["page"]) or f["artifact"], f["url"]) for f in report["keyframes"]]
        out += [" · ".join(shown), ""]
        if report["keyframes_total"] > len(report["keyframes"]):
            out += [f"{len(report['keyframes'])} of {report['keyframes_total']} pictures, evenly spaced.", ""]
    out += _processing(report)
    out += [_footer(report)]
    return "\n".join(out) + "\n"


def _quality(quality: Mapping[str, Any]) -> list[str]:
    out = ["## Quality", "", f"Score {quality['overall']:.2f} of 1.", ""]
    out += [f"- {md(r['message'])}" for r in quality["reasons"]]
    return [*out, ""] if quality["reasons"] else out


def collection_markdown(report: Mapping[str, Any]) -> str:
    totals = report["totals"]
    out = [f"# Collection {md(report['collection'])}", ""]
    out += [
        f"{totals['media']} media: "
        + ", ".join(f"{n} {md(state)}" for state, n in totals["by_state"].items() if n)
        + " · "
        + ", ".join(f"{n} {md(kind)}" for kind, n in totals["by_kind"].items())
        + (f" · {clock(totals['duration_s'])} of audio and video" if totals["duration_s"] else "")
        + (f" · {totals['pages']} page{'' if totals['pages'] == 1 else 's'}" if totals["pages"] else ""),
        "",
    ]
    tops = {
        "Labels": [f"{md(x['taxonomy'])}: {md(x['label'])} ×{x['media']}" for x in report["top_labels"]],
        "Entities": [f"{md(x['text'])} ({x['type']}) ×{x['media']}" for x in report["top_entities"]],
        "Keywords": [f"{md(x['text'])} ×{x['media']}" for x in report["top_keywords"]],
    }
    if any(tops.values()):
        out += [
            "## Across the collection",
            "",
            f"Over its {report['counted_media']} ready media; ×n: how many of them carry it.",
            "",
        ]
        out += [f"- **{title}**: {', '.join(names)}" for title, names in tops.items() if names]
        out.append("")
    out += [f"## Media ({report['listed']})", ""]
    if report["truncated"]:
        out += [
            f"*Listing the newest {report['listed']} of {totals['media']} media; the totals count them all.*",
            "",
        ]
    for m in report["media"]:
        out += _listed(m)
    out += [_footer(report)]
    return "\n".join(out) + "\n"


def _facts(m: Mapping[str, Any], report: Mapping[str, Any]) -> str:
    facts = [md(m["kind"] or "unknown kind"), f"collection {md(m['collection'])}"]
    if m["duration_s"]:
        facts.append(clock(m["duration_s"]))
    if m["pages"]:
        facts.append(pages_of(m))
    if report["languages"] or m["language"]:
        facts.append("languages " + ", ".join(md(x) for x in report["languages"] or [m["language"]]))
    facts.append(f"**{m['state']}**")
    return " · ".join(facts) + f" · {link('open in mediasift', m['url'])}"


def _at(x: Mapping[str, Any]) -> str:
    label = where(x["start_s"], x["page"])
    return f"{link(label, x['url'])} " if label else ""


def _entities(entities: list[Mapping[str, Any]]) -> list[str]:
    out = ["## Entities", "", "| entity | type | where |", "|---|---|---|"]
    for e in entities[:MAX_ENTITIES]:
        occurrences = e["occurrences"]
        links = [
            link(where(o["start_s"], o["page"]) or "here", o["url"]) for o in occurrences[:MAX_OCCURRENCES]
        ]
        if len(occurrences) > MAX_OCCURRENCES:
            links.append(f"and {len(occurrences) - MAX_OCCURRENCES} more")
        out.append(f"| {md(e['text'])} | {e['type']} | {', '.join(links)} |")
    if len(entities) > MAX_ENTITIES:
        out.append(f"\n*{MAX_ENTITIES} of {len(entities)} entities; the JSON report has them all.*")
    return [*out, ""]


def _processing(report: Mapping[str, Any]) -> list[str]:
    out = ["## Processing", ""]
    job, enrichment = report["job"], report["enrichment"]
    if job:
        line = f"- Job {md(job['type'])}: **{md(job['status'])}** after {job['attempts']} attempt(s)"
        if job["error_code"] or job["error"]:
            line += f" ({md(job['error_code'] or 'error')}: {md(job['error'] or '')})"
        out.append(line)
    if report["media"]["error"]:
        out.append(f"- Media error: {md(report['media']['error'])}")
    if enrichment is None:
        out.append("- Not enriched yet.")
    else:
        if enrichment["error"]:
            out.append(f"- Enrichment failed: {md(enrichment['error'])}")
        if enrichment["models"]:
            out.append("- Models: " + ", ".join(md(x) for x in enrichment["models"]))
    out += [f"- Note: {md(note)}" for note in report["notes"]]
    return [*out, ""]


def _listed(m: Mapping[str, Any]) -> list[str]:
    facts = [md(m["kind"] or "unknown kind"), f"**{m['state']}**"]
    if m["duration_s"]:
        facts.append(clock(m["duration_s"]))
    if m["pages"]:
        facts.append(pages_of(m))
    if m["languages"]:
        facts.append(", ".join(md(x) for x in m["languages"]))
    job = m["job"]
    if m["state"] in ("dead", "failed") and job:
        facts.append(
            f"job {md(job['status'])}: {md(job['error_code'] or '')} {md(job['error'] or '')}".strip()
        )
    out = [f"### {link(m['filename'], m['url'])}", "", " · ".join(facts), ""]
    out += [f"- {_at(x)}{md(x['text'])}" for x in m["summary"]]
    if m["summary"]:
        out.append("")
    about = []
    if m["labels"]:
        about.append("labels: " + ", ".join(f"{md(x['taxonomy'])}: {md(x['label'])}" for x in m["labels"]))
    if m["entities"]:
        shown = [f"{md(e['text'])} ({e['type']}, {e['mentions']}×)" for e in m["entities"]]
        about.append("entities: " + ", ".join(shown))
    if m["keywords"]:
        about.append("keywords: " + ", ".join(md(k["text"]) for k in m["keywords"]))
    if m["enrichment_error"]:
        about.append(f"enrichment failed: {md(m['enrichment_error'])}")
    if about:
        out += [" · ".join(about), ""]
    return out


def _footer(report: Mapping[str, Any]) -> str:
    return f"---\n\n*Generated by mediasift at {md(report['generated_at'])} ({md(report['schema'])}).*"
