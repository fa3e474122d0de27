from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from hardenfix import regexes
from hardenfix.model import Category, Edit, FileKind, Finding
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.compose import (
    GPU_RESERVATION_KEY,
    ComposeDocument,
    Entry,
    InterpolationError,
    Service,
    YamlValue,
    entries,
    interpolate,
    iter_nodes,
    lookup,
    merged_from_elsewhere,
)

VISIBLE_DEVICES = "NVIDIA_VISIBLE_DEVICES"
EVERY_GPU = "all"
"""The `count` Compose resolves to -1: every GPU, as a reservation without `count` gets."""
_NO_GPU = frozenset({"", "none", "void"})
"""NVIDIA_VISIBLE_DEVICES values for which the NVIDIA runtime exposes no GPU."""
_DEVICE_ID = regexes.lazy(r"[A-Za-z0-9][A-Za-z0-9:/._-]*")
_RESERVATION_PATH = tuple(GPU_RESERVATION_KEY.split("."))


class _Request(NamedTuple):
    """The GPU reservation that grants what a service sees today, and whether adding it is safe."""

    asking: str
    """What in the service asks for GPUs."""
    device: dict[str, YamlValue] | None
    """None when no reservation grants the same GPUs: the finding is reported without a fix."""
    risk: str | None = None
    """Why the reservation may change what the service sees (its fix is then unsafe), or why there is none."""


_EVERY_GPU_DEVICE: dict[str, YamlValue] = {"driver": "nvidia", "count": EVERY_GPU, "capabilities": ["gpu"]}
_IMAGE_DECIDES = (
    "without `NVIDIA_VISIBLE_DEVICES` it sees the GPUs its image's own `NVIDIA_VISIBLE_DEVICES` names:"
    " every GPU in NVIDIA's CUDA images, none in an image that sets none; the reservation gives it every GPU"
)
_SET_WHEN_RUN = "`NVIDIA_VISIBLE_DEVICES` comes from a variable: a deployment that names some GPUs would get every GPU"
_DEFAULT_RUNTIME = (
    "without `runtime: nvidia` the variable only works on a daemon whose default runtime is NVIDIA's;"
    " elsewhere the service runs on the CPU today and would not start with a reservation"
)


