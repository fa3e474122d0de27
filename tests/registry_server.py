"""A real OCI registry for tests: Debian's `docker-registry` (the CNCF distribution
registry, v2.8) on 127.0.0.1, and small real images pushed through its HTTP API.

Pushing follows what distribution v2.8 asks of a client: a blob upload's `Location`
already carries `?_state=...` (the digest is appended with `&`), a manifest's
`Content-Type` equals its `mediaType`, and an index goes in after its children.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

BINARY = shutil.which("docker-registry") or "/usr/bin/docker-registry"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DEBIAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def require_registry() -> None:
    """Skip where Debian's docker-registry is not installed (.ci/run installs it, and sets
    HARDENFIX_REQUIRE_REGISTRY so that CI fails rather than skips)."""
    if not os.access(BINARY, os.X_OK):
        if os.environ.get("HARDENFIX_REQUIRE_REGISTRY"):
            pytest.fail(f"{BINARY} is required: apt-get install docker-registry")
        pytest.skip("Debian's docker-registry is not installed (apt-get install docker-registry)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def layer(files: Mapping[str, str | None] = (), links: Mapping[str, str] = ()) -> bytes:
    """A gzip tar layer: `files` maps a path to its content (None: a folder), `links` a path
    to its symlink target. A name `.wh.x` deletes `x` from the layers below."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, content in dict(files).items():
            info = tarfile.TarInfo(name)
            if content is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                archive.addfile(info)
            else:
                data = content.encode()
                info.size, info.mode = len(data), 0o755
                archive.addfile(info, io.BytesIO(data))
        for name, target in dict(links).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
    return gzip.compress(buffer.getvalue(), mtime=0)


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class Pushed:
    digest: str
    manifest: bytes


class LocalRegistry:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> LocalRegistry:
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self.folder / "config.yml"
        config.write_text(
            "version: 0.1\nlog:\n  level: error\nstorage:\n"
            f"  filesystem:\n    rootdirectory: {self.folder / 'data'}\n"
            f"http:\n  addr: 127.0.0.1:{self.port}\n",
            encoding="utf-8",
        )
        self.process = subprocess.Popen(
            [BINARY, "serve", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/v2/", timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("docker-registry did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def _call(self, method: str, url: str, data: bytes | None = None, headers: Mapping[str, str] = ()):
        request = urllib.request.Request(url, data=data, method=method, headers=dict(headers))
        return urllib.request.urlopen(request, timeout=10)

    def push_blob(self, repository: str, data: bytes) -> str:
        digest = digest_of(data)
        with self._call("POST", f"{self.url}/v2/{repository}/blobs/uploads/", b"") as started:
            location = started.headers["Location"]
        if location.startswith("/"):
            location = self.url + location
        separator = "&" if "?" in location else "?"
        headers = {"Content-Type": "application/octet-stream"}
        with self._call("PUT", f"{location}{separator}digest={digest}", data, headers):
            pass
        return digest

    def push_manifest(self, repository: str, tag: str, manifest: dict) -> Pushed:
        data = json.dumps(manifest).encode()
        with self._call(
            "PUT", f"{self.url}/v2/{repository}/manifests/{tag}", data, {"Content-Type": manifest["mediaType"]}
        ):
            pass
        return Pushed(digest_of(data), data)

    def push_image(
        self,
        repository: str,
        tags: list[str],
        layers: list[bytes],
        env_path: str = DEBIAN_PATH,
        oci: bool = False,
        architecture: str = "amd64",
        config: Mapping[str, object] = (),
    ) -> Pushed:
        image_config = {
            "architecture": architecture,
            "os": "linux",
            "config": {"Env": [f"PATH={env_path}"], **dict(config)},
            "rootfs": {"type": "layers", "diff_ids": [digest_of(gzip.decompress(data)) for data in layers]},
        }
        config_bytes = json.dumps(image_config).encode()
        config_type = (
            "application/vnd.oci.image.config.v1+json" if oci else "application/vnd.docker.container.image.v1+json"
        )
        layer_type = (
            "application/vnd.oci.image.layer.v1.tar+gzip"
            if oci
            else "application/vnd.docker.image.rootfs.diff.tar.gzip"
        )
        manifest = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST if oci else DOCKER_MANIFEST,
            "config": {
                "mediaType": config_type,
                "digest": self.push_blob(repository, config_bytes),
                "size": len(config_bytes),
            },
            "layers": [
                {"mediaType": layer_type, "digest": self.push_blob(repository, data), "size": len(data)}
                for data in layers
            ],
        }
        references = tags or [digest_of(json.dumps(manifest).encode())]  # an index's child goes in by digest
        return [self.push_manifest(repository, reference, manifest) for reference in references][-1]

    def push_index(
        self, repository: str, tags: list[str], children: list[tuple[Pushed, str]], oci: bool = True
    ) -> Pushed:
        """A multi-platform index of already pushed images: (pushed, "linux/arm64")."""
        manifests = []
        for child, platform in children:
            os_name, architecture = platform.split("/")[:2]
            manifests.append(
                {
                    "mediaType": json.loads(child.manifest)["mediaType"],
                    "digest": child.digest,
                    "size": len(child.manifest),
                    "platform": {"os": os_name, "architecture": architecture},
                }
            )
        index = {"schemaVersion": 2, "mediaType": OCI_INDEX if oci else DOCKER_LIST, "manifests": manifests}
        return [self.push_manifest(repository, tag, index) for tag in tags][-1]

    def tags(self, repository: str) -> list[str]:
        with self._call("GET", f"{self.url}/v2/{repository}/tags/list") as response:
            return json.load(response)["tags"]


def debian_base() -> bytes:
    """A merged-/usr Debian-like base: `bin` is a symlink to `usr/bin`, `sh` is dash."""
    return layer(
        {"usr/": None, "usr/bin/": None, "usr/bin/dash": "elf", "usr/bin/bash": "elf", "usr/local/bin/": None},
        {"bin": "usr/bin", "usr/bin/sh": "dash"},
    )


def busybox_base() -> bytes:
    return layer({"bin/": None, "bin/busybox": "elf"}, {"bin/sh": "busybox", "bin/wget": "busybox"})


def unreachable_url() -> str:
    """A loopback URL where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"


def fetch_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
