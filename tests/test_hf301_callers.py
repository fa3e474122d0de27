"""HF301 keeps the callers of a converted class working: in its project, and in golden cases run before and after."""

from __future__ import annotations

import dataclasses
import enum
import importlib.util
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import pytest

from golden import ROOT, Case, fixed_bytes
from hardenfix.cache import Cache
from hardenfix.config import Settings
from hardenfix.engine import Engine
from hardenfix.model import FileKind, Outcome
from hardenfix.runner import Mode, run

# --------------------------------------------------------------------------- packages


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def hf301(root: Path, *paths: str, mode: Mode = Mode.CHECK, unsafe: bool = False, cache: Cache | None = None):
    """The HF301 findings on `paths` (the whole tree by default), as (path, message, applicability)."""
    engine = Engine(Settings(select=("HF301",)).rules(), unsafe_fixes=unsafe)
    targets = [root / path for path in paths] or [root]
    results = list(run(targets, engine, mode, cwd=root, jobs=1, cache=cache))
    assert [r.error for r in results if r.outcome is Outcome.FAILED] == []
    findings = [f for r in results for f in (r.findings + r.fixed)]
    return [(f.path, f.message, f.fix and str(f.fix.applicability)) for f in findings]


def callers(root: Path, program: str) -> str:
    """What a program using the package prints, run from the package's folder."""
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(program)], cwd=root, capture_output=True, text=True, check=False
    )
    return completed.stdout + completed.stderr[-300:]


MODELS = """\
    from typing import NamedTuple


    class Point(NamedTuple):
        x: int
        y: int = 0

        def __post_init__(self) -> None:
            if self.x < 0 or self.y < 0:
                raise ValueError("negative coordinate")

        def moved(self, dx: int) -> "Point":
            return self._replace(x=self.x + dx)


    def parse(text: str) -> Point:
        x, _, y = text.partition(",")
        return Point(int(x), int(y or 0))
    """

TUPLE_USERS = {
    "pkg/__init__.py": 'from .models import Point\n\n__all__ = ["Point"]\n',
    "pkg/models.py": MODELS,
    "pkg/unpack.py": """\
        from pkg import Point


        def manhattan(p: Point) -> int:
            x, y = p
            return x + y
        """,
    "pkg/order.py": """\
        from .models import parse


        def leftmost(texts):
            points = [parse(text) for text in texts]
            return min(points)
        """,
    "pkg/compare.py": """\
        from pkg.models import *


        def at_origin(text: str) -> bool:
            return parse(text) == (0, 0)
        """,
    "main.py": """\
        import pkg
        from pkg import compare, order, unpack

        print(unpack.manhattan(pkg.Point(1, 2)), order.leftmost(["3,1", "1,5"]), compare.at_origin("0,0"))
        """,
}


def test_modules_that_unpack_sort_and_compare_make_the_fix_unsafe(tmp_path: Path) -> None:
    write(tmp_path, TUPLE_USERS)
    [(path, message, applicability)] = hf301(tmp_path)
    assert (path, applicability) == ("pkg/models.py", "unsafe")
    assert "unpacked (pkg/unpack.py:5)" in message
    assert "(pkg/order.py:5)" in message
    assert "compared with `==` to `(0, 0)`, which may be a tuple (pkg/compare.py:5)" in message
    before = callers(tmp_path, "import runpy; runpy.run_path('main.py')")
    assert before == "3 Point(x=1, y=5) True\n"

    assert [a for _, _, a in hf301(tmp_path, mode=Mode.WRITE)] == ["unsafe"]  # nothing applied
    assert callers(tmp_path, "import runpy; runpy.run_path('main.py')") == before


def test_the_fix_applied_anyway_breaks_those_callers(tmp_path: Path) -> None:
    """The unsafe verdict is not a guess: with --unsafe-fixes the callers fail."""
    write(tmp_path, TUPLE_USERS)
    hf301(tmp_path, mode=Mode.WRITE, unsafe=True)
    assert "cannot unpack non-iterable Point object" in callers(tmp_path, "import runpy; runpy.run_path('main.py')")


