"""Facts from the image itself, read from its registry (opt-in: `--online`).

What an image ships is what its registry serves: the manifest says which config and
layers make it, the config its `PATH`, `ExposedPorts`, `Healthcheck`, `User`,
`Entrypoint` and `Cmd`, and the layers' tar headers which files exist. Layers are
streamed and only their headers read (never extracted), whiteouts (`.wh.`) applied in
order, so that a probe tool counts only when it is on the image's `PATH`.

The Distribution API as registries serve it (Docker Hub, GHCR, quay.io, the CNCF
distribution registry): a `WWW-Authenticate: Bearer` challenge answered with an
anonymous token, or with credentials from `~/.docker/config.json` (`auths`,
`credsStore`, `credHelpers` through the `docker-credential-*` programs), which are never
logged nor cached. `Accept` lists the Docker v2 and OCI manifests and indexes, or the
registry rewrites or hides them. A mirror (`registry-mirrors`) serves a registry's
repositories under the same names (`library/postgres` for Docker Hub's `postgres`).

Nothing may hang a run: connections time out after `CONNECT_TIMEOUT`, the whole run
spends at most its budget, one image at most `MAX_IMAGE_BYTES`; an unreachable
registry gives one warning, and the built-in knowledge serves instead.

Answers are cached: an image's facts by its manifest digest (forever: digests are
immutable), a tag's digest for a day unless `--refresh`.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import ipaddress
import json
import os
import posixpath
import re
import subprocess
import tarfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from hardenfix import regexes
from hardenfix.knowledge import DEFAULT_REGISTRY, ImageReference

if TYPE_CHECKING:
    import httpx

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
ACCEPT = ", ".join((DOCKER_MANIFEST, DOCKER_LIST, OCI_MANIFEST, OCI_INDEX))
INDEXES = frozenset({DOCKER_LIST, OCI_INDEX})

CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 10.0
RUN_BUDGET = 30.0
"""Seconds a run may spend talking to registries, all images together."""
MAX_IMAGE_BYTES = 512 << 20
"""Compressed layer bytes read for one image; past it, its tools are not known."""
TAG_TTL = 24 * 3600
CONCURRENT_REQUESTS = 8
DOCKER_HUB = "registry-1.docker.io"
_DEFAULT_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
_VERSION_TAG = regexes.lazy(r"v?(\d+(?:\.\d+)*)(-[A-Za-z0-9][A-Za-z0-9.-]*)?")


class RegistryError(Exception):
    """A registry could not answer; the message is one line, without credentials."""


@dataclass(frozen=True)
class RemoteImage:
    """What an image's registry says it is, for one platform."""

    reference: str
    digest: str
    """The digest of the reference as written: an index's for a multi-platform image."""
    platform_digest: str
    """The digest of the platform's own manifest."""
    platform: str
    path: tuple[str, ...]
    tools: tuple[str, ...] | None
    """Every name on the image's PATH; None when the layers could not all be read."""
    exposed_ports: tuple[str, ...] = ()
    healthcheck: tuple[str, ...] | None = None
    user: str = ""
    entrypoint: tuple[str, ...] | None = None
    command: tuple[str, ...] | None = None
    labels: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> RemoteImage:
        values = dict(data)
        for key in ("path", "exposed_ports"):
            values[key] = tuple(values[key])
        for key in ("tools", "healthcheck", "entrypoint", "command"):
            values[key] = None if values[key] is None else tuple(values[key])
        return cls(**values)


@dataclass(frozen=True)
class Endpoint:
    """Where a reference's repository is served: a base URL and the repository's name there."""

    registry: str
    """The registry as references name it (`docker.io`, `ghcr.io`, `localhost:5000`)."""
    base: str
    repository: str

    def url(self, path: str) -> str:
        return f"{self.base}/v2/{self.repository}/{path}"


def endpoint(reference: ImageReference, mirrors: Mapping[str, str]) -> Endpoint:
    """The URL to ask for `reference`: its mirror, or its registry over HTTPS (plain HTTP
    for a loopback registry, as Docker allows)."""
    registry = reference.registry or DEFAULT_REGISTRY
    repository = reference.repository
    if registry == DEFAULT_REGISTRY and "/" not in repository:
        repository = f"library/{repository}"
    mirror = mirrors.get(registry)
    if mirror is not None:
        return Endpoint(registry, mirror.rstrip("/"), repository)
    host = DOCKER_HUB if registry == DEFAULT_REGISTRY else registry
    scheme = "http" if is_loopback(host) else "https"
    return Endpoint(registry, f"{scheme}://{host}", repository)


