"""Python sources: find with the standard library's `ast`, rewrite with libcst.

Detection walks the `ast` tree, about nine times cheaper to build than libcst's,
so libcst is imported only when a rule has a fix to make, and then parses only
the top-level statements the fix touches (`PythonDocument.cst_node`). A fix never regenerates the file: a libcst
rewrite of one node becomes the single text edit covering what changed
(`PythonDocument.rewrite`), and new lines such as an import or a helper are
insertions that copy the file's line ending.

Offsets are character offsets into the text. `ast` columns count UTF-8 bytes;
they are converted here and nowhere else.
"""

from __future__ import annotations

import ast
import bisect
import functools
import importlib.machinery
import importlib.util
import os
import sys
import unicodedata
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from hardenfix import regexes
from hardenfix.model import Edit
from hardenfix.sources import ParseError
from hardenfix.sources.python_nodes import breadth_first, kept_tree, parsed_or_none
from hardenfix.sources.text import SourceText, continues_line_above, word_starts

if TYPE_CHECKING:
    import libcst

    Node = TypeVar("Node", bound=libcst.CSTNode)

AnyNode = TypeVar("AnyNode", bound=ast.AST)
Scope = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
_SCOPES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda})

_STDLIB = sys.stdlib_module_names
_LINE_BREAK = regexes.lazy(r"\r\n|\n|\r")


def spelled_as_read(text: str) -> bool:
    """Whether each identifier in `text` is spelled as Python reads it, in NFKC form: true
    of ASCII, and of most other texts (accents, box drawing, emoji); not of one with
    compatibility characters (`ﬁ`, full-width letters), which `word_starts` would miss."""
    return text.isascii() or unicodedata.is_normalized("NFKC", text)


def block_opener(data: bytes, line_start: int) -> bytes | None:
    """For a prefilter, without parsing: the line that opens the block holding the
    statement on the line starting at `line_start`, without its indentation and line
    ending; b"" for a statement of the module's top level; None when indentation
    alone cannot tell.

    That line is the first above with less indentation, past blank and comment lines.
    It can instead be a line inside a triple-quoted string, which the lines from it to
    the statement would then show by a closing delimiter; continue a string after a
    backslash, which the line before it would end in; or continue a bracketed
    expression, which a caller tells by what it holds (a `class` or `def` header never
    does). Tabs and form feeds, whose width depends on the tokenizer's rules, and a bare
    carriage return, which Python takes for a line break, make it unsure.
    """
    indentation = _spaces_before(data, line_start)
    if indentation is None or continues_line_above(data, line_start):
        return None
    if indentation == 0:
        return b""
    end = line_start
    while end > 0:
        start = data.rfind(b"\n", 0, end - 1) + 1
        line = data[start : end - 1].removesuffix(b"\r")
        end = start
        stripped = line.lstrip(b" \t\f")
        if not stripped or stripped.startswith(b"#"):
            continue
        width = _spaces_before(data, start)
        if width is None:
            return None
        if width >= indentation:
            continue
        between = data[start:line_start]
        if (
            b'"""' in between
            or b"'''" in between
            or between.count(b"\r") != between.count(b"\r\n")
            or continues_line_above(data, start)
        ):
            return None
        return stripped
    return None


def _spaces_before(data: bytes, line_start: int) -> int | None:
    """How many spaces indent the line; None if tabs or form feeds take part."""
    index = line_start
    while data[index : index + 1] == b" ":
        index += 1
    return None if data[index : index + 1] in (b"\t", b"\f") else index - line_start


def parse(text: str, location: Path | None = None) -> PythonDocument:
    """Parse `text` with the standard library's parser.

    Errors only the compiler finds (`return` outside a function, a misplaced
    `nonlocal`) are left to it: compiling every file costs a third more than parsing
    it, and the output guard (`hardenfix.validate`) compiles every file a fix changed.
    """
    with warnings.catch_warnings():
        # Invalid escape sequences and the like warn at compile time; reporting
        # them is a linter's job, not ours, and they must not reach the terminal.
        warnings.simplefilter("ignore")
        try:
            tree = kept_tree(text) or ast.parse(text)
        except SyntaxError as error:
            raise ParseError(_syntax_error_message(error, location), error.lineno, error.offset) from None
        except (RecursionError, MemoryError):  # CPython's parser stops at 6,000 levels with a MemoryError
            raise ParseError("invalid Python: nesting is too deep to parse") from None
        except ValueError as error:  # e.g. a NUL character
            raise ParseError(f"invalid Python: {error}") from None
    document = PythonDocument(text, tree)
    document.location = location
    return document


_LATER_SYNTAX = (
    ((3, 12), lambda error: error.msg.startswith("f-string"), "more in f-strings"),  # PEP 701
    (
        (3, 12),
        lambda error: (
            error.msg.startswith("unterminated string literal")
            and _OPEN_REPLACEMENT_FIELD.search(error.text or "") is not None
        ),
        "more in f-strings",
    ),
    (
        (3, 12),
        lambda error: _TYPE_PARAMETERS.match(error.text or "") is not None,
        "type parameters and `type` statements (PEP 695)",
    ),
)
"""(The first Python that parses it, whether a syntax error is it, what later Pythons allow)."""
_TYPE_PARAMETERS = regexes.lazy(r"[ \t]*(?:(?:async[ \t]+)?def|class)[ \t]+\w+[ \t]*\[|[ \t]*type[ \t]+\w+[ \t]*[\[=]")
"""A line that opens a generic function or class (`def wrap[T](...)`), or a `type` alias."""
_OPEN_REPLACEMENT_FIELD = regexes.lazy(r"""(?i)(?<![\w])(?:f|rf|fr)(["'])(?:(?!\1)[^\\]|\\.)*\{[^}]*$""")
"""A line that ends in an f-string's open replacement field (`f"{action}::{`), which PEP 701
lets go on to the next line: Python 3.11 sees a string left unterminated."""


def _syntax_error_message(error: SyntaxError, location: Path | None) -> str:
    """What the parser said; when the file may be valid in a later Python than the one
    running, that too, and what to do: the project's `requires-python` leaves this one
    out, or (on 3.11) the error is at syntax Python 3.12 added (PEP 701's f-strings, PEP
    695's type parameters)."""
    said = f"{error.msg} at line {error.lineno}"
    running = "Python {}.{}".format(*sys.version_info[:2])
    if location is not None:
        from hardenfix.sources.python_project import required_python

        required = required_python(location)
        if required is not None:
            return (
                f"{running}, which hardenfix runs on, cannot parse it ({said}); the project requires "
                f"Python {required}: run hardenfix with one of those"
            )
    for version, fits, allowed in _LATER_SYNTAX:
        if sys.version_info < version and fits(error):
            return (
                f"{running}, which hardenfix runs on, cannot parse it ({said}); Python {version[0]}.{version[1]}"
                f" and later allow {allowed}: run hardenfix on the Python the project targets"
            )
    return f"invalid Python: {said}"