SELF_CONTAINED = {
    "pkg/__init__.py": "",
    "pkg/models.py": MODELS,
    "pkg/geometry.py": """\
        from pkg.models import Point, parse


        def distance(a: Point, b: Point) -> int:
            return abs(a.x - b.x) + abs(a.y - b.y)


        def route(text: str) -> str:
            start = parse(text).moved(1)
            end = Point(10, 10)
            same = start == end
            return f"{start} -> {end}: {distance(start, end)} {same} {hash(start) == hash(Point(start.x, start.y))}"
        """,
    "main.py": """\
        from pkg.geometry import route

        print(route("1,2"))
        try:
            route("-5,0")
        except ValueError as error:
            print("rejected:", error)
        else:
            print("accepted")
        """,
}


def test_a_package_that_only_builds_and_reads_instances_is_fixed_and_still_works(tmp_path: Path) -> None:
    write(tmp_path, SELF_CONTAINED)
    assert hf301(tmp_path) == [
        (
            "pkg/models.py",
            "`Point` is a NamedTuple, which never calls `__post_init__`: the validation in it never runs",
            "safe",
        )
    ]
    before = callers(tmp_path, "import runpy; runpy.run_path('main.py')")
    assert before == "Point(x=2, y=2) -> Point(x=10, y=10): 16 False True\naccepted\n"
    hf301(tmp_path, mode=Mode.WRITE)
    fixed = (tmp_path / "pkg/models.py").read_text()
    assert "@dataclasses.dataclass(frozen=True)\nclass Point:" in fixed
    assert "return dataclasses.replace(self, x=self.x + dx)" in fixed
    # The same output, and now the validation runs.
    after = callers(tmp_path, "import runpy; runpy.run_path('main.py')")
    assert after == "Point(x=2, y=2) -> Point(x=10, y=10): 16 False True\nrejected: negative coordinate\n"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {"app/use.py": "from app.models import parse\n\n\ndef first(text):\n    return parse(text)[0]\n"},
            "indexed (app/use.py:5)",
            id="a factory's result, without importing the class",
        ),
        pytest.param(
            {"app/use.py": "import app.models as m\n\n\ndef keep(box, text):\n    box.point = m.parse(text)\n"},
            "stored in `box.point`, whose readers are not followed (app/use.py:5)",
            id="stored in an attribute",
        ),
        pytest.param(
            {
                "app/__init__.py": "from .models import *\n",
                "app/use.py": "from app import Point\n\n\nprint(sorted(Point(1)))\n",
            },
            "passed to `sorted` (app/use.py:4)",
            id="re-exported by a star import",
        ),
        pytest.param(
            {"app/use.py": "import json\nfrom . import models\n\n\nprint(json.dumps(models.Point(1)))\n"},
            "passed to `json.dumps` (app/use.py:5)",
            id="through the module",
        ),
        pytest.param(
            {"app/use.py": "from app.models import Point\n\n\nclass Labelled(Point):\n    pass\n"},
            "subclassed by `Labelled` (app/use.py:4)",
            id="subclassed",
        ),
        pytest.param(
            {
                "app/api.py": """\
                    from pydantic import BaseModel

                    from app.models import Point


                    class Move(BaseModel):
                        to: "Point"
                    """
            },
            "annotates the field `Move.to`, which what builds `Move` may read (app/api.py:7)",
            id="a field of a model a framework builds",
        ),
        pytest.param(
            {
                "app/api.py": """\
                    from app.models import Point
                    from app.web import router


                    @router.post("/move")
                    def move(to: Point) -> None:
                        print(to.x)
                    """
            },
            "annotates `move`, whose decorator may read it (app/api.py:6)",
            id="a parameter of a decorated function",
        ),
        pytest.param(
            {
                "tests/test_models.py": "from app.models import Point\n\n\ndef test_order():\n    assert Point(1) < Point(2)\n"
            },
            "ordered with `<` (tests/test_models.py:5)",
            id="in the tests",
        ),
        pytest.param(
            {
                "app/shapes.py": "from dataclasses import dataclass\n\nfrom app.models import Point\n\n\n"
                "@dataclass\nclass Segment:\n    start: Point\n",
                "app/api.py": "from pydantic import BaseModel\n\nfrom app.shapes import Segment\n\n\n"
                "class Move(BaseModel):\n    segment: Segment\n",
            },
            "annotates the field `Segment.start`, which what builds `Segment` may read (app/shapes.py:8)",
            id="a dataclass a pydantic model holds",
        ),
        pytest.param(
            {"bin/show": "#!/usr/bin/env python3\nfrom app.models import parse\n\nx, y = parse('1')\n"},
            "unpacked (bin/show:4)",
            id="a script without .py",
        ),
        pytest.param(
            {
                "local_settings.py": "from app.models import parse\n\nORIGIN = parse('0')[0]\n",
                ".gitignore": "local_settings.py\n",
            },
            "indexed (local_settings.py:3)",
            id="a module .gitignore leaves out",
        ),
        pytest.param(
            {"app/use.py": "import app.models\n\nx, y = getattr(app.models, 'parse')('1')\n"},
            "`getattr(app.models, 'parse')` reaches it (app/use.py:3), which is not followed",
            id="getattr with the name written out",
        ),
        pytest.param(
            {"app/use.py": "import importlib\n\nx, y = importlib.import_module('app.models').Point(1)\n"},
            "`.Point` read off a module found at run time reaches it (app/use.py:3), which is not followed",
            id="a module imported by importlib",
        ),
        pytest.param(
            {"app/use.py": "import sys\n\nimport app.models\n\nx, y = sys.modules['app.models'].Point(1)\n"},
            "`.Point` read off a module found at run time reaches it (app/use.py:5), which is not followed",
            id="a module found in sys.modules",
        ),
        pytest.param(
            {
                "app/use.py": "from importlib import import_module\n\n"
                "models = import_module('app.models')\nx, y = models.parse('1')\n"
            },
            "`.parse` read off a module found at run time reaches it (app/use.py:4), which is not followed",
            id="a name import_module binds",
        ),
        pytest.param(
            {"app/use.py": "from app import models\n\nx, y = vars(models)['Point'](1)\n"},
            "`['Point']` looks it up by name (app/use.py:3), which is not followed",
            id="looked up by its name",
        ),
        pytest.param(
            {"app/docs.py": '"""How to read one.\n\n>>> x, y = parse("1")\n"""\n'},
            "a doctest names it (app/docs.py:3), which is not followed",
            id="a doctest",
        ),
    ],
)
def test_uses_in_other_modules_are_found(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    write(tmp_path, {"app/__init__.py": "", "app/models.py": MODELS, **files})
    (tmp_path / ".git").mkdir()  # the project's root, whose `.gitignore` a walk honours
    [(_, message, applicability)] = hf301(tmp_path, "app/models.py")
    assert applicability == "unsafe"
    assert expected in message


def test_a_module_in_its_own_encoding_is_read_as_python_reads_it(tmp_path: Path) -> None:
    write(tmp_path, {"app/__init__.py": "", "app/models.py": MODELS})
    use = "# -*- coding: latin-1 -*-\nfrom app.models import Point\n\nnom = 'caf\u00e9'\nx, y = Point(1)\n"
    (tmp_path / "app/use.py").write_bytes(use.encode("latin-1"))
    [(_, message, _)] = hf301(tmp_path, "app/models.py")
    assert "unpacked (app/use.py:5)" in message


def test_modules_that_cannot_reach_the_class_do_not_count(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            # A list of names, not a lookup by name.
            "app/__init__.py": 'from app.models import Point\n\n__all__ = ["Point"]\n',
            "app/models.py": MODELS,
            # Its own Point, and a mention in a string or comment only.
            "app/other.py": "from typing import NamedTuple\n\n\nclass Point(NamedTuple):\n    x: int\n\n\nx, y = Point(1)\n",
            "app/docs.py": '"""Point is parsed by parse."""\n# Point(1)[0]\n',
            # Annotations no framework reads.
            "app/plain.py": """\
                from dataclasses import dataclass as record

                from app.models import Point


                @record
                class Segment:
                    start: Point
                    end: "Point | None" = None


                def length(segment: Segment, unit: "Point") -> int:
                    local: Point = segment.start
                    return local.x + unit.x
                """,
        },
    )
    [(_, _, applicability)] = hf301(tmp_path, "app/models.py")
    assert applicability == "safe"


