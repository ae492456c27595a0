"""Source code cut where its syntax says: one chunk per function, method or class, by tree-sitter.

``chunk_source(text, language)`` parses the text and returns ``CodeChunk``\\ s covering every line
that says something, in file order:

- a function, method or other definition is one chunk, from its documentation (the comments
  right above it, decorators, attributes) to its last line. Longer than ``max_lines`` it is split
  into overlapping parts that keep its symbol and signature;
- a class (or impl, namespace, interface…) that holds definitions is a chunk of its head — the
  lines down to its first member: declaration, docstring, fields — and each member is a chunk of
  its own, named ``Class.member``;
- the lines no definition covers (imports, constants, statements, a class's fields between its
  methods) are gathered into ``module`` chunks (or chunks of their class), in runs of at most
  ``max_lines``; runs of blank lines and punctuation alone (closing braces) are dropped.

Lines are 1-based and inclusive. A language without a grammar (settings files) is cut into
windows of ``max_lines``. Parse errors do not stop it: tree-sitter recovers, and what it could
not parse ends up in ``module`` chunks.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

from tree_sitter import Node

from mediasift.extract.code.grammars import Grammar, grammar_for, parser

SIGNATURE_CHARS = 300
DOCSTRING_CHARS = 1000
_MEANINGFUL = re.compile(r"[A-Za-z0-9_]{3,}")


@dataclass(frozen=True, slots=True)
class CodeChunk:
    line_start: int
    line_end: int
    kind: str  # function, method, class, struct, table…; "module" for lines outside definitions
    symbol: str | None = None  # qualified by its containers: "Queue.push"
    signature: str | None = None
    docstring: str | None = None
    part: int | None = None  # 1-based, when a long definition was split into ``parts``
    parts: int | None = None


@dataclass
class _Definition:
    start: int  # first line, its documentation included
    end: int
    kind: str
    symbol: str | None
    signature: str | None
    docstring: str | None
    children: list[_Definition] = field(default_factory=list)


def source_lines(text: str) -> list[str]:
    """The lines as tree-sitter counts them (at ``\\n``; a ``\\r`` before it dropped)."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def chunk_source(
    text: str, language: str, dialect: str | None = None, max_lines: int = 60
) -> list[CodeChunk]:
    """The chunks of ``text`` in ``language`` (``dialect``: a grammar variant such as ``tsx``)."""
    lines = source_lines(text)
    grammar = grammar_for(language, dialect)
    if grammar is None:
        return _loose_chunks(lines, [], max_lines, None)
    source = text.encode("utf-8")
    root = parser(grammar).parse(source).root_node
    definitions: list[_Definition] = []
    _collect(root, grammar, source, None, False, definitions)
    chunks: list[CodeChunk] = []
    covered = [False] * (len(lines) + 2)
    for definition in definitions:
        _emit(definition, max_lines, chunks, covered)
    module_doc = _python_docstring(root, source) if grammar.docstring_in_body else None
    chunks.extend(_loose_chunks(lines, definitions, max_lines, module_doc, covered))
    chunks.sort(key=lambda c: (c.line_start, c.line_end))
    return chunks


# -- finding definitions --------------------------------------------------------------------------


# Containers whose functions are methods (a namespace's or a module's are functions still).
_TYPES = frozenset({"class", "struct", "impl", "trait", "interface", "enum", "record"})


# Definitions nested deeper than this are left inside their parent's chunk: the chunking walks
# nested definitions recursively, and a file of a thousand nested functions would exhaust the stack.
_MAX_NESTED_DEFINITIONS = 64


def _collect(
    root: Node, grammar: Grammar, source: bytes, scope: str | None, in_type: bool, out: list[_Definition]
) -> None:
    """The definitions under ``root``, in source order, each holding those nested in it.

    The tree is walked with a stack of our own, not by recursion: an expression 5,000
    parentheses deep is a tree deeper than Python's stack allows (a ``RecursionError``)."""
    # (children still to visit, scope, whether inside a type, where definitions go, nesting)
    stack = [(iter(root.named_children), scope, in_type, out, 0)]
    while stack:
        children, scope, in_type, out, depth = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            continue
        target = _unwrapped(child, grammar)
        if target is not None and _defines(target, grammar):
            kind = grammar.definitions[target.type]
            if in_type and kind == "function":
                kind = grammar.member_kind
            name = _name(target, grammar)
            if target.type == "method_declaration" and grammar.name == "go":
                name = _go_receiver(target, name)
            symbol = f"{scope}.{name}" if scope and name else (name or scope)
            definition = _Definition(
                start=_documented_start(child, grammar),
                end=_last_line(child),
                kind=kind,
                symbol=symbol,
                signature=_signature(target, grammar, source),
                docstring=_docstring(target, child, grammar, source),
            )
            out.append(definition)
            if target.type in grammar.containers and depth + 1 < _MAX_NESTED_DEFINITIONS:
                stack.append(
                    (iter(target.named_children), symbol, kind in _TYPES, definition.children, depth + 1)
                )
        elif child.named_child_count:
            stack.append((iter(child.named_children), scope, in_type, out, depth))