class Binding(NamedTuple):
    """A module-level name bound by an import."""

    name: str
    qualified_name: str
    """What the name refers to: `typing.NamedTuple` for `from typing import NamedTuple as NT`."""
    statement: ast.Import | ast.ImportFrom
    type_checking_only: bool
    """Bound under `if TYPE_CHECKING:`, so absent at run time."""


_SYNTAX_SINCE: tuple[tuple[type[ast.AST], tuple[int, int]], ...] = (
    (ast.JoinedStr, (3, 6)),
    (ast.AnnAssign, (3, 6)),
    (ast.NamedExpr, (3, 8)),
    (ast.Match, (3, 10)),
    (ast.TryStar, (3, 11)),
)
"""Nodes of syntax that a Python older than the version cannot parse (see `syntax_needs_python`)."""


class PythonDocument(SourceText):
    def __init__(self, text: str, tree: ast.Module) -> None:
        super().__init__(text)
        self.tree = tree
        self._block_firsts: dict[int, list[int]] = {}
        """A long block's statements' first lines, by the block's `id` (`_statements_on`)."""

    # -- positions -------------------------------------------------------------

    def offset(self, line: int, utf8_column: int) -> int:
        """The character offset of an `ast` position (1-based line, UTF-8 byte column)."""
        start = self._line_starts[line - 1]
        prefix = self.text[start : start + utf8_column]
        if prefix.isascii():
            return start + utf8_column
        encoded = self.text[start : self.line_end(start)].encode("utf-8", "surrogatepass")
        return start + len(encoded[:utf8_column].decode("utf-8", "surrogatepass"))

    def span(self, node: ast.expr | ast.stmt | ast.excepthandler | ast.arg) -> tuple[int, int]:
        assert node.end_lineno is not None and node.end_col_offset is not None
        return self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset)

    def source(self, node: ast.expr | ast.stmt) -> str:
        """The node's text as written."""
        start, end = self.span(node)
        return self.text[start:end]

    def line_after(self, node: ast.stmt) -> int:
        """Where a line inserted after the statement `node` starts (past its comment and line ending)."""
        end = self.span(node)[1]
        line_end = self.line_end(end)
        return line_end + len(self.line_ending(end))

    def blank_lines_from(self, offset: int) -> int:
        """How many blank lines start at `offset`, the start of a line."""
        count = 0
        while offset < len(self.text):
            line_end = self.line_end(offset)
            if self.text[offset:line_end].strip():
                break
            count += 1
            offset = line_end + len(self.line_ending(offset))
            if offset == line_end:  # the last line, without a line ending
                break
        return count

    def insert_lines(self, at: int, lines: Iterable[str], blank_before: int = 0, blank_after: int = 0) -> Edit:
        """Insert whole lines at `at`, the start of a line, with the file's line ending.

        `blank_after` counts the blank lines already there, so an insertion in
        front of two blank lines and a `def` adds none of its own.
        """
        newline = self.newline_for_insertion(at)
        body = [*([""] * blank_before), *lines]
        if at < len(self.text):
            padding = max(0, blank_after - self.blank_lines_from(at))
            return Edit.insert(at, newline.join([*body, *([""] * padding)]) + newline)
        # At the end of the file: keep its last line whole.
        missing_newline = "" if self.text.endswith(("\n", "\r")) or not self.text else newline
        return Edit.insert(at, missing_newline + newline.join(body) + newline)

    # -- names and imports -----------------------------------------------------

    @cached_property
    def bindings(self) -> dict[str, Binding]:
        """Names bound by module-level imports (also inside module-level `if`/`try`).

        A name bound at run time wins over one bound only for type checkers.
        """
        found: dict[str, Binding] = {}
        for statement, type_checking in module_level_statements(self.tree.body):
            if isinstance(statement, ast.Import):
                for alias in statement.names:
                    if alias.asname:
                        binding = Binding(alias.asname, alias.name, statement, type_checking)
                    else:
                        top = alias.name.partition(".")[0]
                        binding = Binding(top, top, statement, type_checking)
                    if not (type_checking and binding.name in found):
                        found[binding.name] = binding
            elif isinstance(statement, ast.ImportFrom):
                module = "." * statement.level + (statement.module or "")
                for alias in statement.names:
                    if alias.name == "*":
                        continue
                    name = alias.asname or alias.name
                    binding = Binding(name, f"{module}.{alias.name}", statement, type_checking)
                    if not (type_checking and name in found):
                        found[name] = binding
        return found

    def qualified_name(self, expression: ast.expr) -> str | None:
        """`typing.NamedTuple` for `NamedTuple`, `typing.NamedTuple`, `t.NamedTuple`, ... as imported at run time."""
        if isinstance(expression, ast.Name):
            binding = self.bindings.get(expression.id)
            return None if binding is None or binding.type_checking_only else binding.qualified_name
        if isinstance(expression, ast.Attribute):
            base = self.qualified_name(expression.value)
            return None if base is None else f"{base}.{expression.attr}"
        return None

    # -- nodes ------------------------------------------------------------------

    @cached_property
    def spelled_as_read(self) -> bool:
        """Whether a search of the module's text for a name finds every place the name stands:
        the module function `spelled_as_read` of its text, asked once."""
        return spelled_as_read(self.text)

    @cached_property
    def syntax_needs_python(self) -> tuple[int, int]:
        """The oldest Python whose parser accepts the module, as far as the syntax it uses tells
        (an f-string or an annotated assignment is 3.6's, `:=` 3.8's, `match` 3.10's); (3, 0)
        when it uses none of these. Code added in the same syntax parses wherever it does."""
        return max((since for kind, since in _SYNTAX_SINCE if self.nodes(kind)), default=(3, 0))

    @cached_property
    def _nodes_by_type(self) -> dict[type[ast.AST], list[ast.AST]]:
        """Every node of the module by its class, in `ast.walk` order, listed once for every
        rule (the expression contexts left out: see `breadth_first`)."""
        by_type: dict[type[ast.AST], list[ast.AST]] = {}
        for node in breadth_first(self.tree):
            by_type.setdefault(node.__class__, []).append(node)
        return by_type

    def nodes(self, *classes: type[AnyNode]) -> list[AnyNode]:
        """Every node whose class is one of `classes` (concrete node classes, such as
        `ast.Call`; not `ast.expr`), in `ast.walk` order for a single class."""
        by_type = self._nodes_by_type
        if len(classes) == 1:
            return by_type.get(classes[0], [])  # type: ignore[return-value]
        return [node for cls in classes for node in by_type.get(cls, [])]  # type: ignore[misc]

    def nodes_mentioning(self, words: Iterable[str], *classes: type[AnyNode]) -> list[AnyNode]:
        """The nodes of `classes` whose lines hold one of `words` (names, keywords), in no
        particular order; the rest of the tree is never visited, which makes this far
        cheaper than `nodes` when a rule knows what the nodes it wants must spell out.

        A module that may spell a name otherwise than Python reads it (`spelled_as_read`)
        gets `nodes`.
        """
        if not self.spelled_as_read:
            return self.nodes(*classes)
        lines = sorted({self.line_index(start) + 1 for word in set(words) for start in word_starts(self.text, word)})
        return [node for node in self._nodes_on(lines) if node.__class__ in classes]  # type: ignore[misc]

    def enclosing_scopes(self, node: ast.expr | ast.stmt | ast.excepthandler) -> list[Scope]:
        """The functions, lambdas and classes `node` sits in, outermost first.

        A definition's range starts at `def` or `class`, so its decorators belong to
        the scope around it, where they run.
        """
        return self.enclosing(node, *_SCOPES)  # type: ignore[arg-type]

    def enclosing(self, node: ast.expr | ast.stmt | ast.excepthandler, *classes: type[AnyNode]) -> list[AnyNode]:
        """The nodes of `classes` that `node` sits in, outermost first.

        Told by source ranges, so `classes` must not hold a class whose node can span
        exactly what its child does (`ast.Expr` around its call).
        """
        start, end = (node.lineno, node.col_offset), (node.end_lineno, node.end_col_offset)
        return sorted(
            (
                outer
                for outer in self._nodes_on([node.lineno])
                if outer.__class__ in classes
                and outer is not node
                and (outer.lineno, outer.col_offset) <= start  # type: ignore[attr-defined]
                and end <= (outer.end_lineno, outer.end_col_offset)  # type: ignore[attr-defined]
            ),
            # Outermost first, also of two that start together.
            key=lambda outer: (outer.lineno, outer.col_offset, -outer.end_lineno, -outer.end_col_offset),  # type: ignore[attr-defined]
        )

    def _nodes_on(self, lines: list[int]) -> Iterator[ast.AST]:
        """Nodes whose lines (from the first decorator of a decorated definition) take in
        one of `lines`, sorted, with the nodes without a position below them: a subtree
        elsewhere is never entered."""
        stack: list[ast.AST] = [self.tree]
        bisected_from = len(lines) * 4 + LONG_BLOCK
        while stack:
            node = stack.pop()
            for field in node._fields:
                value = getattr(node, field, None)
                if value.__class__ is not list:
                    children = (value,)
                elif len(value) > bisected_from and isinstance(value[0], ast.stmt):
                    children = self._statements_on(value, lines)
                else:
                    children = value
                for child in children:
                    if not isinstance(child, ast.AST):
                        continue
                    last = getattr(child, "end_lineno", None)
                    if last is not None:
                        index = bisect.bisect_left(lines, _first_line(child))
                        if index == len(lines) or lines[index] > last:
                            continue
                    yield child
                    stack.append(child)

    def _statements_on(self, block: list[ast.stmt], lines: list[int]) -> list[ast.stmt]:
        """The statements of `block` that take in one of `lines`, in order: for each line,
        the last statement that starts at or above it, found by bisection over where each
        starts (worked out once a block), and those before it that end on that line or
        below (`a = 1; b = 2`). A module of thousands of definitions, each with a finding,
        looked through all of them for each (1 ms a finding)."""
        firsts = self._block_firsts.get(id(block))
        if firsts is None:
            firsts = self._block_firsts[id(block)] = [_first_line(statement) for statement in block]
        chosen: set[int] = set()
        for line in lines:
            index = bisect.bisect_right(firsts, line) - 1
            while index >= 0 and block[index].end_lineno >= line:  # type: ignore[operator]
                chosen.add(index)
                index -= 1
        return [block[index] for index in sorted(chosen)]

    @cached_property
    def name_loads(self) -> dict[str, list[ast.Name]]:
        """Every `ast.Name` in the module, by identifier."""
        found: dict[str, list[ast.Name]] = {}
        for node in self.nodes(ast.Name):
            found.setdefault(node.id, []).append(node)
        return found

    @cached_property
    def module_level_names(self) -> set[str]:
        """Names the module binds at its top level, by any statement."""
        return set(self.module_level_bindings)

    @cached_property
    def module_level_bindings(self) -> dict[str, list[ast.stmt]]:
        """See `module_level_bindings`."""
        return module_level_bindings(self.tree)

    @cached_property
    def import_block(self) -> list[ast.stmt]:
        """The module's leading statements: its docstring, imports, and `if`/`try`
        blocks that only import (`if TYPE_CHECKING:`, `try: import ujson ...`)."""
        block: list[ast.stmt] = []
        for index, statement in enumerate(self.tree.body):
            if (index == 0 and _is_docstring(statement)) or _only_imports(statement):
                block.append(statement)
            else:
                break
        return block

    def after_imports(self) -> int:
        """Where code that must follow the imports goes: the start of the line after the import block."""
        if self.import_block:
            return self.line_after(self.import_block[-1])
        return self._top()

    @cached_property
    def opening_statements(self) -> list[ast.stmt]:
        """The module's statements before the first that ruff's E402 takes for code, after
        which every import is reported (see `after_opening_imports`)."""
        opening: list[ast.stmt] = []
        for statement in self.tree.body:
            if not _opens_module(self, statement):
                break
            opening.append(statement)
        return opening

    def after_opening_imports(self) -> tuple[int, ast.stmt | None]:
        """Where a module-level definition goes that must follow every import a linter
        allows at the top of the file, and the statement it then comes before.

        That is after the last statement holding an import among the module's opening
        statements: those before the first that ruff's E402 (module-import-not-at-top-of-file)
        takes for code, past which every import is reported anyway. E402 lets a docstring,
        imports, `if`/`try`/`with`/`match` blocks (`if TYPE_CHECKING:`, `try: import ujson`),
        assignments to dunder names, `sys.path` and `os.environ` changes stand among imports.
        A definition placed here comes before every function, class and top-level call, so
        it exists before any code the module runs when imported. Without an import there,
        it goes after the docstring (and the comments that open the file).
        """
        last_import = None
        for statement in self.opening_statements:
            if any(isinstance(node, ast.Import | ast.ImportFrom) for node in _statements_within(statement)):
                last_import = statement
        if last_import is None:
            at = (
                self.line_after(self.tree.body[0])
                if self.tree.body and _is_docstring(self.tree.body[0])
                else self._top()
            )
        else:
            at = self.line_after(last_import)
        following = next((s for s in self.tree.body if self.span(s)[0] >= at), None)
        return at, following

    def add_import(self, module: str, name: str | None = None) -> tuple[str, Edit | None]:
        """Make `module` (or `name` from it) available at run time.

        Returns the expression to write for it, and the edit that imports it or
        None when the module already does. An existing `from module import ...`
        gains the name (in order, when its names are sorted); otherwise a new
        line goes where isort would put a standard-library import, or after the
        imports for any other module.
        """
        if name is None:
            runtime = self._runtime_bindings()
            if module in runtime:
                return runtime[module].name, None
            return module, self._insert_import_line(f"import {module}", module, is_from=False)
        if (bound := self._bound_as(module, name)) is not None:
            return bound, None
        return name, self._import_from(module, [name])

    def names_from(self, module: str, names: Sequence[str]) -> list[str] | None:
        """How to write each of `names` from `module` once `import_names` has imported
        them, without shadowing any name the module binds or reads; None when that
        cannot be done.

        A name is reused as the module binds it; one the module does not use is
        imported by name (`from typing import Any`); when one is taken, those not
        bound are read from the module (`typing.Any`), if its name is free.
        """
        plan = self._import_plan(module, names)
        return None if plan is None else plan[0]

    def import_names(self, module: str, names: Sequence[str]) -> Edit | None:
        """The one edit that makes `names` from `module` available as `names_from` writes
        them, or None when the module has them already: an existing `from module import`
        gains them, or a new line goes where `add_import` would put it."""
        plan = self._import_plan(module, names)
        assert plan is not None, f"importing {names} from {module} would shadow a name of the module"
        _, by_name, import_module = plan
        if by_name:
            return self._import_from(module, by_name)
        return self.add_import(module)[1] if import_module else None

    def _import_plan(self, module: str, names: Sequence[str]) -> tuple[list[str], list[str], bool] | None:
        """For `names_from`: how each name is written, which to import by name, and
        whether `import module` is needed."""
        bound = [self._bound_as(module, name) for name in names]
        missing = [name for b, name in zip(bound, names, strict=True) if b is None]
        if all(self.is_unbound(name) for name in missing):
            return [b or name for b, name in zip(bound, names, strict=True)], missing, False
        runtime = self._runtime_bindings()
        if module in runtime and isinstance(runtime[module].statement, ast.Import):
            prefix = runtime[module].name
        elif "." not in module and self.is_unbound(module):
            prefix = module
        else:
            return None
        return [b or f"{prefix}.{name}" for b, name in zip(bound, names, strict=True)], [], module not in runtime

    def is_unbound(self, name: str) -> bool:
        """Whether the module neither binds nor reads `name`, so that binding it at the
        top level changes what no other code sees. A star import may bind any public name.
        A name a module never spells (`spelled_as_read`) is neither bound nor read, which
        spares a walk over every node of its tree."""
        spelled = not self.spelled_as_read or next(word_starts(self.text, name), None) is not None
        if spelled and (name in self.module_level_names or name in self.name_loads):
            return False
        return name.startswith("_") or not any(
            isinstance(statement, ast.ImportFrom) and statement.names[0].name == "*"
            for statement, _ in module_level_statements(self.tree.body)
        )

    def _runtime_bindings(self) -> dict[str, Binding]:
        """Bindings by what they refer to, those present at run time."""
        return {b.qualified_name: b for b in self.bindings.values() if not b.type_checking_only}

    def _bound_as(self, module: str, name: str) -> str | None:
        """How the module already refers to `name` from `module` at run time, if it does."""
        runtime = self._runtime_bindings()
        if f"{module}.{name}" in runtime:
            return runtime[f"{module}.{name}"].name
        if module in runtime and isinstance(runtime[module].statement, ast.Import):
            return f"{runtime[module].name}.{name}"
        return None

    def _import_from(self, module: str, names: list[str]) -> Edit:
        """`from module import names`: joined to the module's own `from module import`, or a new line."""
        for statement in self._top_level_imports():
            if (
                isinstance(statement, ast.ImportFrom)
                and statement.level == 0
                and statement.module == module
                and statement.names[0].name != "*"
            ):
                return self._add_aliases(statement, names)
        return self._insert_import_line(f"from {module} import {', '.join(names)}", module, is_from=True)

    def remove_import(self, binding: Binding) -> Edit:
        """Unbind `binding.name`, keeping the rest of its import statement as it is written."""
        import libcst

        statement = binding.statement
        node = self.cst_node(statement, libcst.ImportFrom if isinstance(statement, ast.ImportFrom) else libcst.Import)
        kept = [alias for alias in node.names if _bound_name(alias) != binding.name]
        if kept:
            if kept[-1] is not node.names[-1]:
                # The last name went: the new last takes its comma, or its lack of
                # one, so a trailing comma and the closing parenthesis stay as written.
                kept[-1] = kept[-1].with_changes(comma=node.names[-1].comma)
            return self.rewrite(node, node.with_changes(names=kept))
        return self._remove_statement(statement)

    def _remove_statement(self, statement: ast.stmt) -> Edit:
        import libcst

        start, end = self.span(statement)
        line_start = self.line_start(start)
        if self.text[line_start:start].strip() or not self._rest_of_line_is_blank(end):
            # `import a; import b`: drop the one statement from its line.
            first = line_start + len(self.indentation(line_start))
            line = self.cst_node_at(first, libcst.SimpleStatementLine)
            kept = [small for small in line.body if self.cst_position(small) != start]
            kept[-1] = kept[-1].with_changes(semicolon=libcst.MaybeSentinel.DEFAULT)
            return self.rewrite(line, line.with_changes(body=kept))
        if self._only_statement_in_block(statement):
            return Edit.replace(start, end, "pass")
        return Edit.delete(line_start, self.line_after(statement))

    def _rest_of_line_is_blank(self, offset: int) -> bool:
        rest = self.text[offset : self.line_end(offset)].strip()
        return not rest or rest.startswith("#")

    def _only_statement_in_block(self, statement: ast.stmt) -> bool:
        for node in ast.walk(self.tree):
            for field in ("body", "orelse", "finalbody"):
                block = getattr(node, field, None)
                if isinstance(block, list) and statement in block:
                    return len(block) == 1 and not isinstance(node, ast.Module)
        return False

    def imports_end(self) -> int:
        """Where the imports `add_import` and `import_names` may add to or insert among end:
        no import they add goes later."""
        imports = self._top_level_imports()
        return self.line_after(imports[-1]) if imports else self.after_imports()

    def _top_level_imports(self) -> list[ast.Import | ast.ImportFrom]:
        """The imports among the opening statements, where a new one may go: also those
        after a dunder assignment or a `sys.path` change."""
        return [
            statement
            for statement in self.opening_statements
            if isinstance(statement, ast.Import | ast.ImportFrom)
            and not (isinstance(statement, ast.ImportFrom) and statement.module == "__future__")
        ]

    def _insert_import_line(self, line: str, module: str, is_from: bool) -> Edit:
        imports = self._top_level_imports()
        if not imports:
            # After a docstring or `from __future__` imports, a new section, apart from the code after it.
            return self.insert_lines(
                self.after_imports(), [line], blank_before=1 if self.import_block else 0, blank_after=1
            )
        if module.partition(".")[0] not in _STDLIB:
            return self.insert_lines(self.line_after(imports[-1]), [line])
        # isort's default order within a section: `import x` lines, then `from x import y`.
        key = (is_from, module)
        stdlib = [statement for statement in imports if _module_of(statement).partition(".")[0] in _STDLIB]
        for statement in stdlib:
            if (isinstance(statement, ast.ImportFrom), _module_of(statement)) > key:
                return self.insert_lines(self._start_with_comments(statement), [line])
        if stdlib:
            return self.insert_lines(self.line_after(stdlib[-1]), [line])
        return self.insert_lines(self._start_with_comments(imports[0]), [line, ""])

    def before_top_level(self, node: ast.expr | ast.stmt) -> int:
        """Where lines go to come before the module-level statement that holds `node`: the
        line after the statement before it (or the top of the module), so that the blank
        lines and comments above the statement stay with it."""
        index = next(
            index
            for index, statement in enumerate(self.tree.body)
            if first_line(statement) <= node.lineno <= (statement.end_lineno or statement.lineno)
        )
        return self.line_after(self.tree.body[index - 1]) if index else self._top()

    def _start_with_comments(self, statement: ast.stmt) -> int:
        """The start of the statement's line, or of the comment lines right above it, unless
        they open the file (blank lines aside): a licence, a shebang, an encoding
        declaration stay first, as ruff's isort keeps them. redash's
        `bin/release_manager.py` opens with its shebang, then `import os`: `import logging`
        went above both."""
        own = start = self.line_start(self.span(statement)[0])
        while start > 0:
            previous = self.line_start(start - 1)
            if not self.text[previous:start].lstrip().startswith("#"):
                break
            start = previous
        return own if not self.text[:start].strip() else start

    def _top(self) -> int:
        """After the docstring, or after the comments that open the file (a shebang, a licence)."""
        if self.tree.body and _is_docstring(self.tree.body[0]):
            return self.line_after(self.tree.body[0])
        offset = 0
        while offset < len(self.text):
            line_end = self.line_end(offset)
            line = self.text[offset:line_end].strip()
            if line and not line.startswith("#"):
                break
            offset = line_end + len(self.line_ending(offset))
        return offset

    def _add_aliases(self, statement: ast.ImportFrom, new_names: list[str]) -> Edit:
        import libcst

        node = self.cst_node(statement, libcst.ImportFrom)
        assert not isinstance(node.names, libcst.ImportStar)
        names = list(node.names)
        separator = next(
            (alias.comma for alias in names[:-1] if isinstance(alias.comma, libcst.Comma)),
            libcst.Comma(whitespace_after=libcst.SimpleWhitespace(" ")),
        )
        if node.lpar is not None and isinstance(node.lpar.whitespace_after, libcst.ParenthesizedWhitespace):
            separator = libcst.Comma(whitespace_after=node.lpar.whitespace_after)
        for name in new_names:
            written = [_bound_name(alias) for alias in names]
            index = len(names)
            if written == sorted(written, key=_member_order):
                index = next((i for i, w in enumerate(written) if _member_order(w) > _member_order(name)), len(names))
            new_alias = libcst.ImportAlias(libcst.Name(name))
            if index < len(names):
                names.insert(index, new_alias.with_changes(comma=separator))
            else:
                names[-1], last = names[-1].with_changes(comma=separator), new_alias.with_changes(comma=names[-1].comma)
                names.append(last)
        return self.rewrite(node, node.with_changes(names=names))

    # -- libcst ----------------------------------------------------------------

    # libcst parses, positions and rewrites a slice of the module at a time: a fix
    # touches one statement, and parsing the whole module with libcst (about 0.6 MB/s)
    # cost more than everything else a check does on a large file. A node is looked
    # for in the innermost statement that holds it and opens a line of its own, read
    # behind an `if 1:` line for each statement around it, indented as that one is,
    # so that it parses where it stands: a fix in one method of a 2,000-line Django
    # model parses that method's statement, not the class. Failing that, in its
    # top-level slice: the lines from where `ast` says a top-level statement starts
    # (a decorated one at its first decorator) to where the next starts. Comments
    # after a statement end its slice, which no fix touches.
    #
    # libcst drops a form feed that opens a line's indentation (before a statement,
    # a decorator, an `else:`), rendering the code without it and placing what follows
    # a column short; so it reads each slice without those (`_FormFeedFree`), and
    # positions and edits are taken back to the text.

    @cached_property
    def _statement_starts(self) -> list[int]:
        """Where each top-level slice starts: 0, then each later line a top-level statement starts on."""
        lines = sorted({first_line(statement) for statement in self.tree.body})
        return [0, *(self._line_starts[line - 1] for line in lines[1:])]

    @cached_property
    def _cst_slices(self) -> dict[int, _CstSlice]:
        """The slices read so far, by where they start."""
        return {}

    @cached_property
    def _cst_starts(self) -> dict[libcst.CSTNode, tuple[int, _CstSlice]]:
        """Offsets of the nodes of the slices indexed so far, and their slices."""
        return {}

    def _slices_holding(self, offset: int) -> Iterator[_CstSlice]:
        """The slices a node starting at `offset` may be found in, the smallest first (see above)."""
        enclosing = self._statements_holding(offset)
        for depth in range(len(enclosing) - 1, 0, -1):
            statement = enclosing[depth]
            if self._opens_its_line(statement):
                headers = "".join(self._header_line(outer, statement) for outer in enclosing[:depth])
                start = self._line_starts[first_line(statement) - 1]
                yield self._cst_slice(start, self.line_after(statement), headers)
                break
        starts = self._statement_starts
        index = bisect.bisect_right(starts, offset) - 1
        yield self._cst_slice(starts[index], starts[index + 1] if index + 1 < len(starts) else len(self.text), "")

    def _cst_slice(self, start: int, end: int, headers: str) -> _CstSlice:
        if start not in self._cst_slices:
            self._cst_slices[start] = _CstSlice(start, _FormFeedFree.of(self.text[start:end]), headers)
        return self._cst_slices[start]

    def _statements_holding(self, offset: int) -> list[ast.stmt]:
        """The statements whose lines hold `offset`, outermost first."""
        holding: list[ast.stmt] = []
        block = self.tree.body
        while True:
            inner = next((s for s in block if self._line_starts[first_line(s) - 1] <= offset < self.span(s)[1]), None)
            if inner is None:
                return holding
            holding.append(inner)
            block = [statement for nested in statement_blocks(inner) for statement in nested]

    def _opens_its_line(self, statement: ast.stmt) -> bool:
        """Only blanks stand before it (or its first decorator) on its line; an `elif` is part of its `if`."""
        line_start = self._line_starts[first_line(statement) - 1]
        code = self.text[line_start : self.line_end(line_start)].lstrip(" \t\f")
        if getattr(statement, "decorator_list", None):
            return code.startswith("@")
        return self.offset(statement.lineno, statement.col_offset) == self.line_end(line_start) - len(code) and not (
            isinstance(statement, ast.If) and code.startswith("elif")
        )

    def _header_line(self, outer: ast.stmt, statement: ast.stmt) -> str:
        """A line that opens a block where `outer` stands, for a slice that starts at `statement`."""
        line_start = self._line_starts[first_line(outer) - 1]
        line = self.text[line_start : self.line_end(line_start)]
        indentation = _INDENTATION_FORM_FEEDS.sub("", line[: len(line) - len(line.lstrip(" \t\f"))])
        return f"{indentation}if 1:{self.newline_for_insertion(self._line_starts[first_line(statement) - 1])}"

    def _indexed(self, piece: _CstSlice) -> dict[tuple[type, int], list[libcst.CSTNode]]:
        """The nodes of `piece`, by type and start offset, parents first; none for a nested
        statement libcst cannot parse alone (its top-level slice is read instead)."""
        if piece.nodes is not None:
            return piece.nodes
        import libcst
        from libcst.metadata import MetadataWrapper, PositionProvider

        try:
            piece.module = libcst.parse_module(piece.headers + piece.read.code)
        except libcst.ParserSyntaxError as error:
            if piece.headers:
                piece.nodes = {}
                return piece.nodes
            line = self.line_index(piece.start) + error.raw_line
            raise ParseError(f"libcst cannot parse this file: {error.message} at line {line}") from None
        # unsafe_skip_copy: the positions must be those of the very nodes that `rewrite` replaces.
        positions = MetadataWrapper(piece.module, unsafe_skip_copy=True).resolve(PositionProvider)
        code = piece.headers + piece.read.code
        line_starts = [0, *(m.end() for m in _LINE_BREAK.finditer(code))]
        found: dict[tuple[type, int], list[libcst.CSTNode]] = {}
        for node, position in positions.items():
            at = line_starts[position.start.line - 1] + position.start.column - len(piece.headers)
            if at < 0:
                continue  # the module, and the header lines' statements
            offset = piece.start + piece.read.in_text(at)
            self._cst_starts[node] = (offset, piece)
            found.setdefault((type(node), offset), []).append(node)
        piece.nodes = found
        return found

    def cst_node_at(self, offset: int, kind: type[Node]) -> Node:
        """The libcst node of type `kind` that starts at `offset`; of several
        (`a.b.c` and `a.b` start together) the outermost."""
        for piece in self._slices_holding(offset):
            candidates = self._indexed(piece).get((kind, offset))
            if candidates:
                return candidates[0]  # type: ignore[return-value]
        raise LookupError(f"no {kind.__name__} at line {self.position(offset).line}")

    def cst_node(self, node: ast.expr | ast.stmt | ast.excepthandler, kind: type[Node]) -> Node:
        """The libcst node of type `kind` that starts where the `ast` node does."""
        return self.cst_node_at(self.span(node)[0], kind)

    def cst_position(self, node: libcst.CSTNode) -> int:
        """The offset where a node found by `cst_node` (or one inside its statement) starts."""
        return self._cst_starts[node][0]

    def rewrite(self, original: libcst.CSTNode, updated: libcst.CSTNode) -> Edit:
        """The one edit that turns the text into the text with `original` replaced by `updated`.

        libcst renders the slice holding the node, so indentation and line endings
        come out as the file writes them; only the span that differs becomes the edit.
        """
        import libcst

        piece = self._cst_starts[original][1]
        assert piece.module is not None
        replaced = piece.module.deep_replace(original, updated)
        assert isinstance(replaced, libcst.Module) and replaced.code.startswith(piece.headers)
        # libcst renders a module that ends in a bare CR without it (`x = 1\r\r` as `x = 1\r`):
        # an edit that reaches the slice's end would join its last line to the next one.
        unrendered = (
            "\r"
            if piece.read.code.endswith("\r") and piece.module.code == (piece.headers + piece.read.code)[:-1]
            else ""
        )
        edit = minimal_edit(piece.read.code, replaced.code[len(piece.headers) :] + unrendered)
        end = piece.read.in_text(edit.end, is_end=edit.end > edit.start)
        return Edit.replace(piece.start + piece.read.in_text(edit.start), piece.start + end, edit.content)