class GpuReservation(Rule):
    """
    ## What it does
    Finds Compose services that ask for a GPU without a device reservation
    Compose honours — `runtime: nvidia`, or an `NVIDIA_*` environment variable,
    with no `deploy.resources.reservations.devices` GPU entry — and adds one that
    grants the GPUs the service sees today. It also completes a GPU reservation
    that lacks `count` or `capabilities`. A reservation without `driver` is
    complete: the daemon gives it to whichever driver has the `gpu` capability,
    as it does `docker run --gpus all` (nvidia's, or amd's where
    amd-container-runtime is installed), so none is added.

    The number of GPUs never changes:
    - `NVIDIA_VISIBLE_DEVICES=all` becomes `count: all`; a list of GPUs
      (`NVIDIA_VISIBLE_DEVICES=0,2`) becomes `device_ids: ["0", "2"]`.
    - A reservation without `count` or `device_ids` already means every GPU
      (Compose resolves it to `count: -1`), so the count written is `all`.
    - `count` is never added beside `device_ids`: Compose refuses both.
    - A service with `gpus:` already has a request Compose honours, and one whose
      `NVIDIA_VISIBLE_DEVICES` is `none`, `void` or empty asks for no GPU (so does
      one whose variables, unset, leave it so: `${GPUS:-}`): neither is a finding.

    ## Why is this bad?
    `runtime: nvidia` only works where the NVIDIA runtime is registered with the
    Docker daemon, and an `NVIDIA_*` variable alone reserves nothing. The
    container then starts without a GPU and the service falls back to the CPU,
    or crashes at its first CUDA call, on the machine where it matters. The
    device reservation is the portable request Compose turns into a GPU.

    ## Example
    ```yaml
    services:
      inference:
        image: ollama/ollama:0.5.4
        runtime: nvidia
        environment:
          NVIDIA_VISIBLE_DEVICES: all
    ```

    ## Use instead
    ```yaml
    services:
      inference:
        image: ollama/ollama:0.5.4
        runtime: nvidia
        environment:
          NVIDIA_VISIBLE_DEVICES: all
        deploy:
          resources:
            reservations:
              devices:
                - driver: nvidia
                  count: all
                  capabilities: [gpu]
    ```

    ## Fix safety
    Safe where the reservation grants exactly the GPUs the service sees today:
    completing a GPU reservation, and adding one for `runtime: nvidia` with a
    literal `NVIDIA_VISIBLE_DEVICES` (the Docker daemon's NVIDIA device driver
    comes with the NVIDIA runtime). Unsafe:
    - `NVIDIA_VISIBLE_DEVICES` from a variable (`${GPUS:-all}`): a deployment
      that sets it to some GPUs would get every GPU;
    - a service Compose merges with another definition (in an override file,
      another document of the file, a fragment or another file's `extends`), or
      beside another YAML file of the folder that sets `NVIDIA_VISIBLE_DEVICES`
      (`compose.override.yaml` pinning one GPU): for `count: all` the Docker
      daemon appends `NVIDIA_VISIBLE_DEVICES=all` after the container's own
      variables (moby `daemon/nvidia_linux.go`), and the toolkit takes the last;
    - `runtime: nvidia` without `NVIDIA_VISIBLE_DEVICES`: the runtime then exposes
      what the image's own `NVIDIA_VISIBLE_DEVICES` names (`all` in NVIDIA's CUDA
      images) and no GPU in an image that sets none (NVIDIA Container Toolkit,
      `internal/config/image/cuda_image.go`, `DevicesFromEnvvars`);
    - `NVIDIA_VISIBLE_DEVICES` without `runtime: nvidia`: it only takes effect on
      a daemon whose default runtime is NVIDIA's, and elsewhere the service runs
      on the CPU today but would not start with a reservation;
    - a file that declares a legacy format (`version: "2.4"`, where `runtime:
      nvidia` was written before the Compose Specification, or any 3.x): no
      legacy schema has device reservations (2.x has no `deploy` at all), so
      Compose v1 and `docker stack deploy` would refuse the file. Compose v2
      ignores `version:`; removing it is the change to review.

    An `NVIDIA_*` variable other than `NVIDIA_VISIBLE_DEVICES` without
    `runtime: nvidia` is reported without a fix: the service sees no GPU on a
    daemon whose default runtime is `runc`.
    """

    code = "HF150"
    slug = "gpu-reservation"
    kind = FileKind.COMPOSE
    category = Category.RELIABILITY
    summary = "GPU requested without a full device reservation"
    fix_safety = FixSafety.SOMETIMES
    prefilter = regexes.lazy(rb"nvidia|NVIDIA_|\bgpu\b")
    changes = ("services.*.deploy.**", "x-*.**")  # a `deploy` may be an alias of an extension field

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        requests = {service.name: self._request(service) for service in document.services()}
        for service in document.services():
            if service.get("gpus") is not None:
                continue
            gpu_devices = [device for device in _device_entries(service) if _is_gpu_device(device)]
            if gpu_devices:
                completions = [_complete_device(document, device) for device in gpu_devices]
                edits = [edit for device_edits, _ in completions for edit in device_edits]
                lacking = list(dict.fromkeys(what for _, missing in completions for what in missing))
                if edits:
                    yield self.finding(
                        document,
                        *document.span(service.key),
                        f"service `{service.name}` reserves GPUs without {' or '.join(lacking)}",
                        self.fix("Complete the GPU reservation", *edits),
                    )
                continue
            request = requests[service.name]
            if request is None:
                continue
            message = f"service `{service.name}` asks for GPUs ({request.asking}) but reserves none"
            edit = _add_reservation(document, service, request, requests) if request.device is not None else None
            if not isinstance(edit, Edit):
                yield self.finding(document, *document.span(service.key), f"{message} (no fix: {edit or request.risk})")
                continue
            yield self.finding(
                document,
                *document.span(service.key),
                message,
                self.fix("Reserve the GPUs it uses", edit),
                doubts=[
                    request.risk,
                    merged_from_elsewhere(document, service),
                    self._set_elsewhere(document),
                    document.legacy_format_doubt(GPU_RESERVATION_KEY),
                ],
            )

    @staticmethod
    def _set_elsewhere(document: ComposeDocument) -> str | None:
        """Why another file may name fewer GPUs than the reservation gives: the NVIDIA device
        driver appends `NVIDIA_VISIBLE_DEVICES=all` after the container's own variables for
        `count: all` (moby daemon/nvidia_linux.go), and the toolkit takes the last one."""
        other = document.other_file_naming(VISIBLE_DEVICES)
        if other is None:
            return None
        return (
            f"`{other}` in its folder sets `{VISIBLE_DEVICES}` too, and Compose may merge the two files (an override"
            " file, `-f`): the GPUs it names there may be fewer than the reservation gives"
        )

    @staticmethod
    def _request(service: Service) -> _Request | None:
        """The reservation for a service that asks for GPUs without one, or None when it asks for none."""
        runtime = service.get("runtime")
        nvidia_runtime = (
            runtime is not None and isinstance(runtime.value, ScalarNode) and runtime.value.value == "nvidia"
        )
        environment = service.environment()
        if not nvidia_runtime and not any(name.startswith("NVIDIA_") for name in environment):
            return None
        visible = environment.get(VISIBLE_DEVICES)
        if visible is None:
            if nvidia_runtime:
                return _Request("`runtime: nvidia`", _EVERY_GPU_DEVICE, _IMAGE_DECIDES)
            return _Request(
                "an `NVIDIA_*` variable",
                None,
                "it sees no GPU unless the daemon's default runtime is NVIDIA's, and then what its image names",
            )
        asking = "`runtime: nvidia`" if nvidia_runtime else f"`{VISIBLE_DEVICES}`"
        risk = None if nvidia_runtime else _DEFAULT_RUNTIME
        value = (visible.value or "").strip()
        if "$" in value and _no_gpu_by_default(value):
            return None
        if visible.value is None or "$" in value:
            return _Request(asking, _EVERY_GPU_DEVICE, _SET_WHEN_RUN)
        if value.lower() in _NO_GPU:
            return None
        if value == EVERY_GPU:
            return _Request(asking, _EVERY_GPU_DEVICE, risk)
        ids = [part.strip() for part in value.split(",")]
        if not all(_DEVICE_ID.fullmatch(device_id) for device_id in ids):
            return _Request(asking, None, f"`{VISIBLE_DEVICES}: {value}` names no GPU a reservation can")
        device_ids = [f'"{device_id}"' for device_id in ids]
        return _Request(asking, {"driver": "nvidia", "device_ids": device_ids, "capabilities": ["gpu"]}, risk)


