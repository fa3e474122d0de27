from __future__ import annotations

import ast
import functools
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from hardenfix import regexes
from hardenfix.model import Applicability, Category, Edit, FileKind, Finding
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.python import (
    PythonDocument,
    Scope,
    docstring_of,
    is_test_file,
    last_name,
    merge_insertions,
    module_name,
    modules_imported_by,
)
from hardenfix.sources.python_nodes import breadth_first, child_nodes, parsed_or_none
from hardenfix.sources.text import word_starts

if TYPE_CHECKING:
    import libcst

_BROAD = frozenset({"Exception", "BaseException"})
_SUPPRESS = "contextlib.suppress"
_EMPTY_CONSTRUCTORS = frozenset({"list", "dict", "set", "tuple", "frozenset", "str", "bytes", "int", "float", "bool"})
_PREDICATES = frozenset({"bool", "isinstance", "issubclass", "hasattr", "callable", "all", "any"})
"""Builtins whose result is True or False."""
_PREDICATE_NAME = regexes.lazy(
    r"_*(?:(?:is|has|can|should)_\w+|(?:is_)?valid|exists|is(?:file|dir|link|abs|mount|atty))"
)
"""How a function whose result is True or False is named: `is_ready`, `_has_key`, `_valid`,
`os.path.exists`, `os.path.isfile`, `stream.isatty`."""
_LOGGER_NAMES = ("logger", "log", "LOGGER", "LOG", "_logger", "_log", "_LOGGER", "_LOG")
"""Names a module or class gives its logger, in the order one is chosen when it has several."""
_NEW_LOGGER_NAMES = ("logger", "_logger", "log", "_log")
_LOGGER_FACTORIES = frozenset({"getLogger", "get_logger", "getChild", "get_task_logger", "LoggerAdapter"})
"""Calls that return a logger with an `exception` method: the standard library's,
structlog's and celery's, and projects' own `get_logger` helpers, which wrap them."""
_LOGGING_MODULE = regexes.lazy(r"_*log(?:s|ger|gers|ging)?", re.IGNORECASE)
"""A module a logger is imported from: `tornado.log`, `app.logging`, `.logger`."""
_EXEMPT_FUNCTION = regexes.lazy(
    # releases resources, where a failure has nothing left to spoil
    r"del|exit|aexit|release|stop|kill|"
    r"(?:a?close|cleanup|teardown|shutdown|dispose|destroy|finali[sz]e|terminate|disconnect|remove|unlink)\w*|"
    # a test, wherever it lives
    r"test|test_\w*|setup|setupclass|"
    # only shows or reports: its defaults end up in a text, not in a result
    r"repr|\w+_repr|str|format|emit|log|log_\w+|"
    # promises by its name never to raise
    r"\w*safe\w*",
    re.IGNORECASE,
)
"""Names (stripped of underscores) of functions whose catches are not findings: `close`,
`__exit__`, `tearDown`, `cleanup_tmp`, `remove_pidfile`; `test_login`, `setUp`; `__repr__`,
werkzeug's debugger's `fallback_repr`, `log_request`; `safe_str`, `_safecall`."""
_NEVER_RAISES = regexes.lazy(
    r"\b(?:must|should|will|does|shall|can)(?:\s+not|n't)\s+raise\b|\bnever\s+raises?\b|\bwon't\s+raise\b",
    re.IGNORECASE,
)
"""How a docstring promises that its function never raises: mlflow's
`get_or_create_installation_id`, "This function MUST NOT raise an exception"."""
_FAILURE_WORD = regexes.lazy(
    r"\b(?:fail(?:s|ed|ure)?|errors?|exceptions?|rais(?:e[sd]?|ing)|throw(?:s|n|ing)?|cannot|can't|could\s+not"
    r"|couldn't|unable|invalid)\b",
    re.IGNORECASE,
)
_DOCSTRING_CLAUSE = regexes.lazy(r"(?<=[.;!?])\s+|\n\s*\n")
"""Where a docstring's sentences and clauses end: what one says of a value stays in it."""
_TEST_CLASS = regexes.lazy(r"Test(?:[A-Z0-9_]\w*)?|\w*[a-z0-9_]Tests?|\w*TestCase")
"""Names of classes holding tests (pytest's `Test*`, unittest's `*TestCase`), or their bases."""
# For the prefilter: how a constant (`_is_constant`) starts, and assignment targets.
_CONSTANT_START = (
    rb"(?:None|True|False|\.\.\.|[-+]?[ \t]*\.?\d|[bBrRuU]{0,2}[\"']|[\[({]"
    rb"|(?:list|dict|set|tuple|frozenset|str|bytes|int|float|bool)\([ \t]*\))"
)
_TARGET = rb"\*?[A-Za-z_][\w.]*+(?:\[[^\]\r\n]*+\])?"
_TARGETS = rb"(?:\([ \t]*+)?" + _TARGET + rb"(?:[ \t]*+,[ \t]*+" + _TARGET + rb")*+[ \t]*+,?[ \t]*+\)?"
_ASSIGNED_CONSTANT = rb"(?:" + _TARGETS + rb"[ \t]*+(?::[^=\r\n]*+)?=[ \t]*+)++" + _CONSTANT_START
_HANDLER_START = regexes.lazy(
    # Each part is bounded by a line or a bracket, and what cannot match differently is
    # possessive (`*+`): on `logging.getLogger(...)` after a clause, backtracking
    # through whitespace and names cost 50 microseconds a handler.
    rb"except(?:[ \t]*|[ \t]*\([^)]*\b(?:Base)?Exception\b[^)]*\)"
    rb"|[ \t]+(?:[\w.]+[ \t]*,[ \t]*)*[\w.]*\b(?:Base)?Exception\b)"
    rb"(?:[ \t]+as[ \t]+\w+)?[ \t]*:"
    rb"(?:\s*+#[^\r\n]*+)*+\s*+"
    rb"(?:(?:pass\b|\.\.\.|[bBrRuU]{0,2}(?:\"[^\"\r\n]*+\"|'[^'\r\n]*+'))[ \t]*+(?:[;#][^\r\n]*+)?\s*+)*"
    rb"(?:pass\b|\.\.\.|return\b[ \t]*+(?:\Z|[\r\n;#]|" + _CONSTANT_START + rb")|" + _ASSIGNED_CONSTANT + rb")"
)
_STATEMENT_ASSIGNING_A_CONSTANT = regexes.lazy(_ASSIGNED_CONSTANT)
_RETURN = regexes.lazy(rb"\breturn\b")
_BLOCK_OPENER = regexes.lazy(rb"(?:async\s+)?(?:def|class|if|elif|else|for|while|with|try|except|finally|match|case)\b")
TRY_ALONE_COST = 256
"""What parsing a `try` statement alone costs besides its bytes, in bytes the parser reads in
that time: finding its lines, and starting the parser, about 30 microseconds a statement. A
module of 3,000 small functions, each a `try` whose handler re-raises, spent 150 ms on them
where parsing it took 220."""
_MAY_CONTINUE_A_STRING = regexes.lazy(rb"\"\"\"|'''|\\\r?\n")
_SUPPRESS_EXCEPTION = regexes.lazy(rb"suppress\([^)]*\b(?:Base)?Exception\b")
_IMPORT_CALLS = frozenset({"import_module", "__import__"})
_SILENCE_INTENDED = regexes.lazy(
    r"#[ \t]*noqa(?![ \t]*:)|#[ \t]*noqa[ \t]*:[\w \t,-]*?\b(?:BLE001|S110|S112)\b", re.IGNORECASE
)
"""A ruff suppression saying a catch is silent on purpose: `# noqa: BLE001` (ruff reports a
blind `except` only where it neither logs nor re-raises), `S110` or `S112` (a `try`-`except`
that passes or continues), or a bare `# noqa`."""
_STDLIB_OR_LOGGING = frozenset({*sys.stdlib_module_names, "logging"})
_TEST_FILE = "test file"
_NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_LEAVING = (ast.Return, ast.Break, ast.Continue)


