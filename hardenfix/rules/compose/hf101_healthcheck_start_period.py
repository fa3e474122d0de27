from __future__ import annotations

from collections.abc import Iterator

from hardenfix.facts.service import timing_left_to_images
from hardenfix.knowledge import DEFAULT_TIMING, check_duration, start_period_doubt
from hardenfix.model import Category, FileKind, Finding
from hardenfix.rule import FixSafety, Rule, RuleOptions
from hardenfix.sources.compose import (
    ComposeDocument,
    insertion_target,
    merged_from_elsewhere,
)
from hardenfix.sources.healthcheck import ProbeDoubts, replaced_elsewhere


class Options(RuleOptions):
    start_period: str = DEFAULT_TIMING.start_period
    """The `start_period` to insert."""

    def validate(self) -> None:
        check_duration("start-period", self.start_period)


class HealthcheckStartPeriod(Rule):
    """
    ## What it does
    Finds Compose healthchecks that run a probe but set no `start_period`, and
    adds `start_period: 30s` as the last key of the healthcheck.

    ## Why is this bad?
    Without a start period, every failed probe while the container boots counts
    toward `retries`. A database replaying its WAL or a service warming a model
    is marked unhealthy before it is up, restarted by an orchestrator, and
    dependants waiting on `condition: service_healthy` fail to start.

    ## Example
    ```yaml
    services:
      db:
        image: postgres:16
        healthcheck:
          test: ["CMD-SHELL", "pg_isready -U postgres"]
          interval: 10s
    ```

    ## Use instead
    ```yaml
    services:
      db:
        image: postgres:16
        healthcheck:
          test: ["CMD-SHELL", "pg_isready -U postgres"]
          interval: 10s
          start_period: 30s
    ```

    ## Fix safety
    Safe for a probe that keeps no state between runs: a start period stops
    boot-time failures from counting, and while it lasts Docker Engine 25 and
    later run the probe every `start_interval` (5 seconds unless set) instead
    of every `interval`; a probe that checks the same thing on every run only
    passes, and marks the container healthy, sooner. Healthchecks with
    `disable: true` or `test: ["NONE"]` are left alone. When the healthcheck
    merges shared defaults (`<<: *default-healthcheck`), the key is added once,
    to the anchored defaults. A start period the image's own `HEALTHCHECK`
    sets (`--start-period=180s`, in the Dockerfile the service builds or in a
    known image's) is left alone: the engine keeps it for a Compose
    healthcheck that says none, and writing one would replace it.

    Unsafe when the probe keeps state between runs: it writes a file (`touch`,
    `mkdir`, `cp`, `tee`, `sed -i`, `dd of=`, `find -delete`, output redirected
    to a file other than /dev/null or a descriptor), also behind a wrapper
    (`timeout 10 bash -c '...'`, `nice`, `sudo`, `xargs`), or so does a probe
    merging the same anchored defaults, or that of a service extending this one
    in the same file (`extends: base`), which takes the key too; what an
    interpreter's code writes (`python3 -c "open(...)"`) is not read. Run
    earlier than it was written for, a probe whose result depends on its
    earlier runs can pass without checking anything: gristlabs/grist-core's
    Keycloak probe checks only on its first run, which the 30 second interval
    lets come once Keycloak listens; at 5 seconds that run fails, the next
    passes on the file it left, and services waiting on `condition:
    service_healthy` start before Keycloak is up.

    Unsafe in an override file (`compose.override.yaml`): Compose merges its
    healthcheck into the base file's, which may set the key to another value.
    Unsafe too for a service that is a fragment of one defined elsewhere: it
    names neither an image nor a build (Compose refuses it alone, so it is
    merged over another file, `-f compose.yaml -f compose-prod.yml`), extends
    another file's service, or another document of the file defines it too; or
    for any service of a file that holds such a fragment, merged over another
    file whole (conductor's `docker-compose-port-override.yaml`).
    Unsafe too in a file that declares a legacy format without the key
    (`version: "3.3"`, or 2.0 to 2.2): Compose v2 ignores `version:`, but
    `docker stack deploy` and Compose v1 refuse the file. Raising the version, or
    removing it, is the change to review.

    ## Options
    - `start-period` (default `"30s"`): the value inserted.
    """

    code = "HF101"
    slug = "healthcheck-start-period"
    kind = FileKind.COMPOSE
    category = Category.RELIABILITY
    summary = "Healthcheck without `start_period`"
    fix_safety = FixSafety.SOMETIMES
    Options = Options
    prefilter = b"healthcheck"
    changes = ("**.start_period",)

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        left_to_images = timing_left_to_images(document, self.knowledge)
        stateful = ProbeDoubts(document, "start_period", start_period_doubt)
        for service in document.services():
            healthcheck = service.active_healthcheck()
            if healthcheck is None or "start_period" in service.healthcheck_keys:
                continue
            target = insertion_target(healthcheck.value)
            if "start_period" in left_to_images.get(id(target), ()):
                continue  # the image's own HEALTHCHECK sets it, and writing one would replace it
            edit = document.insert_entry(target, "start_period", self.options.start_period)
            message = (
                f"healthcheck of service `{service.name}` has no `start_period`: "
                "failed probes while it starts count toward its retries"
            )
            yield self.finding(
                document,
                *document.span(healthcheck.key),
                message,
                self.fix(f"Add `start_period: {self.options.start_period}`", edit),
                doubts=[
                    merged_from_elsewhere(document, service),
                    stateful.about(service, target),
                    replaced_elsewhere(document, target, ["start_period"]),
                    document.legacy_format_doubt("start_period"),
                ],
            )
