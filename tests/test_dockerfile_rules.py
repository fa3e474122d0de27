"""Dockerfile rules beyond the golden cases: the realistic service applied twice in its
own build context, entry point resolution, and reads that must stay inside the context."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest

from golden import ROOT, Case
from hardenfix.engine import Engine
from hardenfix.model import Applicability, FileKind, Outcome
from hardenfix.registry import select_rules
from hardenfix.runner import Mode, run
from hardenfix.sources.dockerfile import (
    BuildContext,
    ContextError,
    NotLocated,
    entrypoint_program,
    locate,
    locate_program,
    parse,
    read_image_file,
)

REALISTIC = ROOT / "dockerfile/HF201-user-before-privdrop-entrypoint/realistic-service"


def apply(path: Path, codes: tuple[str, ...] = ("HF2",)):
    engine = Engine([listed.load()() for listed in select_rules(codes)])
    [result] = run([path], engine, Mode.WRITE, path.parent)
    return result


def apply_built(dockerfile: Path, codes: tuple[str, ...] = ("HF2",)):
    """`apply` on a Dockerfile with the Compose file of a stack that builds it, and runs its
    image through its entrypoint: HF201 sees what runs the image."""
    compose = dockerfile.parent / "compose.yaml"
    compose.write_text(f"services:\n  app:\n    build:\n      context: .\n      dockerfile: {dockerfile.name}\n")
    engine = Engine([listed.load()() for listed in select_rules(codes)])
    return next(r for r in run([dockerfile, compose], engine, Mode.WRITE, dockerfile.parent) if r.path == dockerfile)


def test_realistic_service_one_apply_then_nothing(tmp_path) -> None:
    project = tmp_path / "repo"
    shutil.copytree(REALISTIC, project)
    dockerfile = project / "before.Dockerfile"
    first = apply_built(dockerfile)
    assert first.outcome is Outcome.CHANGED, first.error
    assert sorted({f.code for f in first.fixed}) == ["HF201", "HF204", "HF205"]
    assert dockerfile.read_bytes() == (REALISTIC / "after.Dockerfile").read_bytes()
    second = apply_built(dockerfile)
    assert second.outcome is Outcome.UNCHANGED
    assert (second.fixed, second.findings) == ([], [])


def test_every_golden_dockerfile_case_runs_in_its_context() -> None:
    for before in sorted(ROOT.glob("dockerfile/*/*/before.Dockerfile")):
        result = Case(before.parent, FileKind.DOCKERFILE).run(mode=Mode.CHECK)
        assert result.outcome not in (Outcome.FAILED, Outcome.INVALID), (before, result.error)


@pytest.mark.parametrize(
    ("entrypoint", "program"),
    [
        ('ENTRYPOINT ["/entrypoint.sh"]', "/entrypoint.sh"),
        ("ENTRYPOINT /entrypoint.sh", "/entrypoint.sh"),
        ('ENTRYPOINT ["tini", "--", "/entrypoint.sh"]', "/entrypoint.sh"),
        ('ENTRYPOINT ["/sbin/tini", "-g", "-p", "SIGTERM", "--", "run.sh"]', "run.sh"),
        ('ENTRYPOINT ["dumb-init", "--rewrite", "15:2", "/bin/start"]', "/bin/start"),
        ('ENTRYPOINT ["/bin/sh", "/entrypoint.sh"]', "/entrypoint.sh"),
        ('ENTRYPOINT ["bash", "-e", "./start.sh", "arg"]', "./start.sh"),
        ('ENTRYPOINT ["/bin/sh", "-ec", "exec /entrypoint.sh \\"$@\\"", "--"]', "/entrypoint.sh"),
        ("ENTRYPOINT tini -- /entrypoint.sh", "/entrypoint.sh"),
        ('ENTRYPOINT ["uvicorn", "main:app"]', "uvicorn"),
        ("ENTRYPOINT []", None),
        ('ENTRYPOINT ["sh", "-c", "unterminated \'quote"]', None),
    ],
)
def test_entrypoint_program(entrypoint: str, program: str | None) -> None:
    instruction = parse(f"FROM x\n{entrypoint}\n").instructions[1]
    assert entrypoint_program(instruction) == program


def write(folder: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def located(context: Path, dockerfile: str, image_path: str) -> str | None:
    document = parse(dockerfile, context / "Dockerfile")
    return locate(document, document.final_stage, image_path).context_path


def test_locate_follows_folders_globs_workdir_and_stages(tmp_path) -> None:
    write(tmp_path, {"docker/entrypoint.sh": "", "bin/a.sh": "", "bin/b.sh": "", "app/run.sh": ""})
    assert located(tmp_path, "FROM x\nCOPY docker/ /usr/local/bin/\n", "/usr/local/bin/entrypoint.sh") == (
        "docker/entrypoint.sh"
    )
    assert located(tmp_path, "FROM x\nCOPY bin/*.sh /opt/\n", "/opt/b.sh") == "bin/b.sh"
    assert located(tmp_path, "FROM x\nWORKDIR /srv\nCOPY app/run.sh ./\n", "/srv/run.sh") == "app/run.sh"
    assert located(tmp_path, "FROM x\nCOPY bin/a.sh /usr/bin\n", "/usr/bin/a.sh") == "bin/a.sh"
    assert located(tmp_path, "FROM x AS b\nCOPY app /src\nFROM y\nCOPY --from=b /src/run.sh /run.sh\n", "/run.sh") == (
        "app/run.sh"
    )
    # The last write wins, as in the image.
    assert located(tmp_path, "FROM x\nCOPY bin/a.sh /e.sh\nCOPY bin/b.sh /e.sh\n", "/e.sh") == "bin/b.sh"


def test_locate_reports_what_it_cannot_follow(tmp_path) -> None:
    with pytest.raises(NotLocated, match=re.escape("copied from image `nginx:1.27`")):
        located(tmp_path, "FROM x\nCOPY --from=nginx:1.27 /e.sh /e.sh\n", "/e.sh")
    with pytest.raises(NotLocated, match=re.escape("no `COPY` or `ADD` of the build context writes `/e.sh`")):
        located(tmp_path, "FROM x\nRUN touch /e.sh\n", "/e.sh")
    document = parse("FROM x\nCOPY e.sh /e.sh\n")
    with pytest.raises(NotLocated, match=re.escape("comes from the build context, unknown")):
        locate(document, document.final_stage, "/e.sh")


def test_locate_stops_at_a_file_downloaded_over_the_copied_one(tmp_path) -> None:
    write(tmp_path, {"e.sh": "", "scripts/e.sh": ""})
    # The image holds the downloaded file, not the context's it replaced.
    with pytest.raises(NotLocated, match=re.escape("downloaded by `ADD https://example.com/v2/e.sh`")):
        located(tmp_path, "FROM x\nCOPY e.sh /e.sh\nADD https://example.com/v2/e.sh /e.sh\n", "/e.sh")
    with pytest.raises(NotLocated, match=re.escape("downloaded by `ADD https://github.com/o/s.git#v2`")):
        located(tmp_path, "FROM x\nCOPY scripts /s\nADD https://github.com/o/s.git#v2 /s\n", "/s/e.sh")
    # A URL is one file: another one downloaded into the folder leaves the copied one alone.
    dockerfile = "FROM x\nCOPY e.sh /usr/local/bin/\nADD https://example.com/tini /usr/local/bin/\n"
    assert located(tmp_path, dockerfile, "/usr/local/bin/e.sh") == "e.sh"


def test_heredoc_script_is_read_from_the_dockerfile() -> None:
    document = parse('FROM x\nCOPY <<EOF /usr/local/bin/start\nexec gosu app "$@"\nEOF\n')
    found = locate_program(document, document.final_stage, "start")
    assert read_image_file(document, found) == 'exec gosu app "$@"\n'


def test_build_context_never_reads_outside(tmp_path) -> None:
    (tmp_path / "secret").write_text("outside")
    context_root = tmp_path / "context"
    context_root.mkdir()
    (context_root / "link.sh").symlink_to(tmp_path / "secret")
    (context_root / "inside.sh").write_text("inside")
    (context_root / "alias.sh").symlink_to(context_root / "inside.sh")
    context = BuildContext(context_root)
    assert context.read_text("alias.sh") == "inside"
    assert context.read_text("/inside.sh") == "inside"
    with pytest.raises(ContextError, match=re.escape("`../secret` is outside the build context")):
        context.read_text("../secret")
    with pytest.raises(ContextError, match=re.escape("`a/../../secret` is outside the build context")):
        context.read_text("a/../../secret")
    with pytest.raises(ContextError, match=re.escape("`link.sh` leads outside the build context")):
        context.read_text("link.sh")
    assert context.expand("*.sh") == ["alias.sh", "inside.sh"]


_KEPT_APART = (
    "FROM python:3.12-slim\nRUN useradd app\nCOPY resources/entrypoint.sh /usr/local/bin/entrypoint.sh\n"
    'COPY . /src\nUSER app\nENTRYPOINT ["/usr/local/bin/entrypoint.sh"]\n'
)
"""frappe_docker's shape: a Dockerfile in a folder of its own, built from the repository's
root (`docker build -f images/production/Containerfile .`)."""


@pytest.mark.parametrize(
    ("files", "root", "guess"),
    [
        # What it copies is above: the nearest folder holding all of it.
        ({"resources/entrypoint.sh": '#!/bin/sh\nexec "$@"\n'}, ".", "`../..`"),
        # Its own folder holds what it copies: that one, as before.
        ({"images/app/resources/entrypoint.sh": "x", "resources/entrypoint.sh": "y"}, "images/app", None),
        # Not above the checkout's root, which the `.git` folder marks.
        ({"images/.git/HEAD": "x", "resources/entrypoint.sh": "y"}, "images/app", None),
        # Nowhere: its own folder, as before.
        ({}, "images/app", None),
    ],
)
def test_a_dockerfile_no_compose_file_builds_is_built_from_the_folder_that_holds_what_it_copies(
    tmp_path: Path, files: dict[str, str], root: str, guess: str | None
) -> None:
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    location = tmp_path / "images/app/Dockerfile"
    location.parent.mkdir(parents=True, exist_ok=True)
    location.write_text(_KEPT_APART)
    context = parse(_KEPT_APART, location).build_context
    assert context is not None and context.root == (tmp_path / root).resolve()
    assert (context.guess or "").startswith(f"the build context is taken to be {guess}" if guess else "")
    assert (context.guess is None) is (guess is None)


def test_a_context_taken_from_above_is_read_as_it_stands_in_each_run(tmp_path: Path, hardenfix) -> None:
    """HF201 reads the entrypoint from the folder above; a warm run sees what changed there,
    and in the Dockerfile's own folder, which then holds what it copies."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "resources").mkdir()
    (tmp_path / "resources/entrypoint.sh").write_text('#!/bin/sh\nexec gosu app "$@"\n')
    (tmp_path / "images/app").mkdir(parents=True)
    (tmp_path / "images/app/Dockerfile").write_text(_KEPT_APART)
    arguments = ("check", "--isolated", "--select", "HF201", "--output-format", "json", "images/app/Dockerfile")

    def messages() -> list[str]:
        return [finding["message"] for finding in json.loads(hardenfix(tmp_path, *arguments).stdout)]

    [drops] = messages()
    assert drops.startswith("`USER app` makes the entrypoint `/usr/local/bin/entrypoint.sh` start without root,")
    assert "it calls `gosu`" in drops, drops
    (tmp_path / "resources/entrypoint.sh").write_text('#!/bin/sh\nexec "$@"\n')
    assert messages() == []
    (tmp_path / "images/app/resources").mkdir()
    (tmp_path / "images/app/resources/entrypoint.sh").write_text('#!/bin/sh\nexec su-exec app "$@"\n')
    [drops] = messages()
    assert "it calls `su-exec`" in drops, drops


