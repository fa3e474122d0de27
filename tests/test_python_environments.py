"""Where a stage's Python installs write, and which copies of a later stage bring it."""

from __future__ import annotations

import pytest

from hardenfix.probes import innermost
from hardenfix.sources.dockerfile import parse
from hardenfix.sources.python_environments import Environment, created_environment, environments_written


def _written(text: str, project: str = "/src") -> tuple[Environment, ...]:
    """The environments the last command of the last `RUN` writes to."""
    document = parse(f"FROM python:3.12\nWORKDIR /src\n{text}\n")
    stage = document.stages[-1]
    run = stage.instructions_named("RUN")[-1]
    command = [stage.expanded(word, run) for word in run.commands()[-1]]
    return environments_written(stage, run, stage.working_directory(run), innermost(command), project)


@pytest.mark.parametrize(
    ("text", "copied", "brings"),
    [
        ("RUN pip install .", "/usr/local/lib/python3.12/site-packages", True),
        ("RUN pip install .", "/usr/local", True),
        ("RUN pip install .", "/usr/local/lib", True),
        ("RUN pip install .", "/usr/local/lib/python3.12/site-packages/app", True),
        ("RUN pip install .", "/usr/local/bin/app", False),
        ("RUN pip install .", "/src/static", False),
        ("RUN uv pip install --system .", "/usr/lib/python3.12/site-packages", True),  # Alpine's
        ("RUN python -m venv /opt/venv && /opt/venv/bin/pip install .", "/opt/venv", True),
        ("RUN python -m venv /opt/venv && /opt/venv/bin/pip install .", "/usr/local", False),
        ("RUN python -m venv /opt/venv\nENV PATH=/opt/venv/bin:$PATH\nRUN pip install .", "/opt/venv", True),
        ("RUN python -m venv /venv && . /venv/bin/activate && pip install .", "/venv", True),
        ("ENV VIRTUAL_ENV=/opt/venv\nRUN uv pip install .", "/opt/venv", True),
        ("ENV VIRTUAL_ENV=/opt/venv\nRUN uv pip install .", "/usr/local", False),
        ("RUN uv venv && uv pip install .", "/src/.venv", True),
        ("RUN uv pip install --python /opt/env/bin/python .", "/opt/env", True),
        ("RUN pip --python /opt/env/bin/python install .", "/opt/env", True),
        ("RUN pip install --prefix=/install .", "/install", True),
        ("RUN pip install --prefix=/install .", "/usr/local", False),
        ("RUN pip install --target /deps .", "/deps", True),
        ("RUN pip install --root /pkgroot .", "/pkgroot", True),
        ("RUN pip install --user .", "/root/.local", True),
        ("ENV PIP_USER=1 HOME=/home/app\nRUN pip install .", "/home/app/.local", True),
        ("RUN uv sync --no-editable", "/src/.venv", True),
        ("RUN uv sync --no-editable", "/src", True),
        ("ENV UV_PROJECT_ENVIRONMENT=/opt/venv\nRUN uv sync --no-editable", "/opt/venv", True),
        ("ENV UV_PROJECT_ENVIRONMENT=/opt/venv\nRUN uv sync --no-editable", "/src/.venv", False),
        ("ENV POETRY_VIRTUALENVS_IN_PROJECT=true\nRUN poetry install", "/src/.venv", True),
        ("ENV POETRY_VIRTUALENVS_CREATE=false\nRUN poetry install", "/usr/local", True),
        ("RUN poetry install", "/root/.cache/pypoetry/virtualenvs", True),
        ("RUN pdm install --no-editable", "/src/.venv", True),
    ],
)
def test_what_a_copy_of_the_builder_brings(text: str, copied: str, brings: bool) -> None:
    assert any(environment.brought_by(copied) for environment in _written(text)) is brings


def test_a_command_that_installs_nothing_writes_nowhere() -> None:
    assert _written("RUN pip wheel --no-deps -w /wheels .") == ()


@pytest.mark.parametrize(
    ("command", "created"),
    [
        ("python3 -m venv /opt/venv", "/opt/venv"),
        ("uv venv --python 3.12 /opt/env", "/opt/env"),
        ("uv venv", ".venv"),
        ("virtualenv -p python3 env", "env"),
        ("python -m pip install .", None),
    ],
)
def test_created_environment(command: str, created: str | None) -> None:
    assert created_environment(command.split()) == created
