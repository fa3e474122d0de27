"""HF110 where the file's name matters: a development or test stack starts with its defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardenfix.config import Settings
from hardenfix.engine import Engine
from hardenfix.runner import Mode, run

STACK = "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${DB_PASSWORD:-devpass}\n"


def applicability(root: Path, name: str, stack: str = STACK) -> str:
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(stack)
    [result] = run([root / name], Engine(Settings(select=("HF110",)).rules()), Mode.CHECK, root, jobs=1)
    [finding] = result.findings
    assert finding.fix is not None
    return str(finding.fix.applicability)


@pytest.mark.parametrize(
    "name",
    [
        "docker-compose.dev.yml",
        "compose.local.yaml",
        "docker-compose.test.yml",
        "compose-ci.yaml",
        "docker-compose.develop.yml",
        "docker-compose.debug.yml",
        "develop/compose.yaml",
        "debug/compose.yaml",
        ".devcontainer/docker-compose.yml",  # mastodon's, posthog's: an editor starts it for development
        "docker-compose/development/docker-compose.yml",  # lobe-chat's
        "e2e/compose.yaml",
        "docker-compose.cypress.yml",  # a Cypress suite's stack, started in CI without an .env
        "docker-compose.playwright.yml",
        "docker-compose.integration.yml",
        "compose.sandbox.yaml",  # posthog's: a sandbox per contributor
        "docker-compose.playground.yml",
        "tests/integration/compose.yaml",
        "test_data/docker-compose.services.yml",  # NeMo-Agent-Toolkit's integration-test services
        "testdata/compose.yaml",  # Go's folder of test data
        "test-fixtures/compose.yaml",
        ".github/docker-compose.yml",  # what a CI workflow's jobs start
        ".gitlab/compose.yaml",
    ],
)
def test_a_development_or_test_stack_gets_an_unsafe_fix(tmp_path: Path, name: str) -> None:
    assert applicability(tmp_path, name) == "unsafe"


def test_a_stack_named_for_development_gets_an_unsafe_fix(tmp_path: Path) -> None:
    assert applicability(tmp_path, "compose.yaml", "name: lobe-chat-development\n" + STACK) == "unsafe"
    assert applicability(tmp_path, "compose.yaml", "name: myapp_develop\n" + STACK) == "unsafe"
    assert applicability(tmp_path, "compose.yaml", "name: lobe-chat\n" + STACK) == "safe"
    assert applicability(tmp_path, "compose.yaml", "name: shop-sandbox\n" + STACK) == "unsafe"


@pytest.mark.parametrize(
    "name",
    [
        "compose.yaml",
        "docker-compose.prod.yml",
        "docker-compose.devices.yml",
        # A project's own folder may be named anything: only a whole folder name says "development".
        "dev-tools/compose.yaml",
        "docker-dev/compose.yaml",
        "developer-portal/compose.yaml",
        "deploy/compose.yaml",
        "docker-compose.integrations.yml",  # the stack of an app's integrations, not a test's
        "sandboxes/compose.yaml",
        "github/compose.yaml",
        "data/compose.yaml",
        "dev-database/compose.yaml",
    ],
)
def test_any_other_stack_gets_the_safe_fix(tmp_path: Path, name: str) -> None:
    assert applicability(tmp_path, name) == "safe"


def test_a_file_the_folders_compose_file_merges_over_it_may_set_the_secret_another_way(tmp_path: Path) -> None:
    """`.env`'s `COMPOSE_FILE=compose.yaml:compose.tls.yaml` merges a complete file, which sets
    the database password through another variable: the deployment never sets `DB_PASSWORD`."""
    (tmp_path / "compose.tls.yaml").write_text(
        "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${TLS_DB_PASSWORD}\n"
    )
    assert applicability(tmp_path, "compose.yaml") == "safe"
    (tmp_path / ".env").write_text("COMPOSE_FILE=compose.yaml:compose.tls.yaml\n")
    assert applicability(tmp_path, "compose.yaml") == "unsafe"


def test_a_library_a_stack_above_extends_other_services_of_gets_an_unsafe_fix(tmp_path: Path) -> None:
    """Compose interpolates all of `docker/docker-compose.common.yml` for a stack that extends
    only its `cache`, which needs no database password."""
    library = STACK + "  cache:\n    image: redis:7\n"
    assert applicability(tmp_path, "docker/docker-compose.common.yml", library) == "safe"
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  cache:\n    extends:\n      file: docker/docker-compose.common.yml\n      service: cache\n"
    )
    assert applicability(tmp_path, "docker/docker-compose.common.yml", library) == "unsafe"
    (tmp_path / "docker-compose.db.yml").write_text(
        "services:\n  db:\n    extends:\n      file: ./docker/docker-compose.common.yml\n      service: db\n"
    )
    assert applicability(tmp_path, "docker/docker-compose.common.yml", library) == "unsafe"
    (tmp_path / "docker-compose.yml").unlink()
    assert applicability(tmp_path, "docker/docker-compose.common.yml", library) == "safe"


def test_a_file_an_include_merges_an_override_over_may_set_the_secret_another_way(tmp_path: Path) -> None:
    """`compose.yaml` includes `commons/compose.yaml` with `commons-override.yaml` merged over
    it, which resets the password for a secret file: a stack deployed from it never sets
    `DB_PASSWORD`. A plain include merges nothing over it."""
    (tmp_path / "compose.yaml").write_text("include:\n  - commons/compose.yaml\n")
    assert applicability(tmp_path, "commons/compose.yaml") == "safe"
    (tmp_path / "compose.yaml").write_text(
        "include:\n  - path:\n      - commons/compose.yaml\n      - commons-override.yaml\n"
    )
    (tmp_path / "commons-override.yaml").write_text(
        "services:\n  db:\n    image: postgres:16\n    environment:\n"
        "      POSTGRES_PASSWORD_FILE: /run/secrets/db\n      POSTGRES_PASSWORD: !reset null\n"
    )
    assert applicability(tmp_path, "commons/compose.yaml") == "unsafe"
    (tmp_path / "commons" / "stack.yaml").write_text(
        "include:\n  - path: [compose.yaml, ../commons-override.yaml]\n"
    )  # from the same folder
    (tmp_path / "compose.yaml").unlink()
    assert applicability(tmp_path, "commons/compose.yaml") == "unsafe"


@pytest.mark.parametrize(("included", "including"), [("commons", "app"), ("base", "stack")])
@pytest.mark.parametrize("mode", [Mode.CHECK, Mode.DIFF, Mode.WRITE])
def test_an_include_of_a_neighbouring_folder_of_the_run_merges_its_override_over_the_file(
    tmp_path: Path, included: str, including: str, mode: Mode
) -> None:
    """Compose's own example layout: `app/compose.yaml` includes `../commons/compose.yaml` with
    `./commons-override.yaml` merged over it, which resets the password for a secret file: a
    stack deployed from `app` never sets `DB_PASSWORD`, and `${DB_PASSWORD:?...}` would stop
    it. The including file is found before the included one (`app`) or after it (`stack`),
    and a fix written cannot be taken back. A plain include merges nothing over it."""
    engine = Engine(Settings(select=("HF110",)).rules())
    (tmp_path / included).mkdir()
    (tmp_path / included / "compose.yaml").write_text(STACK)
    (tmp_path / including).mkdir()
    including_file = tmp_path / including / "compose.yaml"
    including_file.write_text(f"include:\n  - ../{included}/compose.yaml\nservices:\n  web:\n    image: nginx:1.27\n")
    [result] = [r for r in run([tmp_path], engine, Mode.CHECK, tmp_path, jobs=1) if r.findings]
    assert str(result.findings[0].fix.applicability) == "safe"
    including_file.write_text(
        f"include:\n  - path:\n      - ../{included}/compose.yaml\n      - ./commons-override.yaml\n"
        "services:\n  web:\n    image: nginx:1.27\n"
    )
    (tmp_path / including / "commons-override.yaml").write_text(
        "services:\n  db:\n    environment:\n"
        "      POSTGRES_PASSWORD_FILE: /run/secrets/db\n      POSTGRES_PASSWORD: !reset null\n"
    )
    [result] = [r for r in run([tmp_path], engine, mode, tmp_path, jobs=1) if r.findings]
    [finding] = result.findings
    assert result.display_path == f"{included}/compose.yaml" and not result.fixed
    assert str(finding.fix.applicability) == "unsafe"
    assert f"`../{including}/commons-override.yaml` sets or resets the setting" in finding.message
    assert (tmp_path / included / "compose.yaml").read_text() == STACK


def test_a_data_stores_dummy_password_is_its_password_and_an_api_keys_invalid_default_no_key(tmp_path: Path) -> None:
    store = "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${DB_PASSWORD:-dummy_password}\n"
    assert applicability(tmp_path / "store", "compose.yaml", store) == "safe"
    client = "services:\n  app:\n    image: ghcr.io/acme/app:1.0\n    environment:\n      DD_API_KEY: ${DD_API_KEY-invalid_but_fine}\n"
    assert applicability(tmp_path / "client", "compose.yaml", client) == "unsafe"


def test_a_secret_the_stack_signs_with_is_its_key_whatever_its_default_says(tmp_path: Path) -> None:
    # Every token, session and cookie is signed with the default: a credential, not a placeholder.
    for name, default in (
        ("JWT_SECRET", "dummy_jwt_secret"),
        ("SESSION_SECRET", "mock-session-secret"),
        ("SECRET_KEY", "dummy-key-for-local-mode"),
        ("ENCRYPTION_KEY", "dummy-encryption-keeeey-32-bytes"),  # trigger.dev's: encrypts its stored secrets
        ("BETTER_AUTH_SECRET", "dummy_better_auth_secret"),
        ("DJANGO_SECRET_KEY", "dummy-secret-key"),
        ("SENTRY_SECRET_KEY", "dummy-secret-key-for-local-mode"),
        ("APP_SECRET", "dummy_app_secret"),
    ):
        stack = f"services:\n  api:\n    image: ghcr.io/acme/api:1.4\n    environment:\n      {name}: ${{{name}:-{default}}}\n"
        assert applicability(tmp_path / name, "compose.yaml", stack) == "safe"
    for name in (  # a provider issues them
        *("STRIPE_SECRET_KEY", "SLACK_SIGNING_SECRET", "RECAPTCHA_SECRET_KEY"),
        *("FLW_ENCRYPTION_KEY", "PAYU_MERCHANT_SALT"),  # Flutterwave's and PayU's, beside their secret keys
        *("PAYUMONEY_SALT", "INSTAMOJO_PRIVATE_SALT"),  # PayUmoney's and Instamojo's, which sign a payment's hash
    ):
        provider = f"services:\n  api:\n    image: ghcr.io/acme/api:1.4\n    environment:\n      {name}: ${{{name}:-dummy-key}}\n"
        assert applicability(tmp_path / name, "compose.yaml", provider) == "unsafe"
