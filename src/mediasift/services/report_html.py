"""A report (``services/reports.py``'s JSON document) as one self-contained HTML page.

Self-contained: the styles are inline and the pictures are ``data:`` URIs, so the file opens
anywhere, offline, and nothing is fetched; the only links out are to the web UI's player (a
second or a page of a media). Every text from the media is escaped (``html.escape``), in content
and in attributes alike.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from mediasift.services.report_links import clock, pages_of, pictures_title, where

MAX_ENTITIES = 200  # entities of one media shown; the JSON report has them all
MAX_OCCURRENCES = 12  # links per entity, then "and N more"

STYLE = """
:root{color-scheme:light dark;--fg:#1d1f24;--muted:#5f6673;--bg:#fff;--card:#f4f5f8;--line:#dfe2e7;
--accent:#3949ab;--ok:#1b7f3b;--bad:#c62828;--busy:#a15c00}
@media (prefers-color-scheme:dark){:root{--fg:#e6e8ec;--muted:#a0a7b4;--bg:#15171b;--card:#1f2228;
--line:#2e323a;--accent:#9fa8ff;--ok:#6fcf8a;--bad:#ff8a80;--busy:#ffb74d}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1000px;padding:24px;font:15px/1.55 system-ui,-apple-system,"Segoe UI",
Roboto,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:1.6rem;margin:0 0 4px;overflow-wrap:anywhere}
h2{font-size:1.15rem;margin:28px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:0 0 4px;overflow-wrap:anywhere}
a{color:var(--accent)}
.muted{color:var(--muted)}
.when{font-variant-numeric:tabular-nums;font-weight:600;text-decoration:none;margin-right:.5em;
white-space:nowrap}
ol.summary li,ul.summary li{margin:4px 0}
.chips{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0;padding:0;list-style:none}
.chips li{background:var(--card);border:1px solid var(--line);border-radius:999px;padding:1px 10px}
.chips .n{color:var(--muted);font-size:.85em;margin-left:4px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted)}
.frames{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px}
.frames a{display:block;text-decoration:none;color:inherit}
.frames img,.item img{display:block;width:100%;height:auto;border-radius:6px;background:var(--card);
border:1px solid var(--line)}
.frames span{font-variant-numeric:tabular-nums;font-size:.9em}
.badge{display:inline-block;border-radius:4px;padding:0 6px;font-size:.85em;font-weight:600;
border:1px solid currentColor}
.state-ready{color:var(--ok)}.state-dead,.state-failed{color:var(--bad)}.state-processing{color:var(--busy)}
.item{display:flex;gap:14px;border:1px solid var(--line);border-radius:8px;padding:12px 14px;margin:12px 0}
.item>a{flex:none;width:160px}
.item .body{min-width:0;flex:1}
.totals{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
.totals div{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 12px}
.totals b{display:block;font-size:1.3rem}
.notice{background:var(--card);border-left:4px solid var(--busy);padding:8px 12px}
footer{margin-top:40px;color:var(--muted);font-size:.85em}
@media print{body{max-width:none}a{color:inherit}.item{break-inside:avoid}}
"""


def e(text: object) -> str:
    return escape(str(text), quote=True)


def media_html(report: Mapping[str, Any], pictures: Mapping[str, bytes]) -> str:
    """``pictures``: small JPEGs by artifact name (``report["keyframes"][i]["artifact"]``)."""
    m = report["media"]
    lang = (report["languages"] or [m["language"] or ""])[0]
    body = [
        "<header>",
        f"<h1>{e(m['filename'])}</h1>",
        f'<p class="muted">{_media_facts(m, report["languages"])}</p>',
        f'<p><a href="{e(m["url"])}">Open in mediasift</a></p>',
        "</header>",
    ]
    if report["summary"]:
        body += ["<section id=summary><h2>Summary</h2>", f'<ol class="summary"{_lang(lang)}>']
        body += [f"<li>{_at(x)}{e(x['text'])}</li>" for x in report["summary"]]
        body += ["</ol></section>"]
    if report["keyframes"]:
        body += _keyframes(report, pictures)
    if report["keywords"]:
        body += ["<section id=keywords><h2>Keywords</h2>", _chips(e(k["text"]) for k in report["keywords"])]
        body += ["</section>"]
    if report["labels"]:
        body += ["<section id=labels><h2>Labels</h2><table><thead>"]
        body += ["<tr><th>taxonomy</th><th>label</th><th>score</th></tr></thead><tbody>"]
        body += [
            f"<tr><td>{e(x['taxonomy'])}</td><td>{e(x['label'])}</td><td>{x['score']:.2f}</td></tr>"
            for x in report["labels"]
        ]
        body += ["</tbody></table></section>"]
    if report["entities"]:
        body += _entities(report["entities"])
    if report.get("quality"):
        quality = report["quality"]
        body += [f"<section id=quality><h2>Quality: {quality['overall']:.2f}</h2>"]
        if quality["reasons"]:
            body += ["<ul>", *(f"<li>{e(r['message'])}</li>" for r in quality["reasons"]), "</ul>"]
        body += ["</section>"]
    body += _processing(report)
    title = f"Report: {m['filename']}"
    return _page(title, body, report)


def collection_html(report: Mapping[str, Any], pictures: Mapping[str, bytes]) -> str:
    """``pictures``: small JPEG thumbnails by media id (some media have none)."""
    totals = report["totals"]
    cards = [(f"{n}", name) for name, n in totals["by_state"].items() if n]
    cards += [(f"{n}", name) for name, n in totals["by_kind"].items()]
    if totals["duration_s"]:
        cards.append((clock(totals["duration_s"]), "of audio and video"))
    if totals["pages"]:
        cards.append((f"{totals['pages']}", "page" if totals["pages"] == 1 else "pages"))
    body = [
        "<header>",
        f"<h1>Collection {e(report['collection'])}</h1>",
        f'<p class="muted">{totals["media"]} media</p>',
        '<div class="totals">',
        *(f"<div><b>{e(value)}</b>{e(name)}</div>" for value, name in cards),
        "</div></header>",
    ]
    tops = (
        ("Top labels", "top_labels", lambda x: f"{e(x['taxonomy'])}: {e(x['label'])}"),
        ("Top entities", "top_entities", lambda x: f"{e(x['text'])} <span class=n>{e(x['type'])}</span>"),
        ("Top keywords", "top_keywords", lambda x: e(x["text"])),
    )
    if any(report[key] for _, key, _ in tops):
        body.append(
            f"<section id=top><h2>Across the collection</h2><p class=muted>Over its "
            f"{report['counted_media']} ready media; ×n: how many of them carry it.</p>"
        )
        for title, key, name in tops:
            if report[key]:
                body += [
                    f"<h3>{title}</h3>",
                    _chips(f"{name(x)}<span class=n>×{x['media']}</span>" for x in report[key]),
                ]
        body.append("</section>")
    body.append(f"<section id=media><h2>Media ({report['listed']})</h2>")
    if report["truncated"]:
        body.append(
            f'<p class="notice">Listing the newest {report["listed"]} of {totals["media"]} media; '
            "the totals above count them all.</p>"
        )
    body += [_item(m, pictures.get(m["id"])) for m in report["media"]]
    body.append("</section>")
    return _page(f"Collection {report['collection']}", body, report)


def _page(title: str, body: list[str], report: Mapping[str, Any]) -> str:
    footer = (
        f"<footer>Generated by mediasift at {e(report['generated_at'])} "
        f"&middot; {e(report['schema'])}</footer>"
    )
    return "\n".join(
        [
            "<!doctype html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="generator" content="mediasift">',
            f"<title>{e(title)}</title>",
            f"<style>{STYLE}</style></head><body>",
            *body,
            footer,
            "</body></html>",
            "",
        ]
    )


def _media_facts(m: Mapping[str, Any], languages: list[str]) -> str:
    facts = [e(m["kind"] or "unknown kind"), f"collection {e(m['collection'])}"]
    if m["duration_s"]:
        facts.append(clock(m["duration_s"]))
    if m["pages"]:
        facts.append(pages_of(m))
    if languages or m["language"]:
        facts.append(e(", ".join(languages or [m["language"]])))
    facts.append(_badge(m["state"]))
    return " · ".join(facts)


def _badge(state: str) -> str:
    return f'<span class="badge state-{e(state)}">{e(state)}</span>'


def _lang(lang: str) -> str:
    return f' lang="{e(lang)}"' if lang else ""


def _at(x: Mapping[str, Any]) -> str:
    """A link to the place's second or page, before the text; nothing when the place has neither."""
    label = where(x["start_s"], x["page"])
    return f'<a class="when" href="{e(x["url"])}">{e(label)}</a>' if label else ""


def _chips(items: Iterable[str]) -> str:
    """``items`` are HTML already escaped."""
    return '<ul class="chips">' + "".join(f"<li>{x}</li>" for x in items) + "</ul>"


def _data_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def _keyframes(report: Mapping[str, Any], pictures: Mapping[str, bytes]) -> list[str]:
    shown = [f for f in report["keyframes"] if f["artifact"] in pictures]
    if not shown:
        return []
    out = [f"<section id=keyframes><h2>{pictures_title(report['media'])}</h2>", '<div class="frames">']
    for f in shown:
        label = where(f["start_s"], f["page"])
        alt = f"Picture at {label}" if label else "Picture"
        out.append(
            f'<a href="{e(f["url"])}"><img src="{_data_uri(pictures[f["artifact"]])}" alt="{e(alt)}">'
            f"<span>{e(label)}</span></a>"
        )
    out.append("</div>")
    if report["keyframes_total"] > len(shown):
        out.append(
            f'<p class="muted">{len(shown)} of {report["keyframes_total"]} pictures, evenly spaced.</p>'
        )
    return [*out, "</section>"]


def _entities(entities: list[Mapping[str, Any]]) -> list[str]:
    out = ["<section id=entities><h2>Entities</h2><table><thead>"]
    out += ["<tr><th>entity</th><th>type</th><th>where</th></tr></thead><tbody>"]
    for x in entities[:MAX_ENTITIES]:
        occurrences = x["occurrences"]
        links = [
            f'<a class="when" href="{e(o["url"])}">{e(where(o["start_s"], o["page"]) or "here")}</a>'
            for o in occurrences[:MAX_OCCURRENCES]
        ]
        if len(occurrences) > MAX_OCCURRENCES:
            links.append(f'<span class="muted">and {len(occurrences) - MAX_OCCURRENCES} more</span>')
        out.append(f"<tr><td>{e(x['text'])}</td><td>{e(x['type'])}</td><td>{' '.join(links)}</td></tr>")
    out.append("</tbody></table>")
    if len(entities) > MAX_ENTITIES:
        out.append(
            f'<p class="muted">{MAX_ENTITIES} of {len(entities)} entities; the JSON report has them all.</p>'
        )
    return [*out, "</section>"]


def _processing(report: Mapping[str, Any]) -> list[str]:
    out = ["<section id=processing><h2>Processing</h2><ul>"]
    job, enrichment, m = report["job"], report["enrichment"], report["media"]
    if job:
        line = f"Job {e(job['type'])}: {_badge(job['status'])} after {job['attempts']} attempt(s)"
        if job["error_code"] or job["error"]:
            line += f" &mdash; <code>{e(job['error_code'] or 'error')}</code> {e(job['error'] or '')}"
        out.append(f"<li>{line}</li>")
    if m["error"]:
        out.append(f"<li>Media error: {e(m['error'])}</li>")
    if enrichment is None:
        out.append("<li>Not enriched yet.</li>")
    else:
        if enrichment["error"]:
            out.append(f"<li>Enrichment failed: {e(enrichment['error'])}</li>")
        if enrichment["models"]:
            out.append(f"<li>Models: {e(', '.join(enrichment['models']))}</li>")
    out += [f"<li>Note: {e(note)}</li>" for note in report["notes"]]
    return [*out, "</ul></section>"]


def _item(m: Mapping[str, Any], picture: bytes | None) -> str:
    """One media of a collection: its picture, name, state, summary and what it is about."""
    facts = [e(m["kind"] or "unknown kind"), _badge(m["state"])]
    if m["duration_s"]:
        facts.append(clock(m["duration_s"]))
    if m["pages"]:
        facts.append(pages_of(m))
    if m["languages"]:
        facts.append(e(", ".join(m["languages"])))
    job = m["job"]
    if m["state"] in ("dead", "failed") and job:
        facts.append(
            f"job {e(job['status'])}: <code>{e(job['error_code'] or '')}</code> {e(job['error'] or '')}"
        )
    out = [f'<article class="item" id="m-{e(m["id"])}">']
    if picture:
        out.append(f'<a href="{e(m["url"])}"><img src="{_data_uri(picture)}" alt="" loading="lazy"></a>')
    out += ['<div class="body">', f'<h3><a href="{e(m["url"])}">{e(m["filename"])}</a></h3>']
    out.append(f'<p class="muted">{" · ".join(facts)}</p>')
    if m["summary"]:
        lang = m["languages"][0] if m["languages"] else ""
        out.append(f'<ul class="summary"{_lang(lang)}>')
        out += [f"<li>{_at(x)}{e(x['text'])}</li>" for x in m["summary"]]
        out.append("</ul>")
    about = []
    if m["labels"]:
        about.append(_chips(f"{e(x['taxonomy'])}: {e(x['label'])}" for x in m["labels"]))
    if m["entities"]:
        about.append(
            _chips(
                (f'<a href="{e(x["url"])}">{e(x["text"])}</a>' if x["url"] else e(x["text"]))
                + f"<span class=n>{e(x['type'])} ×{x['mentions']}</span>"
                for x in m["entities"]
            )
        )
    if m["keywords"]:
        about.append(f'<p class="muted">keywords: {e(", ".join(k["text"] for k in m["keywords"]))}</p>')
    if m["enrichment_error"]:
        about.append(f"<p>Enrichment failed: {e(m['enrichment_error'])}</p>")
    out += [*about, "</div></article>"]
    return "".join(out)
