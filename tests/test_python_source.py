"""The Python source helpers: positions, minimal edits, adding and removing imports."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardenfix.engine import splice
from hardenfix.model import Edit
from hardenfix.sources import ParseError
from hardenfix.sources.python import block_opener, minimal_edit, module_name, modules_imported_by, parse
from hardenfix.sources.python_project import project_root

if TYPE_CHECKING:
    import libcst

    from hardenfix.sources.python import PythonDocument

RUFF = Path(sys.executable).with_name("ruff")


def _remove(text: str, name: str) -> str:
    document = parse(text)
    return splice(text, [document.remove_import(document.bindings[name])])


def _add(text: str, module: str, name: str | None = None) -> tuple[str, str]:
    document = parse(text)
    written, edit = document.add_import(module, name)
    return written, splice(text, [edit] if edit else [])


def test_parse_error_names_the_line() -> None:
    with pytest.raises(ParseError, match=r"^invalid Python: .* at line 2$"):
        parse("x = 1\ndef f(:\n")


NEWER_F_STRING = 'def title(row):\n    return f"{row["name"]}"\n'
"""Valid from Python 3.12 on (PEP 701), a syntax error before."""


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="Python 3.12 and later parse it")
@pytest.mark.parametrize(
    ("requires", "advice"),
    [
        (">=3.12", "the project requires Python >=3.12: run hardenfix with one of those"),
        ("~=3.13.1", "the project requires Python ~=3.13.1: run hardenfix with one of those"),
        (
            ">=3.10",
            "Python 3.12 and later allow more in f-strings: run hardenfix on the Python the project targets",
        ),
        (
            None,
            "Python 3.12 and later allow more in f-strings: run hardenfix on the Python the project targets",
        ),
    ],
)
def test_a_module_for_a_later_python_is_said_to_be_so(tmp_path: Path, requires: str | None, advice: str) -> None:
    if requires is not None:
        (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "shop"\nrequires-python = "{requires}"\n')
    module = tmp_path / "shop" / "views.py"
    module.parent.mkdir()
    module.write_text(NEWER_F_STRING)
    running = "Python {}.{}".format(*sys.version_info[:2])
    with pytest.raises(ParseError) as raised:
        parse(NEWER_F_STRING, module)
    assert str(raised.value) == (
        f"{running}, which hardenfix runs on, cannot parse it (f-string: unmatched '[' at line 2); {advice}"
    )


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="Python 3.12 and later parse it")
def test_a_replacement_field_over_two_lines_is_said_to_need_python_3_12() -> None:
    # amazon-bedrock-samples' cost-explorer agent: `f"{action}::{` then `api_path} is not ..."`.
    module = 'def error(action, api_path):\n    return {"error": f"{action}::{\n        api_path} is not valid"}\n'
    with pytest.raises(ParseError, match=r"Python 3\.12 and later allow more in f-strings"):
        parse(module)
    with pytest.raises(ParseError, match=r"^invalid Python: unterminated string literal"):
        parse('x = "{\n"\n')  # a plain string's brace: a syntax error in any Python


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="Python 3.12 and later parse it")
@pytest.mark.parametrize(
    "module",
    [
        "class Base:\n    pass\n\n\ndef wrap[T: Base](client: T) -> T:\n    return client\n",  # localstack's
        "class Box[T]:\n    item: T\n",
        "type Pair = tuple[int, int]\n",
    ],
)
def test_type_parameters_are_said_to_need_python_3_12(tmp_path: Path, module: str) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "shop"\nrequires-python = ">=3.10"\n')
    with pytest.raises(ParseError, match=r"Python 3\.12 and later allow type parameters and `type` statements"):
        parse(module, tmp_path / "util.py")
    with pytest.raises(ParseError, match=r"^invalid Python: cannot assign to function call"):
        parse("type(x) = 1\n", tmp_path / "util.py")  # a syntax error in any Python


def test_a_project_that_requires_a_later_python_is_named_for_any_syntax_error(tmp_path: Path) -> None:
    later = f"{sys.version_info[0]}.{sys.version_info[1] + 1}"
    (tmp_path / "pyproject.toml").write_text(f'[project]\nrequires-python = ">={later}"\n')
    with pytest.raises(
        ParseError, match=rf"cannot parse it \(invalid syntax at line 2\); the project requires Python >={later}"
    ):
        parse("x = 1\ndef f(:\n", tmp_path / "app.py")
    for unreadable in (b'[project]\nrequires-python = "not a specifier"\n', b"[project]\nname = '\xff'\n"):
        (tmp_path / "pyproject.toml").write_bytes(unreadable)
        with pytest.raises(ParseError, match=r"^invalid Python: invalid syntax at line 2$"):
            parse("x = 1\ndef f(:\n", tmp_path / "app.py")


def test_a_module_named_setup_in_a_package_is_not_a_projects_setup_script(tmp_path: Path) -> None:
    """polarsource/polar's `server/polar/organization_review/collectors/setup.py`: a module
    of its package, whose project is the folder above, as its siblings' is."""
    later = f"{sys.version_info[0]}.{sys.version_info[1] + 1}"
    (tmp_path / "pyproject.toml").write_text(f'[project]\nrequires-python = ">={later}"\n')
    collectors = tmp_path / "app" / "collectors"
    collectors.mkdir(parents=True)
    for package in (tmp_path / "app", collectors):
        (package / "__init__.py").write_text("")
    (collectors / "setup.py").write_text("x = 1\n")
    assert project_root(collectors / "setup.py") == project_root(tmp_path / "app" / "parse.py") == tmp_path
    with pytest.raises(ParseError, match=rf"the project requires Python >={later}"):
        parse("x = 1\ndef f(:\n", collectors / "setup.py")
    # A project's own setup script, in a folder that is no package, still marks its root.
    (tmp_path / "tools" / "cli").mkdir(parents=True)
    (tmp_path / "tools" / "setup.py").write_text("from setuptools import setup\nsetup()\n")
    assert project_root(tmp_path / "tools" / "cli" / "main.py") == tmp_path / "tools"


