from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from hardenfix import regexes
from hardenfix.discovery import SKIPPED_DIRECTORIES
from hardenfix.model import Category, Edit, FileKind, Finding
from hardenfix.probes import innermost, lasting_commands, simple_commands
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.dockerfile import (
    ContextError,
    DockerfileDocument,
    Instruction,
    NotLocated,
    Stage,
    entrypoint_program,
    locate_program,
    read_image_file,
)
from hardenfix.sources.text import abridged

_DROPPERS = ("su", "su-exec", "gosu", "setpriv", "runuser", "setuidgid", "s6-setuidgid")
"""Tools that start a command as another user; each needs root to do it."""
# Options of `su`/`runuser` that take a value: the user is the first word that is neither.
_SU_OPTIONS_WITH_VALUE = frozenset(
    {"-s", "--shell", "-c", "--command", "-g", "--group", "-G", "--supp-group", "-w", "--whitelist-environment",
     "--session-command", "-u", "--user"}
)  # fmt: skip
# Words that may come before the program of a simple command in a script.
_PREFIXES = frozenset(
    {"if", "then", "else", "elif", "do", "while", "until", "!", "{", "exec", "command", "nohup", "time"}
)
_ASSIGNMENT = regexes.lazy(r"[A-Za-z_][A-Za-z0-9_]*=")
_WHO_RUNS_IT = r"""(?:\$\(\s*id\s+-u\s*\)|`\s*id\s+-u\s*`|\$\{?(?:EUID|UID)\}?)"""
_CHECKS_FOR_ROOT = regexes.lazy(
    rf"""{_WHO_RUNS_IT}["']?\s*(?:==?|!=|-eq|-ne)\s*["']?0\b"""
    r"""|\$\(\s*whoami\s*\)["']?\s*(?:==?|!=)\s*["']?root\b"""
)
"""A test of whether the script runs as root (`[ "$(id -u)" = 0 ]`, `[ $EUID -ne 0 ]`,
`[ "$(whoami)" = root ]`): such a script is written to start either way."""
_ROOT_USERS = frozenset({"root", "0"})
_SETPRIV_GROUP_OPTIONS = frozenset({"--clear-groups", "--init-groups", "--groups"})
"""`setpriv` options that set the supplementary groups, which needs root whoever runs it;
switching to the user and group it already runs as does not."""
_SETPRIV_USER_OPTIONS = frozenset(
    {"--reuid", "--regid", "--ruid", "--euid", "--rgid", "--egid", *_SETPRIV_GROUP_OPTIONS}
)
"""`setpriv` options that change who the command runs as: without any (`setpriv
--no-new-privs`) it drops nothing."""
_INSTALLED_DROPPERS = frozenset({"gosu", "su-exec", "setuidgid", "s6-setuidgid"})
"""Droppers that distributions' base images do not ship: the build must install them."""
_LOOKS_FOR_TOOL = r"(?:\bcommand\s+-v|\bwhich|\btype|\bhash)\s+{tool}\b|-[xfe]\s+[\"']?\S*/{tool}\b"
"""A test of whether a program is there (`command -v gosu`, `[ -x /usr/sbin/gosu ]`)."""


class _PrivilegedCall(NamedTuple):
    program: str
    """`chown`, `chmod`, or a privilege-dropping tool."""
    user: str | None = None
    """For a dropping tool: the user it switches to, as written."""
    may_work_without_root: str | None = None
    """For a dropping tool: why it may work as the `USER` (then the image works as it is)."""