def test_build_context_paths_lead_where_the_os_resolves_them(tmp_path) -> None:
    root = tmp_path / "context"
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "src" / "pkg" / "a.py").write_text("a")
    (tmp_path / "secret").write_text("outside")
    (root / "lib").symlink_to("src", target_is_directory=True)
    (root / "src" / "up").symlink_to("..", target_is_directory=True)
    (root / "chain").symlink_to("lib/pkg", target_is_directory=True)
    (root / "out").symlink_to(tmp_path, target_is_directory=True)
    (root / "back").symlink_to(tmp_path / "context" / "src", target_is_directory=True)
    context = BuildContext(root)
    paths = ("lib/pkg/a.py", "src/up/lib/pkg/a.py", "chain/a.py", "back/pkg/a.py", "out/context/lib", "lib/no/x", ".")
    for relative in paths:
        assert str(context.path(relative)) == os.path.realpath(root / relative)
    assert context.read_text("src/up/chain/a.py") == "a"
    with pytest.raises(ContextError, match=re.escape("`out/secret` leads outside the build context")):
        context.read_text("out/secret")


def test_files_under_lists_regular_files_in_order_and_records_folders(tmp_path) -> None:
    (tmp_path / "outside.py").write_text("")
    root = tmp_path / "context"
    for name in ("src/b.py", "src/a/z.py", "src/a.py", "src/notes.txt"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"# {name}")
    (root / "src/link.py").symlink_to(tmp_path / "outside.py")
    (root / "src/linked").symlink_to(tmp_path, target_is_directory=True)
    reader = parse("FROM scratch\n")
    context = BuildContext(root, reader=reader)
    listed = ["src/a.py", "src/b.py", "src/a/z.py"]
    assert context.files_under("src/", ".py") == listed
    assert context.files_under("./src", ".py") == listed
    assert context.files_under("src/a.py", ".py") == ["src/a.py"]
    assert context.files_under("src", ".py", limit=2) == listed[:2]
    assert context.read_text("src/a/z.py") == "# src/a/z.py"
    assert str(root.resolve() / "src/a") in reader.dependencies  # a file added there changes the findings
    assert str(root.resolve() / "src/a/z.py") in reader.dependencies


@pytest.mark.parametrize(
    ("source", "modules"),
    [
        ("import a.b, c as d\n", {"a.b", "c"}),
        ("from x.y import z\n    from p import (q)\n", {"x.y", "p"}),
        ("\tif True: import t\n", set()),
        ("x = 1; import y\nreimport w\nimportant = 2\n", set()),
        ("from  . import sibling\nfrom m import*\n", {".", "m"}),
        ("import os\r\nfrom json import loads\r\n", {"os", "json"}),
    ],
)
def test_hf202_finds_imports_by_line(source: str, modules: set[str]) -> None:
    from hardenfix.rules.dockerfile.hf202_pythonpath_shared_modules import _imported_modules

    assert _imported_modules(source) == modules


def test_hf202_reads_the_projects_code_not_a_committed_virtualenv(tmp_path) -> None:
    """`COPY . .` takes a committed virtualenv along: its installed packages are neither a
    shared package of the service nor its importers (discovery skips them too)."""
    site_packages = "venv/lib/python3.12/site-packages"
    write(
        tmp_path,
        {
            f"{site_packages}/click/__init__.py": "from click.core import Command\n",
            f"{site_packages}/click/core.py": "class Command: ...\n",
            f"{site_packages}/flask/cli.py": "import click\n",
            "app/main.py": "import os\n",
        },
    )
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text('FROM python:3.12-slim\nWORKDIR /srv\nCOPY . .\nCMD ["python", "app/main.py"]\n')
    result = apply(dockerfile, ("HF202",))
    assert (result.findings, result.fixed) == ([], [])
    (tmp_path / "app/main.py").write_text("from common import db\n")
    write(tmp_path, {"common/__init__.py": "", "common/db.py": "import os\n"})
    [fixed] = apply(dockerfile, ("HF202",)).fixed
    assert "the package `common`" in fixed.message


