"""Bad input: the file is named with the reason, nothing is written to it, the rest goes on.

`check` reports a file it cannot read or parse as a finding (HF002, HF003) and exits 1;
`apply` names it on stderr and still exits 0 when every other fix was written. Exit 2
is for failed writes (and usage or configuration errors).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from conftest import apply_diff
from test_cli import FIXED, NEEDS_FIX, write

from hardenfix import files

BAD_FILES = {
    "malformed": (
        b"services:\n  db: [\n",
        "invalid YAML: while parsing a flow node: did not find expected node content at line 3, column 1",
    ),
    "tab-indented": (
        b"services:\n\tdb:\n",
        "invalid YAML: while scanning for the next token: found character that cannot start any token at line 2, column 1",
    ),
    "duplicate-keys": (
        b"services:\n  db:\n    image: postgres:16\n    image: postgres:15\n    healthcheck:\n      test: x\n",
        "duplicate key 'image' at line 4 (first at line 3); refusing to guess which one Compose would use",
    ),
    "undecodable": (b"services:\n  db:\n    image: caf\xe9\n", "is not valid UTF-8 (byte 0xe9 at offset 30)"),
    "utf16": ("services:\n  db: {}\n".encode("utf-16"), "is UTF-16; hardenfix reads UTF-8 only"),
    "not-a-mapping": (b"- services\n", "not a Compose file: the top level is not a mapping"),
    "alias-to-another-document": (
        b"x-db: &db\n  image: postgres:16\nservices: {}\n---\nservices:\n  db: *db\n",
        "an alias to an anchor of an earlier document ('db', line 1) is not supported",
    ),
    "empty-document": (b"services: {}\n---\n", "document 2 (line 3) is empty, which Compose refuses"),
    "document-not-a-mapping": (
        b"services: {}\n---\n- web\n",
        "document 2 (line 3) is not a mapping, which Compose refuses",
    ),
    "go-template": (
        b"services:\n  web:\n    image: nginx:1.27\n{{ if .Env.DEV }}\n    ports: [80:80]\n{{ end }}\n",
        "invalid YAML: while scanning a simple key: could not find expected ':' at line 5, column 5"
        " (a Go or Jinja template tag: render the template and check what it makes, or `exclude` it)",
    ),
    "jinja-template": (
        b"services:\n  web:\n    image: nginx:1.27\n{% if dev %}\n    ports: [80:80]\n{% endif %}\n",
        "invalid YAML: while scanning for the next token: found character that cannot start any token"
        " at line 4, column 2 (a Go or Jinja template tag: render the template and check what it makes, or `exclude` it)",
    ),
    "undefined-alias": (
        b"services:\n  db: *missing\n",
        "invalid YAML: found undefined alias 'missing' at line 2, column 7",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
@pytest.mark.parametrize("command", [["check"], ["apply"], ["apply", "--dry-run"]])
def test_bad_file_is_reported_and_the_rest_still_fixed(
    hardenfix, tmp_path: Path, name: str, command: list[str]
) -> None:
    content, reason = BAD_FILES[name]
    bad = write(tmp_path / "bad" / "compose.yaml", content)
    good = write(tmp_path / "good" / "compose.yaml", NEEDS_FIX)
    result = hardenfix(tmp_path, *command, "--output-format", "concise")
    errors = [line for line in result.stderr.splitlines() if line.startswith("hardenfix: error:")]
    assert bad.read_bytes() == content
    if command == ["check"]:
        assert result.code == 1
        assert errors == [], "check reports the file as a finding, not as an error"
        [line] = [line for line in result.text.splitlines() if line.startswith("bad/compose.yaml:")]
        assert line.endswith(f" HF002 {reason}")
        assert "good/compose.yaml:5:26: HF110" in result.text
        return
    assert errors == [f"hardenfix: error: bad/compose.yaml: {reason}"]
    if command == ["apply"]:
        assert result.code == 0, "every fix that could be made was written"
        assert good.read_text() == FIXED
    else:
        assert result.code == 1, "changes pending in the good file"
        assert "+++ b/good/compose.yaml" in result.text


def test_check_of_a_tree_with_only_an_unparseable_file_exits_1(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "compose.yaml", "services:\n  db: [\n")
    result = hardenfix(tmp_path, "check", "--output-format", "json")
    assert result.code == 1
    assert json.loads(result.stdout) == [
        {
            "code": "HF002",
            "slug": "parse-error",
            "path": "compose.yaml",
            "line": 3,
            "column": 1,
            "end_line": 3,
            "end_column": 1,
            "message": "invalid YAML: while parsing a flow node: did not find expected node content"
            " at line 3, column 1",
            "fix": None,
        }
    ]
    assert result.stderr == ""
    assert hardenfix(tmp_path, "check", "--exit-zero").code == 0
    applied = hardenfix(tmp_path, "apply")
    assert applied.code == 0
    assert applied.stderr.splitlines()[0].startswith("hardenfix: error: compose.yaml: invalid YAML")
    assert hardenfix(tmp_path, "apply", "--dry-run").code == 0, "nothing would change"


def test_parse_errors_are_reported_whatever_the_selection_and_fail_on(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "compose.yaml", "services:\n  db: [\n")
    write(tmp_path / "hardenfix.toml", 'fail-on = ["HF110"]\n')
    result = hardenfix(tmp_path, "check", "--select", "HF101", "--output-format", "concise")
    assert result.code == 1
    assert result.text.startswith("compose.yaml:3:1: HF002 invalid YAML")


def test_missing_path_is_one_error_and_nothing_is_done(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "compose.yaml", NEEDS_FIX)
    for command in ("check", "apply"):
        result = hardenfix(tmp_path, command, "nowhere.yaml", "compose.yaml")
        assert (result.code, result.stdout, result.stderr) == (
            2,
            b"",
            "hardenfix: error: nowhere.yaml: does not exist\n",
        )
    assert (tmp_path / "compose.yaml").read_text() == NEEDS_FIX


def test_config_that_is_a_directory(hardenfix, tmp_path: Path) -> None:
    (tmp_path / "conf.toml").mkdir()
    result = hardenfix(tmp_path, "check", "--config", "conf.toml")
    assert result.code == 2
    assert result.stderr.startswith("hardenfix: error: conf.toml: cannot be read: Is a directory")


def test_binary_file_is_skipped_not_an_error(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "compose.yaml", b"services:\0\n")
    result = hardenfix(tmp_path, "check")
    assert result.code == 0
    assert "hardenfix: skipped: compose.yaml: contains NUL bytes: treated as binary" in result.stderr


def test_unreadable_file(hardenfix, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Root reads files whatever their mode, so the refusal is simulated.
    unreadable = write(tmp_path / "a" / "compose.yaml", NEEDS_FIX)
    write(tmp_path / "b" / "compose.yaml", NEEDS_FIX)
    real_read_whole = files.read_whole

    def read_whole(path: Path, limit: int | None = None) -> bytes:
        if Path(path).name == "compose.yaml" and Path(path).parent.name == "a":
            raise PermissionError(13, "Permission denied")
        return real_read_whole(path, limit)

    monkeypatch.setattr(files, "read_whole", read_whole)
    checked = hardenfix(tmp_path, "check", "--output-format", "concise")
    assert checked.code == 1
    assert "a/compose.yaml:1:1: HF003 cannot be read: Permission denied" in checked.text.splitlines()
    result = hardenfix(tmp_path, "apply")
    assert result.code == 0
    assert "hardenfix: error: a/compose.yaml: cannot be read: Permission denied" in result.stderr.splitlines()
    assert unreadable.read_bytes() == NEEDS_FIX.encode()
    assert (tmp_path / "b" / "compose.yaml").read_bytes() == FIXED.encode()


def test_read_only_file_is_reported_not_chmodded(hardenfix, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = write(tmp_path / "compose.yaml", NEEDS_FIX)
    target.chmod(0o444)
    if os.geteuid() == 0:
        # Root may write any file; the check asks the OS as another user's run would.
        monkeypatch.setattr(os, "access", lambda path, mode: not mode & os.W_OK)
    result = hardenfix(tmp_path, "apply")
    assert result.code == 2
    assert result.stderr.splitlines()[0] == "hardenfix: error: compose.yaml: is read-only; not written"
    assert target.read_text() == NEEDS_FIX
    assert stat.S_IMODE(target.stat().st_mode) == 0o444


def test_write_keeps_permission_bits(hardenfix, tmp_path: Path) -> None:
    target = write(tmp_path / "compose.yaml", NEEDS_FIX)
    target.chmod(0o640)
    assert hardenfix(tmp_path, "apply").code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(files.TEMP_PREFIX)]


def test_file_changed_between_read_and_write_is_not_overwritten(
    hardenfix, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = write(tmp_path / "compose.yaml", NEEDS_FIX)
    edited_meanwhile = NEEDS_FIX + "# edited by someone else\n"
    real_atomic_write = files.atomic_write

    def racing_write(path: Path, data: bytes, expected: bytes) -> None:
        path.write_text(edited_meanwhile)
        real_atomic_write(path, data, expected)

    monkeypatch.setattr("hardenfix.runner.atomic_write", racing_write)
    result = hardenfix(tmp_path, "apply")
    assert result.code == 2
    assert "hardenfix: error: compose.yaml: changed on disk while it was being fixed; not overwritten" in result.stderr
    assert target.read_text() == edited_meanwhile


def _edit_appending(target: Path) -> None:
    with target.open("a") as handle:
        handle.write("# edited by someone else\n")


def _edit_in_place_keeping_size_and_mtime(target: Path) -> None:
    before = target.stat()
    with target.open("r+b") as handle:
        handle.write(b"#")  # same size; the modification time is put back
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))


def _replace_with_an_identical_copy(target: Path) -> None:
    before = target.stat()
    copy = target.with_name("copy.tmp")
    copy.write_bytes(target.read_bytes())
    os.utime(copy, ns=(before.st_atime_ns, before.st_mtime_ns))
    copy.replace(target)


@pytest.mark.parametrize(
    "edit",
    [_edit_appending, _edit_in_place_keeping_size_and_mtime, _replace_with_an_identical_copy],
    ids=["appended", "same-size-and-mtime", "replaced"],
)
def test_an_edit_made_while_the_fix_is_flushed_is_not_overwritten(
    hardenfix, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit
) -> None:
    """The window between the first check and the rename: the temporary file is being
    flushed (the slowest step) when someone else writes the file."""
    target = write(tmp_path / "compose.yaml", NEEDS_FIX)
    real_fsync = os.fsync
    edited: list[bytes] = []

    def fsync_then_edit(descriptor: int) -> None:
        real_fsync(descriptor)
        edit(target)
        edited.append(target.read_bytes())

    monkeypatch.setattr(os, "fsync", fsync_then_edit)
    result = hardenfix(tmp_path, "apply", "--no-cache")
    assert result.code == 2
    assert [line for line in result.stderr.splitlines() if line.startswith("hardenfix: error:")] == [
        "hardenfix: error: compose.yaml: changed on disk while it was being fixed; not overwritten"
    ]
    assert target.read_bytes() == edited[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["compose.yaml"], "no temporary file is left"


def test_symlink_inside_the_tree_is_written_through_and_one_outside_is_skipped(hardenfix, tmp_path: Path) -> None:
    tree, outside = tmp_path / "tree", tmp_path / "outside"
    shared = write(tree / "shared" / "base-stack.yaml", NEEDS_FIX)
    (tree / "compose.yaml").symlink_to(shared)
    foreign = write(outside / "stack.yaml", NEEDS_FIX)
    (tree / "other").mkdir()
    (tree / "other" / "compose.yaml").symlink_to(foreign)
    result = hardenfix(tmp_path, "apply", "tree")
    assert result.code == 0, result.stderr
    assert (tree / "compose.yaml").is_symlink() and shared.read_text() == FIXED
    assert foreign.read_text() == NEEDS_FIX
    assert (
        "hardenfix: skipped: tree/other/compose.yaml: is a symlink to outside the tree being processed" in result.stderr
    )


@pytest.mark.parametrize("tool", ["git", "patch"])
def test_a_symlink_to_a_file_in_the_tree_gives_one_diff_that_names_the_real_file(
    hardenfix, tmp_path: Path, tool: str
) -> None:
    real = write(tmp_path / "b" / "compose.yaml", NEEDS_FIX)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "docker-compose.yml").symlink_to("../b/compose.yaml")
    result = hardenfix(tmp_path, "apply", "--dry-run", ".")
    assert result.code == 1, result.stderr
    headers = [line for line in result.text.splitlines() if line.startswith(("--- ", "+++ "))]
    assert headers == ["--- a/b/compose.yaml", "+++ b/b/compose.yaml"]
    assert "Would fix 2 findings in 1 file" in result.stderr
    apply_diff(tool, result.stdout, tmp_path)
    assert real.read_text() == FIXED
    assert (tmp_path / "a" / "docker-compose.yml").is_symlink()
    check = hardenfix(tmp_path, "check", "--no-cache", ".")
    assert check.code == 0, check.text


def test_fifo_is_skipped_without_blocking(hardenfix, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "stack.yaml")
    result = hardenfix(tmp_path, "check", "stack.yaml")
    assert result.code == 0
    assert "hardenfix: skipped: stack.yaml: is not a regular file" in result.stderr


def test_oversized_file_is_refused_unread(hardenfix, tmp_path: Path) -> None:
    huge = tmp_path / "compose.yaml"
    with huge.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    result = hardenfix(tmp_path, "check", "--output-format", "concise")
    assert result.code == 1
    assert result.text == "compose.yaml:1:1: HF003 is 50 MiB; hardenfix processes files up to 8 MiB\n"


def test_empty_compose_file_and_dockerfile_are_errors_an_empty_module_is_not(hardenfix, tmp_path: Path) -> None:
    for name in ("compose.yaml", "Dockerfile", "__init__.py"):
        write(tmp_path / name, b"")
    result = hardenfix(tmp_path, "apply")
    assert result.code == 0
    assert [line for line in result.stderr.splitlines() if "error" in line] == [
        "hardenfix: error: Dockerfile: file with no instructions",
        "hardenfix: error: compose.yaml: empty Compose file: no services",
    ]


def test_a_file_merged_over_another_may_hold_comments_alone(hardenfix, tmp_path: Path) -> None:
    # Templates to fill in: Compose merges them over compose.yaml and they change nothing.
    write(tmp_path / "compose.yaml", "services:\n  web:\n    image: nginx:1.27\n")
    for name in ("compose.override.yaml", "compose.prod.yaml", "docker-compose.local.yml"):
        write(tmp_path / name, "# services:\n#   web:\n#     ports: [8080:80]\n")
    result = hardenfix(tmp_path, "check")
    assert (result.code, result.stderr) == (0, "No findings in 4 files.\n")


def test_stale_temporary_files_of_a_killed_run_are_removed(hardenfix, tmp_path: Path) -> None:
    import fcntl

    write(tmp_path / "compose.yaml", NEEDS_FIX)
    dead = write(tmp_path / f"{files.TEMP_PREFIX}abc{files.TEMP_SUFFIX}", "partial")
    alive = write(tmp_path / f"{files.TEMP_PREFIX}def{files.TEMP_SUFFIX}", "in progress")
    with alive.open("rb") as writer:
        fcntl.flock(writer.fileno(), fcntl.LOCK_EX)  # as an apply writing it right now holds it
        assert hardenfix(tmp_path, "check").code == 1
        assert dead.exists(), "check writes nothing, not even clean-ups"
        assert hardenfix(tmp_path, "apply").code == 0
        assert not dead.exists()
        assert alive.exists(), "a running writer's file is left alone"


def test_failed_write_leaves_the_original_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = write(tmp_path / "compose.yaml", NEEDS_FIX)

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(files.WriteRefused, match="cannot be written: No space left on device"):
        files.atomic_write(target, FIXED.encode(), expected=NEEDS_FIX.encode())
    assert target.read_text() == NEEDS_FIX
    assert sorted(p.name for p in tmp_path.iterdir()) == ["compose.yaml"]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may write a file without write permission")
def test_root_writes_a_read_only_file_as_the_os_allows_and_keeps_its_mode(hardenfix, tmp_path: Path) -> None:
    target = write(tmp_path / "compose.yaml", NEEDS_FIX)
    target.chmod(0o444)
    assert hardenfix(tmp_path, "apply").code == 0
    assert target.read_text() == FIXED
    assert stat.S_IMODE(target.stat().st_mode) == 0o444


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may give a file to another user")
def test_root_rewriting_a_users_file_leaves_it_theirs(hardenfix, tmp_path: Path) -> None:
    """`sudo hardenfix apply`, or a container running as root on a bind mount: the fixed
    file keeps its owner and group, else a file of mode 0600 would lock its owner out."""
    target = write(tmp_path / "compose.yaml", NEEDS_FIX)
    os.chown(target, 1234, 2345)
    target.chmod(0o600)
    assert hardenfix(tmp_path, "apply").code == 0
    assert target.read_text() == FIXED
    written = target.stat()
    assert (written.st_uid, written.st_gid, stat.S_IMODE(written.st_mode)) == (1234, 2345, 0o600)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs a file owned by another user")
def test_a_user_who_may_not_give_the_file_away_keeps_its_group(
    hardenfix, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A group-writable file of another user: the owner cannot be given back, the group can."""
    target = write(tmp_path / "compose.yaml", NEEDS_FIX)
    os.chown(target, 1234, 2345)
    target.chmod(0o664)
    real_fchown = os.fchown

    def fchown_as_a_user(descriptor: int, uid: int, gid: int) -> None:
        if uid != -1:
            raise PermissionError(1, "Operation not permitted")
        real_fchown(descriptor, uid, gid)

    monkeypatch.setattr(os, "fchown", fchown_as_a_user)
    assert hardenfix(tmp_path, "apply").code == 0
    written = target.stat()
    assert (written.st_uid, written.st_gid, stat.S_IMODE(written.st_mode)) == (os.geteuid(), 2345, 0o664)