def _no_gpu_by_default(value: str) -> bool:
    """Whether `NVIDIA_VISIBLE_DEVICES: value` names no GPU as Compose fills it with its
    variables unset (`${JELLYFIN_NVIDIA_VISIBLE_DEVICES:-}` in an anchor PMOVES.AI's VAAPI
    service merges): a reservation would give it every GPU. One Compose refuses unset
    (`${GPUS:?}`) names what the deployment sets."""
    try:
        return interpolate(value, {}).strip().lower() in _NO_GPU
    except InterpolationError:
        return False


def _add_reservation(
    document: ComposeDocument, service: Service, request: _Request, requests: dict[str, _Request | None]
) -> Edit | str:
    """An edit adding the device at the deepest level of `deploy.resources.reservations.devices`
    that exists, or why there is none: that level is shared (an anchor, `<<`, `extends`) with
    a service that does not ask for the very same reservation, or is not a collection."""
    assert request.device is not None
    found, missing = _reservation_path(service)
    target = found[-1].value if found else service.node
    sharers = [other for other in document.services() if other is not service and _reaches(other, target)]
    if any(requests[other.name] != request for other in sharers):
        return "a service sharing its `deploy` settings would get the reservation too"
    if not missing and isinstance(target, SequenceNode):
        return document.append_items(target, [request.device])
    if missing and isinstance(target, MappingNode):
        nested: YamlValue = [request.device]
        for key in reversed(missing[1:]):
            nested = {key: nested}
        return document.insert_entry(target, missing[0], nested)
    return f"its `{'.'.join(_RESERVATION_PATH[: len(found)])}` is not written as a collection"