@pytest.mark.parametrize(
    ("install", "found"),
    [
        ("RUN pip install --no-cache-dir .\n", False),
        ("RUN python -m pip install -e /srv\n", False),
        ("WORKDIR /\nRUN pip install ./srv\n", False),
        ("RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --package app\n", False),
        ("RUN uv pip install --system .\n", False),
        ("RUN poetry install --only main\n", False),
        ("RUN pdm sync --prod\n", False),
        ("RUN uv sync --frozen --no-install-project\n", True),
        ("RUN poetry install --no-root\n", True),
        ("RUN pip install -r requirements.txt\n", True),
        ("RUN pip install ./vendor/lib\n", True),
        ('ENV CODE_DIR=/srv\nRUN pip install --no-deps "$CODE_DIR"\n', False),  # ArchiveBox's
        ("ARG APP=/srv\nRUN pip install ${APP}\n", False),
        ("RUN pip install $UNKNOWN\n", True),
        ('RUN pip install -e ".[graph]"\n', False),  # mem0's server
        ("RUN pip install --no-cache-dir --target /deps -r ./requirements.txt\n", True),
        ('ENV APP_HOME=/srv\nRUN pip install -r "$APP_HOME/requirements.txt"\n', True),
        ("RUN pip install ./vendor/lib[fast]\n", True),
    ],
)
def test_a_project_installed_after_its_package_is_copied_is_imported_from_the_environment(
    tmp_path, install: str, found: bool
) -> None:
    """`pip install .`, `uv sync`, `poetry install` put the project's packages in the
    environment: imported from there wherever the process starts, they need no
    `PYTHONPATH`. Its dependencies alone, or another project, are not it."""
    write(tmp_path, {"common/__init__.py": "", "common/db.py": "import os\n", "app/main.py": "from common import db\n"})
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(f'FROM python:3.12-slim\nWORKDIR /srv\nCOPY . .\n{install}CMD ["python", "app/main.py"]\n')
    result = apply(dockerfile, ("HF202",))
    assert bool(result.fixed) is found


def test_hf202_keeps_no_document_alive_once_checked(tmp_path) -> None:
    """What HF202 reads of a `RUN` once for every package a stage copies is kept with the
    document, not past it: a cache holding documents kept each one's build context and the
    Compose document that gave it (the bench's synthetic tree: 40 MB more)."""
    import gc
    import weakref

    from hardenfix.sources import dockerfile as dockerfile_source

    write(tmp_path, {"common/__init__.py": "", "app/main.py": "from common import db\n", "pyproject.toml": ""})
    text = 'FROM python:3.12-slim\nWORKDIR /srv\nCOPY . .\nRUN uv sync\nCMD ["python", "app/main.py"]\n'
    [listed] = select_rules(["HF202"])
    rule = listed.load()()
    # The first check of the context keeps what its folders declare (`folder_declarations`),
    # and with it that document: the second's is the one asked about.
    first = dockerfile_source.parse(text, tmp_path / "Dockerfile")
    assert list(rule.check(first))
    second = dockerfile_source.parse(text, tmp_path / "Dockerfile")
    assert list(rule.check(second))
    kept = weakref.ref(second)
    del second
    gc.collect()
    assert kept() is None


@pytest.mark.parametrize(
    ("files", "build", "found"),
    [
        # ragflow's sandbox executor
        ({"main.py": "from api import routes\n"}, 'COPY . .\nCMD ["uvicorn", "main:app"]\n', False),
        ({"app/main.py": "from api import routes\n"}, 'COPY . .\nCMD ["python", "app/main.py"]\n', True),
        (
            {"services/api/main.py": "from api import routes\n"},
            'COPY services/api/ ./\nCOPY api api\nCMD ["uvicorn", "main:app"]\n',
            False,
        ),
        ({"main.py": "from api import routes\n"}, 'COPY . ./app/\nCMD ["uvicorn", "app.main:app"]\n', True),
        # plane, Tandoor Recipes, fastapi-realworld: modules of a package, imported by their dotted names
        (
            {"app/__init__.py": "", "app/views/main.py": "from api import routes\n"},
            'COPY . .\nCMD ["uvicorn", "app.views.main:app"]\n',
            False,
        ),
        (
            {"app/__init__.py": "", "app/main.py": 'from api import routes\n\nif __name__ == "__main__":\n    run()\n'},
            'COPY . .\nCMD ["uvicorn", "app.main:app"]\n',  # and `python app/main.py` some other time
            True,
        ),
        (
            {"app/__init__.py": "", "app/main.py": "from api import routes\n"},
            'COPY . .\nCMD ["python", "app/main.py"]\n',
            True,
        ),
        (  # ragflow's sandbox: a script it writes out, held in a string
            {
                "app/__init__.py": "",
                "app/runner.py": 'from api import routes\n\nSCRIPT = """\nif __name__ == "__main__":\n    run()\n"""\n',
            },
            'COPY . .\nCMD ["uvicorn", "app.runner:app"]\n',
            False,
        ),
    ],
    ids=[
        "module-in-the-root",
        "module-below-it",
        "flattened-into-the-root",
        "root-below-the-working-directory",
        "module-of-a-package",
        "package-module-that-is-a-script",
        "package-module-the-command-runs",
        "main-block-in-a-string",
    ],
)
def test_a_module_in_the_app_root_finds_its_sibling_packages(tmp_path, files, build: str, found: bool) -> None:
    """A module in the app root, where the process starts, finds the packages beside it
    through the folder that holds it, whether run as a script or imported by its own name
    (`uvicorn main:app`), whenever it can be found itself: `PYTHONPATH` would change nothing.
    So does a module of a package there, imported by its dotted name, unless it is a script.
    Below the working directory, it is imported as `app.main`, and `api` is not found."""
    write(tmp_path, {"api/__init__.py": "", "api/routes.py": "import os\n", **files})
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(f"FROM python:3.12-slim\nWORKDIR /app\n{build}")
    assert bool(apply(dockerfile, ("HF202",)).fixed) is found


@pytest.mark.parametrize("folder", [".", "images/api"])
def test_hf202_fix_on_a_context_taken_from_above_is_unsafe(tmp_path, folder: str) -> None:
    """The same image, its Dockerfile beside the code or in a folder of its own that no
    Compose file builds: there, the context is a guess, and so is what the fix rests on."""
    write(tmp_path, {"api/__init__.py": "", "api/routes.py": "import os\n", "app/__init__.py": ""})
    write(tmp_path, {"app/main.py": "from api import routes\n"})
    dockerfile = tmp_path / folder / "Dockerfile"
    dockerfile.parent.mkdir(parents=True, exist_ok=True)
    dockerfile.write_text(
        'FROM python:3.12-slim\nWORKDIR /srv\nCOPY api /app/api\nCOPY app /app/app\nCMD ["uvicorn", "app.main:app"]\n'
    )
    result = apply(dockerfile, ("HF202",))
    [finding] = result.fixed or result.findings
    assert finding.fix is not None
    assert (finding.fix.applicability is Applicability.UNSAFE) is (folder != "."), finding.message


PACKAGED_SERVICE = {
    "services/__init__.py": "",
    "services/api/__init__.py": "",
    "services/api/main.py": "from services.api import routes\n",
    "services/api/routes.py": "from services.common import db\n",
    "services/common/__init__.py": "",
    "services/common/db.py": "import os\n",
}


@pytest.mark.parametrize(("command", "asked"), [("services/api/main.py", 0), ("-m services.api.main", 1)])
def test_hf202_tells_once_whether_a_module_copied_by_many_images_is_a_script(
    tmp_path, monkeypatch, command: str, asked: int
) -> None:
    """A monorepo's images copy the same shared modules (PMOVES.AI's 44 Dockerfiles asked it
    of 13 modules 42 times): each is parsed once for it, whichever image asks, and only where
    it is asked: a module of a package the process imports through the app root finds the
    shared packages there too, unless it is run as a script itself; where the root is not on
    the path (a script below it runs), whether it is a script does not matter."""
    script = f"# {tmp_path}\nfrom services.common import db\n\nif __name__ == '__main__':\n    db.run()\n"
    write(tmp_path, {**PACKAGED_SERVICE, "services/api/routes.py": script})
    parsed: list[str] = []
    parse = ast.parse
    monkeypatch.setattr(
        ast, "parse", lambda text, *rest, **options: parsed.append(text) or parse(text, *rest, **options)
    )
    for name in ("Dockerfile", "Dockerfile.worker"):
        dockerfile = tmp_path / name
        words = ", ".join(f'"{word}"' for word in ["python", *command.split()])
        dockerfile.write_text(f"FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD [{words}]\n")
        assert apply(dockerfile, ("HF202",)).fixed
    assert parsed.count(script) == asked