def test_a_public_class_of_a_distributable_package_is_never_safe(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "geometry"\nversion = "1"\n',
            "src/geometry/__init__.py": "",
            "src/geometry/models.py": MODELS,
            "src/geometry/_private.py": MODELS.replace("class Point", "class _Point").replace("Point", "_Point"),
        },
    )
    findings = dict((path, (message, applicability)) for path, message, applicability in hf301(tmp_path))
    message, applicability = findings["src/geometry/models.py"]
    assert applicability == "unsafe"
    assert "the distributable package exports it as `geometry.models.Point`" in message
    # A private class in a private module is the project's own business.
    assert findings["src/geometry/_private.py"][1] == "safe"


@pytest.mark.parametrize(
    "tool",
    ["[tool.uv]\npackage = false\n", "[tool.poetry]\npackage-mode = false\n", "[tool.pdm]\ndistribution = false\n"],
)
def test_an_application_its_tool_never_builds_has_no_users_outside(tmp_path: Path, tool: str) -> None:
    """uv, Poetry and PDM install an application's dependencies, never the application: a
    `[project]` table then describes no package that others install."""
    write(
        tmp_path,
        {
            "pyproject.toml": f'[project]\nname = "geometry"\nversion = "1"\n{tool}',
            "src/geometry/__init__.py": "",
            "src/geometry/models.py": MODELS,
        },
    )
    [(_, _, applicability)] = hf301(tmp_path)
    assert applicability == "safe"