def test_a_file_with_another_hard_link_is_not_split_from_it(hardenfix, tmp_path: Path) -> None:
    """Replacing one name of a hard-linked file would leave the other with the old content."""
    target = write(tmp_path / "stack" / "compose.yaml", NEEDS_FIX)
    os.link(target, tmp_path / "shared-stack.yaml")
    result = hardenfix(tmp_path, "apply", "stack")
    assert result.code == 2
    assert result.stderr.splitlines()[0] == (
        "hardenfix: error: stack/compose.yaml: has 1 other hard link(s), which replacing it would leave"
        " with the old content; not written"
    )
    assert target.read_text() == NEEDS_FIX and target.stat().st_nlink == 2
    assert not [p for p in target.parent.iterdir() if p.name.startswith(files.TEMP_PREFIX)]


def _alias_bomb() -> str:
    levels = "".join(f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 9) + "]\n" for i in range(1, 9))
    return "x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + levels + NEEDS_FIX


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        (
            "compose.yaml",
            _alias_bomb(),
            "cannot verify the fixes: the document expands to more than 1,000,000 values through aliases; "
            "nothing written",
        ),
        (
            "app.py",
            "from typing import NamedTuple\nclass A(NamedTuple:\n    def __post_init__(self): ...\n",
            "invalid Python: invalid syntax at line 2",
        ),
        # CPython's parser stops at 6,000 levels with a MemoryError, not a SyntaxError.
        (
            "deep.py",
            "def rate(client):\n    try:\n        return client.rate()\n    except Exception:\n        return 0\n"
            "LIMIT = " + "-" * 10_000 + "1\n",
            "invalid Python: nesting is too deep to parse",
        ),
        ("Dockerfile", "FROM python:3.12\nRUN <<EOF\necho never closed\n", None),
    ],
    ids=["alias-bomb", "python-syntax-error", "python-nested-past-the-parser-stack", "unterminated-heredoc"],
)
def test_more_bad_input_is_one_line_and_untouched(hardenfix, tmp_path: Path, name: str, content: str, reason) -> None:
    bad = write(tmp_path / name, content)
    result = hardenfix(tmp_path, "apply")
    assert result.code == 0
    [error] = [line for line in result.stderr.splitlines() if line.startswith("hardenfix: error:")]
    assert error.startswith(f"hardenfix: error: {name}: ")
    if reason is not None:
        assert error == f"hardenfix: error: {name}: {reason}"
    assert bad.read_text() == content