def test_compile_errors_are_left_to_the_output_guard() -> None:
    assert parse("return 1\n").tree.body[0].lineno == 1


def test_ast_byte_columns_become_character_offsets() -> None:
    text = 'label = "é€"; value = 1\n'
    document = parse(text)
    value = document.tree.body[1]
    assert document.span(value) == (text.index("value"), text.index("1\n") + 1)


def test_minimal_edit_covers_only_what_differs() -> None:
    assert minimal_edit("a = Counter(1)\n", "a = helper(Counter, 1)\n") == Edit(4, 12, "helper(Counter, ")


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("from typing import NamedTuple\nx = 1\n", "x = 1\n"),
        ("from typing import Any, NamedTuple\n", "from typing import Any\n"),
        ("from typing import NamedTuple, Any\n", "from typing import Any\n"),
        ("from typing import (Any, NamedTuple)\n", "from typing import (Any)\n"),
        (
            "from typing import (\n    Any,\n    NamedTuple,\n    Optional,\n)\n",
            "from typing import (\n    Any,\n    Optional,\n)\n",
        ),
        (
            "from typing import (\n    Any,\n    NamedTuple,\n)\n",
            "from typing import (\n    Any,\n)\n",
        ),
        ("from typing import (\n    Any,\n    NamedTuple\n)\n", "from typing import (\n    Any\n)\n"),
        ("import os; from typing import NamedTuple\n", "import os\n"),
        (
            "try:\n    from typing import NamedTuple\nexcept ImportError:\n    pass\n",
            "try:\n    pass\nexcept ImportError:\n    pass\n",
        ),
    ],
)
def test_remove_import_keeps_the_statement_shape(before: str, after: str) -> None:
    assert _remove(before, "NamedTuple") == after


def test_remove_import_of_a_module_alias() -> None:
    assert _remove("import os, typing as t\n", "t") == "import os\n"


def test_add_import_reuses_what_the_module_has() -> None:
    assert _add("from dataclasses import dataclass as dc\n", "dataclasses", "dataclass")[0] == "dc"
    assert _add("import dataclasses\n", "dataclasses", "dataclass")[0] == "dataclasses.dataclass"
    assert _add("import logging as logs\n", "logging") == ("logs", "import logging as logs\n")