def _unwrapped(node: Node, grammar: Grammar) -> Node | None:
    """The definition a wrapper (decorator, export, template, SQL statement) holds, or ``node``."""
    while node.type in grammar.wrappers:
        inner = next((c for c in node.named_children if c.type in grammar.definitions), None)
        if inner is None:
            inner = next((c for c in node.named_children if c.type in grammar.wrappers), None)
        if inner is None:
            return None
        node = inner
    return node


def _defines(node: Node, grammar: Grammar) -> bool:
    if node.type not in grammar.definitions:
        return False
    bound = grammar.bound_functions.get(node.type)
    if bound is not None:  # `const retry = async () => …` defines a function; `const n = 3` does not
        return any(
            (value := d.child_by_field_name("value")) is not None and value.type in bound
            for d in node.named_children
            if d.type == "variable_declarator"
        )
    if node.type in ("struct_specifier", "enum_specifier", "class_specifier"):
        return node.child_by_field_name("body") is not None  # a use (`struct point p;`) is no definition
    return True


def _name(node: Node, grammar: Grammar) -> str | None:
    named = node.child_by_field_name("name")
    if named is None and node.type == "impl_item":
        named = node.child_by_field_name("type")
    if named is None and node.type in ("lexical_declaration", "variable_declaration"):
        declarator = next((c for c in node.named_children if c.type == "variable_declarator"), None)
        named = declarator.child_by_field_name("name") if declarator is not None else None
    if named is None and node.type == "type_declaration":
        spec = next((c for c in node.named_children if c.type in ("type_spec", "type_alias")), None)
        named = spec.child_by_field_name("name") if spec is not None else None
    if named is None and node.type in ("function_definition", "type_definition"):
        named = _declared_name(node)
    if named is None and grammar.name == "sql":
        named = next((c for c in node.named_children if c.type in ("object_reference", "identifier")), None)
    return _text(named) if named is not None else None


def _declared_name(node: Node) -> Node | None:
    """C and C++: the name inside a declarator chain (``*name(...)``, ``Queue::size() const``)."""
    declarator = node.child_by_field_name("declarator")
    while declarator is not None and declarator.child_by_field_name("declarator") is not None:
        declarator = declarator.child_by_field_name("declarator")
    return declarator


def _go_receiver(node: Node, name: str | None) -> str | None:
    receiver = node.child_by_field_name("receiver")
    if receiver is None or name is None:
        return name
    kind = next((c.child_by_field_name("type") for c in receiver.named_children), None)
    if kind is None:
        return name
    base = re.sub(r"\[.*\]$", "", _text(kind).lstrip("*"))
    return f"{base}.{name}"


def _documented_start(node: Node, grammar: Grammar) -> int:
    """The first line of ``node`` with the comments and attributes right above it (no blank line
    between) — what a reader takes as part of the definition."""
    start = node.start_point.row + 1
    sibling = node.prev_named_sibling
    while sibling is not None and (sibling.type in grammar.comments or sibling.type in grammar.attachments):
        if _last_line(sibling) < start - 1 or _text(sibling).startswith("#!"):
            break
        start = sibling.start_point.row + 1
        sibling = sibling.prev_named_sibling
    return start


def _last_line(node: Node) -> int:
    row, column = node.end_point
    # A node that ends with its line break ends at column 0 of the next row.
    return row if column == 0 and row > node.start_point.row else row + 1


# -- what a definition says about itself ----------------------------------------------------------


def _signature(node: Node, grammar: Grammar, source: bytes) -> str | None:
    """The definition's head, down to its body, on one line, comments left out."""
    body = node.child_by_field_name("body")
    if body is not None and body.start_byte > node.start_byte:
        head_bytes = source[node.start_byte : body.start_byte]
        for child in reversed(node.children):
            if child.type in grammar.comments and child.end_byte <= body.start_byte:
                cut_from, cut_to = child.start_byte - node.start_byte, child.end_byte - node.start_byte
                head_bytes = head_bytes[:cut_from] + head_bytes[cut_to:]
        head = head_bytes.decode("utf-8", errors="replace")
    else:
        head = _text(node).split("\n", 1)[0]
    head = " ".join(head.split()).rstrip("{:( ").strip()
    return head[:SIGNATURE_CHARS] or None