class _CstSlice:
    """Lines of a module that libcst reads on their own (see `PythonDocument._slices_holding`)."""

    __slots__ = ("headers", "module", "nodes", "read", "start")

    def __init__(self, start: int, read: _FormFeedFree, headers: str) -> None:
        self.start = start
        """Where the lines start in the module's text."""
        self.read = read
        self.headers = headers
        """The lines read before them so that they parse where they stand: '' for a top-level slice."""
        self.module: libcst.Module | None = None
        self.nodes: dict[tuple[type, int], list[libcst.CSTNode]] | None = None


_INDENTATION_FORM_FEEDS = regexes.lazy(r"(?:\A|(?<=[\n\r]))[ \t\f]*\f")
"""A line's blanks up to its indentation's last form feed, from which Python counts its indentation."""


class _FormFeedFree(NamedTuple):
    """A slice of a module without the form feeds that open its lines' indentation (and
    the blanks before them, which a form feed makes count for nothing), as libcst reads it."""

    code: str
    removed: tuple[tuple[int, int], ...]
    """(offset in `code`, length of what was removed there), in order."""

    @classmethod
    def of(cls, text: str) -> _FormFeedFree:
        if "\f" not in text:
            return cls(text, ())
        in_strings = _lines_inside_strings(text)
        if in_strings is None:
            return cls(text, ())  # libcst would not parse it either
        line_starts = [0, *(m.end() for m in _LINE_BREAK.finditer(text))]
        pieces, removed, position, dropped = [], [], 0, 0
        for match in _INDENTATION_FORM_FEEDS.finditer(text):
            if bisect.bisect_right(line_starts, match.start()) in in_strings:
                continue  # a string's own characters
            pieces.append(text[position : match.start()])
            removed.append((match.start() - dropped, match.end() - match.start()))
            dropped += match.end() - match.start()
            position = match.end()
        pieces.append(text[position:])
        return cls("".join(pieces), tuple(removed))

    def in_text(self, offset: int, is_end: bool = False) -> int:
        """An offset in `code`, in the text: a start goes after what was removed there, so
        that an edit keeps the form feed; an end before it."""
        for at, length in self.removed:
            if at > offset or (is_end and at == offset):
                break
            offset += length
        return offset