def test_a_module_named_alone_is_judged_with_its_project(tmp_path: Path) -> None:
    write(tmp_path, TUPLE_USERS)
    [(path, _, applicability)] = hf301(tmp_path, "pkg/models.py")
    assert (path, applicability) == ("pkg/models.py", "unsafe")


def test_the_cache_forgets_a_verdict_when_a_module_it_read_changes(tmp_path: Path) -> None:
    write(tmp_path, {**SELF_CONTAINED, "pkg/use.py": "from pkg.models import parse\n\nprint(parse('1').x)\n"})
    cache = Cache.open(tmp_path)
    [(_, _, first)] = hf301(tmp_path, cache=cache)
    cache.save()
    (tmp_path / "pkg/use.py").write_text("from pkg.models import parse\n\nx, y = parse('1')\n")
    cache = Cache.open(tmp_path)
    [(_, message, second)] = hf301(tmp_path, cache=cache)
    assert (first, second) == ("safe", "unsafe")
    assert "unpacked (pkg/use.py:3)" in message


def test_two_copies_of_a_module_in_two_projects_are_judged_apart(tmp_path: Path) -> None:
    write(tmp_path / "one", {"pyproject.toml": "", "models.py": MODELS})
    write(
        tmp_path / "two",
        {"pyproject.toml": "", "models.py": MODELS, "use.py": "from models import Point\n\nPoint(1)[0]\n"},
    )
    cache = Cache.open(tmp_path)
    assert [a for _, _, a in hf301(tmp_path / "one", cache=cache)] == ["safe"]
    cache.save()
    cache = Cache.open(tmp_path)
    assert [a for _, _, a in hf301(tmp_path / "two", "models.py", cache=cache)] == ["unsafe"]


# --------------------------------------------------------------------------- applications, run


@dataclass(frozen=True)
class Application:
    """A project whose classes have no users outside it, which the fix breaks."""

    files: dict[str, str]
    reason: str
    """What the finding's message says of why the fix is unsafe, or why there is none."""
    broken: str | None = None
    """What running it prints once the unsafe fix is applied anyway; None: there is no fix."""


def _job(default: str, imports: str = "") -> str:
    return f"""\
from typing import NamedTuple
{imports}

class Job(NamedTuple):
    name: str
    tags: list = {default}

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("name must not be empty")


def make_job(name: str) -> Job:
    return Job(name)
"""


JOB_MAIN = "from app.job import make_job\n\nprint(make_job('build').tags)\n"
MUTABLE_DEFAULT = "ValueError: mutable default <class 'list'> for field tags is not allowed"
POINT = """\
    class Point(NamedTuple):
        x: int
        y: int

        def __post_init__(self) -> None:
            if self.x < 0:
                raise ValueError("x must be >= 0")
    """