@pytest.mark.parametrize(
    "command",
    [
        'CMD ["python", "services/api/main.py"]\n',
        'CMD ["sh", "-c", "exec python services/api/main.py"]\n',
        "CMD python services/api/main.py\n",
        'CMD ["gunicorn", "--chdir", "services/api", "main:app"]\n',
    ],
    ids=["script", "script-in-a-shell", "shell-form", "chdir"],
)
def test_modules_of_a_package_count_when_the_process_runs_from_elsewhere(tmp_path, command: str) -> None:
    """A script below the app root puts its own folder first on `sys.path`, and `--chdir`
    moves the server away: the root is not on it, and `services.common` is not found from
    `routes.py`, a module of a package, however it is imported."""
    write(tmp_path, PACKAGED_SERVICE)
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(f"FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n{command}")
    assert apply(dockerfile, ("HF202",)).fixed
    dockerfile.write_text('FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD ["python", "-m", "services.api.main"]\n')
    assert apply(dockerfile, ("HF202",)).fixed == []


@pytest.mark.parametrize(
    "files",
    [
        # mathesar: `db/deprecated/types/`; first on the path, it broke `import enum`, and pip
        {"app.py": "import types\n", "lib/types/__init__.py": ""},
        # `import redis` is the installed client; the folder is `app.redis`
        {"app/__init__.py": "", "app/redis/__init__.py": "", "app/cache.py": "import redis\nfrom app.redis import x\n"},
    ],
    ids=["standard-library", "installed-package"],
)
def test_a_folder_is_not_taken_for_the_module_an_import_means(tmp_path, files) -> None:
    """A folder is imported by the name its nearest import root gives it, if by any; and a
    name of the standard library is that library's. Put first on the path, the folder would
    shadow the module every process imports."""
    write(tmp_path, files)
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text('FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD ["python", "-m", "app"]\n')
    result = apply(dockerfile, ("HF202",))
    assert (result.findings, result.fixed) == ([], [])


SHARED_LIBRARY = {
    "libs/common/pyproject.toml": '[project]\nname = "acme-common"\nversion = "0.1.0"\n',
    "libs/common/common/__init__.py": "",
    "libs/common/common/db.py": "import os\n",
    "services/api/main.py": "from common import db\n",
}


@pytest.mark.parametrize(
    ("install", "files", "fixed"),
    [
        ("RUN pip install -r requirements.txt\n", {"requirements.txt": "./libs/common\n"}, False),
        ("RUN pip install -r requirements.txt\n", {"requirements.txt": "-e ./libs/common\n"}, False),
        ("RUN pip install --requirement=requirements.txt\n", {"requirements.txt": "file:./libs/common\n"}, False),
        (
            "RUN pip install -r requirements.txt\n",
            {"requirements.txt": "acme-common @ file:///app/libs/common\n"},
            False,
        ),
        # Nested: `-r base.txt` is read beside the file that includes it.
        (
            "RUN pip install -r reqs/prod.txt\n",
            {"reqs/prod.txt": "-r base.txt\n", "reqs/base.txt": "-e ./libs/common\n"},
            False,
        ),
        # pip reads a path on a requirements file's line against the directory it runs in.
        (
            "RUN pip install -r services/api/requirements.txt\n",
            {"services/api/requirements.txt": "./libs/common\n"},
            False,
        ),
        (
            "RUN cd services/api && pip install -r requirements.txt\n",
            {"services/api/requirements.txt": "../../libs/common\n"},
            False,
        ),
        # ... not against the file's folder: from /app, `../../libs/common` is no folder of the image.
        (
            "RUN pip install -r services/api/requirements.txt\n",
            {"services/api/requirements.txt": "../../libs/common\n"},
            True,
        ),
        # `uv pip install` reads them as pip does (astral-sh/uv#1421; checked with uv 0.13.9).
        (
            "RUN uv pip install --system -r services/api/requirements.txt\n",
            {"services/api/requirements.txt": "-e ./libs/common\n"},
            False,
        ),
        (
            "RUN uv pip install --system -r services/api/requirements.txt\n",
            {"services/api/requirements.txt": "-e ../../libs/common\n"},
            True,
        ),
        # A constraints file installs nothing.
        ("RUN pip install -c constraints.txt fastapi\n", {"constraints.txt": "./libs/common\n"}, True),
        (
            "RUN pip install -r requirements.txt\n",
            {"requirements.txt": "-c constraints.txt\n", "constraints.txt": "./libs/common\n"},
            True,
        ),
        (
            "RUN pip install -r requirements.txt\n",
            {"requirements.txt": "./libs/other\nfastapi[standard]>=0.110\n"},
            True,
        ),
    ],
    ids=[
        "path",
        "editable",
        "file-url",
        "direct-reference",
        "nested",
        "file-in-a-subfolder",
        "after-cd",
        "relative-to-the-file",
        "uv-relative-to-the-working-directory",
        "uv-not-relative-to-the-file",
        "constraint",
        "nested-constraint",
        "another-library",
    ],
)
def test_a_library_a_requirements_file_installs_is_imported_from_the_environment(
    tmp_path, install: str, files, fixed: bool
) -> None:
    """A monorepo service whose requirements file lists its shared library by path (`-e
    ./libs/common`): pip installs it, and the service imports it wherever it starts."""
    write(tmp_path, {**SHARED_LIBRARY, **files})
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        f'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n{install}CMD ["python", "services/api/main.py"]\n'
    )
    assert bool(apply(dockerfile, ("HF202",)).fixed) is fixed


def test_a_requirements_file_installs_the_library_only_once_copied(tmp_path) -> None:
    """Installed before `COPY . .` brings the library, the requirements file installs nothing
    of it (pip would fail on the missing folder): the copied tree is what is imported."""
    write(tmp_path, {**SHARED_LIBRARY, "requirements.txt": "-e ./libs/common\n"})
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
        'COPY . .\nCMD ["python", "services/api/main.py"]\n'
    )
    assert apply(dockerfile, ("HF202",)).fixed


@pytest.mark.parametrize(
    ("requirement", "path"),
    [
        ("./libs/common", "./libs/common"),
        ("../sdk[extra]", "../sdk"),
        ("-e ./libs/common", "./libs/common"),
        ("--editable=../x", "../x"),
        ("libs/common", "libs/common"),
        (".", "."),
        ("/wheels/app-1.0-py3-none-any.whl", "/wheels/app-1.0-py3-none-any.whl"),
        ("./libs/common --hash=sha256:00", "./libs/common"),
        ('./libs/common ; python_version >= "3.10"', "./libs/common"),
        ("file:./libs/common#egg=common", "./libs/common"),
        ("common @ file:///app/libs/common", "/app/libs/common"),
        ("common[db] @ file://localhost/app/my%20libs", "/app/my libs"),
        ("file:../repo#subdirectory=sdk/python", "../repo/sdk/python"),
        ("common @ file://fileserver/share/common", None),
        ("git+https://github.com/acme/common#egg=common", None),
        ("-e git+https://github.com/acme/common#egg=common", None),
        ("common @ https://example.com/common-1.0.tar.gz", None),
        ("uvicorn[standard]>=0.30", None),
        ("-r base.txt", None),
    ],
)
def test_local_path_reads_a_requirement_as_pip_does(requirement: str, path: str | None) -> None:
    from hardenfix.sources.python_dependencies import local_path

    assert local_path(requirement) == path


def test_a_windows_image_is_left_alone(tmp_path) -> None:
    """chroma's Dockerfile.windows: `/C:\\chroma/C:\\chroma` is no path of that image."""
    write(tmp_path, {"chromadb/__init__.py": "", "chromadb/app.py": "from chromadb.api import models\n"})
    write(tmp_path, {"chromadb/api/__init__.py": "", "chromadb/api/models.py": "import os\n"})
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        'FROM python:3.11.9\nSHELL ["powershell", "-Command"]\nWORKDIR C:\\\\chroma\nCOPY ./ C:\\\\chroma\n'
        'CMD ["python", "chromadb/app.py"]\n'
    )
    assert apply(dockerfile, ("HF202",)).fixed == []
    dockerfile.write_text(dockerfile.read_text().replace('SHELL ["powershell", "-Command"]\n', ""))
    assert apply(dockerfile, ("HF202",)).fixed == []
    posix = 'FROM python:3.11.9\nWORKDIR /chroma\nCOPY ./ /chroma\nCMD ["python", "chromadb/app.py"]\n'
    dockerfile.write_text(posix)
    assert apply(dockerfile, ("HF202",)).fixed