def test_add_import_joins_an_existing_from_import_in_order() -> None:
    assert _add("from dataclasses import field\n", "dataclasses", "dataclass")[1] == (
        "from dataclasses import dataclass, field\n"
    )
    assert _add("from dataclasses import (\n    field,\n)\n", "dataclasses", "dataclass")[1] == (
        "from dataclasses import (\n    dataclass,\n    field,\n)\n"
    )
    assert _add("from dataclasses import asdict, fields\n", "dataclasses", "replace")[1] == (
        "from dataclasses import asdict, fields, replace\n"
    )


def _import_names(text: str, module: str, names: list[str]) -> tuple[list[str] | None, str]:
    document = parse(text)
    written = document.names_from(module, names)
    if written is None:
        return None, text
    edit = document.import_names(module, names)
    return written, splice(text, [edit] if edit else [])


@pytest.mark.parametrize(
    ("before", "written", "after"),
    [
        # Names the module does not use come by name, in one line or joined to its own import.
        ("import os\n", ["Any", "TypeVar"], "import os\nfrom typing import Any, TypeVar\n"),
        (
            "from typing import TYPE_CHECKING, cast\n",
            ["Any", "TypeVar"],
            "from typing import TYPE_CHECKING, Any, TypeVar, cast\n",
        ),
        # What the module has is reused, and only the rest imported.
        ("from typing import Any as A\n", ["A", "TypeVar"], "from typing import Any as A, TypeVar\n"),
        ("import typing as t\n", ["t.Any", "t.TypeVar"], "import typing as t\n"),
        # A name the module uses for something else is read from the module instead.
        ("import os\n\nAny = 1\n", ["typing.Any", "typing.TypeVar"], "import os\nimport typing\n\nAny = 1\n"),
        (
            "def f():\n    return TypeVar\n",
            ["typing.Any", "typing.TypeVar"],
            "import typing\n\ndef f():\n    return TypeVar\n",
        ),
        # ... unless the module's name is taken too.
        ("Any = 1\ntyping = None\n", None, "Any = 1\ntyping = None\n"),
        # A star import may bind any public name, `typing` included.
        ("from helpers import *\n", None, "from helpers import *\n"),
    ],
)
def test_import_names_never_shadow_a_name_of_the_module(before: str, written: list[str] | None, after: str) -> None:
    assert _import_names(before, "typing", ["Any", "TypeVar"]) == (written, after)


def test_is_unbound() -> None:
    document = parse("from helpers import *\nimport os as _os\n\ndef f(x):\n    return _cache[x]\n")
    assert document.is_unbound("_free")
    assert not document.is_unbound("_os")  # bound by an import
    assert not document.is_unbound("_cache")  # read, from wherever
    assert not document.is_unbound("Public")  # the star import may bind it


def test_a_type_checking_import_is_not_reused() -> None:
    text = "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from dataclasses import dataclass\n"
    assert _add(text, "dataclasses", "dataclass")[1] == "from dataclasses import dataclass\n" + text


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # Standard-library modules go where isort puts them: `import x` first, then `from x import y`.
        ("import os\nimport sys\n", "import logging\nimport os\nimport sys\n"),
        ("import os\nfrom typing import Any\n", "import logging\nimport os\nfrom typing import Any\n"),
        ("import os\n\nimport requests\n", "import logging\nimport os\n\nimport requests\n"),
        ("import abc\n\nimport requests\n", "import abc\nimport logging\n\nimport requests\n"),
        (
            "import os\n\n# third party\nimport requests\n",
            "import logging\nimport os\n\n# third party\nimport requests\n",
        ),
        (
            '"""Doc."""\n\nfrom __future__ import annotations\n\nx = 1\n',
            '"""Doc."""\n\nfrom __future__ import annotations\n\nimport logging\n\nx = 1\n',
        ),
        ("#!/usr/bin/env python\n\nx = 1\n", "#!/usr/bin/env python\n\nimport logging\n\nx = 1\n"),
        # The comments that open the file stay first, as ruff's isort keeps them: a shebang
        # (redash's `bin/release_manager.py`), an encoding declaration, a licence.
        ("#!/usr/bin/env python3\nimport os\n", "#!/usr/bin/env python3\nimport logging\nimport os\n"),
        (
            "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n# third party\nimport requests\n",
            "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n# third party\nimport logging\n\nimport requests\n",
        ),
        (
            "#\n# Copyright 2025\n#\nfrom typing import Any\n",
            "#\n# Copyright 2025\n#\nimport logging\nfrom typing import Any\n",
        ),
        ("\n# coding: latin-1\nimport os\n", "\n# coding: latin-1\nimport logging\nimport os\n"),
        (
            "# Copyright\n# vim: set fileencoding=utf-8 :\nimport os\n",
            "# Copyright\n# vim: set fileencoding=utf-8 :\nimport logging\nimport os\n",
        ),
        ("# coding=latin-1\r\nimport os\r\n", "# coding=latin-1\r\nimport logging\r\nimport os\r\n"),
    ],
)
def test_add_import_places_a_new_line(before: str, after: str) -> None:
    assert _add(before, "logging")[1] == after


