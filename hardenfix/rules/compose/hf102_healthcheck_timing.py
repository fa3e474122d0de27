from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from hardenfix.facts.service import timing_left_to_images
from hardenfix.knowledge import DEFAULT_TIMING, UNBOUNDED_PROBE, check_duration, interval_doubt, probe_timeout
from hardenfix.model import Category, FileKind, Finding
from hardenfix.rule import FixSafety, Rule, RuleOptions
from hardenfix.sources.compose import ComposeDocument, insertion_target, merged_from_elsewhere
from hardenfix.sources.healthcheck import ProbeDoubts, probe_parts, replaced_elsewhere

_SHARED_UNBOUNDED = "it goes into defaults that a healthcheck whose probe does not bound its own run merges too"


class Options(RuleOptions):
    interval: str = DEFAULT_TIMING.interval
    timeout: str = DEFAULT_TIMING.timeout
    retries: int = DEFAULT_TIMING.retries

    def validate(self) -> None:
        check_duration("interval", self.interval)
        check_duration("timeout", self.timeout)
        if self.retries < 1:
            raise ValueError(f"retries must be at least 1, not {self.retries}")

    def defaults(self) -> dict[str, str]:
        return {"interval": self.interval, "timeout": self.timeout, "retries": str(self.retries)}


class HealthcheckTiming(Rule):
    """
    ## What it does
    Finds Compose healthchecks that run a probe without saying how often
    (`interval`), how long a probe may take (`timeout`) or how many failures
    mark the container unhealthy (`retries`), and adds the missing keys.

    ## Why is this bad?
    The engine defaults are a 30 second interval and a 30 second timeout: a
    hung probe holds the check for half a minute, and a failure takes minutes
    to surface. Leaving them implicit also hides the timing from reviewers:
    whoever reads the file cannot tell how fast an outage is detected.

    ## Example
    ```yaml
    services:
      cache:
        image: redis:7
        healthcheck:
          test: ["CMD", "redis-cli", "ping"]
    ```

    ## Use instead
    ```yaml
    services:
      cache:
        image: redis:7
        healthcheck:
          test: ["CMD", "redis-cli", "ping"]
          interval: 30s
          timeout: 10s
          retries: 3
    ```

    ## Fix safety
    Safe: the values written are explicit, conservative timings; keys already
    present are never changed. The interval and retries written are the
    engine's own; a timeout shorter than its 30 seconds is written only for a
    probe that bounds its own run (`curl -m 5`, `timeout 5 ...`, `pg_isready`):
    a probe that takes 20 seconds passes today and would fail under 10. Any
    other probe gets `timeout: 30s`, the engine's own, written out.
    Healthchecks that merge shared defaults (`<<: *default-healthcheck`) get
    the keys once, in the anchored defaults, with the timeout the longest of
    their probes needs. A key the image's own `HEALTHCHECK` sets
    (`--start-period=180s` in the Dockerfile the service builds, or in a known
    image's) is left out: the engine keeps the image's value for a key the
    Compose healthcheck does not set, and writing one would replace it.

    Unsafe when an `interval` other than the engine's 30 seconds is written
    (the `interval` option) for a probe that keeps state between runs: one that
    writes a file (`touch`, `mkdir`, `cp`, `tee`, `sed -i`, `dd of=`, `find
    -delete`, output redirected to a file other than /dev/null or a
    descriptor), also behind a wrapper (`timeout 10 bash -c '...'`, `nice`,
    `sudo`, `xargs`; what an interpreter's code writes, `python3 -c
    "open(...)"`, is not read), or any probe merging the same
    anchored defaults as one, or whose service extends one (`extends: base`)
    that would take the key. What such a probe reports depends on when it ran
    before (gristlabs/grist-core's Keycloak probe checks only on its first run,
    and passes ever after), and another interval runs it at other times than it
    was written for.

    Unsafe in an override file (`compose.override.yaml`): Compose merges its
    healthcheck into the base file's, which may set the key to another value.
    Unsafe too for a service that is a fragment of one defined elsewhere: it
    names neither an image nor a build (Compose refuses it alone, so it is
    merged over another file, `-f compose.yaml -f compose-prod.yml`), extends
    another file's service, or another document of the file defines it too; or
    for any service of a file that holds such a fragment, merged over another
    file whole (conductor's `docker-compose-port-override.yaml`).

    ## Options
    - `interval` (default `"30s"`), `timeout` (default `"10s"`), `retries` (default `3`):
      the values inserted.
    """

    code = "HF102"
    slug = "healthcheck-timing"
    kind = FileKind.COMPOSE
    category = Category.RELIABILITY
    summary = "Healthcheck without `interval`, `timeout` or `retries`"
    fix_safety = FixSafety.SOMETIMES
    Options = Options
    prefilter = b"healthcheck"
    changes = ("**.interval", "**.timeout", "**.retries")

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        timeouts = self._timeouts(document)
        left_to_images = timing_left_to_images(document, self.knowledge)
        stateful = ProbeDoubts(document, "interval", partial(interval_doubt, self.options.interval))
        for service in document.services():
            healthcheck = service.active_healthcheck()
            if healthcheck is None:
                continue
            target = insertion_target(healthcheck.value)
            present = service.healthcheck_keys | left_to_images.get(id(target), frozenset())
            missing = [(key, value) for key, value in self.options.defaults().items() if key not in present]
            if not missing:
                continue
            names = ", ".join(f"`{key}`" for key, _ in missing)
            message = f"healthcheck of service `{service.name}` leaves {names} to the engine's defaults"
            if "timeout" not in present:
                timeout = timeouts[id(target)]
                if timeout != self.options.timeout:
                    missing = [(key, timeout if key == "timeout" else value) for key, value in missing]
                    own = probe_timeout(self.options.timeout, *probe_parts(healthcheck))
                    why = UNBOUNDED_PROBE if own == timeout else _SHARED_UNBOUNDED
                    message += f"; `timeout` is written as the engine's own {timeout}: {why}"
            doubts = [
                merged_from_elsewhere(document, service),
                stateful.about(service, target) if "interval" not in present else None,
                replaced_elsewhere(document, target, [key for key, _ in missing]),
            ]
            fix = self.fix(f"Add {names}", document.insert_entries(target, missing))
            yield self.finding(document, *document.span(healthcheck.key), message, fix, doubts=doubts)

    def _timeouts(self, document: ComposeDocument) -> dict[int, str]:
        """The timeout to write into each mapping a missing key goes to: the longest any
        healthcheck that would take it needs, since anchored defaults serve every
        healthcheck that merges them (a `curl -m 5` probe and an unbounded one alike)."""
        timeouts: dict[int, str] = {}
        for service in document.services():
            healthcheck = service.active_healthcheck()
            if healthcheck is None or "timeout" in service.healthcheck_keys:
                continue
            timeout = probe_timeout(self.options.timeout, *probe_parts(healthcheck))
            target = id(insertion_target(healthcheck.value))
            if timeouts.get(target) in (None, self.options.timeout):
                timeouts[target] = timeout
        return timeouts