def test_a_project_installed_before_its_package_is_copied_does_not_hold_it(tmp_path) -> None:
    write(tmp_path, {"common/__init__.py": "", "app/main.py": "from common import db\n", "pyproject.toml": ""})
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        "FROM python:3.12-slim\nWORKDIR /srv\nCOPY pyproject.toml .\nRUN pip install .\nCOPY . .\n"
        'CMD ["python", "app/main.py"]\n'
    )
    assert apply(dockerfile, ("HF202",)).fixed


@pytest.mark.parametrize(
    ("install", "files", "fixed"),
    [
        ("RUN pip install /wheels/*.whl\n", {"pyproject.toml": ""}, False),
        ("RUN pip install --no-deps /wheels/app-1.0-py3-none-any.whl\n", {"setup.py": ""}, False),
        ("COPY . .\nRUN pip install .\n", {"pyproject.toml": ""}, False),
        # No project here to build the wheel from: a wheel of some other one.
        ("RUN pip install /wheels/*.whl\n", {}, True),
    ],
    ids=["wheel", "named-wheel", "project-installed-before-copied-again", "wheel-of-another-project"],
)
def test_a_project_installed_before_its_package_is_copied_holds_it(tmp_path, install: str, files, fixed: bool) -> None:
    """The project installed from a wheel (or from its folder, copied there already) holds
    the package: the tree copied after it would hide it, and what its build made (a
    setuptools-scm `_version.py`), were its root first on the path."""
    write(tmp_path, {"common/__init__.py": "", "app/main.py": "from common import db\n", **files})
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        "FROM python:3.12-slim AS builder\nWORKDIR /src\nCOPY . .\nRUN pip wheel --wheel-dir /wheels .\n\n"
        "FROM python:3.12-slim\nWORKDIR /srv\nCOPY --from=builder /wheels /wheels\n"
        f'{install}COPY . .\nCMD ["python", "app/main.py"]\n'
    )
    assert bool(apply(dockerfile, ("HF202",)).fixed) is fixed


