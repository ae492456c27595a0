"""The tree-sitter grammars mediasift parses with, and what a definition is in each.

Each grammar ships compiled in its own pip wheel (``tree-sitter-python`` …, MIT); nothing is
downloaded. A ``Grammar`` names the syntax nodes that define something (a function, a class…)
and the symbol kind each one is, the nodes that hold further definitions (a class body: its
functions are methods), the wrappers a definition may sit in (a decorator, ``export``, a
template), and the comment nodes whose text documents the definition after them.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass, field

import tree_sitter

from mediasift.errors import UnsupportedMedia


@dataclass(frozen=True)
class Grammar:
    name: str
    module: str  # the wheel's module, e.g. tree_sitter_python
    function: str  # the function returning the language pointer
    definitions: dict[str, str]  # node type -> symbol kind
    # Definitions whose body is searched for more definitions (a class's methods), and the kind
    # a function defined inside one of them is given.
    containers: frozenset[str] = frozenset()
    member_kind: str = "method"
    wrappers: frozenset[str] = frozenset()
    comments: frozenset[str] = frozenset({"comment"})
    # Python: the docstring is the first statement of the body, not a comment before.
    docstring_in_body: bool = False
    # Node types that only attach to the definition after them (Rust attributes).
    attachments: frozenset[str] = frozenset()
    # Nodes that are one definition only when they hold one of these (a JS ``const f = () => …``).
    bound_functions: dict[str, frozenset[str]] = field(default_factory=dict)


_C_LIKE_COMMENTS = frozenset({"comment"})

GRAMMARS: dict[str, Grammar] = {
    g.name: g
    for g in (
        Grammar(
            "python",
            "tree_sitter_python",
            "language",
            {"function_definition": "function", "class_definition": "class"},
            containers=frozenset({"class_definition"}),
            wrappers=frozenset({"decorated_definition"}),
            docstring_in_body=True,
        ),
        Grammar(
            "javascript",
            "tree_sitter_javascript",
            "language",
            {
                "function_declaration": "function",
                "generator_function_declaration": "function",
                "class_declaration": "class",
                "method_definition": "method",
                "lexical_declaration": "function",
                "variable_declaration": "function",
            },
            containers=frozenset({"class_declaration"}),
            wrappers=frozenset({"export_statement"}),
            bound_functions={
                "lexical_declaration": frozenset({"arrow_function", "function_expression", "function"}),
                "variable_declaration": frozenset({"arrow_function", "function_expression", "function"}),
            },
        ),
        *(
            Grammar(
                name,
                "tree_sitter_typescript",
                function,
                {
                    "function_declaration": "function",
                    "generator_function_declaration": "function",
                    "class_declaration": "class",
                    "abstract_class_declaration": "class",
                    "method_definition": "method",
                    "interface_declaration": "interface",
                    "type_alias_declaration": "type",
                    "enum_declaration": "enum",
                    "lexical_declaration": "function",
                },
                containers=frozenset({"class_declaration", "abstract_class_declaration"}),
                wrappers=frozenset({"export_statement"}),
                bound_functions={
                    "lexical_declaration": frozenset({"arrow_function", "function_expression", "function"}),
                },
            )
            for name, function in (("typescript", "language_typescript"), ("tsx", "language_tsx"))
        ),
        Grammar(
            "go",
            "tree_sitter_go",
            "language",
            {"function_declaration": "function", "method_declaration": "method", "type_declaration": "type"},
        ),
        Grammar(
            "rust",
            "tree_sitter_rust",
            "language",
            {
                "function_item": "function",
                "struct_item": "struct",
                "enum_item": "enum",
                "trait_item": "trait",
                "impl_item": "impl",
                "mod_item": "mod",
                "macro_definition": "macro",
                "type_item": "type",
            },
            containers=frozenset({"impl_item", "trait_item", "mod_item"}),
            comments=frozenset({"line_comment", "block_comment"}),
            attachments=frozenset({"attribute_item"}),
        ),
        Grammar(
            "java",
            "tree_sitter_java",
            "language",
            {
                "class_declaration": "class",
                "interface_declaration": "interface",
                "enum_declaration": "enum",
                "record_declaration": "record",
                "method_declaration": "method",
                "constructor_declaration": "constructor",
            },
            containers=frozenset(
                {"class_declaration", "interface_declaration", "enum_declaration", "record_declaration"}
            ),
            comments=frozenset({"line_comment", "block_comment"}),
        ),
        Grammar(
            "c",
            "tree_sitter_c",
            "language",
            {
                "function_definition": "function",
                "struct_specifier": "struct",
                "enum_specifier": "enum",
                "type_definition": "type",
            },
            comments=_C_LIKE_COMMENTS,
        ),
        Grammar(
            "cpp",
            "tree_sitter_cpp",
            "language",
            {
                "function_definition": "function",
                "class_specifier": "class",
                "struct_specifier": "struct",
                "enum_specifier": "enum",
                "type_definition": "type",
                "namespace_definition": "namespace",
            },
            containers=frozenset({"class_specifier", "struct_specifier", "namespace_definition"}),
            wrappers=frozenset({"template_declaration"}),
            comments=_C_LIKE_COMMENTS,
        ),
        Grammar("shell", "tree_sitter_bash", "language", {"function_definition": "function"}),
        Grammar(
            "sql",
            "tree_sitter_sql",
            "language",
            {
                "create_table": "table",
                "create_view": "view",
                "create_materialized_view": "view",
                "create_function": "function",
                "create_procedure": "procedure",
                "create_index": "index",
                "create_type": "type",
                "create_trigger": "trigger",
            },
            wrappers=frozenset({"statement"}),
        ),
    )
}

_parsers: dict[str, tree_sitter.Language] = {}
_lock = threading.Lock()


def grammar_for(language: str, dialect: str | None = None) -> Grammar | None:
    """The grammar of a language (``dialect`` first where one is given, e.g. ``tsx``)."""
    return GRAMMARS.get(dialect or language) or GRAMMARS.get(language)


def parser(grammar: Grammar) -> tree_sitter.Parser:
    """A new parser for ``grammar`` (parsers are cheap; the language is loaded once per process).

    A grammar wheel that is missing or built for another tree-sitter is ``UnsupportedMedia``
    naming the package to install."""
    with _lock:
        language = _parsers.get(grammar.name)
        if language is None:
            try:
                pointer = getattr(importlib.import_module(grammar.module), grammar.function)()
                language = tree_sitter.Language(pointer)
            except (ImportError, AttributeError, ValueError) as exc:
                package = grammar.module.replace("_", "-")
                raise UnsupportedMedia(
                    f"{grammar.name} code needs the {package} package (pip install {package}): {exc}"
                ) from None
            _parsers[grammar.name] = language
    return tree_sitter.Parser(language)