def _lines_inside_strings(text: str) -> set[int] | None:
    """The 1-based lines that start inside a string token; None when the text cannot be tokenized."""
    import io
    import tokenize

    spanning = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}
    inside: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text, newline="").readline):
            if token.type in spanning and token.end[0] > token.start[0]:
                inside.update(range(token.start[0] + 1, token.end[0] + 1))
    except (tokenize.TokenError, SyntaxError):
        return None
    return inside


def minimal_edit(old: str, new: str) -> Edit:
    """An edit replacing the differing middle of `old` with that of `new`."""
    shorter = min(len(old), len(new))
    prefix = _longest(lambda n: old[:n] == new[:n], shorter)
    suffix = _longest(lambda n: old[len(old) - n :] == new[len(new) - n :], shorter - prefix)
    return Edit.replace(prefix, len(old) - suffix, new[prefix : len(new) - suffix])


def _longest(matches: Callable[[int], bool], limit: int) -> int:
    """The largest n <= limit for which `matches(n)` holds, for a `matches` true up to
    some n and false after: bisection keeps the slice compares in C."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if matches(middle):
            low = middle
        else:
            high = middle - 1
    return low


def merge_insertions(*edits: Edit | None) -> list[Edit]:
    """The edits, with insertions at one offset joined in the order given.

    Two insertions at one point conflict in the engine (their order would be a
    guess); a rule that makes both knows the order.
    """
    merged: list[Edit] = []
    for edit in edits:
        if edit is None:
            continue
        same_point = next(
            (i for i, m in enumerate(merged) if m.start == m.end == edit.start == edit.end),
            None,
        )
        if same_point is None:
            merged.append(edit)
        else:
            merged[same_point] = Edit.insert(edit.start, _joined(merged[same_point].content, edit.content))
    return merged


def _joined(first: str, second: str) -> str:
    """Two insertions of whole lines, one after the other, with the larger of the blank
    lines each puts between them rather than both (an import that ends its section, then a
    definition that starts its own)."""
    body, rest = first.rstrip("\r\n"), second.lstrip("\r\n")
    if not body:
        return first + second
    ending, leading = first[len(body) :], second[: len(second) - len(rest)]
    newline = "\r\n" if "\r\n" in ending + leading else "\n"
    return body + newline * max(ending.count("\n"), leading.count("\n") + 1) + rest


def module_level_bindings(tree: ast.Module) -> dict[str, list[ast.stmt]]:
    """The statements that bind each name at the module's top level (a definition, an
    import, an assignment, a `for` or `with` target), in order."""
    found: dict[str, list[ast.stmt]] = {}
    for statement, _ in module_level_statements(tree.body):
        for name in bound_names(statement):
            found.setdefault(name, []).append(statement)
    return found


def module_level_statements(body: list[ast.stmt], type_checking: bool = False) -> Iterator[tuple[ast.stmt, bool]]:
    """Statements that run when the module is imported, outside functions and classes,
    with whether they sit under `if TYPE_CHECKING:`."""
    for statement in body:
        yield statement, type_checking
        if isinstance(statement, ast.If):
            yield from module_level_statements(statement.body, type_checking or _is_type_checking(statement.test))
            yield from module_level_statements(statement.orelse, type_checking)
        elif isinstance(statement, ast.Try | ast.TryStar):
            for block in (statement.body, statement.orelse, statement.finalbody):
                yield from module_level_statements(block, type_checking)
            for handler in statement.handlers:
                yield from module_level_statements(handler.body, type_checking)
        elif isinstance(statement, ast.With | ast.AsyncWith | ast.For | ast.AsyncFor | ast.While):
            yield from module_level_statements(statement.body, type_checking)
            yield from module_level_statements(getattr(statement, "orelse", []), type_checking)
        elif isinstance(statement, ast.Match):
            for case in statement.cases:
                yield from module_level_statements(case.body, type_checking)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def last_name(expression: ast.expr) -> str | None:
    """The last name of a dotted name (`exception` for `logging.exception`, `Optional` for
    `Optional`); None for any other expression."""
    if isinstance(expression, ast.Attribute):
        return expression.attr
    return expression.id if isinstance(expression, ast.Name) else None


def is_main_test(test: ast.expr) -> bool:
    """Whether an `if` tests `__name__ == "__main__"`: its block runs when the module runs
    as a script (or with `python -m`), never when it is imported."""
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )


def _first_line(node: ast.AST) -> int:
    """Where a positioned node starts: its first decorator's line for a decorated definition."""
    first: int = node.lineno  # type: ignore[attr-defined]
    for decorator in getattr(node, "decorator_list", ()):
        first = min(first, decorator.lineno)
    return first