def is_loopback(host: str) -> bool:
    name = urlparse(f"//{host}").hostname or host
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_mirror(registry: str, url: str) -> None:
    """Raise ValueError for a mirror URL that is not HTTPS or a loopback HTTP address."""
    parsed = urlparse(url)
    if parsed.scheme == "https" and parsed.hostname:
        return
    if parsed.scheme == "http" and parsed.hostname and is_loopback(parsed.netloc):
        return
    raise ValueError(f"registry-mirrors: {registry!r} = {url!r}: use https://, or http:// on a loopback address")


# ---------------------------------------------------------------------------- credentials


def docker_credentials(registry: str, config_dir: Path | None = None) -> tuple[str, str] | None:
    """(user, secret) for a registry from Docker's configuration, or None."""
    folder = config_dir or Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker")
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(config, dict):
        return None
    names = [registry, f"https://{registry}", f"https://{registry}/v1/"]
    if registry in (DEFAULT_REGISTRY, DOCKER_HUB):
        names += ["https://index.docker.io/v1/", "index.docker.io", DOCKER_HUB]
    helper = next(
        (config.get("credHelpers", {}).get(name) for name in names if name in config.get("credHelpers", {})), None
    )
    if helper is None:
        for name in names:
            entry = config.get("auths", {}).get(name)
            if isinstance(entry, dict) and entry.get("auth"):
                try:
                    user, _, secret = base64.b64decode(entry["auth"]).decode("utf-8").partition(":")
                except (ValueError, UnicodeDecodeError):
                    return None
                return user, secret
        helper = config.get("credsStore")
    if not helper:
        return None
    for name in names:
        found = _from_helper(str(helper), name)
        if found is not None:
            return found
    return None