def _may_keep_a_default(handler: re.Match[bytes], tries: _TriesAlone) -> bool:
    """Whether a handler `_HANDLER_START` found may be a finding, told from the lines around
    it, and yes wherever they do not make it plain. One that returns or assigns a constant
    may; one that only passes keeps a default only where its `try` block returns (and the
    function returns a constant after it, or ends) or a statement before the `try`, in its
    block, assigns a constant. The common `except Exception: pass` after a block that only
    acts is neither: the file need not be parsed for it. Where the lines leave it open, the
    `try` statement parsed alone says (`_TriesAlone`): the handler of `except Exception:
    x = None` that goes on to `raise`, or of a block that imports, is none."""
    data = handler.string
    line_start = data.rfind(b"\n", 0, handler.start()) + 1
    indent = data[line_start : handler.start()]
    if indent.strip():
        return True
    above = _try_above(data, line_start, indent, tries.above)
    if above is None:
        return True
    try_start, returns = above
    if not _lines_may_keep_a_default(handler, indent, try_start, returns):
        return False
    statement = tries.parsed(try_start, line_start, _block_end(data, line_start, indent), indent)
    return statement is None or _may_hide_a_default(statement)


def _lines_may_keep_a_default(handler: re.Match[bytes], indent: bytes, try_start: int, returns: bool) -> bool:
    """`_may_keep_a_default` from the lines alone, for the handler indented by `indent` of
    the `try` at `try_start`, whose block, or an earlier handler, `returns` or not."""
    data = handler.string
    # The pattern reads on past the handler's end: the constant it ends at may come after it.
    matched = handler.group().rstrip()  # a bare `return` takes its line's end along
    last_line = data.rfind(b"\n", 0, handler.start() + len(matched)) + 1
    in_handler = last_line <= handler.start() or _deeper(_indentation(data[last_line : handler.end()]), indent)
    if in_handler and not matched.endswith((b"pass", b"...")):
        return True
    if returns:
        return True
    for _, line in _lines_before(data, try_start):  # the statements before the `try` in its block, last first
        level, stripped = _indentation(line), line.lstrip()
        if level == indent:
            if _STATEMENT_ASSIGNING_A_CONSTANT.match(stripped) or stripped[:1] in b")]}" or line.endswith(b"\\"):
                return True  # a constant assigned, or a bracket or line break that may end or begin one
        elif not _deeper(level, indent):
            # The line that opens the block; anything else (a line of a string) may hide one above.
            opens_block = _BLOCK_OPENER.match(stripped) and stripped.split(b"#", 1)[0].rstrip().endswith(b":")
            return not opens_block
    return False


def _try_above(
    data: bytes, line_start: int, indent: bytes, known: dict[int, tuple[int, bool] | None]
) -> tuple[int, bool] | None:
    """Where the `try` of the handler whose line starts at `line_start` starts, and whether
    the lines of its block, or of the handlers before this one, say `return`; None where a
    line out of the block, or of mixed indentation, or another statement comes before a
    `try`. `known` holds the answers for the handlers' lines looked above so far, and is
    told this one: a handler looks above only as far as the last one of its `try` (a
    `try` of 3,000 handlers took 6 s, each looking above through all before it)."""
    returns = False
    found: tuple[int, bool] | None = None
    for start, line in _lines_before(data, line_start):
        level, stripped = _indentation(line), line.lstrip()
        if level != indent:
            if not _deeper(level, indent):
                break
            returns = returns or _RETURN.search(stripped) is not None
        elif stripped.startswith(b"try") and stripped[3:].lstrip().startswith(b":"):
            found = start, returns or _RETURN.search(stripped, 3) is not None
            break
        elif not stripped.startswith(b"except"):
            break
        elif start in known:
            earlier = known[start]
            found = (earlier[0], returns or earlier[1]) if earlier is not None else None
            break
    known[line_start] = found
    return found


def _block_end(data: bytes, line_start: int, indent: bytes) -> int:
    """Where the block of the handler whose line starts at `line_start` ends: at the first
    line after it of code indented no deeper than `indent`. A line of a string less
    indented ends it too soon: what is cut there does not parse."""
    end = data.find(b"\n", line_start)
    while end != -1:
        start = end + 1
        end = data.find(b"\n", start)
        line = data[start:] if end == -1 else data[start:end]
        stripped = line.strip()
        if stripped and not stripped.startswith(b"#") and not _deeper(_indentation(line), indent):
            return start
    return len(data)


class _TriesAlone:
    """The `try` statements of a file's handlers, each parsed alone from its lines: a few
    lines where the file is thousands. Up to half the file in all, each counted with
    `TRY_ALONE_COST` bytes more: past that, parsing the file costs less than going on."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.left = len(data) // 2
        self.above: dict[int, tuple[int, bool] | None] = {}
        """Where the `try` of each handler's line looked above from starts (`_try_above`)."""

    def parsed(self, start: int, handler_line: int, end: int, indent: bytes) -> ast.Try | None:
        """The `try` statement written from `start` to `end`, indented by `indent`, whose
        last handler's line starts at `handler_line`; None where the budget is spent or the
        lines do not parse on their own as one `try`.

        None too where a string may go on over a line before the handler (a triple quote, a
        line ending in a backslash): a `try:` found there may be a line of it, and what
        parses from it another statement than the file's. In the handler's block, a string
        or a bracket going on below the block's indentation is cut where the block is taken
        to end, and what is cut does not parse."""
        above = self.data[start:handler_line]
        cost = end - start + TRY_ALONE_COST
        if cost > self.left or _MAY_CONTINUE_A_STRING.search(above):
            return None
        self.left -= cost
        lines = self.data[start:end]
        module = parsed_or_none(b"if 1:\n" + lines if indent else lines)
        if module is None or len(module.body) != 1:
            return None
        statement = module.body[0]
        if indent and isinstance(statement, ast.If) and len(statement.body) == 1:
            statement = statement.body[0]
        return statement if isinstance(statement, ast.Try) else None


def _may_hide_a_default(statement: ast.Try) -> bool:
    """Whether the last handler of `statement` may hide a default as `_hidden_default`
    decides, whatever the code around says: not where the block imports, nor where the
    handler does more than give a constant to what the block assigns or return one, nor
    where the block computes nothing, neither returning nor assigning a value that a
    default could stand in for."""
    if _imports(statement.body):
        return False
    returns_result, assigned = _results_of(statement.body)
    return _defaults_in(statement.handlers[-1].body, assigned) is not None and (returns_result or bool(assigned))


def _indentation(line: bytes) -> bytes:
    return line[: len(line) - len(line.lstrip())]


def _deeper(level: bytes, than: bytes) -> bool:
    return len(level) > len(than) and level.startswith(than)


def _lines_before(data: bytes, end: int) -> Iterator[tuple[int, bytes]]:
    """The lines before offset `end` (a line's start), last first, each with where it
    starts, blank lines and comments left out, without their line endings."""
    while end > 0:
        start = data.rfind(b"\n", 0, end - 1) + 1
        line = data[start : end - 1].rstrip(b"\r")
        end = start
        if line.strip() and not line.lstrip().startswith(b"#"):
            yield start, line


class _Catch(NamedTuple):
    """A broad catch: an `except` handler of a `try`, or a `with contextlib.suppress(...)`."""

    statement: ast.Try | ast.With
    handler: ast.ExceptHandler | None
    """None for a `suppress`."""
    clause: str
    """As the message names it: `except Exception:`, `suppress(Exception)`."""
    suppress: ast.Call | None = None

    @property
    def clause_end(self) -> ast.expr | None:
        """Where the clause ends: the caught type, or the `suppress(...)` call; None for a bare `except:`."""
        return self.suppress if self.handler is None else self.handler.type


class _HiddenDefault(NamedTuple):
    catch: _Catch
    chain: list[Scope]
    """The functions and classes the catch is in, outermost first."""
    hides: str
    """What stands in for the result: "`return []`", "`rate = 0.0`", "`rate` at its default `0.0`"."""
    subject: str
    """What failed, for the log: `Client.fetch failed`, `Computing VERSION failed`."""

    @property
    def function(self) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        return self.chain[-1] if self.chain and isinstance(self.chain[-1], _FUNCTIONS) else None

    @property
    def where(self) -> str:
        """`Client.fetch` for a method, `outer.inner` for a nested function, "" outside functions."""
        return _qualified(self.chain) if self.function is not None else ""

    @property
    def fixable_statement(self) -> bool:
        """Whether the catch can be rewritten: a `with` holding more than a `suppress`
        cannot, nor one that binds it (`with suppress(Exception) as guard:`), whose name the
        `try` would not bind."""
        if self.catch.handler is not None:
            return True
        items = self.catch.statement.items
        return len(items) == 1 and items[0].optional_vars is None