APPLICATIONS = {
    "a default imported from another module": Application(
        {
            "app/settings.py": "DEFAULT_TAGS = ['web']\n",
            "app/job.py": _job("DEFAULT_TAGS", "from app.settings import DEFAULT_TAGS\n"),
            "main.py": JOB_MAIN,
        },
        "field `tags` defaults to `DEFAULT_TAGS`, imported from `app.settings`, which a dataclass refuses",
        MUTABLE_DEFAULT,
    ),
    "a default read from another module": Application(
        {
            "app/settings.py": "DEFAULT_TAGS = ['web']\n",
            "app/job.py": _job("settings.DEFAULT_TAGS", "from app import settings\n"),
            "main.py": JOB_MAIN,
        },
        "field `tags` defaults to `settings.DEFAULT_TAGS`, which a dataclass refuses if it is unhashable",
        MUTABLE_DEFAULT,
    ),
    "a default that names a list through another name": Application(
        {"app/job.py": _job("DEFAULT_TAGS", "\nBASE_TAGS = ['web']\nDEFAULT_TAGS = BASE_TAGS\n"), "main.py": JOB_MAIN},
        "no fix: field `tags` has an unhashable default, which a dataclass refuses",
    ),
    "a decorator that reads `_fields`": Application(
        {
            "app/codec.py": "ENCODERS = {}\n\n\ndef record(cls):\n    ENCODERS[cls.__name__] = cls._fields\n    return cls\n",
            "app/model.py": "from typing import NamedTuple\n\nfrom app.codec import record\n\n\n@record\n"
            + textwrap.dedent(POINT),
            "main.py": "from app.model import Point\n\nprint(Point(0, 1).y)\n",
        },
        "the decorator `@record` is given a dataclass in place of a NamedTuple",
        "AttributeError: type object 'Point' has no attribute '_fields'",
    ),
    "`total_ordering` with no ordering method": Application(
        {
            "app/version.py": "import functools\nfrom typing import NamedTuple\n\n\n@functools.total_ordering\n"
            + textwrap.dedent(POINT),
            "main.py": "from app.version import Point\n\nprint(Point(2, 0).x)\n",
        },
        "no fix: `@functools.total_ordering` needs an ordering method, which the NamedTuple has from `tuple`",
    ),
    "the class in a type passed to pydantic": Application(
        {
            "app/points.py": "from typing import NamedTuple\n\nfrom pydantic import TypeAdapter\n\n\n"
            + textwrap.dedent(POINT)
            + "\n\nPOINTS = TypeAdapter(list[Point])\n",
            "main.py": "from app.points import POINTS\n\nprint(POINTS.validate_python([[1, 2], [3, 4]]))\n",
        },
        "`list[Point]` passed to `TypeAdapter` (line 15)",
        "Input should be a dictionary or an instance of Point",
    ),
    "the class in a field of a pydantic dataclass": Application(
        {
            "app/points.py": "from typing import NamedTuple, Optional\n\nfrom pydantic.dataclasses import dataclass\n\n\n"
            + textwrap.dedent(POINT)
            + "\n\n@dataclass\nclass Move:\n    to: Optional[Point]\n",
            "main.py": "from app.points import Move\n\nprint(Move(to=[1, 2]).to.y)\n",
        },
        "annotates the field `Move.to`, which what builds `Move` may read (line 17)",
        "Input should be a dictionary or an instance of Point",
    ),
    "a `ClassVar` that a NamedTuple takes for a field": Application(
        {
            "app/limits.py": """\
                from __future__ import annotations

                from typing import ClassVar, NamedTuple


                class Limits(NamedTuple):
                    low: int
                    high: int
                    unit: ClassVar[str] = "s"

                    def __post_init__(self) -> None:
                        if self.low > self.high:
                            raise ValueError("low > high")
                """,
            "main.py": "from app.limits import Limits\n\nprint(Limits(1, 2, 'ms'))\n",
        },
        "no fix: field `unit` is annotated `ClassVar[str]`, which a NamedTuple takes for a field and a dataclass does not",
    ),
}