def _from_helper(helper: str, server: str) -> tuple[str, str] | None:
    try:
        completed = subprocess.run(
            [f"docker-credential-{helper}", "get"], input=server, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if completed.returncode != 0:
        return None
    try:
        answer = json.loads(completed.stdout)
        return str(answer["Username"]), str(answer["Secret"])
    except (ValueError, KeyError, TypeError):
        return None


# ---------------------------------------------------------------------------- the client


class Registries:
    """Every registry a run talks to: one HTTP client, one time budget, one cache."""

    def __init__(
        self,
        cache_dir: Path | None,
        mirrors: Mapping[str, str] | None = None,
        platform: str = "linux/amd64",
        refresh: bool = False,
        budget: float = RUN_BUDGET,
        warn: Callable[[str], None] | None = None,
        max_image_bytes: int = MAX_IMAGE_BYTES,
    ) -> None:
        self.mirrors = dict(mirrors or {})
        self.platform = platform
        self.refresh = refresh
        self.max_image_bytes = max_image_bytes
        self._deadline = time.monotonic() + budget
        self._warn = warn or (lambda message: None)
        self._cache = _Cache(cache_dir)
        self._opened: httpx.Client | None = None
        self._tokens: dict[tuple[str, str], str] = {}
        self._unreachable: set[str] = set()
        self._warned = False
        self._lock = threading.Lock()

    def close(self) -> None:
        if self._opened is not None:
            self._opened.close()
        self._cache.save()

    @property
    def _client(self) -> httpx.Client:
        """The HTTP client, made when a run first asks a registry: a run the cache answers
        entirely does not import httpx."""
        with self._lock:
            if self._opened is None:
                import httpx

                self._opened = httpx.Client(
                    timeout=httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT), follow_redirects=True, trust_env=False
                )
            return self._opened

    def __enter__(self) -> Registries:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- answers, each None when the registry cannot give it ------------------------------

    def digest(self, reference: ImageReference) -> str | None:
        """The digest the reference's tag (or `latest`) points at now."""
        if reference.digest is not None:
            return reference.digest
        site = endpoint(reference, self.mirrors)
        key = f"{site.base}/{site.repository}:{reference.tag or 'latest'}"
        cached = self._cache.tag(key, TAG_TTL if not self.refresh else 0)
        if cached is not None:
            return cached
        found = self._attempt(lambda: self._head_digest(site, reference.tag or "latest"))
        if found is not None:
            self._cache.remember_tag(key, found)
        return found

    def image(self, reference: ImageReference) -> RemoteImage | None:
        """The facts of the image the reference names, for this run's platform."""
        digest = self.digest(reference)
        if digest is None:
            return None
        cached = self._cache.image(digest, self.platform)
        if cached is not None:
            return cached
        site = endpoint(reference, self.mirrors)
        image = self._attempt(lambda: self._read_image(site, reference, digest))
        if image is not None:
            self._cache.remember_image(digest, self.platform, image)
        return image

    def version_tag(self, reference: ImageReference) -> str | None:
        """The most specific version tag that points at the same image as the reference's
        tag (`latest` when none): `17.2` before `17`, `17.2` before `17.2-bookworm`; the
        reference's own variant (`-alpine`) is kept.

        Cached as tags are: the answer, and the version tag's own digest. That no tag has
        the digest is cached only when every candidate answered."""
        digest = self.digest(reference)
        if digest is None:
            return None
        site = endpoint(reference, self.mirrors)
        key = f"{site.base}/{site.repository}@{digest} as a version of {reference.tag or 'latest'}"
        cached = self._cache.tag(key, TAG_TTL if not self.refresh else 0)
        if cached is not None:
            return cached or None
        tags = self._attempt(lambda: self._tags(site))
        if tags is None:
            return None
        candidates = version_candidates(tags, reference.tag)
        unanswered = False

        def head(tag: str) -> str | None:
            nonlocal unanswered
            try:
                return self._head_digest(site, tag)
            except RegistryError as error:
                unanswered = True
                self._warn_once(str(error))
                return None

        with ThreadPoolExecutor(max_workers=CONCURRENT_REQUESTS) as pool:
            for start in range(0, len(candidates), CONCURRENT_REQUESTS):
                batch = candidates[start : start + CONCURRENT_REQUESTS]
                found = pool.map(head, batch)
                match = next((tag for tag, answer in zip(batch, found, strict=True) if answer == digest), None)
                if match is not None:
                    self._cache.remember_tag(f"{site.base}/{site.repository}:{match}", digest)
                    self._cache.remember_tag(key, match)
                    return match
                if self._out_of_time():
                    return None
        if not unanswered:
            self._cache.remember_tag(key, "")
        return None

    # -- HTTP ---------------------------------------------------------------------------

    def _attempt(self, ask: Callable[[], object]):
        try:
            return ask()
        except RegistryError as error:
            self._warn_once(str(error))
            return None

    def _warn_once(self, message: str) -> None:
        with self._lock:
            if not self._warned:
                self._warned = True
                self._warn(f"registry: {message}; using the built-in image knowledge")

    def _out_of_time(self) -> bool:
        return time.monotonic() >= self._deadline

    def _request(self, site: Endpoint, method: str, url: str, accept: str | None = None, stream: bool = False):
        host = urlparse(site.base).netloc
        if host in self._unreachable:
            raise RegistryError(f"{site.registry} is unreachable")
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise RegistryError("the time allowed for registries is spent")
        headers = {"Accept": accept} if accept else {}
        for attempt in range(2):
            token = self._tokens.get((site.base, site.repository))
            if token:
                headers["Authorization"] = token
            client = self._client
            import httpx

            timeout = httpx.Timeout(min(READ_TIMEOUT, remaining), connect=min(CONNECT_TIMEOUT, remaining))
            try:
                request = client.build_request(method, url, headers=headers, timeout=timeout)
                response = client.send(request, stream=stream)
            except httpx.HTTPError as error:
                self._unreachable.add(host)
                raise RegistryError(f"{site.registry} cannot be reached ({type(error).__name__})") from None
            if response.status_code == 401 and attempt == 0:
                challenge = response.headers.get("WWW-Authenticate", "")
                response.close()
                self._authenticate(site, challenge)
                continue
            if response.status_code >= 400:
                response.close()
                raise RegistryError(f"{site.registry} answered {response.status_code} for {site.repository}")
            return response
        raise RegistryError(f"{site.registry} refused the credentials for {site.repository}")

    def _authenticate(self, site: Endpoint, challenge: str) -> None:
        scheme, _, parameters = challenge.partition(" ")
        credentials = docker_credentials(site.registry)
        if scheme.lower() == "basic":
            if credentials is None:
                raise RegistryError(f"{site.registry} needs credentials for {site.repository}")
            encoded = base64.b64encode(":".join(credentials).encode()).decode()
            self._tokens[(site.base, site.repository)] = f"Basic {encoded}"
            return
        if scheme.lower() != "bearer":
            raise RegistryError(f"{site.registry} asks for an unknown authentication ({scheme or 'none'})")
        fields = dict(re.findall(r'(\w+)="([^"]*)"', parameters))
        realm = fields.get("realm")
        if not realm:
            raise RegistryError(f"{site.registry} sent a Bearer challenge without a realm")
        query = {
            "service": fields.get("service", ""),
            "scope": fields.get("scope") or f"repository:{site.repository}:pull",
        }
        auth = credentials if credentials is not None else None
        client = self._client
        import httpx

        try:
            answer = client.get(realm, params=query, auth=auth, timeout=READ_TIMEOUT)
        except httpx.HTTPError as error:
            raise RegistryError(
                f"the token service of {site.registry} cannot be reached ({type(error).__name__})"
            ) from None
        if answer.status_code >= 400:
            raise RegistryError(f"the token service of {site.registry} answered {answer.status_code}")
        try:
            body = answer.json()
            token = body.get("token") or body.get("access_token")
        except ValueError:
            token = None
        if not token:
            raise RegistryError(f"the token service of {site.registry} gave no token")
        self._tokens[(site.base, site.repository)] = f"Bearer {token}"

    def _head_digest(self, site: Endpoint, tag: str) -> str:
        response = self._request(site, "HEAD", site.url(f"manifests/{tag}"), ACCEPT)
        digest = response.headers.get("Docker-Content-Digest")
        if digest:
            return digest
        manifest = self._request(site, "GET", site.url(f"manifests/{tag}"), ACCEPT)
        return "sha256:" + hashlib.sha256(manifest.content).hexdigest()

    def _manifest(self, site: Endpoint, reference: str) -> tuple[str, dict]:
        response = self._request(site, "GET", site.url(f"manifests/{reference}"), ACCEPT)
        try:
            body = response.json()
        except ValueError:
            raise RegistryError(f"{site.registry} sent a manifest that is not JSON") from None
        media_type = body.get("mediaType") or response.headers.get("Content-Type", "").split(";")[0]
        return media_type, body

    def _tags(self, site: Endpoint) -> list[str]:
        tags: list[str] = []
        url = site.url("tags/list?n=1000")
        for _ in range(50):  # a repository of 50,000 tags is enough to choose from
            response = self._request(site, "GET", url)
            tags += response.json().get("tags") or []
            link = response.headers.get("Link", "")
            match = re.match(r"<([^>]+)>", link)
            if not match:
                break
            url = site.base + match.group(1) if match.group(1).startswith("/") else match.group(1)
        return tags

    def _read_image(self, site: Endpoint, reference: ImageReference, digest: str) -> RemoteImage:
        media_type, manifest = self._manifest(site, digest)
        platform_digest = digest
        if media_type in INDEXES:
            child = choose_platform(manifest.get("manifests") or [], self.platform)
            if child is None:
                raise RegistryError(f"{reference.text} has no {self.platform} image")
            platform_digest = child["digest"]
            media_type, manifest = self._manifest(site, platform_digest)
        config_descriptor = manifest.get("config") or {}
        config_response = self._request(site, "GET", site.url(f"blobs/{config_descriptor.get('digest')}"))
        config = (config_response.json() or {}).get("config") or {}
        path = _path_of(config.get("Env") or [])
        layers = manifest.get("layers") or []
        tools = self._tools(site, layers, path)
        healthcheck = (config.get("Healthcheck") or {}).get("Test")
        return RemoteImage(
            reference=reference.text,
            digest=digest,
            platform_digest=platform_digest,
            platform=self.platform,
            path=path,
            tools=None if tools is None else tuple(sorted(tools)),
            exposed_ports=tuple(sorted(config.get("ExposedPorts") or {})),
            healthcheck=tuple(healthcheck) if healthcheck else None,
            user=config.get("User") or "",
            entrypoint=tuple(config["Entrypoint"]) if config.get("Entrypoint") else None,
            command=tuple(config["Cmd"]) if config.get("Cmd") else None,
            labels=dict(config.get("Labels") or {}),
        )

    def _tools(self, site: Endpoint, layers: list[dict], path: tuple[str, ...]) -> set[str] | None:
        """The names on the PATH once every layer is applied; None past the byte cap or on a
        layer that cannot be read."""
        if sum(int(layer.get("size") or 0) for layer in layers) > self.max_image_bytes:
            return None
        tree = _FileTree()
        for layer in layers:
            media_type = layer.get("mediaType", "")
            if "zstd" in media_type:
                return None  # not readable without a zstd decoder
            response = self._request(site, "GET", site.url(f"blobs/{layer['digest']}"), stream=True)
            try:
                tree.apply(_layer_entries(response, self.max_image_bytes))
            except (tarfile.TarError, OSError, EOFError, zlib.error, RegistryError):
                return None
            finally:
                response.close()
        return tree.names_on(path)