@pytest.mark.parametrize(
    ("declared", "build"),
    [
        ({"pyproject.toml": '[project]\nname = "shop"\ndependencies = ["graphql-core>=3"]\n'}, ""),
        ({"pyproject.toml": '[project]\nname = "shop"\n[project.optional-dependencies]\napi = ["graphql-core"]\n'}, ""),
        ({"pyproject.toml": '[dependency-groups]\ndev = ["graphql-core"]\n'}, ""),
        ({"pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.12"\ngraphql-core = "^3"\n'}, ""),
        ({"pyproject.toml": '[tool.poetry.group.api.dependencies]\ngraphql-core = "^3"\n'}, ""),
        ({"requirements.txt": "# pinned\nGraphQL_Core==3.2.6 \\\n    --hash=sha256:00\n"}, ""),
        ({"requirements-prod.txt": "-r requirements/base.txt\n", "requirements/base.txt": "graphql-core\n"}, ""),
        ({"requirements.txt": "-rdeps/base.txt\n", "deps/base.txt": "graphql-core\n"}, ""),
        ({"requirements.txt": "--pre -r deps/base.txt\n", "deps/base.txt": "graphql-core\n"}, ""),
        (
            {"deps/all.txt": "--requirement=more.txt\n", "deps/more.txt": "graphql-core[x]; python_version>'3'\n"},
            "RUN pip install -r deps/all.txt\n",
        ),
        ({"setup.cfg": "[options]\ninstall_requires =\n    graphql-core>=3\n"}, ""),
        ({"setup.py": "setup(name='shop', install_requires=['graphql-core>=3'])\n"}, ""),
        ({"Pipfile": '[packages]\ngraphql-core = "*"\n'}, ""),
        ({"uv.lock": 'version = 1\n\n[[package]]\nname = "graphql-core"\nversion = "3.2.6"\n'}, ""),
        ({"poetry.lock": '[[package]]\nname = "graphql-core"\nversion = "3.2.6"\n'}, ""),
        ({}, "RUN pip install --no-cache-dir 'graphql-core==3.2.6'\n"),
        ({}, "RUN python -m pip install git+https://github.com/graphql-python/graphql-core#egg=graphql-core\n"),
        (
            {"deps/all.txt": "graphql-core\n"},
            "COPY deps/all.txt /tmp/r.txt\nRUN uv pip install --system -r /tmp/r.txt\n",
        ),
    ],
    ids=[
        "pyproject",
        "pyproject-extra",
        "dependency-group",
        "poetry",
        "poetry-group",
        "requirements",
        "included-requirements",
        "included-requirements-attached",
        "included-requirements-after-an-option",
        "requirements-a-pip-install-reads",
        "setup-cfg",
        "setup-py",
        "pipfile",
        "uv-lock",
        "poetry-lock",
        "pip-install",
        "pip-install-from-git",
        "uv-pip-install-requirements",
    ],
)
def test_an_import_of_a_name_a_dependency_installs_is_not_the_folder_of_that_name(
    tmp_path, declared: dict[str, str], build: str
) -> None:
    """saleor: `from graphql import get_operation_ast` is the graphql-core library, however the
    project declares or installs it, not its folder `saleor/graphql`, which `/app/saleor`
    first on the path would put in the library's place (and `saleor/csv` in the standard
    library's `csv`). Without the dependency, the folder is what the import means."""
    write(tmp_path, {"shop/graphql/__init__.py": "", "shop/asgi.py": "from graphql import GraphQLError\n"})
    dockerfile = tmp_path / "Dockerfile"
    # Imported by uvicorn from `/app`, as saleor's image does: not a main script, whose own
    # folder (`shop`) would come first on the path and find the folder anyway.
    dockerfile.write_text('FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nCMD ["uvicorn", "shop.asgi:app"]\n')
    assert apply(dockerfile, ("HF202",)).fixed
    dockerfile.write_text(f'FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n{build}CMD ["uvicorn", "shop.asgi:app"]\n')
    write(tmp_path, declared)
    result = apply(dockerfile, ("HF202",))
    assert (result.findings, result.fixed) == ([], [])


@pytest.mark.parametrize(
    ("files", "imports"),
    [
        # DefectDojo's parsers: `dojo/tools` is a package; its `blackduck` is `dojo.tools.blackduck`
        ({"app/__init__.py": "", "app/redis/__init__.py": ""}, "import redis\nfrom .redis import POOL\n"),
        # baserow's tests: the folder `mcp` has no module `shared`
        ({"app/mcp/__init__.py": "", "app/mcp/test_tools.py": ""}, "from mcp.shared.memory import stream\n"),
    ],
    ids=["root-is-a-package", "module-the-folder-lacks"],
)
def test_an_import_the_folder_cannot_satisfy_is_not_of_the_folder(tmp_path, files, imports: str) -> None:
    write(tmp_path, {**files, "app/main.py": imports})
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text('FROM python:3.12-slim\nWORKDIR /srv\nCOPY . .\nCMD ["python", "app/main.py"]\n')
    result = apply(dockerfile, ("HF202",))
    assert (result.findings, result.fixed) == ([], [])


@pytest.mark.parametrize(
    ("files", "hidden"),
    [
        ({"typing.py": ""}, "`/srv/typing.py` would hide the standard library's `typing`"),
        (
            {"yaml/__init__.py": "", "requirements.txt": "PyYAML\n"},
            "`/srv/yaml` would hide `yaml`, which the dependency `PyYAML` may install",
        ),
        ({"email/templates.py": ""}, None),  # a namespace folder: the standard library's `email` comes first
        (
            {"bs4.py": "", "Pipfile": '[packages]\nbeautifulsoup4 = "*"\n'},
            "`/srv/bs4.py` would hide `bs4`, which the dependency `beautifulsoup4` may install",
        ),
        # What an unlocked project's requirements install with them: `redis` with
        # `celery[redis]`, PyJWT with simplejwt, `six` with Celery (through python-dateutil).
        (
            {"redis.py": "", "requirements.txt": "celery[redis]>=5.4\n"},
            "`/srv/redis.py` would hide `redis`, which the dependency `celery[redis]` may install",
        ),
        (
            {"jwt.py": "", "requirements.txt": "djangorestframework-simplejwt==5.3.1\n"},
            "`/srv/jwt.py` would hide `jwt`, which the dependency `djangorestframework-simplejwt` may install",
        ),
        (
            {"six.py": "", "pyproject.toml": '[project]\nname = "shop"\ndependencies = ["celery>=5"]\n'},
            "`/srv/six.py` would hide `six`, which the dependency `celery` may install",
        ),
        (
            {
                "redis.py": "",
                "pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.12"\n'
                'celery = { version = "^5.4", extras = ["redis"] }\n',
            },
            "`/srv/redis.py` would hide `redis`, which the dependency `celery[redis]` may install",
        ),
        (
            {"werkzeug/__init__.py": "", "Pipfile": '[packages]\nflask = "*"\n'},
            "`/srv/werkzeug` would hide `werkzeug`, which the dependency `flask` may install",
        ),
        # Celery without the extra installs no redis client; scrapy's service-identity is
        # imported as `service_identity`.
        ({"redis.py": "", "requirements.txt": "celery>=5.4\n"}, None),
        ({"service.py": "", "requirements.txt": "scrapy\n"}, None),
        # A lock file, or a compiled requirements file, lists all that is installed.
        (
            {
                "redis.py": "",
                "pyproject.toml": '[project]\nname = "shop"\ndependencies = ["celery[redis]>=5"]\n',
                "uv.lock": 'version = 1\n\n[[package]]\nname = "celery"\nversion = "5.4.0"\n',
            },
            None,
        ),
        (
            {"redis.py": "", "requirements.txt": "celery[redis]==5.4.0\n    # via -r requirements.in\n"},
            None,
        ),
        (
            {
                "redis.py": "",
                "Pipfile": '[packages]\ncelery = { version = "*", extras = ["redis"] }\n',
                "Pipfile.lock": '{"_meta": {}, "default": {"celery": {"version": "==5.4.0"}}, "develop": {}}',
            },
            None,
        ),
        (
            {
                "redis.py": "",
                "Pipfile": '[packages]\ncelery = "*"\n',
                "Pipfile.lock": '{"default": {"celery": {}, "kombu": {}, "redis": {}}, "develop": {}}',
            },
            "`/srv/redis.py` would hide `redis`, which the dependency `redis` may install",
        ),
        (
            {
                "redis.py": "",
                "requirements.txt": "celery[redis]==5.4.0 \\\n    --hash=sha256:0e5b\n"
                "redis==5.0.8 \\\n    --hash=sha256:56e5\n    # via celery\n",
            },
            "`/srv/redis.py` would hide `redis`, which the dependency `redis` may install",
        ),
    ],
    ids=[
        "standard-library-module",
        "dependency-package",
        "namespace-folder",
        "irregular-import-name",
        "extra-of-a-requirements-file",
        "dependency-of-a-dependency",
        "dependency-of-a-dependency-of-a-dependency",
        "extra-of-a-poetry-table",
        "package-of-a-pipfile-dependency",
        "without-the-extra",
        "whole-import-name",
        "uv-lock",
        "compiled-requirements",
        "pipfile-lock",
        "pipfile-lock-listing-it",
        "compiled-requirements-listing-it",
    ],
)
def test_the_fix_is_unsafe_when_the_root_would_hide_a_module(tmp_path, files, hidden: str | None) -> None:
    write(tmp_path, {"common/__init__.py": "", "app/main.py": "from common import db\n", **files})
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text('FROM python:3.12-slim\nWORKDIR /srv\nCOPY . .\nCMD ["python", "app/main.py"]\n')
    result = apply(dockerfile, ("HF202",))
    if hidden is None:
        assert result.fixed
    else:
        [finding] = result.findings
        assert hidden in finding.message and finding.fix.applicability.value == "unsafe"


@pytest.mark.parametrize(
    ("install", "unsafe"),
    [
        ("RUN pip install 'celery[redis]'\n", True),
        ("RUN uv pip install --system -r requirements.txt\n", True),
        ("RUN pip install --no-deps 'celery[redis]' kombu\n", False),
        ("RUN pip install celery\n", False),
    ],
    ids=["named", "requirements-file", "no-deps", "without-the-extra"],
)
def test_what_the_dockerfile_installs_with_its_requirements_may_be_hidden(tmp_path, install: str, unsafe: bool) -> None:
    """`pip install celery[redis]` installs the redis client too, which `/srv/redis.py`
    first on the path would hide; not with `--no-deps`, nor without the extra."""
    write(tmp_path, {"common/__init__.py": "", "app/main.py": "from common import db\n", "redis.py": ""})
    write(tmp_path, {"requirements.txt": "celery[redis]\n"} if "requirements.txt" in install else {})
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(f'FROM python:3.12-slim\nWORKDIR /srv\n{install}COPY . .\nCMD ["python", "app/main.py"]\n')
    result = apply(dockerfile, ("HF202",))
    if unsafe:
        [finding] = result.findings
        assert "`/srv/redis.py` would hide `redis`, which the dependency `celery[redis]`" in finding.message
    else:
        assert result.fixed


@pytest.mark.parametrize(
    ("final", "fixed"),
    [
        (
            'FROM python:3.12-slim\nWORKDIR /srv\nCOPY --from=builder /srv /srv\nCMD ["python", "app/main.py"]\n',
            "FROM python:3.12-slim\nWORKDIR /srv\nENV PYTHONPATH=/srv${PYTHONPATH:+:$PYTHONPATH}\nCOPY --from=builder",
        ),
        ('FROM builder AS final\nCMD ["python", "app/main.py"]\n', "AS builder\nWORKDIR /srv\nENV PYTHONPATH="),
        ('FROM python:3.12-slim\nCOPY --from=builder /srv/app/main.py /main.py\nCMD ["python", "/main.py"]\n', None),
    ],
    ids=["copied-from", "built-from", "copied-without-the-package"],
)
def test_a_stage_that_only_builds_what_another_copies_runs_no_service(tmp_path, final: str, fixed: str | None) -> None:
    """healthchecks' Dockerfile copies its code into a `builder` stage, which the final
    stage copies from: an `ENV` in the builder would reach no image that runs. The final
    stage holds what it copies of the builder's files, and is fixed where it does."""
    write(tmp_path, {"common/__init__.py": "", "app/main.py": "from common import db\n"})
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(f"FROM python:3.12-slim AS builder\nWORKDIR /srv\nCOPY . .\n\n{final}")
    result = apply(dockerfile, ("HF202",))
    if fixed is None:
        assert result.fixed == []
    else:
        assert fixed in dockerfile.read_text() and dockerfile.read_text().count("PYTHONPATH=") == 1


@pytest.mark.parametrize(
    ("install", "fixed"),
    [("pip install --prefix=/install .", False), ("pip install -r ./requirements.txt", True)],
    ids=["the-project", "its-requirements-only"],
)
def test_what_a_stage_that_installs_the_project_copies_is_not_followed(tmp_path, install: str, fixed: bool) -> None:
    """The builder's `pip install .` put the packages in its environment, which the final
    stage copies too: they are imported from there. `-r requirements.txt` names no project:
    what the builder copied reaches the final stage from the build context."""
    files = {"common/__init__.py": "", "app/main.py": "from common import db\n", "pyproject.toml": ""}
    write(tmp_path, {**files, "requirements.txt": ""})
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        f"FROM python:3.12-slim AS builder\nWORKDIR /srv\nCOPY . .\nRUN {install}\n\n"
        "FROM python:3.12-slim\nCOPY --from=builder /install /usr/local\nCOPY --from=builder /srv /srv\n"
        'CMD ["python", "/srv/app/main.py"]\n'
    )
    assert bool(apply(dockerfile, ("HF202",)).fixed) is fixed


@pytest.mark.parametrize(
    ("setting", "line"),
    [("ENV APP_HOME=/home/app/web\n", "ENV PYTHONPATH=/home/app/web${PYTHONPATH:+:$PYTHONPATH}"), ("", None)],
    ids=["set-by-env", "not-known"],
)
def test_the_app_root_is_where_the_variables_put_it(tmp_path, setting: str, line: str | None) -> None:
    """django-on-docker: `WORKDIR $APP_HOME` and `COPY . $APP_HOME`. Before, the app root was
    `/$APP_HOME/$APP_HOME`, written into the fix."""
    write(tmp_path, {"upload/__init__.py": "", "hello_django/urls.py": "from upload import views\n"})
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(f"FROM python:3.12-slim\n{setting}WORKDIR $APP_HOME\nCOPY . $APP_HOME\n")
    result = apply(dockerfile, ("HF202",))
    if line is None:
        assert result.fixed == [] and result.findings == []
    else:
        assert line in dockerfile.read_text()


def test_symlinked_entrypoint_out_of_the_context_is_reported(tmp_path) -> None:
    (tmp_path / "outside.sh").write_text('chown app /data\nexec gosu app "$@"\n')
    context = tmp_path / "context"
    context.mkdir()
    (context / "entrypoint.sh").symlink_to(tmp_path / "outside.sh")
    dockerfile = context / "Dockerfile"
    dockerfile.write_text(
        'FROM python:3.12-slim\nCOPY entrypoint.sh /entrypoint.sh\nUSER app\nENTRYPOINT ["/entrypoint.sh"]\n'
    )
    result = apply(dockerfile, ("HF201",))
    assert result.outcome is Outcome.UNCHANGED
    [finding] = result.findings
    assert finding.fix is None
    assert finding.message.endswith("`entrypoint.sh` leads outside the build context")


@pytest.mark.parametrize("cached", [False, True])
def test_a_service_that_sets_its_own_entrypoint_makes_removing_user_unsafe(tmp_path, cached: bool) -> None:
    """A service that runs the image past the script (`entrypoint: []`) works with `USER`
    as it is: without it, it would run as root. A run with a cache sees the Compose file
    change as a run without one does."""
    from hardenfix.cache import Cache

    write(
        tmp_path,
        {
            "entrypoint.sh": '#!/bin/sh\nset -e\nchown -R app /app/media\nexec gosu app "$@"\n',
            "Dockerfile": "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y gosu && useradd app\n"
            'COPY entrypoint.sh /entrypoint.sh\nUSER app\nENTRYPOINT ["/entrypoint.sh"]\n',
            "compose.yaml": "services:\n  web:\n    build: .\n    user: root\n",
        },
    )
    past = time.time() - 3600  # settled: the cache keeps what it found
    for path in tmp_path.iterdir():
        os.utime(path, (past, past))
    engine = Engine([listed.load()() for listed in select_rules(("HF201",))])

    def applicability() -> list[Applicability]:
        cache = Cache.open(tmp_path) if cached else None
        results = list(run([tmp_path], engine, Mode.CHECK, tmp_path, jobs=1, cache=cache))
        return [f.fix.applicability for r in results for f in r.findings if f.fix is not None]

    assert applicability() == [Applicability.SAFE]
    with (tmp_path / "compose.yaml").open("a") as compose:
        compose.write("  worker:\n    build: .\n    entrypoint: []\n    command: [python, worker.py]\n")
    [finding] = [f for r in run([tmp_path], engine, Mode.CHECK, tmp_path, jobs=1) for f in r.findings]
    assert finding.message.endswith(
        "(unsafe fix: service `worker` of `compose.yaml` sets its own `entrypoint:`, past the script, and would"
        " run as root)"
    )
    assert applicability() == [Applicability.UNSAFE]


@pytest.mark.parametrize(
    ("worker", "bypassing"),
    [
        (
            "worker:\n    image: myapp:dev\n    entrypoint: []\n",
            "service `worker` of `compose.worker.yaml` sets its own",
        ),
        ("web:\n    entrypoint: [python, -m, worker]\n", "service `web` of `compose.worker.yaml` sets its own"),
        (
            "worker:\n    image: ${WORKER_IMAGE:-myapp:dev}\n    entrypoint: []\n",
            "service `worker` of `compose.worker.yaml` sets its own",
        ),
        (
            "worker:\n    extends:\n      file: ../common/base.yaml\n      service: worker\n",
            "service `worker` of `compose.worker.yaml` extends a service of `../common/base.yaml`, which may set its",
        ),
    ],
)
@pytest.mark.parametrize("cached", [False, True])
def test_a_service_of_another_folder_that_runs_the_built_image_past_it_makes_removing_user_unsafe(
    tmp_path, worker: str, bypassing: str, cached: bool
) -> None:
    """`docker compose -f compose.yaml -f deploy/compose.worker.yaml` runs the image past the
    script: a service of any Compose file of the run that runs the built image by its name
    (any name Compose interpolates may be it), or a fragment Compose merges over another
    file's service, with its own `entrypoint:`, or one that extends another file's service,
    which may set both (not read)."""
    from hardenfix.cache import Cache

    write(
        tmp_path,
        {
            "entrypoint.sh": '#!/bin/sh\nset -e\nchown -R app /app/media\nexec gosu app "$@"\n',
            "Dockerfile": "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y gosu && useradd app\n"
            'COPY entrypoint.sh /entrypoint.sh\nUSER app\nENTRYPOINT ["/entrypoint.sh"]\n',
            "compose.yaml": "services:\n  web:\n    build: .\n    image: myapp:dev\n    user: root\n",
        },
    )
    past = time.time() - 3600  # settled: the cache keeps what it found
    for path in tmp_path.iterdir():
        os.utime(path, (past, past))
    engine = Engine([listed.load()() for listed in select_rules(("HF201",))])

    def findings() -> list:
        cache = Cache.open(tmp_path) if cached else None
        return [f for r in run([tmp_path], engine, Mode.CHECK, tmp_path, jobs=1, cache=cache) for f in r.findings]

    assert [finding.fix.applicability for finding in findings()] == [Applicability.SAFE]
    write(tmp_path, {"deploy/compose.worker.yaml": f"services:\n  {worker}"})
    [finding] = findings()
    assert finding.fix.applicability is Applicability.UNSAFE
    assert finding.message.endswith(f"(unsafe fix: {bypassing} `entrypoint:`, past the script, and would run as root)")


@pytest.mark.parametrize(
    ("include", "doubt"),
    [
        ("- path:\n      - workers/compose.yaml\n    project_directory: .", "`workers/compose.yaml`, included by"),
        ("- path: ./workers/compose.yaml", "`workers/compose.yaml`, included by"),
        ("- oci://registry.example/stacks/workers:1", "`oci://registry.example/stacks/workers:1`, included by"),
        ("- ${WORKERS:-workers/compose.yaml}", "`${WORKERS:-workers/compose.yaml}`, included by"),
    ],
)
def test_a_file_the_compose_file_includes_may_run_the_image_past_it(tmp_path, include: str, doubt: str) -> None:
    """Compose merges the services of an `include:`d file into the stack: one may run the
    image past the script, so one that sets an `entrypoint:`, or cannot be read, is a doubt."""
    write(
        tmp_path,
        {
            "entrypoint.sh": '#!/bin/sh\nset -e\nchown -R app /app/media\nexec gosu app "$@"\n',
            "Dockerfile": "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y gosu && useradd app\n"
            'COPY entrypoint.sh /entrypoint.sh\nUSER app\nENTRYPOINT ["/entrypoint.sh"]\n',
            "compose.yaml": f"include:\n  {include}\nservices:\n  web:\n    build: .\n    image: myapp:dev\n",
            "workers/compose.yaml": "services:\n  worker:\n    image: myapp:dev\n    entrypoint: []\n",
        },
    )
    engine = Engine([listed.load()() for listed in select_rules(("HF201",))])
    files = [tmp_path / "Dockerfile", tmp_path / "compose.yaml"]
    [finding] = [f for r in run(files, engine, Mode.CHECK, tmp_path, jobs=1) for f in r.findings]
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE
    assert f"(unsafe fix: {doubt} a Compose file that builds the image, " in finding.message


def test_root_user_is_not_a_finding(tmp_path) -> None:
    write(tmp_path, {"entrypoint.sh": 'chown app /data\nexec gosu app "$@"\n'})
    for user in ("root", "0", "0:0", "root:root"):
        dockerfile = tmp_path / "Dockerfile"
        dockerfile.write_text(f'FROM x\nCOPY entrypoint.sh /e.sh\nUSER {user}\nENTRYPOINT ["/e.sh"]\n')
        result = apply(dockerfile, ("HF201",))
        assert (result.findings, result.fixed) == ([], [])


@pytest.mark.parametrize(
    "default_path",
    [
        'exec tini -- "$@"',
        'exec dumb-init "$@"',
        'exec "${@:1}"',
        'eval "$@"',
        'exec sh -c "$@"',
        'exec /bin/bash -c "$*"',
        "exec $CMD",
        "exec gunicorn app:app",
        "gunicorn app:app",
        '"$@" &\nexec gosu app sidecar',
    ],
)
def test_a_path_that_does_not_drop_privileges_makes_the_fix_unsafe(tmp_path, default_path: str) -> None:
    """As built, `USER app` runs the script, which never reaches the `gosu` branch (it would
    fail without root) and runs the default path as app; without `USER` that runs as root."""
    script = f'#!/bin/sh\nif [ "$1" = worker ]; then\n  chown -R app /data\n  exec gosu app "$@"\nfi\n{default_path}\n'
    write(tmp_path, {"entrypoint.sh": script})
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        "FROM python:3.12-slim\nRUN apt-get install -y gosu tini dumb-init\nCOPY entrypoint.sh /e.sh\n"
        'USER app\nENTRYPOINT ["/e.sh"]\n'
    )
    result = apply_built(dockerfile, ("HF201",))
    [finding] = result.findings
    assert result.fixed == [] and finding.fix is not None
    assert finding.fix.applicability is Applicability.UNSAFE
    assert "without dropping privileges: without `USER` it would run as root)" in finding.message


