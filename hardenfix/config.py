"""Settings: configuration files found upward from each file, then command-line flags.

For a file, hardenfix reads `hardenfix.toml`, `.hardenfix.toml` and `pyproject.toml`
(its `[tool.hardenfix]` table) in the file's folder and each folder above it, up to a
file that says `root = true` or the repository root (the folder holding `.git`).
Nearer files win: `select`, `ignore`, `exclude`, `unsafe-fixes` and `fail-on` are
replaced by a nearer file, `extend-select` and `extend-exclude` add to what farther
files said, and the tables (`per-file-ignores`, `rules`, `pins`, `images`) are merged
key by key. `--config FILE` uses that one file instead, `--isolated` none at all, and
`--select`, `--ignore` and `--unsafe-fixes` apply on top.

Every key is validated when loaded, including each rule's options, so that a typo is
one clear error naming the file and the key, before any file is touched.

```toml
root = true                  # do not look further up
select = ["HF1", "HF2"]      # codes, prefixes or slugs; default: every rule
extend-select = ["HF001"]
ignore = ["HF110"]
unsafe-fixes = false
exclude = ["generated/"]     # gitignore patterns, relative to this file's folder
fail-on = ["HF1"]            # which findings make `check` exit 1 (default: all)

[per-file-ignores]
"deploy/legacy/*.yml" = ["HF120"]

[rules.HF101]
start-period = "45s"

[pins]                       # image repository -> tag, added to the built-in pins
"example/api" = "1.4.2"

[images."example/api"]       # facts about an image, added to the built-in ones
tools = ["sh", "curl"]
class = "api"
healthcheck = ["CMD", "curl", "-sf", "http://localhost:8000/healthz"]

online = false               # ask registries what images ship, and pin to the same digest
platform = "linux/amd64"     # the image of a multi-platform index that is read
pin-digests = false          # a pin to the same image also writes its @sha256: digest

[registry-mirrors]           # registry -> the mirror that serves its repositories
"docker.io" = "https://mirror.example"
```

`online`, `platform` and `registry-mirrors` are the run's: they are read from the
configuration of the first path given (as the cache's place is), and `--online` sets
`online` on top.
"""

from __future__ import annotations

import itertools
import os
import re
import types
import typing
from collections.abc import Collection, Iterable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from hardenfix.files import absolute_path
from hardenfix.gitignore import IgnorePatterns
from hardenfix.model import FileKind
from hardenfix.registry import Listed, SelectionError, matches, rule_by_code, select_rules, validate_selectors
from hardenfix.rule import Rule

if TYPE_CHECKING:
    from hardenfix.facts.online import RegistryAnswers
    from hardenfix.knowledge import ImageFacts, KnowledgeBase

CONFIG_FILES = ("hardenfix.toml", ".hardenfix.toml", "pyproject.toml")
LISTED_NAMES = frozenset({*CONFIG_FILES, ".git"})
"""The names in a folder's listing that `Configuration.folder_listed` looks for."""


class ConfigError(Exception):
    """An invalid configuration; the message names the file and the key."""


