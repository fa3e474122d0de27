from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from hardenfix.knowledge import DEFAULT_TIMING, check_duration
from hardenfix.model import Category, FileKind, Finding
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.compose import ComposeDocument, effective_keys, insertion_target


@dataclass(frozen=True)
class Options:
    interval: str = DEFAULT_TIMING.interval
    timeout: str = DEFAULT_TIMING.timeout
    retries: int = DEFAULT_TIMING.retries

    def __post_init__(self) -> None:
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
    present are never changed. Healthchecks that merge shared defaults
    (`<<: *default-healthcheck`) get the keys once, in the anchored defaults.

    ## Options
    - `interval` (default `"30s"`), `timeout` (default `"10s"`), `retries` (default `3`):
      the values inserted.
    """

    code = "HF102"
    slug = "healthcheck-timing"
    kind = FileKind.COMPOSE
    category = Category.RELIABILITY
    summary = "Healthcheck without `interval`, `timeout` or `retries`"
    fix_safety = FixSafety.SAFE
    Options = Options
    prefilter = b"healthcheck"
    changes = ("**.interval", "**.timeout", "**.retries")

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        for service in document.services():
            healthcheck = service.active_healthcheck()
            if healthcheck is None:
                continue
            present = effective_keys(healthcheck.value)
            missing = [(key, value) for key, value in self.options.defaults().items() if key not in present]
            if not missing:
                continue
            names = ", ".join(f"`{key}`" for key, _ in missing)
            edit = document.insert_entries(insertion_target(healthcheck.value), missing)
            yield self.finding(
                document,
                *document.span(healthcheck.key),
                f"healthcheck of service `{service.name}` leaves {names} to the engine's defaults",
                self.fix(f"Add {names}", edit),
            )