class UserBeforePrivdropEntrypoint(Rule):
    """
    ## What it does
    Finds a final stage that sets a non-root `USER` while its `ENTRYPOINT` runs
    a script that needs root to do its job: it calls `chown`, `chmod` on a
    `VOLUME`, or drops privileges itself with `su`, `su-exec`, `gosu`,
    `setpriv`, `runuser`, `setuidgid` or `s6-setuidgid`.

    A script that tests whether it runs as root (`[ "$(id -u)" = 0 ]`,
    `[ $EUID -ne 0 ]`) is written to start either way, as Jupyter's `start.sh`
    is: not a finding.

    The script is found by following the entry point (exec or shell form,
    through `tini --`, `dumb-init`, `sh /entrypoint.sh`) back through the
    stage's `COPY` and `ADD` instructions (also `--from` earlier stages, globs,
    folders and heredocs) to the build context: the Dockerfile's folder, or
    the context its caller names. Nothing outside the build context is read,
    nor a script that an `ADD` downloads (a URL, a git repository), also over
    one the build copied before it: the image holds the downloaded one.

    ## Why is this bad?
    The entry point starts as the `USER`, not as root: `chown /data` fails (or
    the volume keeps the wrong owner) and `su`/`gosu` refuse to switch users,
    so the container exits at start-up or runs with files it cannot write.
    Such scripts are written to start as root and drop privileges themselves.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    COPY entrypoint.sh /entrypoint.sh
    USER app
    ENTRYPOINT ["/entrypoint.sh"]
    ```
    where `entrypoint.sh` runs `chown -R app /data` then `exec gosu app "$@"`.

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    COPY entrypoint.sh /entrypoint.sh
    # NOTE: Do NOT set USER here - entrypoint drops to app via gosu
    ENTRYPOINT ["/entrypoint.sh"]
    ```

    ## Fix safety
    Safe when the script drops privileges itself: the service still runs as
    the user the script switches to. Unsafe when the image may work as it is,
    and would then run as root without `USER`:

    - a `RUN` comes after the `USER`: it would run as root, and some commands
      refuse to (`initdb`) or leave files the user cannot write; or a
      `WORKDIR`, which BuildKit creates owned by the current user
      (dockerfile2llb `dispatchWorkdir`): root's folder may not let the user
      the script drops to write there;
    - the script looks for its dropping tool (`if command -v gosu ...; else
      exec "$@"`), or the stage never names one that base images do not ship
      (`gosu`, `su-exec`): without it the service would start as root;
    - a command the script `exec`s, or the one it ends with, does not go
      through the dropping tool (`tini -- gosu app "$@"` does): an image that
      works with `USER` never takes a branch that drops (`gosu` cannot switch
      users without root), so its other paths (`exec tini -- "$@"`,
      `exec gunicorn app:app`, `exec $CMD`) run as the `USER`;
    - something may run the image past the script, which then works with
      `USER`: a Compose service with its own `entrypoint:` that builds the
      image, runs it by the name it is built as (also one Compose
      interpolates, `${APP_IMAGE:-myapp:dev}`), shares the name of a service
      that builds or runs it, or is merged over another file's service; one
      that extends another file's service (`extends: {file: ...}`, not read);
      a YAML file beside the Compose file (an override) or one it includes
      (`include:`) that sets an `entrypoint:`; a Kubernetes manifest (or a
      Helm chart's template) in the Compose file's folder or below that gives
      a container its own `command:`, which replaces the `ENTRYPOINT` (under
      `runAsNonRoot`, the pod would not even start). The fix is safe only when a
      Compose file of the run builds the image: for a Dockerfile checked
      alone, what runs the image is not seen, and where its folder lacks what
      it copies, the script is read from the nearest folder above that holds
      it all, taken for its build context; where Compose files build it from
      several contexts that each hold what it copies, the script is read in
      one of them;
    - the tool is `setpriv` and sets no groups (`--clear-groups`,
      `--init-groups`, `--groups`): switching to the user the process already
      is needs no root. `setpriv` without an option that changes the user or
      groups (`--no-new-privs` alone) drops nothing: no fix.

    When the script never drops privileges, or cannot be found or read, the
    finding is reported with no fix: removing `USER` from an image whose entry
    point never drops privileges would run the service as root.
    """

    code = "HF201"
    slug = "user-before-privdrop-entrypoint"
    kind = FileKind.DOCKERFILE
    category = Category.CORRECTNESS
    summary = "`USER` set before an entrypoint that must start as root"
    fix_safety = FixSafety.SOMETIMES
    prefilter = regexes.lazy(rb"(?im)^\s*user\s")
    changes = ("USER",)

    def check(self, document: DockerfileDocument) -> Iterator[Finding]:
        stage = document.final_stage
        users = stage.instructions_named("USER") if stage is not None else []
        entrypoint = stage.effective("ENTRYPOINT") if stage is not None else None
        if not users or entrypoint is None or users[-1].arguments.split(":")[0] in _ROOT_USERS:
            return
        user = users[-1]
        program = entrypoint_program(entrypoint)
        if program is None:
            return
        try:
            script = read_image_file(document, locate_program(document, stage, program))
        except (NotLocated, ContextError) as reason:
            if _looks_like_a_script(program):
                yield self.finding(
                    document,
                    user.start,
                    user.end,
                    f"`{user.line}` is set and the entrypoint runs `{program}`, which could not be checked "
                    f"for commands that need root: {reason}",
                )
            return
        calls = list(_privileged_calls(script, _volumes(stage)))
        if calls and not _CHECKS_FOR_ROOT.search(script):
            yield self._finding(document, stage, user, program, calls, script)

    def _finding(
        self,
        document: DockerfileDocument,
        stage: Stage,
        user: Instruction,
        program: str,
        calls: list[_PrivilegedCall],
        script: str,
    ) -> Finding:
        names = list(dict.fromkeys(f"`{call.program}`" for call in calls))
        listed = (
            f"{', '.join(names[:-1])} and {names[-1]}, which need" if len(names) > 1 else f"{names[0]}, which needs"
        )
        message = f"`{user.line}` makes the entrypoint `{program}` start without root, but it calls {listed} root"
        drop = next((call for call in calls if call.program in _DROPPERS), None)
        if drop is None:
            return self.finding(
                document,
                user.start,
                user.end,
                f"{message}; no fix: the script never drops privileges, so removing "
                "`USER` would run the service as root (make the script drop to the user, then remove `USER`)",
            )
        target = drop.user if drop.user and "$" not in drop.user else user.arguments
        note = f"# NOTE: Do NOT set USER here - entrypoint drops to {target} via {drop.program}"
        message += f"; the script drops to `{target}` itself via `{drop.program}`"
        return self.finding(
            document,
            user.start,
            user.end,
            message,
            self.fix(
                f"Remove `{user.line}`: the entrypoint drops privileges", Edit.replace(user.start, user.end, note)
            ),
            doubts=[
                drop.may_work_without_root,
                *_doubts(stage, user, drop.program, script),
                document.build_context.guess if document.build_context is not None else None,
                _bypassed(document),
            ],
        )


