// Source code for people: numbered lines, light syntax colouring, and the lines that matter marked.
// No build step and no library: a small tokenizer knows comments, strings, numbers and each
// language's keywords, which is all the colouring a search result needs. Text is only ever set
// as textContent, never parsed as HTML.
import { h } from "./dom.js";

const KEYWORDS = {
  python: "and as assert async await break class continue def del elif else except finally for from global if import in is lambda None nonlocal not or pass raise return True False try while with yield self",
  javascript: "async await break case catch class const continue default delete do else export extends finally for from function if import in instanceof let new null of return static super switch this throw true false try typeof undefined var void while yield",
  typescript: "abstract any as async await boolean break case catch class const continue declare default do else enum export extends false finally for from function if implements import in interface keyof let new null number private protected public readonly return static string super switch this throw true try type typeof undefined var void while",
  go: "break case chan const continue default defer else fallthrough for func go goto if import interface map nil package range return select struct switch type var true false",
  rust: "as async await break const continue crate dyn else enum extern false fn for if impl in let loop match mod move mut pub ref return self Self static struct super trait true type unsafe use where while",
  java: "abstract boolean break byte case catch char class const continue default do double else enum extends final finally float for if implements import instanceof int interface long new null package private protected public return short static super switch this throw throws true false try void volatile while",
  c: "auto break case char const continue default do double else enum extern float for goto if inline int long register return short signed sizeof static struct switch typedef union unsigned void volatile while NULL",
  cpp: "auto bool break case catch char class const constexpr continue default delete do double else enum explicit false float for friend if inline int long namespace new nullptr operator private protected public return short static struct switch template this throw true try typedef typename union unsigned using virtual void while",
  sql: "add all alter and as asc begin by case check column commit constraint create default delete desc distinct drop else end exists foreign from function group having in index insert into is join key left limit not null on or order primary references returns select set table then trigger union unique update values view when where with",
  shell: "case do done elif else esac export fi for function if in local readonly return set then until while echo exit",
};
const COMMENTS = {
  python: ["#"], shell: ["#"], sql: ["--"], yaml: ["#"], toml: ["#"], ini: [";", "#"], make: ["#"], dockerfile: ["#"],
};
const keywordSets = new Map();

function keywords(language) {
  if (!keywordSets.has(language)) {
    const words = KEYWORDS[language] || "";
    keywordSets.set(language, new Set(language === "sql" ? words.split(" ").flatMap((w) => [w, w.toUpperCase()]) : words.split(" ")));
  }
  return keywordSets.get(language);
}

// One token pattern per language: block comments, line comments, strings (triple-quoted first),
// numbers and words. Group names say what each match is.
function tokenPattern(language) {
  const line = (COMMENTS[language] || ["//"]).map((m) => m.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&")).join("|");
  const block = ["python", "shell", "sql", "yaml", "toml", "ini", "make", "dockerfile"].includes(language) ? "" : "\\/\\*[\\s\\S]*?(?:\\*\\/|$)|";
  const strings = language === "python"
    ? `"""[\\s\\S]*?(?:"""|$)|'''[\\s\\S]*?(?:'''|$)|"(?:\\\\.|[^"\\\\\\n])*"?|'(?:\\\\.|[^'\\\\\\n])*'?`
    : "`(?:\\\\.|[^`\\\\])*`?|\"(?:\\\\.|[^\"\\\\\\n])*\"?|'(?:\\\\.|[^'\\\\\\n])*'?";
  return new RegExp(`(?<comment>${block}(?:${line})[^\\n]*)|(?<string>${strings})|(?<number>\\b\\d[\\d_]*(?:\\.\\d+)?\\b)|(?<word>[A-Za-z_][\\w]*)`, "g");
}

// [{text, kind}] pieces of `text`, kind one of comment, string, number, keyword or "" (plain).
export function tokens(text, language) {
  const out = [];
  const words = keywords(language);
  let last = 0;
  for (const m of text.matchAll(tokenPattern(language))) {
    if (m.index > last) out.push({ text: text.slice(last, m.index), kind: "" });
    const kind = m.groups.comment !== undefined ? "comment" : m.groups.string !== undefined ? "string"
      : m.groups.number !== undefined ? "number" : words.has(m[0]) ? "keyword" : "";
    out.push({ text: m[0], kind });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last), kind: "" });
  return out;
}

// The pieces cut at line breaks: one array of pieces per line.
function lines(pieces) {
  const out = [[]];
  for (const piece of pieces) {
    const parts = piece.text.split("\n");
    parts.forEach((part, i) => {
      if (i > 0) out.push([]);
      if (part) out[out.length - 1].push({ text: part, kind: piece.kind });
    });
  }
  return out;
}

// <pre class="code"> with numbered lines from `lineStart`; lines in `marked` (numbers) get class
// "marked" and aria-current, so the hit's lines stand out and can be scrolled to.
export function codeBlock(text, { lineStart = 1, language = "", marked = new Set(), label = "" } = {}) {
  return h("pre", { class: "code", dataset: { language }, "aria-label": label || null, tabindex: "0" },
    lines(tokens(text, language)).map((pieces, i) => {
      const number = lineStart + i;
      const isMarked = marked.has(number);
      return h("span", { class: `line${isMarked ? " marked" : ""}`, dataset: { line: number }, "aria-current": isMarked ? "true" : null },
        h("span", { class: "ln", "aria-hidden": "true" }, String(number)),
        pieces.map((p) => (p.kind ? h("span", { class: `tok-${p.kind}` }, p.text) : p.text)),
        "\n");
    }));
}

// The lines of a hit's code to mark in a search result: those holding the most distinct words of
// the query (at most MARKED_MAX, the first ones), else its first line, where its definition starts.
const MARKED_MAX = 3;
export function matchingLines(text, lineStart, pattern) {
  const counts = text.split("\n").map((line) => (pattern ? new Set([...line.matchAll(pattern)].map((m) => m[0].toLowerCase())).size : 0));
  const best = Math.max(0, ...counts);
  const marked = new Set();
  counts.forEach((count, i) => {
    if (best > 0 && count === best && marked.size < MARKED_MAX) marked.add(lineStart + i);
  });
  if (!marked.size) marked.add(lineStart);
  return marked;
}