@pytest.mark.parametrize(
    "script",
    [
        'exec >>/var/log/app.log 2>&1\nchown -R app /data\nexec gosu app "$@"\n',
        'chown -R app /data\nexec tini -- gosu app "$@"\n',
        'chown -R app /data\nexec env HOME=/app gosu app "$@" || exit 1\n',
        "chown -R app /data\ngosu app gunicorn app:app\n",
        'chown -R app /data\nif [ "$1" = worker ]; then\n  exec gosu app celery worker\nelse\n  exec gosu app "$@"\nfi\n',
    ],
)
def test_every_path_through_the_dropper_keeps_the_fix_safe(tmp_path, script: str) -> None:
    write(tmp_path, {"entrypoint.sh": script})
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text(
        'FROM python:3.12-slim\nRUN apt-get install -y gosu tini\nCOPY entrypoint.sh /e.sh\nUSER app\nENTRYPOINT ["/e.sh"]\n'
    )
    result = apply_built(dockerfile, ("HF201",))
    assert [finding.fix.applicability for finding in result.fixed if finding.fix] == [Applicability.SAFE]


def test_a_folder_too_large_to_look_through_for_kubernetes_manifests_makes_the_fix_unsafe(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past `_MANIFEST_FOLDERS` folders below the Compose file, a manifest that runs the image
    past its script may be among those not read: the fix is no longer safe."""
    from hardenfix.rules.dockerfile import hf201_user_before_privdrop_entrypoint as hf201

    write(tmp_path, {"entrypoint.sh": 'chown -R app /data\nexec gosu app "$@"\n'})
    dockerfile = tmp_path / "Dockerfile"
    text = (
        'FROM python:3.12-slim\nRUN apt-get install -y gosu\nCOPY entrypoint.sh /e.sh\nUSER app\nENTRYPOINT ["/e.sh"]\n'
    )
    dockerfile.write_text(text)
    for name in ("api", "web"):
        (tmp_path / "services" / name).mkdir(parents=True)
    monkeypatch.setattr(hf201, "_MANIFEST_FOLDERS", 3)  # the Compose file's folder, services/, and one more
    result = apply_built(dockerfile, ("HF201",))
    [finding] = result.findings
    assert result.fixed == [] and finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE
    assert "holds more than 3 folders" in finding.message
    monkeypatch.setattr(hf201, "_MANIFEST_FOLDERS", 4)
    dockerfile.write_text(text)
    assert [f.fix.applicability for f in apply_built(dockerfile, ("HF201",)).fixed] == [Applicability.SAFE]


def test_the_project_a_lock_file_locks_is_not_a_dependency(tmp_path) -> None:
    """uv's lock lists the project itself, from `.`: whether it is installed is another
    question (`uv sync --no-install-project` leaves it out), not a distribution's name."""
    lock = 'version = 1\n\n[[package]]\nname = "common"\nversion = "0.1.0"\nsource = { editable = "." }\n'
    write(tmp_path, {"common/__init__.py": "", "app/main.py": "from common import db\n", "uv.lock": lock})
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text('FROM python:3.12-slim\nWORKDIR /srv\nCOPY . .\nCMD ["python", "app/main.py"]\n')
    assert apply(dockerfile, ("HF202",)).fixed
    (tmp_path / "uv.lock").write_text(lock.replace('editable = "."', 'registry = "https://pypi.org/simple"'))
    dockerfile.write_text('FROM python:3.12-slim\nWORKDIR /srv\nCOPY . .\nCMD ["python", "app/main.py"]\n')
    assert apply(dockerfile, ("HF202",)).fixed == []


@pytest.mark.parametrize(
    ("shell_form", "exec_form"),
    [
        (
            "RUN pip install --no-cache-dir /srv\nRUN rm -r /srv/src/webapp/static\n",
            'RUN ["pip", "install", "--no-cache-dir", "/srv"]\nRUN rm -r /srv/src/webapp/static\n',
        ),
        (
            "RUN pip install --no-cache-dir /srv && rm -r /srv/src/webapp/static\n",
            'RUN ["/bin/sh", "-c", "pip install --no-cache-dir /srv && rm -r /srv/src/webapp/static"]\n',
        ),
        ("RUN python -m pip install .\n", 'RUN ["python", "-m", "pip", "install", "."]\n'),
    ],
)
@pytest.mark.parametrize("stage", ["FROM backend AS prod\n", ""], ids=["a-later-stage", "the-same-stage"])
def test_an_exec_form_run_installs_as_its_shell_form_does(
    tmp_path, shell_form: str, exec_form: str, stage: str
) -> None:
    """HF202 reads what a `RUN` installs whatever its form: the package a `RUN ["pip",
    "install", "/srv"]` installs is imported from the environment, and a `PYTHONPATH` that
    puts its source tree first would hide it (the stage `prod` then deletes files of it)."""
    shutil.copytree(ROOT / "dockerfile/HF202-pythonpath-shared-modules/installed-by-a-later-stage", tmp_path / "repo")
    dockerfile = tmp_path / "repo" / "Dockerfile"
    base = 'FROM python:3.12-slim AS backend\nCOPY . /srv\nWORKDIR /srv\nCMD ["python", "-m", "webapp"]\n'

    def findings(run_instruction: str) -> list[tuple[str, object]]:
        dockerfile.write_text(base + stage + run_instruction)
        engine = Engine([listed.load()() for listed in select_rules(("HF202",))])
        [result] = run([dockerfile], engine, Mode.CHECK, dockerfile.parent)
        return [(f.message, f.fix and f.fix.applicability) for f in result.findings]

    as_shell_form = findings(shell_form)
    assert Applicability.SAFE not in [applicability for _, applicability in as_shell_form]
    assert findings(exec_form) == as_shell_form


@pytest.mark.parametrize(
    "install",
    [
        "RUN <<EOT\npip install --no-cache-dir /srv\nEOT\n",
        "RUN <<-'EOT' bash -e\n\tpip install --no-cache-dir /srv\n\tEOT\n",
        "RUN env PIP_NO_CACHE_DIR=1 pip install /srv\n",
        'RUN ["env", "PIP_NO_CACHE_DIR=1", "pip", "install", "/srv"]\n',
        "RUN /usr/local/bin/pip3.12 install /srv\n",
        'RUN ["/usr/local/bin/pip3.12", "install", "/srv"]\n',
        "RUN python3.12 -m pip install /srv\n",
    ],
)
def test_an_install_however_spelt_is_an_install(tmp_path, install: str) -> None:
    """A heredoc the shell runs (`RUN <<EOT`), a wrapper (`env PIP_NO_CACHE_DIR=1 pip`) and
    a versioned pip (`pip3.12`) install the package as `RUN pip install /srv` does: a
    `PYTHONPATH` that puts its source tree first would hide it (`prod` deletes files of it)."""
    shutil.copytree(ROOT / "dockerfile/HF202-pythonpath-shared-modules/installed-by-a-later-stage", tmp_path / "repo")
    dockerfile = tmp_path / "repo" / "Dockerfile"
    dockerfile.write_text(
        'FROM python:3.12-slim AS backend\nCOPY . /srv\nWORKDIR /srv\nCMD ["python", "-m", "webapp"]\n'
        f"FROM backend AS prod\n{install}RUN rm -r /srv/src/webapp/static\n"
    )
    engine = Engine([listed.load()() for listed in select_rules(("HF202",))])
    [result] = run([dockerfile], engine, Mode.CHECK, dockerfile.parent)
    assert Applicability.SAFE not in [f.fix and f.fix.applicability for f in result.findings]