LONG_BLOCK = 32
"""Statements in a block past which `_nodes_on` finds those on its lines by bisection, with
four more for each line it is asked of: a module's top level of hundreds of definitions."""


@functools.lru_cache(maxsize=64)
def has_main_block(text: str) -> bool:
    """Whether a module's top level has an `if __name__ == "__main__":` block, as a script
    does; True when it cannot be parsed, and may have one. Asked again of the same text by
    each Dockerfile that copies it (PMOVES.AI's 44 asked of 13 modules 42 times): the
    answers for the last 64 texts are kept, and the texts with them."""
    tree = parsed_or_none(text)
    if tree is None:
        return True
    return any(isinstance(statement, ast.If) and is_main_test(statement.test) for statement in tree.body)


def docstring_of(node: ast.AsyncFunctionDef | ast.FunctionDef | ast.ClassDef | ast.Module) -> str | None:
    """The node's docstring as written. `ast.get_docstring` cleans it by default with
    `inspect.cleandoc`, and importing `inspect` is 5 ms, a tenth of a one-module check; what
    the rules look for in a docstring does not depend on its indentation."""
    return ast.get_docstring(node, clean=False)


def is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def first_line(statement: ast.stmt) -> int:
    """The statement's first line: its first decorator's, for a decorated definition."""
    return min([statement.lineno, *(decorator.lineno for decorator in getattr(statement, "decorator_list", ()))])


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )


_ALLOWED_AMONG_IMPORTS = (
    "sys.path",
    "os.environ",
    "os.putenv",
    "site.addsitedir",
    "pytest.importorskip",
    "matplotlib.use",
)
"""What ruff's E402 lets a module call or change between its imports (with a docstring,
dunder assignments and blocks); anything under these names is taken for one of them."""


def _opens_module(document: PythonDocument, statement: ast.stmt) -> bool:
    """Whether ruff's E402 may let `statement` stand before an import (see
    `after_opening_imports`). When unsure it says yes: a definition placed after an import
    that E402 already reports adds no report."""
    if isinstance(statement, ast.Import | ast.ImportFrom | ast.If | ast.Try | ast.TryStar | ast.With | ast.Match):
        return True
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
        return isinstance(statement.value.value, str)
    targets: list[ast.expr] = []
    if isinstance(statement, ast.Assign | ast.AnnAssign | ast.AugAssign):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        if all(isinstance(t, ast.Name) and t.id.startswith("__") and t.id.endswith("__") for t in targets):
            return True
    elif isinstance(statement, ast.Expr):
        targets = [statement.value]
    return any(_names_allowed_among_imports(document, target) for target in targets)


def _names_allowed_among_imports(document: PythonDocument, expression: ast.expr) -> bool:
    """Whether `expression` calls, reads or changes something under `_ALLOWED_AMONG_IMPORTS`."""
    while isinstance(expression, ast.Call | ast.Subscript | ast.Attribute):
        name = document.qualified_name(expression) or ast.unparse(expression)
        if any(name == allowed or name.startswith(allowed + ".") for allowed in _ALLOWED_AMONG_IMPORTS):
            return True
        expression = expression.func if isinstance(expression, ast.Call) else expression.value
    return False