def _doubts(stage: Stage, user: Instruction, dropper: str, script: str) -> list[str]:
    """Why removing `USER` may change what runs, or as whom."""
    doubts = []
    later_run = next((i for i in stage.instructions if i.name == "RUN" and i.start > user.start), None)
    if later_run is not None:
        doubts.append(f"`{abridged(later_run.line, 60)}` comes after it, and would run as root")
    later_workdir = next((i for i in stage.instructions if i.name == "WORKDIR" and i.start > user.start), None)
    if later_workdir is not None:
        # BuildKit creates the folder as the current `USER` (dockerfile2llb `dispatchWorkdir`).
        doubts.append(
            f"`{abridged(later_workdir.line, 60)}` comes after it, and would create its folder owned by root, where"
            " the user the script drops to may need to write"
        )
    if re.search(_LOOKS_FOR_TOOL.format(tool=re.escape(dropper)), script):
        doubts.append(f"the script looks for `{dropper}` and may run the service as root without it")
    elif (undropped := _runs_without_dropping(script)) is not None:
        doubts.append(
            f"the script also runs `{abridged(undropped, 60)}` without dropping privileges:"
            " without `USER` it would run as root"
        )
    elif dropper in _INSTALLED_DROPPERS and not _named_by_build(stage, dropper):
        doubts.append(
            f"no instruction of the stage installs `{dropper}`: without it the script may fail or run as root"
        )
    return doubts


def _bypassed(document: DockerfileDocument) -> str | None:
    """Why a deployment that works may run the image past the script (its own `entrypoint:`,
    which works with `USER` as it is, and would run as root without it): a service of the
    run's Compose files does, a file merged over them may (one beside them, or one they
    include), and without a Compose file of the run that builds the image, what runs it is
    not seen."""
    compose = document.compose
    if compose is None or not compose.compose_files:
        return (
            "no Compose file of this run builds the image, so what runs it is not seen: one that runs it past"
            " the script (`entrypoint: []`, a Kubernetes `command:`) would run as root"
        )
    if compose.entrypoint_bypassed_by:
        return f"{compose.entrypoint_bypassed_by[0]} `entrypoint:`, past the script, and would run as root"
    for compose_file in map(Path, compose.compose_files):
        merged = _entrypoint_set_beside(document, compose_file)
        if merged is not None:
            return (
                f"`{merged}`, beside `{compose_file.name}`, sets an `entrypoint:`, and a service merged from it"
                " that runs the image past the script would run as root"
            )
    for included in compose.included_files:
        doubt = _included_doubt(document, included)
        if doubt is not None:
            return f"`{_shown(document, included)}`, included by a Compose file that builds the image, {doubt}"
    for compose_file in map(Path, compose.compose_files):
        doubt = _kubernetes_command_below(document, compose_file.parent)
        if doubt is not None:
            return doubt
    return None