class Settings:
    """The effective settings for a file: every layer merged, flags on top. Never changed
    once made: `replace` makes another."""

    select: tuple[str, ...] | None
    extend_select: tuple[str, ...]
    ignore: tuple[str, ...]
    unsafe_fixes: bool
    exclude: tuple[tuple[str, str], ...]
    """(folder, gitignore pattern) pairs: patterns are relative to the file that set them."""
    per_file_ignores: tuple[tuple[str, str, tuple[str, ...]], ...]
    """(folder, glob, selectors) triples."""
    fail_on: tuple[str, ...]
    rule_options: dict[str, Any]
    """Rule code -> that rule's validated Options instance."""
    pins: dict[str, str]
    images: dict[str, ImageFacts]
    online: bool
    registry_mirrors: dict[str, str]
    platform: str
    pin_digests: bool
    origins: dict[str, str]
    """Key -> the file (or flag) its value came from, for `hardenfix config`."""

    def __init__(
        self,
        select: tuple[str, ...] | None = None,
        extend_select: tuple[str, ...] = (),
        ignore: tuple[str, ...] = (),
        unsafe_fixes: bool = False,
        exclude: tuple[tuple[str, str], ...] = (),
        per_file_ignores: tuple[tuple[str, str, tuple[str, ...]], ...] = (),
        fail_on: tuple[str, ...] = ("ALL",),
        rule_options: dict[str, Any] | None = None,
        pins: dict[str, str] | None = None,
        images: dict[str, ImageFacts] | None = None,
        online: bool = False,
        registry_mirrors: dict[str, str] | None = None,
        platform: str = "linux/amd64",
        pin_digests: bool = False,
        origins: dict[str, str] | None = None,
    ) -> None:
        self.select = select
        self.extend_select = extend_select
        self.ignore = ignore
        self.unsafe_fixes = unsafe_fixes
        self.exclude = exclude
        self.per_file_ignores = per_file_ignores
        self.fail_on = fail_on
        self.rule_options = {} if rule_options is None else rule_options
        self.pins = {} if pins is None else pins
        self.images = {} if images is None else images
        self.online = online
        self.registry_mirrors = {} if registry_mirrors is None else registry_mirrors
        self.platform = platform
        self.pin_digests = pin_digests
        self.origins = {} if origins is None else origins

    def replace(self, **changes: Any) -> Settings:
        """These settings with some changed."""
        return Settings(**({name: getattr(self, name) for name in Settings.__annotations__} | changes))

    def knowledge(self, registry: RegistryAnswers | None = None) -> KnowledgeBase:
        """The built-in knowledge, the project's, and what registries answered (online)."""
        from hardenfix.knowledge import builtin

        return builtin().extended(pins=self.pins, images=self.images).online(registry, self.pin_digests)

    def rules(
        self,
        path: Path | None = None,
        registry: RegistryAnswers | None = None,
        kinds: Collection[FileKind] | None = None,
    ) -> list[Rule]:
        """The selected rules (see `listed_rules`), made; the knowledge they share is made
        when one of them first asks for it."""
        knowledge, options = _SharedKnowledge(self, registry), self.rule_options
        return [listed.load()(options.get(listed.code), knowledge) for listed in self.listed_rules(path, kinds)]

    def listed_rules(self, path: Path | str | None = None, kinds: Collection[FileKind] | None = None) -> list[Listed]:
        """The selected rules as the catalogue lists them (their modules not imported), less
        those `per-file-ignores` turns off for `path`; with `kinds`, only those that check
        files of these kinds (and the engine's own)."""
        selected = select_rules((*(self.select or ("ALL",)), *self.extend_select), self.ignore)
        ignored = self.ignored_for(path) if path is not None else ()
        return [
            listed
            for listed in selected
            if (kinds is None or listed.kind is None or listed.kind in kinds)
            and not any(matches(selector, listed) for selector in ignored)
        ]

    def ignored_for(self, path: Path | str) -> tuple[str, ...]:
        """The selectors `per-file-ignores` turns off for `path`."""
        if not self.per_file_ignores:
            return ()
        absolute = absolute_path(path)
        return tuple(
            selector
            for folder, spec, selectors in self._per_file_specs
            if _matches(spec, absolute, folder)
            for selector in selectors
        )

    def excluded(self, path: Path | str) -> bool:
        if not self.exclude:
            return False
        absolute = absolute_path(path)
        return any(_matches(spec, absolute, folder) for folder, spec in self._exclude_specs)

    @cached_property
    def _per_file_specs(self) -> list[tuple[str, IgnorePatterns, tuple[str, ...]]]:
        return [(folder, IgnorePatterns([glob]), selectors) for folder, glob, selectors in self.per_file_ignores]

    @cached_property
    def _exclude_specs(self) -> list[tuple[str, IgnorePatterns]]:
        """One set of patterns per folder they are written for, in order, so that a `!`
        takes back what an earlier pattern of the same file excludes."""
        return [
            (folder, IgnorePatterns(pattern for _, pattern in patterns))
            for folder, patterns in itertools.groupby(self.exclude, key=lambda entry: entry[0])
        ]

    def fails(self, finding: Any) -> bool:
        """Whether `finding` (anything with a code and slug) makes `check` fail."""
        return any(matches(selector, finding) for selector in self.fail_on)

    def fingerprint(self, path: Path | str | None = None, kinds: Collection[FileKind] | None = None) -> str:
        """Changes whenever these settings could change what a file (of one of `kinds`) is
        reported for. No rule module is imported for it (a warm run answers every file from
        the cache without them): a rule's options count as set, or as its defaults, which
        only another version of hardenfix changes, and each version has its own cache."""
        rules = [(listed.code, repr(self.rule_options.get(listed.code))) for listed in self.listed_rules(path, kinds)]
        knowledge = (sorted(self.pins.items()), sorted((k, repr(v)) for k, v in self.images.items()))
        import hashlib

        return hashlib.sha256(repr((rules, knowledge, self.unsafe_fixes)).encode()).hexdigest()[:16]

    def with_overrides(
        self,
        select: list[str] | None,
        ignore: list[str] | None,
        unsafe_fixes: bool | None,
        extend_select: list[str] | None = None,
        online: bool | None = None,
    ) -> Settings:
        """Command-line flags on top: `--select` replaces the selection, `--extend-select`
        and `--ignore` add to it."""
        try:
            validate_selectors([*(select or ()), *(ignore or ()), *(extend_select or ())])
        except SelectionError as error:
            raise ConfigError(str(error)) from None
        changes: dict[str, Any] = {}
        origins = dict(self.origins)
        if select is not None:
            changes.update(select=tuple(select), extend_select=())
            origins["select"] = "--select"
        if extend_select:
            changes["extend_select"] = (*changes.get("extend_select", self.extend_select), *extend_select)
            origins["extend-select"] = "--extend-select"
        if ignore:
            changes["ignore"] = (*self.ignore, *ignore)
            origins["ignore"] = "--ignore"
        if unsafe_fixes is not None:
            changes["unsafe_fixes"] = unsafe_fixes
            origins["unsafe-fixes"] = "--unsafe-fixes" if unsafe_fixes else "--no-unsafe-fixes"
        if online:
            changes["online"] = True
            origins["online"] = "--online"
        return self.replace(**changes, origins=origins)