def test_nesting_ten_thousand_levels_deep_is_processed_without_a_traceback(hardenfix, tmp_path: Path) -> None:
    deep = NEEDS_FIX + "    labels: " + "[" * 10_000 + "]" * 10_000 + "\n"
    target = write(tmp_path / "compose.yaml", deep)
    checked = hardenfix(tmp_path, "check")
    assert checked.code == 1, "findings are reported: the rules never recurse into the nesting"
    result = hardenfix(tmp_path, "apply", "--output-format", "concise")
    assert result.code == 0, "no fix could be made, and none failed to be written"
    assert result.stderr.splitlines()[0] == (
        "hardenfix: error: compose.yaml: too deeply nested to verify the fixes; nothing written"
    )
    assert [line.split(" ")[1] for line in result.text.splitlines()] == ["HF110", "HF101"], "still there, unfixed"
    assert target.read_text() == deep


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            "services:\n  a:\n    image: x:1\n    image: x:2\n  b:\n    image: y:1\n"
            "    environment:\n      A: 1\n      A: 2\n",
            "duplicate key 'image' at line 4 (first at line 3)",
        ),
        (
            "services:\n  a:\n    environment:\n      A: 1\n      A: 2\n  a:\n    image: x:1\n",
            "duplicate key 'A' at line 5 (first at line 4)",
        ),
        (
            "x-base: &base\n  image: x:1\n  image: x:2\nservices:\n  a: *base\n  b:\n    <<: *base\n    user: a\n    user: b\n",
            "duplicate key 'image' at line 3 (first at line 2)",
        ),
    ],
    ids=["later-sibling", "inside-an-earlier-key", "behind-an-alias"],
)
def test_a_duplicate_key_error_names_the_first_duplicate_in_the_file(
    hardenfix, tmp_path: Path, content: str, reason: str
) -> None:
    write(tmp_path / "compose.yaml", content)
    result = hardenfix(tmp_path, "check", "--output-format", "json")
    assert result.code == 1
    [finding] = json.loads(result.text)
    assert finding["code"] == "HF002"
    assert finding["message"] == f"{reason}; refusing to guess which one Compose would use"
    assert finding["line"] == int(reason.split("at line ")[1].split(" ")[0])
