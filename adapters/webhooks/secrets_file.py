"""The webhook secrets file: one shared secret, or a list of them, per provider.

The file is YAML or JSON (JSON is a subset of YAML), for example::

    shopify: "shpss_..."            # the app's client secret
    woocommerce: ["new", "old"]     # a list accepts any of its secrets (rotation)
    easypost: "..."
    ups: "..."
    shippo: "..."

Providers without an entry are not served: their route responds 404.
"""

import os
import stat
from pathlib import Path

import structlog
import yaml

from adapters.webhooks.headers import PROVIDERS
from canonical.errors import ScmflowError

log = structlog.get_logger("scmflow.webhooks")

SECRETS_FILE_VARIABLE = "SCMFLOW_WEBHOOK_SECRETS_FILE"


class SecretsFileError(ScmflowError):
    """The secrets file is missing, unreadable or malformed. The server does not start."""


def secrets_path_from_environment() -> Path | None:
    value = os.environ.get(SECRETS_FILE_VARIABLE, "").strip()
    return Path(value) if value else None


def load_secrets(path: Path) -> dict[str, tuple[str, ...]]:
    """Read the secrets file and return each configured provider's secrets.

    Raises SecretsFileError for an unreadable file, an unknown provider name
    or a secret that is not a non-empty string. Error messages name the
    provider, never the secret.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SecretsFileError(f"cannot read webhook secrets file {path}: {exc.strerror}") from exc
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        # The parser's message may quote a line of the file, and so a secret.
        raise SecretsFileError(
            f"webhook secrets file {path} is not valid YAML or JSON "
            f"(parser error {type(exc).__name__})"
        ) from None
    if not isinstance(document, dict):
        raise SecretsFileError(
            f"webhook secrets file {path} must map provider names to secrets, "
            f"such as 'shopify: \"...\"'"
        )

    secrets: dict[str, tuple[str, ...]] = {}
    for provider, value in document.items():
        if provider not in PROVIDERS:
            raise SecretsFileError(
                f"webhook secrets file {path} names the unknown provider {provider!r}; "
                f"expected some of: {', '.join(PROVIDERS)}"
            )
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(item, str) and item for item in values):
            raise SecretsFileError(
                f"webhook secrets file {path}: the secret of {provider} must be a non-empty "
                f"string or a list of non-empty strings"
            )
        secrets[provider] = tuple(values)
    _warn_if_readable_by_others(path)
    return secrets


def _warn_if_readable_by_others(path: Path) -> None:
    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning(
            "webhook_secrets_file_permissions_open",
            path=str(path),
            mode=oct(stat.S_IMODE(mode)),
            advice="restrict the file to its owner, such as chmod 600",
        )