def _matches(patterns: IgnorePatterns, absolute: str, folder: str) -> bool:
    """Whether patterns set down in `folder` exclude the file at `absolute`, or a folder above it."""
    relative = os.path.relpath(absolute, folder)
    return not relative.startswith("..") and patterns.excludes(relative.replace(os.sep, "/"))


class Layer(NamedTuple):
    """One configuration file's validated table."""

    source: Path
    table: dict[str, Any]

    @property
    def root(self) -> bool:
        return bool(self.table.get("root", False))


def read_layer(path: Path) -> Layer | None:
    """The hardenfix table of a configuration file; None for a pyproject.toml without one.

    A pyproject.toml whose bytes never name hardenfix has no such table, and is not parsed:
    a monorepo has one per package, and Python's TOML parser (its import and the parsing)
    would cost a one-file check a twentieth of its time. Whether such a file is valid TOML
    is for the tools it configures to say."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise ConfigError(f"{path}: cannot be read: Is a directory") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read: {error.strerror}") from None
    if path.name == "pyproject.toml" and not _may_name_hardenfix(data):
        return None
    import tomllib

    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    if path.name == "pyproject.toml":
        document = document.get("tool", {}).get("hardenfix")
        if document is None:
            return None
        if not isinstance(document, dict):
            raise ConfigError(f"{path}: [tool.hardenfix] must be a table")
    _validate(document, str(path))
    return Layer(path, document)


def _may_name_hardenfix(data: bytes) -> bool:
    """Whether a TOML file may hold a `hardenfix` key: written plainly, or in a quoted key
    with escapes (`"hardenfi\\u0078"`)."""
    return b"hardenfix" in data or b"\\u" in data or b"\\U" in data


def load(path: Path) -> Settings:
    """Settings from exactly one file (`--config`)."""
    layer = read_layer(path)
    return merge([layer] if layer is not None else [])


def merge(layers: list[Layer]) -> Settings:
    """Layers from the farthest to the nearest; nearer values win."""
    settings = Settings()
    for layer in layers:
        settings = _apply(settings, layer)
    return settings


def _apply(settings: Settings, layer: Layer) -> Settings:
    table, source, folder = layer.table, str(layer.source), str(layer.source.parent.resolve())
    changes: dict[str, Any] = {}
    origins = dict(settings.origins)

    def came_from(key: str) -> None:
        origins[key] = source

    if "select" in table:
        changes.update(select=tuple(table["select"]), extend_select=())
        came_from("select")
    if "extend-select" in table:
        changes["extend_select"] = (*changes.get("extend_select", settings.extend_select), *table["extend-select"])
        came_from("extend-select")
    if "ignore" in table:
        changes["ignore"] = tuple(table["ignore"])
        came_from("ignore")
    if "unsafe-fixes" in table:
        changes["unsafe_fixes"] = table["unsafe-fixes"]
        came_from("unsafe-fixes")
    if "fail-on" in table:
        changes["fail_on"] = tuple(table["fail-on"])
        came_from("fail-on")
    for key in ("online", "platform", "pin-digests"):
        if key in table:
            changes[key.replace("-", "_")] = table[key]
            came_from(key)
    if "registry-mirrors" in table:
        changes["registry_mirrors"] = {**settings.registry_mirrors, **table["registry-mirrors"]}
        for registry in table["registry-mirrors"]:
            came_from(f"registry-mirrors.{registry}")
    if "exclude" in table:
        changes["exclude"] = tuple((folder, pattern) for pattern in table["exclude"])
        came_from("exclude")
    if "extend-exclude" in table:
        changes["exclude"] = (
            *changes.get("exclude", settings.exclude),
            *((folder, p) for p in table["extend-exclude"]),
        )
        came_from("exclude")
    if "per-file-ignores" in table:
        entries = {glob: selectors for _, glob, selectors in settings.per_file_ignores}
        entries.update({glob: tuple(codes) for glob, codes in table["per-file-ignores"].items()})
        changes["per_file_ignores"] = tuple((folder, glob, selectors) for glob, selectors in entries.items())
        for glob in table["per-file-ignores"]:
            came_from(f"per-file-ignores.{glob}")
    options = dict(settings.rule_options)
    for code, values in table.get("rules", {}).items():
        rule = rule_by_code(code)
        options[rule.code] = rule_options(rule, values, f"{source}: [rules.{code}]")
        came_from(f"rules.{rule.code}")
    pins = {**settings.pins, **table.get("pins", {})}
    images = {**settings.images, **_images(table.get("images", {}), source)}
    for image in table.get("pins", {}):
        came_from(f"pins.{image}")
    for image in table.get("images", {}):
        came_from(f"images.{image}")
    return settings.replace(**changes, rule_options=options, pins=pins, images=images, origins=origins)


class Configuration:
    """The settings of every file of a run, found upward from its folder and cached per folder."""

    def __init__(
        self,
        config_file: Path | None = None,
        isolated: bool = False,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
        unsafe_fixes: bool | None = None,
        extend_select: list[str] | None = None,
        online: bool | None = None,
    ) -> None:
        self._overrides = (select, ignore, unsafe_fixes, extend_select, online)
        self._fixed: Settings | None = None
        if isolated:
            self._fixed = self._finish(Settings())
        elif config_file is not None:
            self._fixed = self._finish(load(config_file))
        else:
            self._finish(Settings())  # the flags are checked now, before any file
        self._by_folder: dict[str, Settings] = {}
        self._by_layers: dict[tuple[int, ...], Settings] = {}
        self._by_list: dict[int, Settings] = {}
        """The settings of each list of `_above` (kept there, so its id stays its own)."""
        self._layers: dict[str, Layer | None] = {}
        self._above: dict[str, list[Layer]] = {}
        self._repository_roots: dict[str, bool] = {}

    def folder_listed(self, folder: str, names: set[str]) -> None:
        """What a folder holds, as discovery listed it: spares asking the file system
        for its configuration files and `.git` when a file in it is looked up."""
        folder = absolute_path(folder)
        self._repository_roots[folder] = ".git" in names
        if names.isdisjoint(CONFIG_FILES):
            self._layers.setdefault(folder, None)

    def notes_on(self, folders: Iterable[str]) -> dict[str, tuple[bool | None, bool]]:
        """What was noted of `folders` (absolute paths) and the folders above them, for a
        worker process started before discovery listed them (`take_notes`): whether each
        is a repository root, and whether it holds no configuration file."""
        notes: dict[str, tuple[bool | None, bool]] = {}
        for folder in folders:
            while folder not in notes and (folder in self._repository_roots or folder in self._layers):
                without_configuration = folder in self._layers and self._layers[folder] is None
                notes[folder] = (self._repository_roots.get(folder), without_configuration)
                parent = os.path.dirname(folder)
                if parent == folder:
                    break
                folder = parent
        return notes

    def take_notes(self, notes: dict[str, tuple[bool | None, bool]]) -> None:
        for folder, (is_repository_root, without_configuration) in notes.items():
            if is_repository_root is not None:
                self._repository_roots.setdefault(folder, is_repository_root)
            if without_configuration:
                self._layers.setdefault(folder, None)

    def _finish(self, settings: Settings) -> Settings:
        return settings.with_overrides(*self._overrides)

    def for_path(self, path: Path | str) -> Settings:
        """The settings of a file."""
        return self.for_folder(os.path.dirname(absolute_path(path)))

    def for_folder(self, folder: str) -> Settings:
        """The settings of the files in `folder` (an absolute path)."""
        if self._fixed is not None:
            return self._fixed
        if folder not in self._by_folder:
            # Folders under the same configuration files share one Settings (and so
            # one engine per run): a tree's thousands of folders have a handful.
            layers = self._layers_above(folder)
            settings = self._by_list.get(id(layers))
            if settings is None:
                key = tuple(map(id, layers))
                if key not in self._by_layers:
                    self._by_layers[key] = self._finish(merge(list(reversed(layers))))
                settings = self._by_list[id(layers)] = self._by_layers[key]
            self._by_folder[folder] = settings
        return self._by_folder[folder]

    def _layers_above(self, folder: str) -> list[Layer]:
        """Configuration layers from `folder` upward, nearest first; each folder's are
        worked out once, from its parent's."""
        if folder not in self._above:
            layer = self._layer_in(folder)
            if layer is not None and layer.root:
                layers = [layer]
            else:
                parent = os.path.dirname(folder)
                above = [] if parent == folder or self._is_repository_root(folder) else self._layers_above(parent)
                # A folder without a configuration file shares its parent's list, which
                # `for_folder` then finds its settings by: most of a tree's folders.
                layers = [layer, *above] if layer is not None else above
            self._above[folder] = layers
        return self._above[folder]

    def _is_repository_root(self, folder: str) -> bool:
        if folder not in self._repository_roots:
            self._repository_roots[folder] = os.path.isdir(os.path.join(folder, ".git"))
        return self._repository_roots[folder]

    def _layer_in(self, folder: str) -> Layer | None:
        if folder not in self._layers:
            found = None
            for name in CONFIG_FILES:
                candidate = os.path.join(folder, name)
                if os.path.isfile(candidate):
                    found = read_layer(Path(candidate))
                    if found is not None:
                        break
            self._layers[folder] = found
        return self._layers[folder]