class _Logger(NamedTuple):
    expression: str
    """`logger`, `self.log`: what the handler calls `exception` on."""
    is_new: bool
    """Whether the fix defines it, as `<expression> = logging.getLogger(__name__)`."""


class BroadExceptSilentDefault(Rule):
    """
    ## What it does
    Finds a broad `except` (`except:`, `except Exception:`, `except BaseException:`,
    or a tuple holding one of them) or `contextlib.suppress(Exception)` that turns
    the failure of a computation into a default value standing in for its result:

    - **returned default**: the `try` block returns or assigns a computed value and
      the handler returns a constant instead (`return []`, `return 0.0`,
      `return None` in a function that otherwise returns values);
    - **assigned default**: the `try` block assigns a computed value to a name (or
      an attribute or item) and the handler assigns a constant to the same one;
    - **kept default**: the handler only `pass`es (or the block is a `suppress`)
      and the name the block assigns keeps the constant an earlier statement of
      its block last assigned it (`x = None` before `try: x = compute()`), or the
      function goes on to `return` a constant right after (or ends, returning
      None) where the block returned a computed value.

    A computed value is anything but a constant: a constant is a literal (`None`,
    `0`, `""`, `False`), a container of literals (`[]`, `{"uploaded": {}}`) or an
    empty builtin constructor (`list()`, `dict()`).

    Not findings:

    - handlers that log, re-raise or do anything else;
    - a block that only acts (`f.close()`, `os.remove(path)`, `metrics.inc()`),
      which loses no result;
    - a handler that only `pass`es without a default standing in: it swallows the
      failure but fakes no result (ruff's S110 and BLE001 report swallowing and
      broad catches as such; on real code they are mostly deliberate best-effort
      cleanup and instrumentation);
    - imports in the block (feature detection), by a statement or a call
      (`importlib.import_module(name)`, `__import__(name)`);
    - a handler after which the function raises, whatever the default: the rest
      of each block holding the `try`, up to the function's body, leaves by
      neither `return`, `break` nor `continue`, and ends in `raise` (onyx's
      `detail` read from an error response's JSON for the `HTTPException` it
      raises next): the default only shapes the error, which reports the
      failure;
    - a catch whose clause's line tells ruff its silence is intended: `# noqa:
      BLE001` (ruff reports a blind `except` only where it neither logs nor
      re-raises), `S110` or `S112` (`try`-`except`-`pass` or `continue`), or a bare
      `# noqa`. pylint's `broad-except` is no such word: pylint reports every broad
      catch, logged or not, and projects disable it on every one;
    - functions that release resources (`close`, `__del__`, `__exit__`,
      `cleanup*`, `shutdown*`, `remove*`, `tearDown`, ...) and `finally` blocks;
    - functions that only show or report (`__repr__`, `__str__`, `*_repr`,
      `log_*`, `emit`), or promise never to raise, by their name (`safe_str`, `_safecall`)
      or their docstring ("This function MUST NOT raise an exception");
    - a default, returned or assigned, the function's docstring names as its
      result on failure, in one clause, the value before the failure: "Return
      None if the conversion fails", "or None if the URI cannot be parsed",
      "Returns empty strings if parsing fails", "Fallback to 'ascii' if the
      encoding is unsupported by Python or could not be determined" (a failure
      word: fail, error, exception, raise, cannot, could not, unable, invalid).
      "None if the path is not a repository" says nothing of failures, and stays
      a finding;
    - returning a constant from a function whose every result is a constant
      (`return False` where it otherwise returns `True` reports the failure);
    - `False` from a predicate, a function whose every result is True or False
      (a comparison, `not`, `bool(...)`, `isinstance(...)`, a call of a function
      named as a predicate, `is_ready()`, `os.path.exists(...)`, a flag named as
      one, `conn.is_connected`, `and`/`or` or `x if c else y` of those), or named
      (`is_*`, `has_*`, `can_*`, `should_*`, `_valid`) or annotated (`-> bool`)
      as one, whose other results are calls, attributes or names, or choices
      among those (redash's `_valid` returns `validate(value)`, mlflow's
      `is_in_databricks_repo_notebook` `path is not None and
      path.startswith("/Repos")`, mem0's `_stdin_is_piped() -> bool`
      `S_ISFIFO(mode) or S_ISREG(mode)`),
      or assigned to a name the block only gives such a value
      (`return "/" in cidr and bool(IPv4Network(cidr))`): the failure is its
      answer, no. `True` on failure ("it worked") stays a finding;
    - returning `False` with the reason (`return (False, "no yum based system
      detected")`, as salt's `__virtual__` tells why a module does not load);
    - a text standing in for one the block builds from an object's `repr`
      (distributed's `sarg = repr(arg)`, with `"< could not convert arg to
      str >"` on failure): any `__repr__` may raise, and the placeholder shows
      it where the text is read. An empty one, or one standing in for a value
      (`str(user.name)`, `lookup(repr(key))`), stays a finding;
    - tests: test files (`test_*.py`, `*_test.py`, `conftest.py`, and every file
      under a folder named `tests` or `test`, below the working directory when
      the file is in it), and wherever they live, `test_*` functions, `setUp`,
      and classes named `Test*` or `*TestCase` or deriving from one.

    ## Why is this bad?
    Every failure, a typo included, turns into a value that looks valid: a
    price of `0.0`, an empty list of orders. Nothing is logged, so the
    service keeps running on wrong data and nobody learns why.

    ## Example
    ```python
    def fetch_rate(currency: str) -> float:
        try:
            return client.rate(currency)
        except Exception:
            return 0.0
    ```

    ## Use instead
    ```python
    import logging

    logger = logging.getLogger(__name__)


    def fetch_rate(currency: str) -> float:
        try:
            return client.rate(currency)
        except Exception:
            logger.exception("fetch_rate failed; using a default")
            return 0.0
    ```

    ## Fix safety
    Unsafe: the fix makes the handler log the failure with its traceback
    (`logger.exception(...)`, which needs no `as exc`) and changes nothing else:
    the handler returns or assigns exactly what it did, and catches what it
    caught. A `with suppress(...)` becomes the `try`/`except` it stands for, and
    its import goes when nothing else uses it. It is unsafe because a failure that
    was silent now writes an error with a traceback to the logs, which may be
    noisy or reach an alert, and because a module that did not import `logging`
    now does, which a library that keeps its imports light may forbid (click
    tests that importing it loads no `logging`).

    The logger is the one the code already has: in a method, `self.<name>` when its
    class (or a base class in the module) binds `log`, `logger`, `_log`, `_logger`,
    `LOG` or `LOGGER` from `getLogger`/`get_logger` or calls `self.<name>.exception`;
    otherwise a module-level logger bound from `logging.getLogger`,
    `structlog.get_logger`, `getChild`, a project's own `get_logger`, or imported
    (`from loguru import logger`, `from tornado.log import gen_log`): the one the
    function already reports a failure with (`gen_log.warning(...)`), else one of
    those usual names, else the one the module reports failures with most (a
    CapWords name is a class, never the logger). A name the function (or a
    function around it) binds itself, such as a parameter `logger=None`, is never
    used: then there is no fix. Without a logger, the fix adds `import logging` and
    `logger = logging.getLogger(__name__)` (under the first of `logger`,
    `_logger`, `log`, `_log` the module uses nowhere, one for the whole file),
    after the imports at the top of the module, so no import comes after code
    (ruff's E402). It never adds `import logging` to a module named `logging` or
    in a `logging` package, nor to one that importing `logging` imports, such as
    `traceback` or `threading` (found from the running interpreter, see
    `hardenfix.sources.python.modules_imported_by`): that would be a circular
    import; nor to a module that monkey-patches the standard library
    (`gevent.monkey.patch_all()`), which must run before `logging` creates its
    locks. Those, and catches that run while the module is imported before its
    logger exists, are reported without a fix.
    """

    code = "HF303"
    slug = "broad-except-silent-default"
    kind = FileKind.PYTHON
    category = Category.RELIABILITY
    summary = "Broad `except` that hides failures behind a default value"
    fix_safety = FixSafety.UNSAFE

    @classmethod
    def might_apply(cls, data: bytes) -> bool:
        """A broad `except` clause (bare, or naming `Exception` on its line or within its
        parentheses) followed, past comments and placeholders, by a statement a finding's
        handler starts with: `return` (of a constant) or an assignment of a constant, or
        `pass` or `...` where the lines around may keep a default (`_may_keep_a_default`);
        or `suppress(...Exception...)`. Two searches, each led by a literal that the regex
        engine looks for quickly: as one alternation it tried every byte. The second goes
        first: a file it matches is parsed whatever the handlers' `try` statements say."""
        if b"suppress" in data and _SUPPRESS_EXCEPTION.search(data) is not None:
            return True
        tries = _TriesAlone(data)
        return any(_may_keep_a_default(handler, tries) for handler in _HANDLER_START.finditer(data))

    @classmethod
    def applies_to(cls, location: Path) -> bool:
        return _location_facts(location) != _TEST_FILE

    def check(self, document: PythonDocument) -> Iterator[Finding]:
        facts = _location_facts(document.location) if document.location is not None else ""
        hidden = [found for catch in _catches(document) if (found := _hidden_default(document, catch)) is not None]
        module_logging = _ModuleLogging(document, facts)
        loggers = {id(found): _logger_for(module_logging, found) for found in hidden}
        suppress_groups = _suppress_groups(document, [f for f in hidden if isinstance(loggers[id(f)], _Logger)])
        for found in sorted(hidden, key=lambda f: (f.catch.statement.lineno, f.catch.statement.col_offset)):
            catch = found.catch
            start = document.span(catch.handler if catch.handler else catch.suppress)[0]  # type: ignore[arg-type]
            end = document.span(catch.clause_end)[1] if catch.clause_end else start + len("except")
            where = f" in `{found.where}`" if found.where else ""
            message = f"`{catch.clause}`{where} hides every failure behind {found.hides}"
            logger = loggers[id(found)]
            if isinstance(logger, str):
                yield self.finding(document, start, end, f"{message} (no fix: {logger})")
                continue
            make_edits = functools.partial(_edits, document, found, logger, suppress_groups.get(id(found)))
            fix = self.deferred_fix("Log the failure with its traceback", make_edits, Applicability.UNSAFE)
            yield self.finding(document, start, end, message, fix, doubts=["logs it with its traceback"])


