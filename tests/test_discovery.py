"""Which files a run sees, and as what kind."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from hardenfix.cache import Cache
from hardenfix.discovery import classify_explicit, classify_name, discover, discover_along
from hardenfix.model import FileKind


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("compose.yaml", FileKind.COMPOSE),
        ("compose.yml", FileKind.COMPOSE),
        ("docker-compose.yml", FileKind.COMPOSE),
        ("docker-compose.override.yaml", FileKind.COMPOSE),
        ("compose.prod.yaml", FileKind.COMPOSE),
        ("monitoring.compose.yml", FileKind.COMPOSE),
        ("Dockerfile", FileKind.DOCKERFILE),
        ("Dockerfile.dev", FileKind.DOCKERFILE),
        ("api.Dockerfile", FileKind.DOCKERFILE),
        ("Containerfile", FileKind.DOCKERFILE),
        ("Dockerfile.tests.dockerignore", None),
        ("worker.py", FileKind.PYTHON),
        ("values.yaml", None),
        ("composer.yaml", None),
        ("README.md", None),
    ],
)
def test_classify_name(name: str, kind: FileKind | None) -> None:
    assert classify_name(name) is kind


def test_named_yaml_with_top_level_services_is_compose(tmp_path: Path) -> None:
    stack = tmp_path / "stack.yml"
    stack.write_text("# my stack\nservices:\n  web:\n    image: nginx\n")
    values = tmp_path / "values.yaml"
    values.write_text("config:\n  services:\n    - web\n")
    assert classify_explicit(stack) is FileKind.COMPOSE
    assert classify_explicit(values) is None


def touch(path: Path, content: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    return path


def test_walk_honours_gitignore_and_skips_dependency_trees(tmp_path: Path) -> None:
    touch(tmp_path / ".gitignore", "generated/\n*.local.yaml\n")
    touch(tmp_path / "compose.yaml")
    touch(tmp_path / "compose.local.yaml")
    touch(tmp_path / "generated" / "compose.yaml")
    touch(tmp_path / "services" / "api" / "Dockerfile")
    touch(tmp_path / "services" / "api" / ".gitignore", "scratch.py\n")
    touch(tmp_path / "services" / "api" / "scratch.py")
    touch(tmp_path / "services" / "api" / "app.py")
    touch(tmp_path / "services" / "web" / "scratch.py")
    touch(tmp_path / "env" / "pyvenv.cfg")
    touch(tmp_path / "env" / "lib" / "mod.py")
    touch(tmp_path / "node_modules" / "pkg" / "compose.yaml")
    touch(tmp_path / ".git" / "hooks" / "hook.py")
    touch(tmp_path / "lib" / "site-packages" / "dep.py")
    touch(tmp_path / "notes.txt")
    found = [(c.path.relative_to(tmp_path).as_posix(), c.kind) for c in discover([tmp_path])]
    assert found == [
        ("compose.yaml", FileKind.COMPOSE),
        ("services/api/Dockerfile", FileKind.DOCKERFILE),
        ("services/api/app.py", FileKind.PYTHON),
        ("services/web/scratch.py", FileKind.PYTHON),
    ]


def test_a_walk_along_a_path_finds_what_the_whole_walk_finds_in_its_folders(tmp_path: Path) -> None:
    """`discover_along` lists the folders from the root down to one folder alone, and finds
    in them what the walk of the whole tree finds there, in its order: nothing in or below a
    folder the walk does not enter (ignored, a virtualenv, a dependency tree), nothing a
    `.gitignore` on the way leaves out."""
    tree = {
        ".gitignore": "generated/\n*.local.yaml\n",
        "services/api/.gitignore": "Dockerfile.dev\n",
        **dict.fromkeys(
            [
                "Dockerfile",
                "compose.local.yaml",
                "x.Dockerfile",
                "services/Dockerfile",
                "services/api/Dockerfile",
                "services/api/Dockerfile.dev",
                "services/api/app/main.py",
                "services/web/Dockerfile",
                "generated/Dockerfile",
                "generated/app/main.py",
                "env/pyvenv.cfg",
                "env/app/Dockerfile",
                "node_modules/pkg/Dockerfile",
            ],
            "",
        ),
    }
    for name, text in tree.items():
        touch(tmp_path / name, text)
    whole = [candidate.path for candidate in discover([tmp_path])]
    folders = sorted({path.parent for path in tmp_path.rglob("*")} | {tmp_path})
    for folder in folders:
        on_the_way = {folder, *folder.parents}
        expected = [path for path in whole if path.parent in on_the_way]
        assert [candidate.path for candidate in discover_along(tmp_path, folder)] == expected, folder
    along_api = [
        c.path.relative_to(tmp_path).as_posix() for c in discover_along(tmp_path, tmp_path / "services/api/app")
    ]
    assert along_api == [
        "Dockerfile",
        "services/Dockerfile",
        "services/api/Dockerfile",
        "services/api/app/main.py",
        "x.Dockerfile",
    ]


def test_a_walk_reads_yaml_files_named_like_compose_for_top_level_services(tmp_path: Path) -> None:
    touch(
        tmp_path / "deploy" / "compose-vm-single.yml", "services:\n  vm:\n    image: victoriametrics/victoria-metrics\n"
    )
    touch(tmp_path / "deploy" / "dev-compose.yaml", "# dev\nservices:\n  web:\n    build: .\n")
    (tmp_path / "deploy" / "compose-bom.yml").write_bytes(b"\xef\xbb\xbfservices:\n  web:\n    image: nginx\n")
    touch(tmp_path / "roles" / "app" / "tasks" / "compose-up.yml", "- name: start\n  command: docker compose up\n")
    touch(tmp_path / "charts" / "web-compose.yaml", "config:\n  services:\n    - web\n")
    touch(tmp_path / "config.yml", "services:\n  web: {}\n")  # named like nothing Compose
    found = [(c.path.relative_to(tmp_path).as_posix(), c.kind) for c in discover([tmp_path])]
    assert found == [
        ("deploy/compose-bom.yml", FileKind.COMPOSE),
        ("deploy/compose-vm-single.yml", FileKind.COMPOSE),
        ("deploy/dev-compose.yaml", FileKind.COMPOSE),
    ]


def test_a_remembered_walk_reads_again_the_files_whose_content_tells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "tree"
    touch(root / "compose-dev.yml", "- not a Compose file\n")
    touch(root / "app.py")
    age(root)
    assert remembered_discovery(root, tmp_path, monkeypatch) == (["app.py"], 1)
    # Editing a file leaves its folder's modification time as it was: the walk is reused.
    (root / "compose-dev.yml").write_text("services:\n  web:\n    image: nginx:1.27\n")
    assert remembered_discovery(root, tmp_path, monkeypatch) == (["app.py", "compose-dev.yml"], 0)


def test_explicit_file_is_processed_even_when_ignored(tmp_path: Path) -> None:
    touch(tmp_path / ".gitignore", "*.local.yaml\n")
    ignored = touch(tmp_path / "compose.local.yaml")
    assert [c.path for c in discover([ignored])] == [ignored]


def test_each_file_once(tmp_path: Path) -> None:
    compose = touch(tmp_path / "compose.yaml")
    assert [c.path for c in discover([tmp_path, compose, tmp_path])] == [tmp_path / "compose.yaml"]


def test_a_symlink_to_a_file_in_the_tree_is_found_once_as_that_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the tree of a named file
    touch(tmp_path / "b" / "compose.yaml")
    touch(tmp_path / "b" / "stack.yml")  # not a Compose name: found only through the link to it
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "docker-compose.yml").symlink_to("../b/compose.yaml")
    (tmp_path / "a" / "compose.yaml").symlink_to(tmp_path / "b" / "stack.yml")
    expected = [("b/stack.yml", FileKind.COMPOSE), ("b/compose.yaml", FileKind.COMPOSE)]
    for paths in ([tmp_path], [tmp_path / "a" / "docker-compose.yml", tmp_path], [tmp_path / "b", tmp_path]):
        found = [(c.path.relative_to(tmp_path).as_posix(), c.kind) for c in discover(paths)]
        assert sorted(found) == sorted(expected), paths


def test_a_tree_reached_through_a_symlinked_folder_keeps_that_path(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    touch(tree / "b" / "compose.yaml")
    (tree / "a").mkdir()
    (tree / "a" / "compose.yaml").symlink_to("../b/compose.yaml")
    (tmp_path / "link").symlink_to(tree)
    assert [c.path for c in discover([tmp_path / "link"])] == [tmp_path / "link" / "b" / "compose.yaml"]


def age(root: Path, seconds: int = 3600) -> None:
    """Every file and folder under `root`, and `root`, last modified `seconds` ago."""
    past = time.time() - seconds
    for path in [*root.rglob("*"), root]:
        os.utime(path, (past, past))


def remembered_discovery(root: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], int]:
    """The files a run discovers under `root`, and how many folders it listed to find them."""
    from hardenfix import discovery

    listed = []
    real_listing = discovery._listing

    def counting_listing(directory, *args):
        listed.append(directory)
        return real_listing(directory, *args)

    monkeypatch.setattr(discovery, "_listing", counting_listing)
    cache = Cache.open(cache_root)
    found = [c.path.relative_to(root).as_posix() for c in discover([root], walks=cache)]
    cache.save()
    return found, len(listed)


def test_an_unchanged_tree_is_not_walked_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "tree"
    for name in ("a/compose.yaml", "a/b/app.py", "c/Dockerfile", "ignored/app.py", "notes.txt"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("")
    (root / ".gitignore").write_text("ignored/\n")
    age(root)
    expected = ["a/b/app.py", "a/compose.yaml", "c/Dockerfile"]
    assert remembered_discovery(root, tmp_path, monkeypatch) == (expected, 4)
    assert remembered_discovery(root, tmp_path, monkeypatch) == (expected, 0)
    # A file added: its folder's modification time changes, and the tree is walked again.
    (root / "a" / "b" / "worker.py").write_text("")
    assert remembered_discovery(root, tmp_path, monkeypatch) == (["a/b/app.py", "a/b/worker.py", *expected[1:]], 4)
    # An edited .gitignore (its folder's time unchanged) is seen as well.
    age(root)
    remembered_discovery(root, tmp_path, monkeypatch)
    (root / ".gitignore").write_text("ignored/\nc/\n")
    os.utime(root, (time.time() - 3600, time.time() - 3600))
    assert remembered_discovery(root, tmp_path, monkeypatch)[0] == ["a/b/app.py", "a/b/worker.py", "a/compose.yaml"]


def test_a_remembered_walk_sees_an_edited_gitignore_above_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repository = tmp_path / "repository"
    root = repository / "services"
    for name in ("api/app.py", "api/generated/models.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("")
    (repository / ".git").mkdir()
    (repository / ".gitignore").write_text("*.pyc\n")
    age(repository)
    assert remembered_discovery(root, tmp_path, monkeypatch) == (["api/app.py", "api/generated/models.py"], 3)
    assert remembered_discovery(root, tmp_path, monkeypatch) == (["api/app.py", "api/generated/models.py"], 0)
    (repository / ".gitignore").write_text("*.pyc\ngenerated/\n")
    assert remembered_discovery(root, tmp_path, monkeypatch) == (["api/app.py"], 2)


def test_a_walk_serves_only_runs_that_note_the_same_names(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    (root / "a").mkdir(parents=True)
    (root / "a" / "hardenfix.toml").write_text("")
    age(root)
    listed: list[tuple[str, set[str]]] = []

    def discovered(noted: frozenset[str]) -> list[tuple[str, set[str]]]:
        listed.clear()
        cache = Cache.open(tmp_path)
        list(
            discover(
                [root], on_folder=lambda f, names: listed.append((f, names & noted)), walks=cache, noted_names=noted
            )
        )
        cache.save()
        return sorted((Path(f).relative_to(tmp_path).as_posix(), names) for f, names in listed)

    assert discovered(frozenset()) == [("tree", set()), ("tree/a", set())]
    assert discovered(frozenset({"hardenfix.toml"})) == [("tree", set()), ("tree/a", {"hardenfix.toml"})]
    assert discovered(frozenset({"hardenfix.toml"})) == [("tree", set()), ("tree/a", {"hardenfix.toml"})]


def test_a_tree_changed_just_before_the_run_is_walked_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "tree"
    (root / "a").mkdir(parents=True)
    (root / "a" / "app.py").write_text("")
    for _ in range(2):  # within one clock tick, a later change could leave the folder's time as it was
        assert remembered_discovery(root, tmp_path, monkeypatch) == (["a/app.py"], 2)