_TOP_LEVEL_KEYS = {
    "root": bool,
    "select": list,
    "extend-select": list,
    "ignore": list,
    "unsafe-fixes": bool,
    "exclude": list,
    "extend-exclude": list,
    "per-file-ignores": dict,
    "fail-on": list,
    "rules": dict,
    "pins": dict,
    "images": dict,
    "online": bool,
    "registry-mirrors": dict,
    "platform": str,
    "pin-digests": bool,
}
_SELECTOR_LISTS = ("select", "extend-select", "ignore", "fail-on")
_IMAGE_KEYS = {"tools": list, "class": str, "healthcheck": list, "source": str, "variants": dict}
_SERVICE_CLASSES = ("data", "api", "worker", "diagnostic")


def _validate(table: dict[str, Any], source: str) -> None:
    for key, value in table.items():
        expected = _TOP_LEVEL_KEYS.get(key)
        if expected is None:
            raise ConfigError(f"{source}: unknown key {key!r}; expected one of {', '.join(sorted(_TOP_LEVEL_KEYS))}")
        if not isinstance(value, expected):
            what = {bool: "true or false", list: "a list", dict: "a table", str: "a string"}[expected]
            raise ConfigError(f"{source}: {key!r} must be {what}, not {value!r}")
    for key in _SELECTOR_LISTS:
        if key in table:
            _check_selectors(table[key], f"{source}: {key!r}")
    for key in ("exclude", "extend-exclude"):
        if key in table and not all(isinstance(item, str) for item in table[key]):
            raise ConfigError(f"{source}: {key!r} must be a list of gitignore patterns")
    for glob, selectors in table.get("per-file-ignores", {}).items():
        if not isinstance(selectors, list):
            raise ConfigError(f"{source}: per-file-ignores {glob!r} must be a list of rule codes")
        _check_selectors(selectors, f"{source}: per-file-ignores {glob!r}")
    for code, values in table.get("rules", {}).items():
        rule = rule_by_code(code)
        if rule is None:
            raise ConfigError(f"{source}: [rules.{code}]: unknown rule code")
        if not isinstance(values, dict):
            raise ConfigError(f"{source}: [rules.{code}] must be a table of options")
        rule_options(rule, values, f"{source}: [rules.{code}]")
    _pins(table.get("pins", {}), source)
    _images(table.get("images", {}), source)
    _registry(table, source)