# -- where the rule looks ---------------------------------------------------------


def _location_facts(location: Path) -> str:
    """`_TEST_FILE` for a test file; else `module:<name>` when the module's name may
    keep the fix from importing `logging` (see `_cannot_import_logging`); else "".

    The cache keys a Python file by its path too (`runner._keyed_location`), so files with
    the same bytes in two places never share findings. Told from the path's text first:
    the name can matter only when a folder or the file is named like a module of the
    standard library, or `logging`."""
    if is_test_file(location):
        return _TEST_FILE
    folder, _, file_name = os.fspath(location).rpartition(os.sep)
    if not _named_like_stdlib(folder) and file_name.removesuffix(".py") not in _STDLIB_OR_LOGGING:
        return ""
    name = module_name(location)
    parts = name.split(".")
    return f"module:{name}" if parts[0] in _STDLIB_OR_LOGGING or "logging" in parts else ""


@functools.cache
def _named_like_stdlib(folder: str) -> bool:
    """Whether a folder on the path is named like a module of the standard library or `logging`."""
    return not _STDLIB_OR_LOGGING.isdisjoint(folder.split(os.sep))


def _cannot_import_logging(document: PythonDocument, module: str) -> str | None:
    """Why a module may not `import logging`, or None."""
    patch = next((s for s in document.tree.body if _is_monkey_patch(s)), None)
    if patch is not None:
        return (
            f"the module monkey-patches the standard library (`{document.source(patch)}`),"
            " which must happen before `logging` is imported"
        )
    if not module:
        return None
    if "logging" in module.split("."):
        return "the module is part of a `logging` package, where `import logging` may import itself"
    if module in modules_imported_by("logging"):
        return f"importing `logging` imports `{module}`, so `{module}` importing `logging` would be circular"
    return None


def _is_monkey_patch(statement: ast.stmt) -> bool:
    """`gevent.monkey.patch_all()`, `eventlet.monkey_patch()` and the like."""
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Call)
        and last_name(statement.value.func) in {"patch_all", "monkey_patch"}
    )


# -- what it finds -------------------------------------------------------------------


def _catches(document: PythonDocument) -> Iterator[_Catch]:
    for statement in document.nodes_mentioning(["except"], ast.Try):
        for handler in statement.handlers:
            clause = _broad_clause(document, handler)
            if clause is not None:
                yield _Catch(statement, handler, clause)
    for statement in document.nodes_mentioning(["suppress"], ast.With):
        for item in statement.items:
            call = item.context_expr
            if (
                isinstance(call, ast.Call)
                and document.qualified_name(call.func) == _SUPPRESS
                and any(_is_broad(document, argument) for argument in call.args)
            ):
                yield _Catch(statement, None, ast.unparse(call).removeprefix("contextlib."), call)


def _broad_clause(document: PythonDocument, handler: ast.ExceptHandler) -> str | None:
    if handler.type is None:
        return "except:"
    members = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return f"except {ast.unparse(handler.type)}:" if any(_is_broad(document, m) for m in members) else None


def _is_broad(document: PythonDocument, expression: ast.expr) -> bool:
    """`Exception` or `BaseException`, not rebound by the module (see `_rebound_in`)."""
    if isinstance(expression, ast.Name) and expression.id in _BROAD:
        return expression.id not in document.module_level_names
    return document.qualified_name(expression) in {f"builtins.{name}" for name in _BROAD}


def _rebound_in(document: PythonDocument, catch: _Catch, chain: list[Scope]) -> bool:
    """Whether a function around the catch binds every broad name it catches (a local
    `class Exception`): told last, when all else makes a finding, for it walks the functions."""
    caught = catch.suppress.args if catch.suppress else catch.handler.type if catch.handler else None
    if caught is None:
        return False
    members = caught if isinstance(caught, list) else caught.elts if isinstance(caught, ast.Tuple) else [caught]
    broad = [member for member in members if _is_broad(document, member)]
    if not all(isinstance(member, ast.Name) for member in broad):
        return False  # `builtins.Exception` is not rebound by a local name
    local = set().union(*(_local_names(scope) for scope in chain if isinstance(scope, _FUNCTIONS)))
    return all(member.id in local for member in broad)  # type: ignore[attr-defined]


def _qualified(chain: list[Scope]) -> str:
    """`Client.fetch` for a method, `outer.inner` for a nested function."""
    return ".".join(scope.name for scope in chain if not isinstance(scope, ast.Lambda))