def choose_platform(manifests: list[dict], platform: str) -> dict | None:
    """The child of an index for `os/architecture[/variant]`; attestation manifests skipped."""
    wanted = platform.split("/")
    for manifest in manifests:
        described = manifest.get("platform") or {}
        have = [described.get("os"), described.get("architecture")]
        if described.get("variant"):
            have.append(described["variant"])
        if have[: len(wanted)] == wanted or (len(wanted) == 2 and have[:2] == wanted):
            return manifest
    return None


def version_candidates(tags: list[str], current: str | None) -> list[str]:
    """Version tags that may name the same image as `current` (`latest` when None), in the
    order they are preferred: the variant `current` names (`alpine` keeps `-alpine`; `latest`
    prefers none, then any), then the most specific (`17.2` before `17`), newest first.

    A tag that names no version is a variant (`alpine`), a channel (`lts`, `mainline`) or
    both (`lts-alpine`): its longest ending that the repository's version tags end in is
    the variant (`-alpine`), and none is the default one. The digest decides in the end."""
    versions = [(tag, match) for tag in tags if (match := _VERSION_TAG.fullmatch(tag)) is not None]
    wanted = None
    if current and current != "latest":
        match = _VERSION_TAG.fullmatch(current)
        if match is not None:
            wanted = match.group(2) or ""
        else:
            used = {match.group(2) or "" for _, match in versions}
            parts = current.split("-")
            readings = ["-" + "-".join(parts[start:]) for start in range(len(parts))]
            wanted = next((suffix for suffix in readings if suffix in used), "")
    ranked = []
    for tag, match in versions:
        suffix = match.group(2) or ""
        if wanted is not None and suffix != wanted:
            continue
        ranked.append((tuple(int(part) for part in match.group(1).split(".")), suffix != (wanted or ""), tag))
    newest_first = sorted(ranked, key=lambda item: item[0], reverse=True)  # (17, 2) before (17,)
    return [tag for _, _, tag in sorted(newest_first, key=lambda item: item[1])]


