"""`.dockerignore` as BuildKit reads it, and the build context that honours it."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardenfix.facts.code import code_facts
from hardenfix.sources.dockerfile import BuildContext, ContextError
from hardenfix.sources.dockerignore import DockerIgnore

# (pattern, path, left out): moby/patternmatcher's own table (`MatchesOrParentMatches`),
# the paths a build context lists.
MOBY_CASES = [
    ("**", "file", True),
    ("**/", "dir/file", True),
    ("**/**", "dir/file", True),
    ("dir/**", "dir/dir2/file", True),
    ("**/dir", "dir", True),
    ("**/dir", "dir/file", True),
    ("**/dir2/*", "dir/dir2/file", True),
    ("**/dir2/**", "dir/dir2/dir3/file", True),
    ("**file", "dir/dir/file", True),
    ("**/file*.txt", "dir/dir/file.txt", True),
    ("**/**/*.txt2", "dir/dir/file.txt", False),
    ("**/*.txt", "file.txt", True),
    ("a**/*.txt", "a/dir/dir/file.txt", True),
    ("a/*.txt", "a/dir/file.txt", False),
    ("a/*.txt", "a/file.txt", True),
    ("a[b-d]e", "ace", True),
    ("a[b-d]e", "aae", False),
    ("a[^b-d]e", "aze", True),
    (".*", ".foo", True),
    (".*", "foo", False),
    ("abc.def", "abcZdef", False),
    ("abc?def", "abcZdef", True),
    ("**/foo/bar", "foo/bar", True),
    ("abc/**", "abc", False),
    ("abc/**", "abc/def/ghi", True),
    ("**/.foo", "bar.foo", False),
    ("a(b)c/def", "a(b)c/def", True),
    ("a.|)$(}+{bc", "a.|)$(}+{bc", True),
    ("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", True),
    ("a\\*b", "a*b", True),
    ("a*/b", "a/c/b", False),
    ("a*", "ab/c", True),
    ("*.md", "docs/guide.md", False),  # anchored at the root, unlike .gitignore
    ("docs", "docs/guide/intro.md", True),
    ("/docs/", "docs/guide.md", True),
    ("./build//out", "build/out/x", True),
]


@pytest.mark.parametrize(("pattern", "path", "left_out"), MOBY_CASES)
def test_a_pattern_leaves_out_what_buildkit_leaves_out(pattern: str, path: str, left_out: bool) -> None:
    assert DockerIgnore(pattern).excludes(path) is left_out


@pytest.mark.parametrize(
    ("patterns", "path", "left_out"),
    [
        (["**", "!util/docker/web"], "util/docker/web/foo", False),
        (["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", True),
        (["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", False),
        (["docs", "!docs/README.md"], "docs/README.md", False),
        (["docs/*", "!docs/README.md"], "docs/intro.md", True),
        (["!main.py", "*.py"], "main.py", True),
        (["*.py", "!main.py"], "main.py", False),
    ],
)
def test_the_last_pattern_that_matches_wins(patterns: list[str], path: str, left_out: bool) -> None:
    assert DockerIgnore("\n".join(patterns)).excludes(path) is left_out


def test_the_files_own_syntax() -> None:
    """A `#` line is a comment (an indented `#` is a pattern), spaces around a pattern and
    after `!` are trimmed, a byte-order mark is dropped, a malformed pattern matches
    nothing, and the context's root is never left out."""
    ignore = DockerIgnore("\ufeffsecrets\n# tests\n  # notes  \n\n  !  secrets/public.pem  \n[unclosed\n")
    assert ignore.excludes("secrets/key.pem") and not ignore.excludes("secrets/public.pem")
    assert not ignore.excludes("tests") and ignore.excludes("# notes") and not ignore.excludes("[unclosed")
    assert not DockerIgnore("*\n").excludes(".")


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def test_a_build_context_is_what_the_build_is_sent(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            ".dockerignore": "**/tests\nscripts\n*.pyc\nservices/*/local_*.py\n",
            "services/api/main.py": "",
            "services/api/local_settings.py": "",
            "services/api/tests/test_main.py": "",
            "scripts/dev_server.py": "",
            "run.py": "",
        },
    )
    context = BuildContext(tmp_path)
    assert context.files_under(".", ".py") == ["run.py", "services/api/main.py"]
    with pytest.raises(
        ContextError, match=r"`scripts/dev_server.py` is left out of the build context by .dockerignore"
    ):
        context.read_bytes("scripts/dev_server.py")
    assert not context.is_dir("scripts") and context.is_dir("services/api")
    # A folder bound into a container has all of its files.
    assert len(BuildContext(tmp_path, built=False).files_under(".", ".py")) == 5


def test_the_dockerfiles_own_ignore_file_replaces_the_contexts(tmp_path: Path) -> None:
    """BuildKit reads `<Dockerfile>.dockerignore` beside the Dockerfile, where a monorepo
    builds each service from the root."""
    write(
        tmp_path,
        {
            ".dockerignore": "services/api\n",
            "services/api/Dockerfile.dockerignore": "services/admin\n",
            "services/api/main.py": "",
            "services/admin/main.py": "",
        },
    )
    api = BuildContext(tmp_path, dockerfile=tmp_path / "services" / "api" / "Dockerfile")
    admin = BuildContext(tmp_path, dockerfile=tmp_path / "services" / "admin" / "Dockerfile")
    assert api.files_under(".", ".py") == ["services/api/main.py"]
    assert admin.files_under(".", ".py") == ["services/admin/main.py"]


def test_code_left_out_of_the_build_gives_no_route(tmp_path: Path) -> None:
    """A development server the image never holds does not say where the service's health is."""
    write(
        tmp_path,
        {
            ".dockerignore": "devtools/\n",
            "devtools/serve.py": "from flask import Flask\napp = Flask(__name__)\n@app.get('/healthz')\ndef h(): ...\n",
            "app.py": "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/livez')\ndef h(): ...\n",
        },
    )
    assert code_facts(BuildContext(tmp_path)).health_route().path == "/livez"
    assert code_facts(BuildContext(tmp_path, built=False)).health_route().path == "/healthz"


def test_a_folder_left_out_is_looked_into_for_what_is_taken_back(tmp_path: Path) -> None:
    """A listing skips a folder left out only where no later pattern takes something back."""
    write(
        tmp_path,
        {
            ".dockerignore": "services\n!services/api\nservices/api/scratch.py\nlegacy\n",
            "services/api/main.py": "",
            "services/api/scratch.py": "",
            "services/admin/main.py": "",
            "legacy/old.py": "",
        },
    )
    context = BuildContext(tmp_path)
    assert context.files_under(".", ".py") == ["services/api/main.py"]
    assert context.files_under("services/api", ".py") == ["services/api/main.py"]
    assert context.files_under("services", ".py") == ["services/api/main.py"]
    assert context.files_under("legacy", ".py") == [] and not context.is_dir("legacy")