def _hidden_default(document: PythonDocument, catch: _Catch) -> _HiddenDefault | None:
    """The default `catch` hides failures behind, as the rule's documentation defines it; None if none."""
    handler_body = catch.handler.body if catch.handler else []
    if _defaults_in(handler_body, None) is None:
        return None  # the handler does more than give a default: most handlers, told cheaply
    if _silence_intended(document, catch):
        return None
    chain = document.enclosing_scopes(catch.statement)
    function = chain[-1] if chain and isinstance(chain[-1], _FUNCTIONS) else None
    if any(_is_exempt(scope) for scope in chain):
        return None
    scope_body = function.body if function else chain[-1].body if chain else document.tree.body
    places = _places_of(scope_body, catch.statement)
    if places is None:
        return None
    block, index = places[0]
    body = catch.statement.body
    if _in_finally(places) or _imports(body):
        return None
    returns_result, assigned = _results_of(body)
    defaults = _defaults_in(handler_body, assigned)
    if defaults is None or _rebound_in(document, catch, chain):
        return None
    returned, assignments = defaults
    if function is not None:
        subject = f"{_qualified(chain)} failed"
    else:
        subject = f"Computing {', '.join(ast.unparse(target) for target in assigned.values())} failed"
    returns_values = function is not None and _returns_values(function)
    if returned is not None:
        if (
            (returns_result or assigned)
            and returns_values
            and not _answers(function, returned.value)
            and not _documented_on_failure(function, returned.value)
            and not _gives_a_reason(returned.value)
            and not _stands_in_for_a_repr(body, returned.value, None)
        ):
            return _HiddenDefault(catch, chain, f"`{document.source(returned)}`", subject)
        return None
    if _raises_next(places):
        return None
    if assignments:
        if all(
            _answers_for(body, statement)
            or _stands_in_for_a_repr(body, statement.value, {ast.dump(target) for target in _targets(statement)})
            or _documented_on_failure(function, statement.value)
            for statement in assignments
        ):
            return None
        return _HiddenDefault(catch, chain, ", ".join(f"`{document.source(s)}`" for s in assignments), subject)
    if returns_result and returns_values:
        after = block[index + 1] if index + 1 < len(block) else None
        if after is None and function is not None and block is function.body:
            if _documented_on_failure(function, None):
                return None
            return _HiddenDefault(catch, chain, "the `return None` the function ends with", subject)
        if (
            isinstance(after, ast.Return)
            and _is_constant(after.value)
            and not _answers(function, after.value)
            and not _documented_on_failure(function, after.value)
        ):
            return _HiddenDefault(catch, chain, f"the `{document.source(after)}` after it", subject)
    kept = [
        f"`{ast.unparse(target)}` at its default `{document.source(default)}`"
        for key, target in assigned.items()
        if (default := _earlier_default(block[:index], key)) is not None
    ]
    return _HiddenDefault(catch, chain, ", ".join(kept), subject) if kept else None


def _imports(block: list[ast.stmt]) -> bool:
    """Whether `block` imports a module, by a statement or by a call (`import_module(name)`,
    `importlib.import_module(...)`, `__import__(name)`): a catch around it detects a feature."""
    return any(
        isinstance(node, ast.Import | ast.ImportFrom)
        or (isinstance(node, ast.Call) and last_name(node.func) in _IMPORT_CALLS)
        for node in _own_nodes(block)
    )


def _silence_intended(document: PythonDocument, catch: _Catch) -> bool:
    """Whether the lines of the catch's clause tell ruff its silence is intended (see
    `_SILENCE_INTENDED`)."""
    node = catch.handler if catch.handler is not None else catch.suppress
    assert node is not None
    start = document.line_start(document.span(node)[0])
    clause_end = catch.clause_end
    end = document.line_end(document.span(clause_end)[1] if clause_end is not None else start)
    return _SILENCE_INTENDED.search(document.text, start, end) is not None


def _is_exempt(scope: Scope) -> bool:
    """A function that cleans up, shows, promises (by its name or its docstring) never to
    raise or tests; a class of tests."""
    if isinstance(scope, _FUNCTIONS):
        if _EXEMPT_FUNCTION.fullmatch(scope.name.strip("_")) is not None:
            return True
        docstring = docstring_of(scope)
        return docstring is not None and _NEVER_RAISES.search(docstring) is not None
    if isinstance(scope, ast.ClassDef):
        names = [scope.name, *(name for base in scope.bases if (name := last_name(base)))]
        return any(_TEST_CLASS.fullmatch(name) for name in names)
    return False


class _Place(NamedTuple):
    """Where a statement stands: the block holding it, and its index there."""

    block: list[ast.stmt]
    index: int


def _places_of(body: list[ast.stmt], statement: ast.stmt) -> list[_Place] | None:
    """The blocks holding `statement` within `body` (outside nested functions and classes),
    innermost first, each with the index there of the statement or of the one holding it."""
    pending: list[list[_Place]] = [[_Place(body, -1)]]
    while pending:
        path = pending.pop()
        for index, inner in enumerate(path[-1].block):
            if inner is statement:
                return [*path[:-1], _Place(path[-1].block, index)][::-1]
            if isinstance(inner, _NESTED_SCOPES) or not (hasattr(inner, "body") or hasattr(inner, "cases")):
                continue
            through = [*path[:-1], _Place(path[-1].block, index)]
            for holder in (inner, *getattr(inner, "handlers", ()), *getattr(inner, "cases", ())):
                for field in ("body", "orelse", "finalbody"):
                    if block := getattr(holder, field, None):
                        pending.append([*through, _Place(block, -1)])
    return None


def _levels(places: list[_Place]) -> Iterator[tuple[_Place, ast.stmt | None]]:
    """Each place, with the compound statement whose block it is; None for the scope's body."""
    for inner, outer in zip(places, [*places[1:], None], strict=True):
        yield inner, outer.block[outer.index] if outer is not None else None


def _in_finally(places: list[_Place]) -> bool:
    return any(place.block is getattr(compound, "finalbody", None) for place, compound in _levels(places))


def _raises_next(places: list[_Place]) -> bool:
    """Whether a statement is followed, on the one way on from it, by a `raise`: the rest of
    each block holding it, up to the function's body, leaves it neither by `return`,
    `break` nor `continue`, and the first rest that is not empty ends in `raise`. The
    default a handler there gives only shapes the error raised next (onyx's `detail =
    error_data.get("detail", detail)` for the `HTTPException` it raises, ragflow's
    `error_message` from the response's JSON): the failure is not hidden."""
    for (block, index), compound in _levels(places):
        rest = block[index + 1 :]
        if _leaves(rest):
            return False
        if rest:
            return isinstance(rest[-1], ast.Raise)
        if compound is None or isinstance(compound, _LOOPS):
            return False  # the function ends, or the loop goes round again
        if isinstance(compound, ast.Try | ast.TryStar) and _leaves([*compound.orelse, *compound.finalbody]):
            return False
    return False


def _leaves(statements: list[ast.stmt]) -> bool:
    return any(isinstance(node, _LEAVING) for node in _own_nodes(statements))


def _own_nodes(statements: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """The nodes under `statements` that run in their scope, in the order they are written:
    nested functions, classes and lambdas are yielded but not entered."""
    pending = list(reversed(list(statements)))
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, _NESTED_SCOPES):
            pending.extend(reversed(child_nodes(node)))


def _results_of(body: list[ast.stmt]) -> tuple[bool, dict[str, ast.expr]]:
    """Whether `body` returns a computed value, and the targets it assigns one to, by `ast.dump`."""
    returns_result = False
    assigned: dict[str, ast.expr] = {}
    for node in _own_nodes(body):
        if isinstance(node, ast.Return) and node.value is not None and not _is_constant(node.value):
            returns_result = True
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign) and not _is_constant(node.value):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            assigned.update((ast.dump(t), t) for t in _flattened(targets))
    return returns_result, assigned


def _defaults_in(
    handler_body: list[ast.stmt], assigned: dict[str, ast.expr] | None
) -> tuple[ast.Return | None, list[ast.stmt]] | None:
    """The constant the handler returns and its assignments of constants to what the
    `try` block assigns (to anything, when `assigned` is None), when it does nothing
    else; None when it does."""
    returned = None
    assignments: list[ast.stmt] = []
    for position, statement in enumerate(handler_body):
        if _is_placeholder(statement):
            continue
        if isinstance(statement, ast.Return) and position == len(handler_body) - 1 and _is_constant(statement.value):
            returned = statement
        elif (
            isinstance(statement, ast.Assign | ast.AnnAssign)
            and statement.value is not None
            and _is_constant(statement.value)
            and (
                assigned is None
                or all(
                    ast.dump(t) in assigned
                    for t in _flattened(statement.targets if isinstance(statement, ast.Assign) else [statement.target])
                )
            )
        ):
            assignments.append(statement)
        else:
            return None
    return returned, assignments


def _earlier_default(before: list[ast.stmt], key: str) -> ast.expr | None:
    """The constant the statement of `before` that last binds the target `key` assigns it, if that is what it does."""
    for statement in reversed(before):
        if isinstance(statement, ast.Assign | ast.AnnAssign) and any(
            ast.dump(target) == key
            for target in (statement.targets if isinstance(statement, ast.Assign) else [statement.target])
        ):
            return statement.value if statement.value is not None and _is_constant(statement.value) else None
        if any(
            isinstance(node, ast.Name | ast.Attribute | ast.Subscript)
            and isinstance(node.ctx, ast.Store)
            and ast.dump(node) == key
            for node in _own_nodes([statement])
        ):
            return None
    return None