def _docstring(target: Node, outer: Node, grammar: Grammar, source: bytes) -> str | None:
    doc = _python_docstring(target.child_by_field_name("body"), source) if grammar.docstring_in_body else None
    if doc:
        return doc
    comments = []
    sibling = outer.prev_named_sibling
    start = outer.start_point.row + 1
    while sibling is not None and (sibling.type in grammar.comments or sibling.type in grammar.attachments):
        if _last_line(sibling) < start - 1 or _text(sibling).startswith("#!"):
            break
        if sibling.type in grammar.comments:
            comments.append(_comment_text(_text(sibling)))
        start = sibling.start_point.row + 1
        sibling = sibling.prev_named_sibling
    text = "\n".join(reversed([c for c in comments if c]))
    return text[:DOCSTRING_CHARS] or None


def _python_docstring(body: Node | None, source: bytes) -> str | None:
    """The string that opens a function's, class's or module's body (comments before it skipped)."""
    statements = [c for c in body.named_children if c.type != "comment"] if body is not None else []
    if not statements:
        return None
    first = statements[0]
    if first.type != "expression_statement" or not first.named_children:
        return None
    string = first.named_children[0]
    if string.type != "string":
        return None
    raw = source[string.start_byte : string.end_byte].decode("utf-8", errors="replace")
    raw = raw.lstrip("rRbBuUfF")
    quote = raw[:3] if raw[:3] in ('"""', "'''") else raw[:1]
    text = raw[len(quote) : len(raw) - len(quote)] if raw.endswith(quote) else raw[len(quote) :]
    return inspect.cleandoc(text)[:DOCSTRING_CHARS] or None


_COMMENT_MARKS = re.compile(r"^\s*(/\*\*?|\*/|\*(?!/)|///?!?|#+|--+)\s?")


def _comment_text(comment: str) -> str:
    lines = []
    for line in comment.removesuffix("*/").split("\n"):
        lines.append(_COMMENT_MARKS.sub("", line).rstrip())
    return "\n".join(line for line in lines if line.strip()).strip()


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", errors="replace")


# -- from definitions to chunks -------------------------------------------------------------------


def _emit(definition: _Definition, max_lines: int, out: list[CodeChunk], covered: list[bool]) -> None:
    children = definition.children
    head_end = children[0].start - 1 if children else definition.end
    if children and head_end < definition.start:  # a one-line class: nothing to split off
        children, head_end = [], definition.end
    out.extend(_windows(definition, definition.start, head_end, max_lines))
    _cover(covered, definition.start, head_end)
    for child in children:
        _emit(child, max_lines, out, covered)


def _windows(definition: _Definition, start: int, end: int, max_lines: int) -> list[CodeChunk]:
    """``start..end`` as one chunk, or as overlapping parts of at most ``max_lines``."""
    if end - start + 1 <= max_lines:
        return [_chunk(definition, start, end)]
    overlap = min(5, max_lines // 6)
    step = max(1, max_lines - overlap)
    starts = list(range(start, end - overlap, step))
    return [
        _chunk(definition, s, min(end, s + max_lines - 1), part=i, parts=len(starts))
        for i, s in enumerate(starts, 1)
    ]


def _chunk(
    definition: _Definition, start: int, end: int, part: int | None = None, parts: int | None = None
) -> CodeChunk:
    return CodeChunk(
        start,
        end,
        definition.kind,
        definition.symbol,
        definition.signature,
        definition.docstring,
        part,
        parts,
    )


def _cover(covered: list[bool], start: int, end: int) -> None:
    for line in range(start, end + 1):
        covered[line] = True


def _scopes(definitions: list[_Definition], size: int) -> list[_Definition | None]:
    """For each line, the innermost definition holding it (None: the module)."""
    scope: list[_Definition | None] = [None] * (size + 2)

    def mark(items: list[_Definition]) -> None:
        for d in items:
            for line in range(d.start, min(d.end, size) + 1):
                scope[line] = d
            mark(d.children)

    mark(definitions)
    return scope


def _loose_chunks(
    lines: list[str],
    definitions: list[_Definition],
    max_lines: int,
    module_doc: str | None,
    covered: list[bool] | None = None,
) -> list[CodeChunk]:
    """Runs of lines no definition chunk covers, split where their scope changes."""
    size = len(lines)
    covered = covered or [False] * (size + 2)
    scopes = _scopes(definitions, size)
    module = _Definition(1, size, "module", None, None, module_doc)
    chunks: list[CodeChunk] = []
    run: list[int] = []

    def close() -> None:
        while run and not lines[run[-1] - 1].strip():
            run.pop()
        if run and any(_MEANINGFUL.search(lines[i - 1]) for i in run):
            owner = scopes[run[0]] or module
            doc = owner.docstring if owner is not module or run[0] == 1 else None
            template = _Definition(owner.start, owner.end, owner.kind, owner.symbol, owner.signature, doc)
            chunks.extend(_windows(template, run[0], run[-1], max_lines))
        run.clear()

    for line in range(1, size + 1):
        if covered[line] or (run and scopes[line] is not scopes[run[0]]):
            close()
        if covered[line] or (not run and not lines[line - 1].strip()):
            continue
        run.append(line)
    close()
    return chunks