def test_a_new_import_copies_the_line_ending() -> None:
    assert _add("import os\r\nimport sys\r\n", "logging")[1] == "import logging\r\nimport os\r\nimport sys\r\n"


def test_insert_lines_pads_to_the_blank_lines_wanted() -> None:
    text = "import os\n\ndef f():\n    pass\n"
    document = parse(text)
    edit = document.insert_lines(document.after_imports(), ["x = 1"], blank_before=1, blank_after=2)
    assert splice(text, [edit]) == "import os\n\nx = 1\n\n\ndef f():\n    pass\n"


def test_rewrite_edits_only_the_node_inside_a_nested_statement() -> None:
    import libcst

    text = "class A:\n    def f(self):\n        return Counter('x')\n"
    document = parse(text)
    call = document.tree.body[0].body[0].body[0].value
    node = document.cst_node(call, libcst.Call)
    edit = document.rewrite(node, node.with_changes(func=libcst.Name("Gauge")))
    assert edit == Edit(text.index("Counter"), text.index("Counter") + len("Counter"), "Gauge")


NESTED_HANDLERS = (
    "import json\n"
    "\n"
    "\n"
    "@register\n"
    "class Store:\n"
    "    @property\n"
    "    def name(self):\n"
    "        try:\n"
    "            return self._name\n"
    "        except Exception:\n"
    "            return ''\n"
    "\n"
    "    class Cache:\n"
    "        async def get(self, key):\n"
    "            if key:\n"
    "                pass\n"
    "            elif key is None:\n"
    "                try:\n"
    "                    return await self.fetch(key)\n"
    "                except Exception:  # the store may be down\n"
    "                    pass\n"
    "            else:\n"
    "                match key:\n"
    "                    case str():\n"
    "                        try:\n"
    "                            return json.loads(key)\n"
    "                        except Exception:\n"
    "                            return None\n"
    "\n"
    "    def size(self): x = 1; y = 2\n"
)
"""Handlers nested in decorated classes and methods, an `elif` and a `match`."""

TAB_INDENTED_HANDLERS = (
    "def run():\n"
    "\ttry:\n"
    "\t\tStore().name\n"
    "\texcept Exception:\n"
    "\t\tpass\n"
    "\telse:\n"
    "\t\ttry: run()\n"
    "\t\texcept Exception: pass\n"
)


def _logged(handler: libcst.ExceptHandler) -> libcst.ExceptHandler:
    import libcst

    body = handler.body
    if isinstance(body, libcst.SimpleStatementSuite):  # as HF303 makes a one-line handler a block
        body = libcst.IndentedBlock(
            body=[libcst.SimpleStatementLine([s]) for s in body.body], header=body.trailing_whitespace
        )
    return handler.with_changes(body=body.with_changes(body=[libcst.parse_statement("log()"), *body.body]))


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("module", [NESTED_HANDLERS, TAB_INDENTED_HANDLERS])
def test_a_nested_rewrite_is_the_whole_modules_rewrite(module: str, newline: str) -> None:
    import libcst
    from libcst.metadata import MetadataWrapper, PositionProvider

    text = module.replace("\n", newline)
    document = parse(text)
    whole = libcst.parse_module(text)
    positions = MetadataWrapper(whole, unsafe_skip_copy=True).resolve(PositionProvider)
    handlers = [node for node in ast.walk(document.tree) if isinstance(node, ast.ExceptHandler)]
    assert len(handlers) == (3 if module is NESTED_HANDLERS else 2)
    for handler in handlers:
        node = document.cst_node(handler, libcst.ExceptHandler)
        start = document.position(document.span(handler)[0])
        [in_whole] = [
            n
            for n, p in positions.items()
            if isinstance(n, libcst.ExceptHandler) and (p.start.line, p.start.column + 1) == (start.line, start.column)
        ]
        rewritten = splice(text, [document.rewrite(node, _logged(node))])
        assert rewritten == whole.deep_replace(in_whole, _logged(in_whole)).code
        compile(rewritten, "m.py", "exec")