def _flattened(targets: Iterable[ast.expr]) -> Iterator[ast.expr]:
    for target in targets:
        if isinstance(target, ast.Tuple | ast.List):
            yield from _flattened(target.elts)
        elif isinstance(target, ast.Starred):
            yield from _flattened([target.value])
        else:
            yield target


@functools.lru_cache(maxsize=256)
def _returns_values(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether the function returns a computed value somewhere (a generator returns none).
    Each handler of the function asks, and each answer walks its whole body: the last 256
    are kept, as `_local_names` keeps its (a function of 1,000 handlers was walked 1,000
    times, 10 s)."""
    nodes = list(_own_nodes(function.body))
    if any(isinstance(node, ast.Yield | ast.YieldFrom) for node in nodes):
        return False
    return any(
        isinstance(node, ast.Return) and node.value is not None and not _is_constant(node.value) for node in nodes
    )


def _answers(function: ast.FunctionDef | ast.AsyncFunctionDef | None, default: ast.expr | None) -> bool:
    """Whether `default` is `False` in a predicate, a function whose every result is True or
    False (`return "/" in cidr and bool(IPv4Network(cidr))`): its failure is its answer, no,
    not a value standing in for one. (A `True` on failure, "it worked", is a finding.)"""
    if function is None or not _is_false(default):
        return False
    results = [node.value for node in _own_nodes(function.body) if isinstance(node, ast.Return)]
    if _PREDICATE_NAME.fullmatch(function.name) or _annotated_bool(function):
        # Named or annotated a predicate, it answers with whatever the call or attribute it
        # returns answers: redis's `_is_pubsub_connected` returns `conn.is_connected`,
        # mlflow's `is_in_databricks_repo_notebook` `path is not None and
        # path.startswith(...)`, mem0's `_stdin_is_piped() -> bool` `S_ISFIFO(mode) or
        # S_ISREG(mode)`.
        return all(_passes_an_answer_on(result) for result in results)
    return all(_is_boolean(result) for result in results)


def _annotated_bool(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether the function's return annotation is `bool`, written or in a string."""
    returns = function.returns
    if isinstance(returns, ast.Constant) and isinstance(returns.value, str):
        return returns.value.strip() == "bool"
    return isinstance(returns, ast.Name) and returns.id == "bool"


def _passes_an_answer_on(value: ast.expr | None) -> bool:
    """True or False, or what a call, attribute or name gives, or a choice among those."""
    if isinstance(value, ast.Call | ast.Attribute | ast.Name) or _is_boolean(value):
        return True
    if isinstance(value, ast.IfExp):
        return _passes_an_answer_on(value.body) and _passes_an_answer_on(value.orelse)
    return isinstance(value, ast.BoolOp) and all(_passes_an_answer_on(operand) for operand in value.values)


def _documented_on_failure(function: ast.FunctionDef | ast.AsyncFunctionDef | None, default: ast.expr | None) -> bool:
    """Whether the function's docstring names `default` as its result on failure, in one
    clause, the value before the failure: sentry's `try_convert`, "Return None if the
    conversion fails", mlflow's `_parse_prompt_uri`, "Returns empty strings if parsing
    fails". The default is then the answer callers are told to expect, not one standing
    in for a result."""
    docstring = docstring_of(function) if function is not None else None
    if not docstring:
        return False
    names = _names_of(default)
    if not names:
        return False
    mention = re.compile(r"(?<!\w)(?:" + "|".join(names) + r")(?!\w)")
    for clause in _DOCSTRING_CLAUSE.split(docstring):
        named = mention.search(clause)
        if named is not None and _FAILURE_WORD.search(clause, named.end()) is not None:
            return True
    return False


def _names_of(default: ast.expr | None) -> list[str]:
    """How a docstring names a constant (as regular expressions): `None`, `False`, `0` or
    zero, a text by what it says (`ascii`), and an empty text or container as empty; a tuple
    by any of its items'."""
    if default is None:
        return ["None"]
    if isinstance(default, ast.Tuple) and default.elts:
        return sorted({name for element in default.elts for name in _names_of(element)})
    if isinstance(default, ast.Constant):
        value = default.value
        if value is None or isinstance(value, bool):
            return [str(value)]
        if isinstance(value, str):
            return [re.escape(value)] if value.strip() else ["(?i:empty)"]
        if isinstance(value, bytes):
            return [] if value else ["(?i:empty)"]
        if isinstance(value, int | float):
            return [re.escape(ast.unparse(default)), *(["(?i:zero)"] if value == 0 else [])]
        return []
    if isinstance(default, ast.UnaryOp):
        return [re.escape(ast.unparse(default))]
    return ["(?i:empty)"]  # an empty container or constructor, the constants left


def _gives_a_reason(default: ast.expr | None) -> bool:
    """`(False, "no yum based system detected")`: a failure reported with its reason (salt's
    `__virtual__` returns one to tell why a module does not load), not hidden behind a value."""
    return (
        isinstance(default, ast.Tuple)
        and len(default.elts) > 1
        and _is_false(default.elts[0])
        and any(
            isinstance(element, ast.Constant) and isinstance(element.value, str) and element.value.strip()
            for element in default.elts[1:]
        )
    )


def _answers_for(body: list[ast.stmt], statement: ast.stmt) -> bool:
    """Whether the handler's assignment `statement` gives `False` to targets the `try` block
    gives only True or False (`matches = bool(stub == runtime)`)."""
    assert isinstance(statement, ast.Assign | ast.AnnAssign)
    if not _is_false(statement.value):
        return False
    keys = {ast.dump(target) for target in _targets(statement)}
    binding = [
        node
        for node in _own_nodes(body)
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign)
        and any(ast.dump(target) in keys for target in _targets(node))
    ]
    return bool(binding) and all(
        isinstance(node, ast.Assign | ast.AnnAssign) and _is_boolean(node.value) for node in binding
    )


def _stands_in_for_a_repr(body: list[ast.stmt], default: ast.expr | None, keys: set[str] | None) -> bool:
    """Whether `default` is a text standing in for one the `try` block builds from an
    object's `repr`, which any object's `__repr__` may fail to give: distributed's
    `sarg = repr(arg)` with `"< could not convert arg to str >"`, textual's worker
    description with `"<worker>"`. The placeholder shows the failure where the text is
    read; it fakes no result. `keys` are the targets the handler assigns (`ast.dump`);
    None for a returned default."""
    if not (isinstance(default, ast.Constant) and isinstance(default.value, str) and default.value.strip()):
        return False
    nodes = list(_own_nodes(body))
    if not any(_is_repr(node) for node in nodes):
        return False
    if keys is None:
        results = [node.value for node in nodes if isinstance(node, ast.Return)]
    else:
        results = [
            node.value
            for node in nodes
            if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign)
            and any(ast.dump(target) in keys for target in _targets(node))
        ]
    return bool(results) and all(_is_text(result) for result in results)


def _is_repr(node: ast.AST) -> bool:
    """`repr(x)`, or `f"{x!r}"`."""
    if isinstance(node, ast.FormattedValue):
        return node.conversion == ord("r")
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "repr"


def _is_text(value: ast.expr | None) -> bool:
    """A string built for reading: an f-string, `repr(...)`, `str(...)`, `", ".join(...)`,
    `"%s" % ...`, a string literal."""
    if isinstance(value, ast.JoinedStr):
        return True
    if isinstance(value, ast.Constant):
        return isinstance(value.value, str)
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Mod | ast.Add):
        return _is_text(value.left) or _is_text(value.right)
    if not isinstance(value, ast.Call):
        return False
    if isinstance(value.func, ast.Name):
        return value.func.id in {"repr", "str", "ascii", "format"}
    method = value.func
    return isinstance(method, ast.Attribute) and method.attr in {"join", "format"} and _is_text(method.value)


def _targets(statement: ast.Assign | ast.AnnAssign | ast.AugAssign) -> Iterator[ast.expr]:
    return _flattened(statement.targets if isinstance(statement, ast.Assign) else [statement.target])


def _is_false(value: ast.expr | None) -> bool:
    return isinstance(value, ast.Constant) and value.value is False


