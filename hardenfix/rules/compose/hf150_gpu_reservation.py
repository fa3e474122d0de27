from __future__ import annotations

import re
from collections.abc import Iterator

from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from hardenfix.model import Category, Edit, FileKind, Finding
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.compose import ComposeDocument, Entry, Service, YamlValue, entries, lookup

DEVICE_DEFAULTS: dict[str, YamlValue] = {"driver": "nvidia", "count": "${GPU_COUNT:-1}", "capabilities": ["gpu"]}
VISIBLE_DEVICES = "NVIDIA_VISIBLE_DEVICES"
VISIBLE_DEVICES_VALUE = "${NVIDIA_VISIBLE_DEVICES:-all}"
_RESERVATION_PATH = ("deploy", "resources", "reservations", "devices")


class GpuReservation(Rule):
    """
    ## What it does
    Finds Compose services that ask for a GPU — `runtime: nvidia`, `gpus:`, an
    `NVIDIA_*` environment variable, or a partial
    `deploy.resources.reservations.devices` entry — without the full device
    reservation, and completes it: `driver: nvidia`, `count: ${GPU_COUNT:-1}`
    and `capabilities: [gpu]`, keeping every value already there, plus
    `NVIDIA_VISIBLE_DEVICES=${NVIDIA_VISIBLE_DEVICES:-all}` in the environment,
    in the environment's own style (list or mapping).

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
    ```

    ## Use instead
    ```yaml
    services:
      inference:
        image: ollama/ollama:0.5.4
        runtime: nvidia
        deploy:
          resources:
            reservations:
              devices:
                - driver: nvidia
                  count: ${GPU_COUNT:-1}
                  capabilities: [gpu]
        environment:
          NVIDIA_VISIBLE_DEVICES: ${NVIDIA_VISIBLE_DEVICES:-all}
    ```

    ## Fix safety
    Safe: the service already asks for a GPU; the fix makes the request one
    Compose honours. `count` is not added to an entry that names `device_ids`
    (Compose refuses both), and the count stays overridable with `GPU_COUNT`.
    """

    code = "HF150"
    slug = "gpu-reservation"
    kind = FileKind.COMPOSE
    category = Category.RELIABILITY
    summary = "GPU requested without a full device reservation"
    fix_safety = FixSafety.SAFE
    prefilter = re.compile(rb"nvidia|NVIDIA_|gpus|\bgpu\b")
    changes = ("services.*.deploy.**", "services.*.environment.**")

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        for service in document.services():
            reason = self._gpu_request(service)
            if reason is None:
                continue
            service_entries: list[tuple[str, YamlValue]] = []
            edits = self._complete_reservation(document, service, service_entries)
            environment = service.get("environment")
            if not _names_variable(environment, VISIBLE_DEVICES):
                if environment is None:
                    service_entries.append(("environment", {VISIBLE_DEVICES: VISIBLE_DEVICES_VALUE}))
                elif isinstance(environment.value, MappingNode):
                    edits.append(document.insert_entry(environment.value, VISIBLE_DEVICES, VISIBLE_DEVICES_VALUE))
                elif isinstance(environment.value, SequenceNode):
                    item = f"{VISIBLE_DEVICES}={VISIBLE_DEVICES_VALUE}"
                    edits.append(document.append_items(environment.value, [item]))
            if service_entries:
                edits.append(document.insert_entries(service.node, service_entries))
            if not edits:
                continue
            yield self.finding(
                document,
                *document.span(service.key),
                f"service `{service.name}` asks for a GPU ({reason}) without a complete device reservation:"
                " it may start on the CPU",
                self.fix("Complete the GPU reservation", *edits),
            )

    @staticmethod
    def _gpu_request(service: Service) -> str | None:
        runtime = service.get("runtime")
        if runtime is not None and isinstance(runtime.value, ScalarNode) and runtime.value.value == "nvidia":
            return "`runtime: nvidia`"
        if service.get("gpus") is not None:
            return "`gpus`"
        if _names_variable(service.get("environment"), "NVIDIA_", prefix=True):
            return "an `NVIDIA_*` variable"
        if _device_entries(service):
            return "a device reservation"
        return None

    @staticmethod
    def _complete_reservation(
        document: ComposeDocument, service: Service, service_entries: list[tuple[str, YamlValue]]
    ) -> list[Edit]:
        """Edits adding what the reservation lacks, at the deepest level that exists.

        A missing `deploy` is not an edit but an entry for `service_entries`, so that
        it shares one insertion with a missing `environment`.
        """
        found, missing = _reservation_path(service)
        if not missing:
            return _complete_devices(document, found[-1])
        nested: YamlValue = [DEVICE_DEFAULTS]
        for key in reversed(missing[1:]):
            nested = {key: nested}
        if not found:
            service_entries.append((missing[0], nested))
            return []
        if not isinstance(found[-1].value, MappingNode):
            return []
        return [document.insert_entry(found[-1].value, missing[0], nested)]


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


def _complete_devices(document: ComposeDocument, devices: Entry) -> list[Edit]:
    if not isinstance(devices.value, SequenceNode):
        return []
    items = [item for item in devices.value.value if isinstance(item, MappingNode)]
    gpu_items = [item for item in items if _is_gpu_device(item)]
    if not gpu_items:
        return [document.append_items(devices.value, [DEVICE_DEFAULTS])]
    device = gpu_items[0]
    present = {str(entry.key.value) for entry in entries(device)}
    missing = [
        (key, value)
        for key, value in DEVICE_DEFAULTS.items()
        if key not in present and not (key == "count" and "device_ids" in present)
    ]
    edits = [document.insert_entries(device, missing)] if missing else []
    capabilities = lookup(device, "capabilities")
    listed = capabilities.value if capabilities is not None else None
    if isinstance(listed, SequenceNode) and "gpu" not in {str(item.value) for item in listed.value}:
        edits.append(document.append_items(listed, ["gpu"]))
    return edits


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


def _names_variable(environment: Entry | None, name: str, prefix: bool = False) -> bool:
    """Whether the environment (mapping or `NAME=value` list) sets `name` (or any name starting with it)."""
    if environment is None:
        return False
    if isinstance(environment.value, MappingNode):
        names = [str(entry.key.value) for entry in entries(environment.value)]
    elif isinstance(environment.value, SequenceNode):
        names = [str(item.value).split("=", 1)[0] for item in environment.value.value if isinstance(item, ScalarNode)]
    else:
        return False
    return any(n.startswith(name) if prefix else n == name for n in names)