def test_a_nested_rewrite_keeps_the_form_feed_that_opens_its_line() -> None:
    import libcst

    text = "class A:\n    def f(self):\n\f        try:\n            pass\n        except Exception:\n            pass\n"
    document = parse(text)
    handler = document.tree.body[0].body[0].body[0].handlers[0]
    node = document.cst_node(handler, libcst.ExceptHandler)
    assert splice(text, [document.rewrite(node, _logged(node))]) == text.replace(
        "        except Exception:\n", "        except Exception:\n            log()\n"
    )


def test_a_fix_in_a_method_parses_the_statement_that_holds_it_not_the_class(monkeypatch) -> None:
    import libcst

    parsed: list[str] = []
    parse_module = libcst.parse_module
    monkeypatch.setattr(libcst, "parse_module", lambda code: parsed.append(code) or parse_module(code))
    document = parse(NESTED_HANDLERS)
    handler = min(
        (node for node in ast.walk(document.tree) if isinstance(node, ast.ExceptHandler)), key=lambda node: node.lineno
    )
    document.cst_node(handler, libcst.ExceptHandler)
    assert parsed == [
        "if 1:\n"
        "    if 1:\n"
        "        try:\n"
        "            return self._name\n"
        "        except Exception:\n"
        "            return ''\n"
    ]


FORM_FEEDS = (
    "from typing import NamedTuple\n"
    "from prometheus_client import Counter\n"
    "\f\n"
    "class Point(NamedTuple):\n"
    "    x: int\n"
    "\f    y: int = 0\n"
    "  \f    def __post_init__(self):\n"
    "        if self.x < 0:\n"
    '            raise ValueError("x")\n'
    "\f@property\n"
    "def f():\n"
    '    """A page.\n'
    '\f    Another."""\n'
    "    if f:\n"
    "        pass\n"
    "\f    else:\n"
    "        pass\n"
    '\fC = Counter("a_total", "b")\n'
)
"""Form feeds opening lines' indentation, as Emacs' page breaks put them: libcst drops
them (and placed what follows a column short)."""


@pytest.mark.parametrize("tool", ["git", "patch"])
def test_form_feeds_in_indentation_are_kept_and_the_diff_applies(hardenfix, tmp_path: Path, tool: str) -> None:
    from conftest import apply_diff

    for folder in ("patched", "applied"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "m.py").write_bytes(FORM_FEEDS.encode())
    diff = hardenfix(tmp_path / "patched", "apply", "--dry-run", "--unsafe-fixes", "--no-cache")
    assert diff.code == 1, diff.stderr
    apply_diff(tool, diff.stdout, tmp_path / "patched")
    applied = hardenfix(tmp_path / "applied", "apply", "--unsafe-fixes", "--no-cache")
    assert applied.code == 0 and "Fixed 2 findings" in applied.stderr, applied.stderr
    written = (tmp_path / "applied" / "m.py").read_text()
    assert (tmp_path / "patched" / "m.py").read_text() == written
    assert "class Point:" in written and "_get_or_create_metric(Counter," in written
    kept = [line for line in FORM_FEEDS.splitlines() if "\f" in line and "Counter" not in line]
    assert [line for line in written.split("\n") if line in kept] == kept
    assert '\fC = _get_or_create_metric(Counter, "a_total", "b")\n' in written
    compile(written, "m.py", "exec")


NESTED = """\
@decorate(Counter("a"))
class Service:
    def handle(self, items=Counter("b")):
        return sorted(items, key=lambda item: Counter("c"))

    async def close(self):
        try:
            pass
        except Exception:
            pass

    @retry(
        when=lambda error: Counter("d"),
    )
    def fetch(self):
        pass
"""