def _is_boolean(value: ast.expr | None) -> bool:
    """Whether an expression is True or False: the constant, a comparison, `not`, a builtin
    predicate's call (`bool(...)`, `isinstance(...)`), a call or flag named as a predicate
    (`is_ready()`, `conn.is_connected`), or `and`/`or` or `x if c else y` of those."""
    if isinstance(value, ast.Constant):
        return isinstance(value.value, bool)
    if isinstance(value, ast.Compare) or (isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.Not)):
        return True
    if isinstance(value, ast.BoolOp):
        return all(_is_boolean(operand) for operand in value.values)
    if isinstance(value, ast.IfExp):
        return _is_boolean(value.body) and _is_boolean(value.orelse)
    if isinstance(value, ast.Attribute | ast.Name):
        # A flag named as a predicate: `conn.is_connected`.
        return _PREDICATE_NAME.fullmatch(value.attr if isinstance(value, ast.Attribute) else value.id) is not None
    if not isinstance(value, ast.Call):
        return False
    if isinstance(value.func, ast.Name):
        return value.func.id in _PREDICATES or _PREDICATE_NAME.fullmatch(value.func.id) is not None
    return isinstance(value.func, ast.Attribute) and _PREDICATE_NAME.fullmatch(value.func.attr) is not None


def _is_placeholder(statement: ast.stmt) -> bool:
    """`pass`, `...` or a string standing as a statement."""
    return isinstance(statement, ast.Pass) or (
        isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
    )


def _is_constant(value: ast.expr | None) -> bool:
    if value is None or isinstance(value, ast.Constant):
        return True
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub | ast.UAdd):
        return isinstance(value.operand, ast.Constant)
    if isinstance(value, ast.List | ast.Tuple | ast.Set):
        return all(_is_constant(element) for element in value.elts)
    if isinstance(value, ast.Dict):
        return all(part is not None and _is_constant(part) for part in (*value.keys, *value.values))
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id in _EMPTY_CONSTRUCTORS
        and not value.args
        and not value.keywords
    )


# -- the logger the fix uses -------------------------------------------------------


def _logger_for(module_logging: _ModuleLogging, found: _HiddenDefault) -> _Logger | str:
    """The logger the handler can log with, or why there is none."""
    if not found.fixable_statement:
        items = found.catch.statement.items
        if len(items) == 1:
            return f"the `with` statement binds `{ast.unparse(items[0].optional_vars)}`, which a `try` would not"
        return "the `with` statement holds other context managers too"
    chain, function = found.chain, found.function
    if function is not None:
        method = _method_self(chain)
        if method is not None:
            cls, self_name = method
            name = module_logging.of_class(cls)
            if name is not None:
                return _Logger(f"{self_name}.{name}", is_new=False)
    existing = module_logging.module_logger(function)
    if existing is not None:
        name, bound_by = existing
        shadowing = next((s for s in chain if isinstance(s, _FUNCTIONS) and name in _local_names(s)), None)
        if shadowing is not None:
            return f"`{name}`, the module's logger, is rebound in `{shadowing.name}`"
        if function is None and bound_by.lineno > found.catch.statement.lineno:
            return f"it runs while the module is imported, before `{name}` is bound"
        return _Logger(name, is_new=False)
    if module_logging.cannot_import is not None:
        return module_logging.cannot_import
    name = module_logging.free_name
    if name is None:
        return "every usual name for a logger is taken"
    document = module_logging.document
    if function is None and document.after_opening_imports()[0] > document.span(found.catch.statement)[0]:
        return "it runs while the module is imported, before a logger could be defined"
    return _Logger(name, is_new=True)


def _method_self(chain: list[Scope]) -> tuple[ast.ClassDef, str] | None:
    """The class and the name of `self` of the method the catch is in (also within a
    function nested in it), when no function in between binds that name again."""
    for position in range(len(chain) - 1, 0, -1):
        method, cls = chain[position], chain[position - 1]
        if not (isinstance(method, _FUNCTIONS) and isinstance(cls, ast.ClassDef)):
            continue
        parameters = [*method.args.posonlyargs, *method.args.args]
        decorators = {last_name(d) for d in method.decorator_list}
        if not parameters or decorators & {"staticmethod", "classmethod"}:
            return None
        self_name = parameters[0].arg
        rebinds = any(
            isinstance(node, ast.Name) and node.id == self_name and not isinstance(node.ctx, ast.Load)
            for node in _own_nodes(method.body)
        )
        if rebinds or any(self_name in _local_names(inner) for inner in chain[position + 1 :]):
            return None
        return cls, self_name
    return None


def _class_logger(document: PythonDocument, cls: ast.ClassDef) -> str | None:
    """A logger the class (or a base class defined in the module) has: a name of
    `_LOGGER_NAMES` its body binds from a logger factory, that a method assigns
    `self.<name>` from one, or that a method calls `self.<name>.exception(...)` on."""
    classes = {statement.name: statement for statement in document.tree.body if isinstance(statement, ast.ClassDef)}
    pending, seen, found = [cls], set(), set()
    while pending:
        current = pending.pop()
        if current.name in seen:
            continue
        seen.add(current.name)
        for statement in current.body:
            if isinstance(statement, ast.Assign) and _is_logger_factory_call(statement.value):
                found.update(target.id for target in statement.targets if isinstance(target, ast.Name))
            elif isinstance(statement, _FUNCTIONS) and (
                parameters := [*statement.args.posonlyargs, *statement.args.args]
            ):
                found.update(_self_loggers(statement, parameters[0].arg))
        pending.extend(classes[base.id] for base in current.bases if isinstance(base, ast.Name) and base.id in classes)
    return next((name for name in _LOGGER_NAMES if name in found), None)


def _self_loggers(method: ast.FunctionDef | ast.AsyncFunctionDef, self_name: str) -> Iterator[str]:
    """The attributes of `self` a method binds from a logger factory or calls `exception` on."""
    for node in breadth_first(method):
        if isinstance(node, ast.Assign) and _is_logger_factory_call(node.value):
            yield from (t.attr for t in node.targets if isinstance(t, ast.Attribute) and _is_name(t.value, self_name))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "exception"
            and isinstance(node.func.value, ast.Attribute)
            and _is_name(node.func.value.value, self_name)
        ):
            yield node.func.value.attr


class _ModuleLogging:
    """What a module offers its handlers to log with, worked out once for all of them: each
    handler asked again of the whole module (its loggers, its monkey-patching, its names),
    1 ms a finding in a module of 3,000 functions."""

    def __init__(self, document: PythonDocument, facts: str) -> None:
        self.document = document
        self.facts = facts
        """The location's facts (`_location_facts`)."""
        # A class's logger, asked for each of its handlers, is looked for in all its methods.
        self.of_class = functools.cache(functools.partial(_class_logger, document))

    def module_logger(self, function: ast.FunctionDef | ast.AsyncFunctionDef | None) -> tuple[str, ast.stmt] | None:
        """The module-level logger a handler in `function` logs with, and the statement
        binding it: the one `function` reports a failure with, else one of the usual names,
        else the one the module reports failures with most."""
        loggers = self.loggers
        if not loggers:
            return None
        in_function = _failures_reported(_own_nodes(function.body), loggers) if function is not None else Counter()
        usual = next((n for n in _LOGGER_NAMES if n in loggers), None)
        chosen = _most_used(in_function) or usual or self.most_used
        return (chosen, loggers[chosen]) if chosen is not None else None

    @functools.cached_property
    def loggers(self) -> dict[str, ast.stmt]:
        """The module's loggers, each with the statement binding it: assigned from a logger
        factory at the top level, or imported from a logging module; a name also bound to
        anything else is not one."""
        document = self.document
        loggers: dict[str, ast.stmt] = {}
        others: set[str] = set()
        for statement in document.tree.body:
            if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
                if _is_logger_factory_call(statement.value):
                    loggers.update((name, statement) for name in names)
                else:
                    others.update(names)
        for binding in document.bindings.values():
            module = binding.qualified_name.rpartition(".")[0]
            from_logging_module = any(_LOGGING_MODULE.fullmatch(part) for part in module.split("."))
            if not binding.type_checking_only and ("logger" in binding.name.lower() or from_logging_module):
                loggers.setdefault(binding.name, binding.statement)
        return {name: bound for name, bound in loggers.items() if name not in others and not _is_class_name(name)}

    @functools.cached_property
    def most_used(self) -> str | None:
        """The logger the module reports failures with most."""
        loggers = self.loggers
        return _most_used(_failures_reported(self.document.nodes_mentioning(loggers, ast.Call), loggers))

    @functools.cached_property
    def cannot_import(self) -> str | None:
        """Why the module may not `import logging`, or None."""
        return _cannot_import_logging(self.document, self.facts.removeprefix("module:"))

    @functools.cached_property
    def free_name(self) -> str | None:
        """A name for a new logger (`_free_name`)."""
        return _free_name(self.document)