def _statements_within(statement: ast.stmt) -> Iterator[ast.stmt]:
    """`statement` and the statements in its blocks, outside functions and classes."""
    yield statement
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return
    for block in statement_blocks(statement):
        for inner in block:
            yield from _statements_within(inner)


def statement_blocks(statement: ast.stmt) -> list[list[ast.stmt]]:
    """The blocks of a compound statement: its body, `else`, `finally`, handlers' and cases' bodies."""
    blocks = [getattr(statement, field, []) for field in ("body", "orelse", "finalbody")]
    blocks.extend(handler.body for handler in getattr(statement, "handlers", []))
    blocks.extend(case.body for case in getattr(statement, "cases", []))
    return blocks


def _only_imports(statement: ast.stmt) -> bool:
    """An import, or an `if`/`try` whose branches only import (or fall back to a plain value)."""
    if isinstance(statement, ast.Import | ast.ImportFrom):
        return True
    if isinstance(statement, ast.If):
        branches = [statement.body, statement.orelse]
    elif isinstance(statement, ast.Try):
        branches = [statement.body, statement.orelse, statement.finalbody, *(h.body for h in statement.handlers)]
    else:
        return False
    return all(
        _only_imports(inner)
        or isinstance(inner, ast.Pass)
        or (isinstance(inner, ast.Assign) and isinstance(inner.value, ast.Constant | ast.Name | ast.Attribute))
        for branch in branches
        for inner in branch
    )