def _path_of(environment: list[str]) -> tuple[str, ...]:
    for variable in environment:
        name, _, value = variable.partition("=")
        if name == "PATH":
            return tuple(part for part in value.split(":") if part)
    return _DEFAULT_PATH


class _FileTree:
    """The image's file system as tar headers build it: names, symlinks, whiteouts."""

    def __init__(self) -> None:
        self.files: dict[str, str | None] = {}
        """Path (no leading `/`) -> symlink target, or None for anything else."""

    def apply(self, entries: Iterator[tarfile.TarInfo]) -> None:
        added: dict[str, str | None] = {}
        for entry in entries:
            name = posixpath.normpath(entry.name.lstrip("./") or ".")
            folder, base = posixpath.split(name)
            if base == ".wh..wh..opq":
                prefix = f"{folder}/" if folder else ""
                for existing in [path for path in self.files if path.startswith(prefix)]:
                    del self.files[existing]
            elif base.startswith(".wh."):
                removed = posixpath.join(folder, base[4:])
                for existing in [p for p in self.files if p == removed or p.startswith(removed + "/")]:
                    del self.files[existing]
            else:
                added[name] = entry.linkname if entry.issym() else None
        self.files.update(added)

    def resolve(self, path: str) -> str:
        """`path` with its folder symlinks followed (`bin` -> `usr/bin`)."""
        parts = path.strip("/").split("/")
        resolved: list[str] = []
        for _ in range(40):
            if not parts:
                break
            resolved.append(parts.pop(0))
            current = "/".join(resolved)
            target = self.files.get(current)
            if target is not None and parts:
                base = "" if target.startswith("/") else "/".join(resolved[:-1])
                parts = posixpath.normpath(posixpath.join("/", base, target)).strip("/").split("/") + parts
                resolved = []
        return "/".join(resolved)

    def names_on(self, path: tuple[str, ...]) -> set[str]:
        names = set()
        folders = {self.resolve(folder) for folder in path}
        for file in self.files:
            folder, base = posixpath.split(file)
            if folder in folders:
                names.add(base)
        return names