def _kubernetes_command_below(document: DockerfileDocument, folder: Path) -> str | None:
    """Why a Kubernetes deployment in the repository may run the image past its script: a
    workload manifest (or a Helm chart's template of one) in `folder` or below it that gives
    a container its own `command:`, which replaces the image's `ENTRYPOINT`; or more folders
    there than are looked through (`_MANIFEST_FOLDERS`), one of which may hold one."""
    walked = 0
    for directory, folders, files in os.walk(folder):
        folders[:] = sorted(name for name in folders if name not in SKIPPED_DIRECTORIES and not name.startswith("."))
        walked += 1
        if walked > _MANIFEST_FOLDERS:
            return (
                f"the Compose file's folder holds more than {_MANIFEST_FOLDERS} folders, not looked through for a"
                " Kubernetes manifest that gives a container its own `command:`, past the script"
            )
        document.depends_on(directory)
        for name in sorted(files):
            if not name.endswith((".yaml", ".yml")):
                continue
            path = Path(directory, name)
            text = _text_of(document, path) or ""
            if _KUBERNETES_WORKLOAD.search(text) and _CONTAINER_COMMAND.search(text):
                return (
                    f"`{_shown(document, str(path))}`, a Kubernetes manifest in the Compose file's folder, gives a"
                    " container its own `command:`, past the script: one that runs this image so would run as root"
                    " (or not start, under `runAsNonRoot`)"
                )
    return None


_MANIFEST_FOLDERS = 500
"""Folders below a Compose file looked through for Kubernetes manifests, at most: a
repository's deployment folders, not a monorepo's every package (each one looked at is a
dependency of the findings, which the cache checks on every run)."""


def _entrypoint_set_beside(document: DockerfileDocument, compose_file: Path) -> str | None:
    """Another YAML file of a Compose file's folder that sets an `entrypoint:` (an override
    file, one given with `-f`), by name."""
    folder = compose_file.parent
    document.depends_on(folder)
    for other in sorted(folder.glob("*.y*ml")):
        if other != compose_file and _SETS_ENTRYPOINT.search(_text_of(document, other) or ""):
            return other.name
    return None


def _included_doubt(document: DockerfileDocument, included: str) -> str | None:
    """Why services of a file a Compose file includes may run the image past the script."""
    text = _text_of(document, Path(included)) if Path(included).is_absolute() else None
    if text is None:
        return "is not read, and its services may run the image past the script, which would run as root"
    if _SETS_ENTRYPOINT.search(text):
        return "sets an `entrypoint:`, and a service of it that runs the image past the script would run as root"
    if _INCLUDES.search(text):
        return (
            "includes files of its own, which are not read: a service of theirs that runs the image past"
            " the script would run as root"
        )
    return None


def _text_of(document: DockerfileDocument, path: Path) -> str | None:
    document.depends_on(path)
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _shown(document: DockerfileDocument, included: str) -> str:
    """An included file as the message names it: from the Dockerfile's folder when local."""
    if document.location is None or not Path(included).is_absolute():
        return included
    return Path(os.path.relpath(included, document.location.parent)).as_posix()


_SETS_ENTRYPOINT = regexes.lazy(r"(?m)^[ \t]+entrypoint[ \t]*:")
_KUBERNETES_WORKLOAD = regexes.lazy(
    r"(?m)^kind:[ \t]*[\"']?(?:Deployment|StatefulSet|DaemonSet|ReplicaSet|Job|CronJob|Pod|Rollout)[\"']?[ \t]*(?:#|$)"
)
_CONTAINER_COMMAND = regexes.lazy(r"(?m)^[ \t]+(?:-[ \t]+)?command[ \t]*:")
_INCLUDES = regexes.lazy(r"(?m)^include[ \t]*:")


def _runs_without_dropping(script: str) -> str | None:
    """A command the script may leave running that does not go through a tool that drops
    privileges, as written: one it `exec`s or ends with (`exec tini -- "$@"`,
    `exec gunicorn app:app`), or its arguments run as they are (`"$@"`). Run as the `USER`,
    the script never reaches a dropping branch that needs root (`gosu` refuses to switch
    users without it), so the image works; without `USER` such a command runs as root."""
    for command in lasting_commands(script):
        if not _drops(command.argv):
            return command.text
    for words in simple_commands(script):
        if _program([word.value for word in words])[:1] in (["$@"], ["${@}"], ["$*"], ["${*}"]):
            return script[words[0].start : words[-1].end]
    return None