def _check_selectors(value: list[Any], where: str) -> None:
    if not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where} must be a list of rule codes, prefixes or slugs")
    try:
        validate_selectors(value)
    except SelectionError as error:
        raise ConfigError(f"{where}: {error}") from None


def _pins(table: Any, source: str) -> dict[str, str]:
    if not isinstance(table, dict) or not all(isinstance(v, str) and v for v in table.values()):
        raise ConfigError(f"{source}: 'pins' must be a table of image repository = \"tag\"")
    for repository, tag in table.items():
        if ":" in tag or "@" in tag or any(c.isspace() for c in tag):
            raise ConfigError(f"{source}: [pins] {repository!r}: {tag!r} is not a tag")
    return dict(table)


def _registry(table: dict[str, Any], source: str) -> None:
    for registry, url in table.get("registry-mirrors", {}).items():
        from hardenfix.facts.registry import check_mirror

        if not isinstance(url, str):
            raise ConfigError(f"{source}: [registry-mirrors] {registry!r} must be a URL")
        try:
            check_mirror(registry, url)
        except ValueError as error:
            raise ConfigError(f"{source}: {error}") from None
    platform = table.get("platform")
    if platform is not None and not re.fullmatch(r"[a-z0-9]+/[a-z0-9_]+(?:/[a-z0-9]+)?", platform):
        raise ConfigError(f"{source}: 'platform' must be os/architecture[/variant], such as 'linux/arm64'")