def test_nodes_by_class_match_ast_walk() -> None:
    document = parse(NESTED)
    walked = list(ast.walk(document.tree))
    assert document.nodes(ast.Call) == [node for node in walked if type(node) is ast.Call]
    assert document.nodes(ast.ClassDef, ast.Lambda) == [
        *[node for node in walked if type(node) is ast.ClassDef],
        *[node for node in walked if type(node) is ast.Lambda],
    ]
    assert document.nodes(ast.Yield) == []


def test_nodes_mentioning_names_are_those_on_lines_that_name_them() -> None:
    document = parse(NESTED)
    lines = {number for number, line in enumerate(NESTED.splitlines(), 1) if "Counter" in line}
    calls = [node for node in ast.walk(document.tree) if isinstance(node, ast.Call)]
    expected = [call for call in calls if lines & set(range(call.lineno, call.end_lineno + 1))]
    found = document.nodes_mentioning(["Counter"], ast.Call)
    assert sorted(map(ast.unparse, found)) == sorted(map(ast.unparse, expected))
    assert len(expected) == 7  # four Counters, and the calls around them
    assert document.nodes_mentioning([], ast.Call) == []


def _nodes_on_every_line_looked_at(document: PythonDocument, lines: list[int]) -> list[ast.AST]:
    """`_nodes_on` as it was before long blocks were bisected: every child of every node on
    the way is looked at."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = [document.tree]
    while stack:
        node = stack.pop()
        for field in node._fields:
            value = getattr(node, field, None)
            for child in value if isinstance(value, list) else (value,):
                if not isinstance(child, ast.AST):
                    continue
                if getattr(child, "end_lineno", None) is not None:
                    first = min([child.lineno, *(d.lineno for d in getattr(child, "decorator_list", ()))])
                    if not any(first <= line <= child.end_lineno for line in lines):
                        continue
                found.append(child)
                stack.append(child)
    return found


@given(st.data())
@settings(deadline=None, derandomize=True, database=None, max_examples=60)
def test_the_nodes_on_lines_of_a_long_block_are_those_every_child_looked_at_gives(data: st.DataObject) -> None:
    """A long block's statements on the lines asked of are found by bisection; the nodes are
    the same, in the same order, as looking at every statement finds: statements sharing a
    line (`a = 1; b = 2`), one ending on the line the next starts on, decorated definitions,
    blank lines and comments between."""
    shapes = (
        "a{n} = {n}",
        "a{n} = 1; b{n} = 2",
        "c{n} = (\n    {n},\n); d{n} = 3",
        "@decorate\ndef f{n}():\n    return {n}",
        "# a comment\n\ne{n} = [\n    {n},\n]",
        "class K{n}:\n    x = 1; y = 2\n\n    def m(self):\n        return {n}",
    )
    statements = [data.draw(st.sampled_from(shapes)).format(n=n) for n in range(data.draw(st.integers(40, 120)))]
    text = "\n".join(statements) + "\n"
    document = parse(text)
    line_count = text.count("\n")
    lines = sorted(data.draw(st.sets(st.integers(1, line_count), max_size=12)))
    assert list(document._nodes_on(lines)) == _nodes_on_every_line_looked_at(document, lines)


def test_nodes_mentioning_a_name_spelt_in_another_unicode_form() -> None:
    # Python reads identifiers in NFKC form: the fullwidth letter is a plain C.
    document = parse("from prometheus_client import Counter\n\nREQUESTS = \uff23ounter('requests')\n")
    [call] = document.nodes_mentioning(["Counter"], ast.Call)
    assert call.func.id == "Counter"


def test_nodes_mentioning_reads_a_normalised_unicode_text_by_its_lines() -> None:
    # Accents and box drawing are their own NFKC form: the search by text holds, and the
    # rest of the tree is never listed.
    document = parse("# caf\u00e9 \u2500\u2500\nfrom prometheus_client import Counter\n\nA = Counter('a')\nB = 1\n")
    [call] = document.nodes_mentioning(["Counter"], ast.Call)
    assert call.func.id == "Counter"
    assert "_nodes_by_type" not in vars(document)
    fullwidth = parse("A = \uff23ounter('a')\n")
    assert len(fullwidth.nodes_mentioning(["Counter"], ast.Call)) == 1
    assert "_nodes_by_type" in vars(fullwidth)


def test_enclosing_scopes_outermost_first() -> None:
    document = parse(NESTED)
    counters = {call.args[0].value: call for call in document.nodes(ast.Call) if call.func.id == "Counter"}
    names = {
        key: [getattr(s, "name", "lambda") for s in document.enclosing_scopes(call)] for key, call in counters.items()
    }
    # The decorator runs where the class is defined, outside it.
    assert names == {
        "a": [],
        "b": ["Service", "handle"],
        "c": ["Service", "handle", "lambda"],
        "d": ["Service", "lambda"],
    }
    [handler] = document.nodes(ast.ExceptHandler)
    assert [scope.name for scope in document.enclosing_scopes(handler)] == ["Service", "close"]
    [service] = document.nodes(ast.ClassDef)
    assert document.enclosing_scopes(service) == []


@pytest.mark.parametrize(
    ("text", "opener"),
    [
        ("x = 1\ndef f():\n", b""),
        ("class A:\n    x = 1\n\n    # note\n    def f(self):\n", b"class A:"),
        ("class A:\n    class B(C):  # inner\n        def f(self):\n", b"class B(C):  # inner"),
        ('class A:\n    doc = """\nclass B:\n"""\n    def f(self):\n', None),
        ("class A:\n\tdef f(self):\n", None),
        ("class A:\n    x = 1 + \\\n    def f(self):\n", None),
        ("class A:\n    x = [\n]\n    def f(self):\n", b"]"),  # a caller sees it is no header
    ],
)
def test_block_opener_is_told_from_indentation(text: str, opener: bytes | None) -> None:
    """The opener of the block holding the statement on the last line."""
    data = text.encode()
    assert block_opener(data, data.rfind(b"\n", 0, -1) + 1) == opener


@pytest.mark.parametrize(
    "text",
    ["", "x", "x\n", "a\nb", "a\r\nb\r\n", "a\rb\r", "a\r\nb\rc\nd", "\n\n\n", "é€\nx\r\n"],
    ids=["empty", "one line", "line feed", "no final newline", "crlf", "bare cr", "mixed", "blank", "non-ascii"],
)
def test_line_starts_agree_with_python_splitting_lines(text: str) -> None:
    from hardenfix.sources.text import SourceText

    starts = [0]
    for index, character in enumerate(text):
        if character == "\n" or (character == "\r" and text[index + 1 : index + 2] != "\n"):
            starts.append(index + 1)
    assert SourceText(text)._line_starts == starts


def test_nodes_mentioning_a_word_only_where_it_stands_alone() -> None:
    document = parse("Counter_x = 1\nmy_Counter = 2\nCounterCounter = 3\nfoo(Counter)\n")
    [call] = document.nodes_mentioning(["Counter"], ast.Call)
    assert call.lineno == 4
    assert document.nodes_mentioning(["Counter"], ast.Assign) == []


def test_modules_imported_by_logging_include_all_a_fresh_interpreter_loads() -> None:
    program = "import sys; before = set(sys.modules); import logging; print(' '.join(set(sys.modules) - before))"
    completed = subprocess.run([sys.executable, "-I", "-S", "-c", program], capture_output=True, text=True, check=True)
    loaded = set(completed.stdout.split())
    assert {"logging", "traceback", "threading", "string", "re._parser"} <= loaded
    assert loaded <= modules_imported_by("logging")
    assert "json" not in modules_imported_by("logging")


def test_module_name_follows_the_packages_up(tmp_path: Path) -> None:
    (tmp_path / "app" / "jobs").mkdir(parents=True)
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "jobs" / "__init__.py").write_text("")
    assert module_name(tmp_path / "app" / "jobs" / "sync.py") == "app.jobs.sync"
    assert module_name(tmp_path / "app" / "jobs" / "__init__.py") == "app.jobs"
    assert module_name(tmp_path / "script.py") == "script"


def _e402(text: str) -> int:
    completed = subprocess.run(
        [RUFF, "check", "--isolated", "--no-cache", "--select", "E402", "--output-format", "json", "-"],
        input=text,
        capture_output=True,
        text=True,
    )
    return len(json.loads(completed.stdout))


OPENINGS = {
    "docstring and future": '"""Doc."""\n\nfrom __future__ import annotations\n\nimport os\n\nX = 1\n',
    "dunders between imports": '"""Doc."""\n__all__ = ["f"]\n__version__: str = "1"\nimport os\nimport sys\n\nX = 1\n',
    "blocks between imports": (
        "import os\nif os.name:\n    y = 1\ntry:\n    import ujson as json\nexcept ImportError:\n    json = None\n"
        "with open(os.devnull):\n    pass\nimport sys\n\nX = 1\n"
    ),
    "sys.path and os.environ": (
        'import os\nimport sys\nsys.path.insert(0, "lib")\nos.environ["A"] = "1"\nos.environ.setdefault("B", "2")\n'
        "import json\n\nX = 1\n"
    ),
    "type checking last": "import os\nfrom typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    import json\n\n\ndef f():\n    pass\n",
    "import after code": "import os\n\nX = 1\nimport sys\n",
    "no imports": '"""Doc."""\n\n\ndef f():\n    pass\n',
    "comments only": "#!/usr/bin/env python\n# Licence.\n\nX = 1\n",
}


@pytest.mark.parametrize("text", OPENINGS.values(), ids=OPENINGS.keys())
def test_code_after_the_opening_imports_leaves_every_import_at_the_top(text: str) -> None:
    document = parse(text)
    at, following = document.after_opening_imports()
    changed = splice(text, [document.insert_lines(at, ["logger = make_logger()"], blank_before=1, blank_after=1)])
    assert _e402(changed) == _e402(text)
    # ... and before any other code of the module, so it exists when that code runs.
    code = [s for s in document.tree.body if s not in document.opening_statements]
    assert all(document.span(statement)[0] >= at for statement in code)
    assert following is (code[0] if code else None)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_insertions_at_one_point_keep_the_larger_blank_lines_between_them(newline: str) -> None:
    """An import that ends its section (one blank line after it), then a definition that
    starts its own (one before it): one blank line between them, not two."""
    from hardenfix.model import Edit
    from hardenfix.sources.python import merge_insertions

    n = newline
    [joined] = merge_insertions(
        Edit.insert(0, f"import logging{n}{n}"), Edit.insert(0, f"{n}logger = logging.getLogger(__name__){n}{n}")
    )
    assert joined.content == f"import logging{n}{n}logger = logging.getLogger(__name__){n}{n}"
    [joined] = merge_insertions(Edit.insert(0, f"import a{n}"), Edit.insert(0, f"import b{n}"))
    assert joined.content == f"import a{n}import b{n}"


def test_breadth_first_lists_every_node_ast_walk_does_but_expression_contexts() -> None:
    from hardenfix.sources.python_nodes import breadth_first

    tree = ast.parse(
        "import a\n"
        "try:\n    from b import x\nexcept ImportError:\n    from c import x\nelse:\n    import d\n"
        "match v:\n    case 1:\n        import e as x\n    case _:\n        pass\n"
        "class K:\n    def f(self):\n        with open(p) as h:\n            from . import x\n"
        "@decorate(lambda: 0)\ndef g():\n    if y:\n        import f.g\n    return [z for z in y]\n"
    )
    # Every node `ast.walk` gives, in its order, but the expression contexts no reader wants.
    assert breadth_first(tree) == [node for node in ast.walk(tree) if not isinstance(node, ast.expr_context)]
    assert len(breadth_first(tree)) < len(list(ast.walk(tree)))
    # The same where a field holds a name, a number or a flag beside the nodes (which it
    # reads no further): patterns, handlers, imports, f-strings, comprehensions, lambdas.
    every_kind = ast.parse(
        "from ..pkg import name as alias, other\n"
        "x: int = 1\n"
        "def f(a, /, b: 'T' = 2, *args, c, **kw) -> None:\n    global g\n    def h():\n        nonlocal a\n"
        "class C(B, metaclass=M):\n    async def m(self):\n        return [v async for v in w if v]\n"
        "try:\n    pass\nexcept (E, F) as error:\n    raise R from error\n"
        "match s:\n    case [1, *rest]: pass\n    case {'k': v, **others}: pass\n"
        "    case Point(1, y=0) | Q() as q: pass\n    case str(): pass\n"
        "y = f'{a!r:>{width}}' + obj.attr[1:2, ...] + (lambda q=3: q)(*p, **k)\n"
        "del a.b, c[0]\n"
    )
    assert breadth_first(every_kind) == [
        node for node in ast.walk(every_kind) if not isinstance(node, ast.expr_context)
    ]