def bound_names(statement: ast.stmt) -> list[str]:
    """The names a statement binds in its scope: a definition's, an import's (`import a.b`
    binds `a`), an assignment's or a `for`/`with` target's."""
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [statement.name]
    if isinstance(statement, ast.Import | ast.ImportFrom):
        return [alias.asname or alias.name.partition(".")[0] for alias in statement.names]
    return [n.id for target in assigned_targets(statement) for n in ast.walk(target) if isinstance(n, ast.Name)]


def assigned_targets(statement: ast.stmt) -> list[ast.expr]:
    """The targets a statement assigns to, as written (`a, b` for `a, b = f()`)."""
    if isinstance(statement, ast.Assign):
        return statement.targets
    if isinstance(statement, ast.AnnAssign | ast.AugAssign | ast.For | ast.AsyncFor):
        return [statement.target]
    if isinstance(statement, ast.With | ast.AsyncWith):
        return [item.optional_vars for item in statement.items if item.optional_vars is not None]
    return []


def _module_of(statement: ast.Import | ast.ImportFrom) -> str:
    if isinstance(statement, ast.Import):
        return statement.names[0].name
    return "." * statement.level + (statement.module or "")


def _member_order(name: str) -> tuple[int, str]:
    """Where isort and ruff (`order-by-type`) put a name in `from x import ...`: constants,
    then classes, then the rest, each alphabetically regardless of case."""
    kind = 0 if len(name) > 1 and name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name.lower()


def _bound_name(alias: libcst.ImportAlias) -> str:
    """The name an import alias binds: `b` for `a as b`, `a` for `a.b.c`."""
    from libcst.helpers import get_full_name_for_node

    if alias.asname is not None:
        return get_full_name_for_node(alias.asname.name) or ""
    return (get_full_name_for_node(alias.name) or "").partition(".")[0]


@functools.cache
def _package_of(folder: str) -> str:
    """The dotted name of the package `folder` is, by the `__init__.py` files up to the
    first folder without one; "" for a folder outside any package."""
    if not os.path.isfile(os.path.join(folder, "__init__.py")):
        return ""
    parent = os.path.dirname(folder)
    outer = _package_of(parent) if parent != folder else ""
    name = os.path.basename(folder)
    return f"{outer}.{name}" if outer else name


_TEST_FOLDERS = frozenset({"test", "tests"})


def is_test_file(location: Path) -> bool:
    """Whether the file at `location` holds tests, by pytest's conventions: `test_*.py`,
    `*_test.py`, `conftest.py`, or any file under a folder named `tests` or `test`, below the
    working directory when the file is in it, so that a checkout that happens to live under
    one is not all tests."""
    path = os.fspath(location)
    folder, _, name = path.rpartition(os.sep)
    if name == "conftest.py" or name.endswith("_test.py") or (name.startswith("test_") and name.endswith(".py")):
        return True
    return _names_a_test_folder(folder) and _under_test_folder(path)


@functools.cache
def _names_a_test_folder(folder: str) -> bool:
    return not _TEST_FOLDERS.isdisjoint(folder.split(os.sep))


def _under_test_folder(path: str) -> bool:
    absolute = os.path.abspath(path)
    cwd = os.path.join(os.getcwd(), "")
    folders = (absolute.removeprefix(cwd) if absolute.startswith(cwd) else absolute).split(os.sep)[:-1]
    return any(folder in _TEST_FOLDERS for folder in folders)


def module_name(location: Path) -> str:
    """The name `import` would give the file at `location`: its stem, under the packages
    its folders form (`json.decoder` for `Lib/json/decoder.py`)."""
    package = _package_of(os.path.dirname(os.path.abspath(location)))
    stem = location.stem
    if stem == "__init__":
        return package or location.parent.name
    return f"{package}.{stem}" if package else stem


@functools.cache
def modules_imported_by(module: str) -> frozenset[str]:
    """The standard-library modules that importing `module` imports, itself included,
    as the running interpreter would: each module's source is the one
    `importlib.util.find_spec` finds, and what it imports is read from the imports it
    runs when imported (at its top level, in blocks and class bodies; not in functions),
    transitively. Builtin and extension modules import nothing more.

    It may name more than importing really imports (imports under a condition that is
    false here, or that fail and are caught), never less: `tests/test_python_rules.py`
    checks that every module a fresh interpreter loads for the import is named.
    """
    found: dict[str, bool] = {}  # name -> whether it is a package
    pending = [(module, True)]
    while pending:
        imported, named_as_module = pending.pop()
        parts = imported.split(".")
        for length in range(1, len(parts) + 1):
            name = ".".join(parts[:length])
            parent = ".".join(parts[: length - 1])
            if name in found or parts[0] not in _STDLIB:
                continue
            if parent and not found.get(parent) and not named_as_module:
                continue  # `from a import b` with `a` a module: `b` is an attribute
            try:
                spec = importlib.util.find_spec(name)
            except (ImportError, ValueError):
                spec = None  # also `os.path`, which `os` puts in `sys.modules` itself
            if spec is None and not named_as_module:
                continue
            found[name] = spec is not None and spec.submodule_search_locations is not None
            source = _source_file(spec) if spec is not None else None
            if source is not None:
                tree = parsed_or_none(source.read_bytes())
                if tree is not None:
                    pending.extend(_imported_when_run(tree, name if found[name] else parent))
    return frozenset(found)


def _source_file(spec: importlib.machinery.ModuleSpec) -> Path | None:
    """The Python source of a module, also of a frozen one (which names it in its loader state)."""
    origin = spec.origin if spec.origin and spec.origin.endswith(".py") else None
    origin = origin or getattr(spec.loader_state, "filename", None)
    return Path(origin) if origin and os.path.isfile(origin) else None


def _imported_when_run(tree: ast.Module, package: str) -> Iterator[tuple[str, bool]]:
    """The modules a module's own code imports when it runs, absolute, each with whether
    it is certainly a module's name: for `from a import b`, `a.b` may be an attribute."""
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        statement = pending.pop()
        if isinstance(statement, ast.Import):
            yield from ((alias.name, True) for alias in statement.names)
        elif isinstance(statement, ast.ImportFrom):
            base = package.rsplit(".", statement.level - 1)[0] if statement.level > 1 else package
            source = statement.module or ""
            if statement.level:
                source = f"{base}.{source}" if source else base
            yield source, True
            yield from ((f"{source}.{alias.name}", False) for alias in statement.names if alias.name != "*")
        elif isinstance(statement, ast.ClassDef):
            pending.extend(statement.body)
        elif not isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            pending.extend(s for s in _statements_within(statement) if s is not statement)