@pytest.mark.parametrize("application", APPLICATIONS.values(), ids=APPLICATIONS.keys())
def test_a_fix_that_breaks_an_application_is_never_safe(tmp_path: Path, application: Application) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.uv]\npackage = false\n", "app/__init__.py": "", **application.files})
    [(_, message, applicability)] = hf301(tmp_path)
    assert application.reason in message
    assert applicability == ("unsafe" if application.broken else None)
    before = callers(tmp_path, "import runpy; runpy.run_path('main.py')")
    assert "Error" not in before

    hf301(tmp_path, mode=Mode.WRITE)
    assert callers(tmp_path, "import runpy; runpy.run_path('main.py')") == before
    # The verdict is not a guess: applied anyway, the fix breaks the application.
    hf301(tmp_path, mode=Mode.WRITE, unsafe=True)
    after = callers(tmp_path, "import runpy; runpy.run_path('main.py')")
    assert application.broken in after if application.broken else after == before


# --------------------------------------------------------------------------- golden cases, run


@dataclass(frozen=True)
class Oracle:
    """What to run in a golden case's module before and after its fix."""

    valid: list[str]
    """Constructions that succeed before and after, with the same fields, equality, hash and repr."""
    invalid: list[str] = field(default_factory=list)
    """Constructions that `__post_init__` rejects after the fix, and that passed before."""
    calls: list[str] = field(default_factory=list)
    """Expressions whose values must not change."""
    broken: list[str] = field(default_factory=list)
    """Expressions that fail after an unsafe fix: why it was unsafe."""


ORACLES = {
    "from-typing": Oracle(["PauseConfig()", "PauseConfig(2.5, 'fast')"], ["PauseConfig(-1.0)"]),
    # Needs pydantic: with its `dataclass`, the class would be validated (and refused).
    "dataclass-name-taken": Oracle(["Job('j', Handle(1))"], ["Job('', Handle(1))"], ["make_job()"]),
    "parenthesised-import": Oracle(["Window(1)", "Window(1, 3)"], ["Window(3, 1)"]),
    "several-classes": Oracle(["Low(5)", "High(50)"], ["Low(-1)", "High(101)"], ["Range(Low(1), High(2)).high"]),
    "type-checking": Oracle(["Size(2, 3)"], ["Size(-1, 2)"], ["area(Size(2, 3))"]),
    "typing-extensions-alias": Oracle(["Limits(0.5)", "Limits(1.0, 256)"], ["Limits(1.0, 0)"]),
    "typing-module": Oracle(["Retry()", "Retry(5)"], ["Retry(0)"], ["first([3, 2])"]),
    "plain-types": Oracle(["Point(1)", "Point(1, 2)"], ["Point(-1)"], ["no_points()", "across(Point(3))", "across()"]),
    "tuple-api-of-other-classes": Oracle(
        ["Low(1)", "High(50)"],
        ["Low(-1)", "High(101)"],
        ["COLUMNS", "WINDOW_COLUMNS", "Low(1).raised()", "tuple(Window(1, 2).widened())", "Window.columns()"],
    ),
    "final-decorator": Oracle(["Point(1)", "Point(1, 2)"], ["Point(-1)"]),
    "hashable-defaults": Oracle(
        ["Job()", "Job('b', 2, Color.BLUE, 0.5)"],
        ["Job(retries=-1)", "Hooks(hook=None)"],
        ["Hooks().kind.__name__", "Hooks().hook('x')", "Hooks().convert(1)"],
    ),
    "unsafe-tuple-use": Oracle(["Span(1, 2)"], ["Span(2, 1)"], broken=["widen(Span(1, 2))"]),
    "rewrites": Oracle(
        ["Retry()", "Retry(2, 1.0)"],
        ["Retry(0)"],
        ["describe(Retry(2, 1.0))", "from_row([2, 0.25])", "COLUMNS", "Retry(2).slower()"],
    ),
    "make-from-a-generator": Oracle(
        ["Point(1)", "Point(1, 2)"],
        ["Point(-1)", "Point.parse('-1,2')"],
        [
            "Point.parse('1,2')",
            "Point.parse_lines('3\\n4')",
            "Point.parse_bracketed('(5,6)')",
            "Point.parse_counted('7,8')",
        ],
    ),
    "rewrite-beside-dataclasses-import": Oracle(
        ["Window(1, 2)"], ["Window(3, 1)"], ["Schedule().add(1, 2)", "note(Window(1, 4))"]
    ),
}
HF301_FIXED = [
    case
    for case in (Case(before.parent, FileKind.PYTHON) for before in sorted(ROOT.glob("python/HF301-*/*/before.py")))
    if fixed_bytes(case) != case.before.read_bytes()
]