def _images(table: Any, source: str) -> dict[str, ImageFacts]:
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: 'images' must be a table of [images.\"repository\"] tables")
    images = {}
    for repository, facts in table.items():
        where = f"{source}: [images.{repository!r}]"
        if not isinstance(facts, dict):
            raise ConfigError(f"{where} must be a table")
        for key, value in facts.items():
            expected = _IMAGE_KEYS.get(key)
            if expected is None:
                raise ConfigError(f"{where}: unknown key {key!r}; expected one of {', '.join(sorted(_IMAGE_KEYS))}")
            if not isinstance(value, expected):
                raise ConfigError(f"{where}: {key!r} must be a {expected.__name__}")
        if facts.get("class", "api") not in _SERVICE_CLASSES:
            raise ConfigError(f"{where}: 'class' must be one of {', '.join(_SERVICE_CLASSES)}")
        healthcheck = facts.get("healthcheck")
        if healthcheck is not None and (not healthcheck or healthcheck[0] not in ("CMD", "CMD-SHELL")):
            raise ConfigError(f"{where}: 'healthcheck' must be a Compose test list starting with CMD or CMD-SHELL")
        from hardenfix.knowledge import facts_from_table

        images[repository] = facts_from_table(repository, facts)
    return images


class _SharedKnowledge:
    """The knowledge base of one set of rules, made once, when a rule first asks for it; a
    plain object, which workers that are spawned rather than forked receive pickled."""

    def __init__(self, settings: Settings, registry: RegistryAnswers | None) -> None:
        self._settings = settings
        self._registry = registry
        self._made: KnowledgeBase | None = None

    def __call__(self) -> KnowledgeBase:
        if self._made is None:
            self._made = self._settings.knowledge(self._registry)
        return self._made


def rule_options(rule: type[Rule], values: dict[str, Any], where: str) -> Any:
    """Build the rule's Options from TOML values (`kebab-case` keys), checking every type."""
    names = {name.replace("_", "-"): name for name in rule.Options.names()}
    hints = typing.get_type_hints(rule.Options)
    arguments = {}
    for key, value in values.items():
        if key not in names:
            expected = ", ".join(sorted(names)) or "none"
            raise ConfigError(f"{where}: unknown option {key!r} (options: {expected})")
        name = names[key]
        arguments[name] = _coerce(value, hints[name], f"{where}: {key!r}")
    try:
        return rule.Options(**arguments)
    except ValueError as error:
        raise ConfigError(f"{where}: {error}") from None


def _coerce(value: Any, hint: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if origin is tuple:
        item_type = typing.get_args(hint)[0]
        if not isinstance(value, list):
            raise ConfigError(f"{where} must be a list of {item_type.__name__}")
        return tuple(_coerce(item, item_type, where) for item in value)
    if origin is dict:
        key_type, value_type = typing.get_args(hint)
        if not isinstance(value, dict):
            raise ConfigError(f"{where} must be a table")
        return {_coerce(k, key_type, where): _coerce(v, value_type, where) for k, v in value.items()}
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(hint):
            try:
                return _coerce(value, option, where)
            except ConfigError:
                continue
        raise ConfigError(f"{where} has the wrong type: {value!r}")
    if hint is type(None):
        if value is not None:
            raise ConfigError(f"{where} must be empty")
        return None
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        raise ConfigError(f"{where} must be {hint.__name__}, not {type(value).__name__} {value!r}")
    return value