def _layer_entries(response, cap: int) -> Iterator[tarfile.TarInfo]:
    """The tar headers of a (gzip-compressed, or plain) layer, streamed: file contents are
    read past, never kept."""
    stream = _CappedStream(response.iter_bytes(1 << 16), cap)
    magic = stream.peek(2)
    source = gzip.GzipFile(fileobj=stream) if magic == b"\x1f\x8b" else stream
    with tarfile.open(fileobj=source, mode="r|") as archive:
        yield from archive


class _CappedStream:
    """A file-like view of response chunks that refuses to read past `cap` bytes."""

    def __init__(self, chunks: Iterator[bytes], cap: int) -> None:
        self._chunks = chunks
        self._buffer = b""
        self._read = 0
        self._cap = cap

    def peek(self, size: int) -> bytes:
        while len(self._buffer) < size:
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            self._buffer += chunk
        return self._buffer[:size]

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, b"")
            if not chunk:
                break
            self._buffer += chunk
        data, self._buffer = (self._buffer, b"") if size < 0 else (self._buffer[:size], self._buffer[size:])
        self._read += len(data)
        if self._read > self._cap:
            raise RegistryError("an image is larger than the bytes allowed for one image")
        return data


class _Cache:
    """Registry answers on disk: images by digest, forever; tags with the time they were read.
    Nothing of the credentials is written."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._tags: dict[str, list] = {}
        self._dirty = False
        if folder is not None:
            try:
                loaded = json.loads((folder / "tags.json").read_text(encoding="utf-8"))
                self._tags = loaded if isinstance(loaded, dict) else {}
            except (OSError, ValueError):
                self._tags = {}

    def tag(self, key: str, ttl: float) -> str | None:
        entry = self._tags.get(key)
        if isinstance(entry, list) and len(entry) == 2 and time.time() - float(entry[1]) < ttl:
            return str(entry[0])
        return None

    def remember_tag(self, key: str, digest: str) -> None:
        self._tags[key] = [digest, time.time()]
        self._dirty = True

    def _image_file(self, digest: str, platform: str) -> Path | None:
        if self.folder is None:
            return None
        name = hashlib.sha256(f"{digest} {platform}".encode()).hexdigest()
        return self.folder / "images" / f"{name}.json"

    def image(self, digest: str, platform: str) -> RemoteImage | None:
        file = self._image_file(digest, platform)
        if file is None:
            return None
        try:
            return RemoteImage.from_json(json.loads(file.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def remember_image(self, digest: str, platform: str, image: RemoteImage) -> None:
        file = self._image_file(digest, platform)
        if file is None or image.tools is None:
            return  # an incomplete reading is not kept forever
        with contextlib.suppress(OSError):  # a cache that cannot be written is no error
            file.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(file, json.dumps(image.to_json()))

    def save(self) -> None:
        if self.folder is not None and self._dirty:
            with contextlib.suppress(OSError):
                self.folder.mkdir(parents=True, exist_ok=True)
                _write_atomically(self.folder / "tags.json", json.dumps(self._tags))


def _write_atomically(file: Path, text: str) -> None:
    temporary = file.with_name(f".{file.name}.{os.getpid()}.{threading.get_ident()}")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, file)


def read_all(registries: Registries, references: list[ImageReference]) -> dict[str, RemoteImage | None]:
    """The facts of many images, a bounded number of requests at a time."""
    with ThreadPoolExecutor(max_workers=CONCURRENT_REQUESTS) as pool:
        return dict(zip((r.text for r in references), pool.map(registries.image, references), strict=True))