def _reaches(service: Service, node: Node) -> bool:
    """Whether the service's own definition, or one it extends, contains `node`."""
    current: Service | None = service
    for _ in range(32):  # an extends cycle is Compose's error to report, not a hang
        if current is None:
            return False
        if any(found is node for found in iter_nodes(current.node)):
            return True
        current = current.base
    return False


def _reservation_path(service: Service) -> tuple[list[Entry], list[str]]:
    """The entries of `deploy.resources.reservations.devices` that exist, and the keys that don't."""
    found: list[Entry] = []
    for index, key in enumerate(_RESERVATION_PATH):
        if index == 0:
            entry = service.get(key)
        else:
            parent = found[-1].value
            entry = lookup(parent, key) if isinstance(parent, MappingNode) else None
        if entry is None:
            return found, list(_RESERVATION_PATH[index:])
        found.append(entry)
    return found, []


def _complete_device(document: ComposeDocument, device: MappingNode) -> tuple[list[Edit], list[str]]:
    """Edits adding what a GPU reservation lacks, each keeping the GPUs it grants, and what it lacks."""
    present = {str(entry.key.value) for entry in entries(device)}
    missing: list[tuple[str, YamlValue]] = []
    lacking: list[str] = []
    # No `driver` is added: without one the daemon gives the request to whichever driver has
    # the `gpu` capability (`--gpus all` sends the same; moby daemon/devices.go), nvidia's or,
    # where amd-container-runtime is installed, amd's (daemon/amd_linux.go).
    if "count" not in present and "device_ids" not in present:
        missing.append(("count", EVERY_GPU))
        lacking.append("a `count` (Compose reads none as every GPU: `count: all` keeps that)")
    if "capabilities" not in present:
        missing.append(("capabilities", ["gpu"]))
        lacking.append("`capabilities`, which Compose requires")
    edits = [document.insert_entries(device, missing)] if missing else []
    capabilities = lookup(device, "capabilities")
    listed = capabilities.value if capabilities is not None else None
    if isinstance(listed, SequenceNode) and "gpu" not in {str(item.value) for item in listed.value}:
        edits.append(document.append_items(listed, ["gpu"]))
        lacking.append("the `gpu` capability")
    return edits, lacking


def _is_gpu_device(device: MappingNode) -> bool:
    driver = lookup(device, "driver")
    capabilities = lookup(device, "capabilities")
    return (driver is not None and isinstance(driver.value, ScalarNode) and driver.value.value == "nvidia") or (
        capabilities is not None
        and isinstance(capabilities.value, SequenceNode)
        and any(isinstance(item, ScalarNode) and item.value == "gpu" for item in capabilities.value.value)
    )


def _device_entries(service: Service) -> list[MappingNode]:
    found, missing = _reservation_path(service)
    if missing or not isinstance(found[-1].value, SequenceNode):
        return []
    return [item for item in found[-1].value.value if isinstance(item, MappingNode)]