_FAILURE_LEVELS = frozenset({"warning", "error", "exception", "critical"})


def _failures_reported(nodes: Iterable[ast.AST], loggers: Iterable[str]) -> Counter[str]:
    """How often each of `loggers` is called at a level that reports a failure (`error`,
    `warning`, ...) among `nodes`."""
    return Counter(
        node.func.value.id
        for node in nodes
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in _FAILURE_LEVELS
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id in loggers
    )


def _is_class_name(name: str) -> bool:
    """`Logger`, `StructLogger`: a class (whose methods a subclass calls unbound,
    `Logger.error(self, ...)`), not a logger."""
    bare = name.lstrip("_")
    return bare[:1].isupper() and not bare.isupper()


def _most_used(counts: Counter[str]) -> str | None:
    """The name counted most, the first in alphabetical order among equals."""
    return min(counts, key=lambda name: (-counts[name], name)) if counts else None


def _is_logger_factory_call(value: ast.expr | None) -> bool:
    return isinstance(value, ast.Call) and last_name(value.func) in _LOGGER_FACTORIES


@functools.lru_cache(maxsize=256)
def _local_names(scope: Scope) -> frozenset[str]:
    """The names a function or lambda binds in its own scope (its parameters among them);
    nothing for a class, whose names its methods do not see. Each handler of a function asks,
    and each answer walks the function's whole body: the last 256 answers are kept (PMOVES.AI
    asks 143 times of 89 functions). A kept function's tree outlives its module's check."""
    if isinstance(scope, ast.ClassDef):
        return frozenset()
    arguments = scope.args
    names = {
        a.arg
        for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg)
        if a
    }
    if isinstance(scope, ast.Lambda):
        return frozenset(names)
    declared_global: set[str] = set()
    for node in _own_nodes(scope.body):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update(a.asname or a.name.partition(".")[0] for a in node.names)
        elif isinstance(
            node,
            ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.ExceptHandler | ast.MatchAs | ast.MatchStar,
        ):
            names.update([node.name] if node.name else [])
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.add(node.rest)
        elif isinstance(node, ast.Global):
            declared_global.update(node.names)
    return frozenset(names - declared_global)


def _free_name(document: PythonDocument) -> str | None:
    """The first of `_NEW_LOGGER_NAMES` the module uses nowhere, so it shadows and is shadowed by nothing.

    A name a module never spells (`spelled_as_read`) is free without a look at its tree,
    every node of which the full answer visits (a large module's parse, over again)."""
    used: set[str] | None = None
    for name in _NEW_LOGGER_NAMES:
        if document.spelled_as_read and next(word_starts(document.text, name), None) is None:
            return name
        if used is None:
            used = _used_names(document)
        if name not in used:
            return name
    return None


def _used_names(document: PythonDocument) -> set[str]:
    used = set(document.name_loads) | document.module_level_names
    used.update(node.arg for node in document.nodes(ast.arg))
    used.update(node.name for node in document.nodes(ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    used.update(node.name for node in document.nodes(ast.ExceptHandler) if node.name)
    used.update(
        a.asname or a.name.partition(".")[0] for node in document.nodes(ast.Import, ast.ImportFrom) for a in node.names
    )
    used.update(name for node in document.nodes(ast.Global, ast.Nonlocal) for name in node.names)
    return used


def _is_name(expression: ast.expr, name: str) -> bool:
    return isinstance(expression, ast.Name) and expression.id == name


# -- the fix ------------------------------------------------------------------------


class _SuppressGroup(NamedTuple):
    """The `suppress` blocks that are all the uses of the name they call it by: fixed
    together, so that its import goes only once none is left."""

    members: tuple[_HiddenDefault, ...]
    binding: str


def _suppress_groups(document: PythonDocument, fixable: list[_HiddenDefault]) -> dict[int, _SuppressGroup]:
    """For each fixable `suppress` finding whose name (`suppress`, `contextlib`) has no
    use but fixable `suppress` findings, the group of them."""
    by_name: dict[str, list[_HiddenDefault]] = {}
    for found in fixable:
        if found.catch.suppress is not None:
            root = found.catch.suppress.func
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name):
                by_name.setdefault(root.id, []).append(found)
    groups: dict[int, _SuppressGroup] = {}
    for name, members in by_name.items():
        uses = document.name_loads.get(name, [])
        if len(uses) != len(members) or (len(members) > 1 and "hardenfix:" in document.text):
            continue  # used elsewhere; or some member may be suppressed, and the others must not fix it
        group = _SuppressGroup(tuple(members), name)
        groups.update((id(member), group) for member in members)
    return groups


def _edits(
    document: PythonDocument, found: _HiddenDefault, logger: _Logger, group: _SuppressGroup | None
) -> list[Edit]:
    edits: list[Edit | None] = []
    if logger.is_new:
        logging_module, import_edit = document.add_import("logging")
        at, following = document.after_opening_imports()
        definition = f"{logger.expression} = {logging_module}.getLogger(__name__)"
        starts_definitions = isinstance(following, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        edits += [
            import_edit,
            document.insert_lines(at, [definition], blank_before=1, blank_after=2 if starts_definitions else 1),
        ]
    if group is None:
        edits.append(_log_in_catch(document, found, logger))
    else:
        edits.extend(_log_in_catch(document, member, logger) for member in group.members)
        edits.append(document.remove_import(document.bindings[group.binding]))
    return merge_insertions(*edits)


def _log_in_catch(document: PythonDocument, found: _HiddenDefault, logger: _Logger) -> Edit:
    """The handler with a first statement that logs the failure; a `suppress` block as the `try` it stands for."""
    import libcst

    log = libcst.parse_statement(
        f"{logger.expression}.exception({_string_literal(found.subject + '; using a default')})"
    )
    assert isinstance(log, libcst.SimpleStatementLine)
    catch = found.catch
    if catch.handler is None:
        return _suppress_as_try(document, catch, log)
    node = document.cst_node(catch.handler, libcst.ExceptHandler)
    body = node.body
    if isinstance(body, libcst.SimpleStatementSuite):  # `except Exception: return 0` on one line
        body = libcst.IndentedBlock(
            body=[libcst.SimpleStatementLine([statement]) for statement in body.body],
            header=body.trailing_whitespace,
        )
    statements = list(body.body)
    placeholder = next((i for i, s in enumerate(statements) if _is_cst_pass(s)), None)
    if placeholder is not None and all(_is_placeholder(s) for s in catch.handler.body):
        # The `pass` gives way to the log call; comments around it stay.
        statements[placeholder] = statements[placeholder].with_changes(body=log.body)
    else:
        statements.insert(0, log)
    return document.rewrite(node, node.with_changes(body=body.with_changes(body=statements)))


def _is_cst_pass(statement: libcst.BaseStatement) -> bool:
    import libcst

    return isinstance(statement, libcst.SimpleStatementLine) and [type(s) for s in statement.body] == [libcst.Pass]


def _suppress_as_try(document: PythonDocument, catch: _Catch, log: libcst.SimpleStatementLine) -> Edit:
    import libcst

    statement, call = catch.statement, catch.suppress
    assert isinstance(statement, ast.With) and call is not None
    sources = [document.source(argument) for argument in call.args]
    caught = sources[0] if len(sources) == 1 else f"({', '.join(sources)})"
    node = document.cst_node(statement, libcst.With)
    handler = libcst.ExceptHandler(
        body=libcst.IndentedBlock(body=[log]),
        type=libcst.parse_expression(caught),
        whitespace_after_except=libcst.SimpleWhitespace(" "),
    )
    replacement = libcst.Try(body=node.body, handlers=[handler], leading_lines=node.leading_lines)
    return document.rewrite(node, replacement)


def _string_literal(text: str) -> str:
    return f'"{text}"' if '"' not in text and "\\" not in text else repr(text)