def _drops(argv: list[str]) -> bool:
    """Whether a command runs through a tool that drops privileges."""
    program = _program(argv)
    return bool(program) and _switches_user(posixpath.basename(program[0]), program[1:])


def _program(values: list[str]) -> list[str]:
    """The words of the program a simple command runs, from its name: past the words that
    may come before it and the wrappers that run it after them (`tini --`, `env HOME=/app`),
    up to a tool that drops privileges."""
    while values and (values[0] in _PREFIXES or _ASSIGNMENT.match(values[0])):
        values = values[1:]
    return innermost(values, until=_DROPPERS)


def _named_by_build(stage: Stage, name: str) -> bool:
    """Whether a `RUN`, `COPY` or `ADD` of the stage, or of a stage it is built from, names `name`."""
    word = re.compile(rf"(?<![\w.-]){re.escape(name)}(?![\w.-])")
    return any(
        word.search(instruction.line)
        for member in stage.lineage()
        for instruction in member.instructions
        if instruction.name in ("RUN", "COPY", "ADD")
    )


def _looks_like_a_script(program: str) -> bool:
    name = posixpath.basename(program)
    return name.endswith((".sh", ".bash")) or "entrypoint" in name


def _volumes(stage: Stage) -> list[str]:
    volumes = []
    for owner in stage.lineage():
        for volume in owner.instructions_named("VOLUME"):
            paths = volume.exec_form or [word.text.strip("'\"") for word in volume.argument_words]
            volumes.extend(posixpath.normpath(path) for path in paths)
    return volumes


def _privileged_calls(script: str, volumes: Sequence[str]) -> Iterator[_PrivilegedCall]:
    """The commands of a shell script that need root, in order."""
    for words in simple_commands(script):
        values = _program([word.value for word in words])
        if not values:
            continue
        program, arguments = posixpath.basename(values[0]), values[1:]
        changes_volume_mode = program == "chmod" and any(_under(path, volumes) for path in _operands(arguments)[1:])
        if program == "chown" or changes_volume_mode:
            yield _PrivilegedCall(program)
        elif _switches_user(program, arguments):
            yield _PrivilegedCall(program, _target_user(program, arguments), _may_work_without_root(program, arguments))


def _switches_user(program: str, arguments: Sequence[str]) -> bool:
    """Whether a command runs its command as another user through a tool that drops privileges."""
    if program == "setpriv":
        return any(argument.partition("=")[0] in _SETPRIV_USER_OPTIONS for argument in arguments)
    return program in _DROPPERS


def _may_work_without_root(program: str, arguments: Sequence[str]) -> str | None:
    if program == "setpriv" and not any(argument.partition("=")[0] in _SETPRIV_GROUP_OPTIONS for argument in arguments):
        return (
            "`setpriv` sets no groups (`--clear-groups`, `--init-groups`, `--groups`): switching to the user"
            " `USER` already sets needs no root, so the image may work as it is"
        )
    return None


def _operands(arguments: Sequence[str]) -> list[str]:
    return [argument for argument in arguments if not argument.startswith("-")]


def _under(path: str, volumes: Sequence[str]) -> bool:
    path = posixpath.normpath(path)
    return any(path == volume or path.startswith(volume.rstrip("/") + "/") for volume in volumes)


def _target_user(program: str, arguments: Sequence[str]) -> str | None:
    """The user a privilege-dropping command switches to, as written."""
    if program == "setpriv":
        for index, argument in enumerate(arguments):
            if argument.startswith("--reuid="):
                return argument.partition("=")[2]
            if argument == "--reuid" and index + 1 < len(arguments):
                return arguments[index + 1]
        return None
    index = 0
    while index < len(arguments):
        argument = arguments[index]
        if program == "runuser" and argument in ("-u", "--user") and index + 1 < len(arguments):
            return arguments[index + 1]
        if argument.startswith("--user="):
            return argument.partition("=")[2]
        if program in ("su", "runuser") and argument in _SU_OPTIONS_WITH_VALUE:
            index += 2
            continue
        if argument.startswith("-") and argument != "-":
            index += 1
            continue
        if argument != "-":
            return argument
        index += 1
    return None