def test_every_fixed_golden_case_has_an_oracle() -> None:
    assert sorted(case.folder.name for case in HF301_FIXED) == sorted(ORACLES)


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # a dataclass looks its module up while it is made
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


def _plain(value: object) -> object:
    """A value with instances of the golden classes as (class name, fields)."""
    if hasattr(value, "__post_init__"):
        names = getattr(value, "_fields", None) or list(value.__dataclass_fields__)  # type: ignore[attr-defined]
        return type(value).__name__, tuple(_plain(getattr(value, name)) for name in names)
    if isinstance(value, enum.Enum):  # a member of each copy of the module's enum
        return type(value).__name__, value.name
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_plain(item) for item in value)
    return value


@pytest.mark.parametrize("case", HF301_FIXED, ids=[case.folder.name for case in HF301_FIXED])
def test_golden_callers_work_the_same_after_the_fix(case: Case) -> None:
    oracle = ORACLES[case.folder.name]
    before = vars(_load(case.before, f"golden_before_{case.folder.name.replace('-', '_')}"))
    after = vars(_load(case.after, f"golden_after_{case.folder.name.replace('-', '_')}"))
    built = {expression: (eval(expression, before), eval(expression, after)) for expression in oracle.valid}
    for old, new in built.values():
        assert _plain(old) == _plain(new)
        assert repr(old) == repr(new)
        assert hash(old) == hash(new)
        assert dataclasses.is_dataclass(new)
    for (old_a, new_a), (old_b, new_b) in [(a, b) for a in built.values() for b in built.values()]:
        assert (old_a == old_b) == (new_a == new_b)
    for expression in oracle.invalid:
        eval(expression, before)  # accepted: the bug
        with pytest.raises((ValueError, AssertionError)):
            eval(expression, after)  # `__post_init__` runs now
    for expression in oracle.calls:
        assert _plain(eval(expression, before)) == _plain(eval(expression, after)), expression
    for expression in oracle.broken:
        eval(expression, before)
        with pytest.raises(TypeError):
            eval(expression, after)


def test_every_class_of_real_modules_is_followed_without_failing() -> None:
    """The flow and the judge meet every construct of the standard library: each module's
    classes are followed as if each were the one converted."""
    import ast
    import sysconfig
    import warnings

    from hardenfix.rules.python.hf301_namedtuple_post_init import _TupleJudge
    from hardenfix.sources.python import parse
    from hardenfix.sources.python_flow import ClassShape, ModuleFlow

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    sources = sorted(path for path in stdlib.glob("*.py"))
    followed = notes = 0
    for path in sources[:: max(1, len(sources) // 60)]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            document = parse(path.read_text(encoding="utf-8"))
        for cls in [statement for statement in document.tree.body if isinstance(statement, ast.ClassDef)][:3]:
            judge = _TupleJudge(document, cls)
            notes += len(ModuleFlow(document.tree, document.text, ClassShape.of(cls), judge).run().notes)
            judge.untracked_tuple_api()
            followed += 1
    assert followed > 50 and notes > 100


def test_a_library_whose_pyproject_holds_only_tool_settings_is_searched_with_its_monorepo(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "libs/common/pyproject.toml": "[tool.ruff]\nline-length = 100\n",
            "libs/common/common/__init__.py": "",
            "libs/common/common/models.py": MODELS,
            "services/api/main.py": "from common.models import parse\n\nx, y = parse('1')\n",
        },
    )
    (tmp_path / ".git").mkdir()
    [(_, message, applicability)] = hf301(tmp_path, "libs/common/common/models.py")
    assert applicability == "unsafe" and "unpacked (services/api/main.py:3)" in message


def test_the_namedtuple_import_stays_where_another_module_imports_it_from_here(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/models.py": MODELS,
            "app/other.py": "from app.models import NamedTuple\n\n\nclass Span(NamedTuple):\n    start: int\n",
        },
    )
    (tmp_path / ".git").mkdir()
    hf301(tmp_path, "app/models.py", mode=Mode.WRITE)
    fixed = (tmp_path / "app/models.py").read_text()
    assert "class Point:" in fixed and "from typing import NamedTuple\n" in fixed
