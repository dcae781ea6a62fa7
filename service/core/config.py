"""Configuration from environment variables, checked at start."""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_POLICY = ROOT / "service" / "rules" / "policy.toml"
MAX_REQUEST_BODY = 1024 * 1024  # a batch of 1,000 codes is about 25 kB


class ConfigError(RuntimeError):
    """Raised at start when the configuration cannot work; says what to fix."""


def _instance_dir() -> Path:
    path = Path(os.environ.get("INSTANCE_DIR", ROOT / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_from_file(path: Path) -> str:
    """Read a generated secret, creating it on first run (never committed)."""
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def load_config(overrides: dict | None = None) -> dict:
    """Build the configuration: environment, then safe defaults, then overrides."""
    instance = _instance_dir()
    config = {
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'service.sqlite3'}"),
        "INDEX_DIR": os.environ.get("INDEX_DIR", str(ROOT / "indexes")),
        "POLICY_FILE": os.environ.get("POLICY_FILE", str(DEFAULT_POLICY)),
        "REDIS_URL": os.environ.get("REDIS_URL"),
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        # Keys the digests that match natural persons by ID number (never the number
        # itself). It must never change once data is stored; SECRET_KEY may be rotated.
        "ID_DIGEST_KEY": os.environ.get("ID_DIGEST_KEY"),
        "SEARCH_BACKEND": os.environ.get("SEARCH_BACKEND", "whoosh"),
        "INSTANCE_DIR": str(instance),
        # How many reverse proxies in front set X-Forwarded-For/-Proto/-Host (0: none).
        "TRUSTED_PROXIES": os.environ.get("TRUSTED_PROXIES", "0"),
        # The site's own address for links read elsewhere (feed, open data, reports);
        # unset: the request's Host header, which any client can forge.
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL"),
    }
    if os.environ.get("SESSION_COOKIE_SECURE"):
        config["SESSION_COOKIE_SECURE"] = os.environ["SESSION_COOKIE_SECURE"] not in ("0", "false")
    config.update(overrides or {})
    # Session cookies travel over HTTPS only; plain http is allowed for tests and local
    # development only, and only when the configuration says so.
    config.setdefault("SESSION_COOKIE_SECURE",
                      not (config.get("TESTING") or config.get("DEBUG")))
    # No request body is read past this (413); the console's file upload allows more.
    config.setdefault("MAX_CONTENT_LENGTH", MAX_REQUEST_BODY)
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _secret_from_file(Path(config["INSTANCE_DIR"]) / "secret_key")
    if not config.get("ID_DIGEST_KEY"):  # as before there was a key of its own
        config["ID_DIGEST_KEY"] = config["SECRET_KEY"]
    check_config(config)
    return config


def check_config(config: dict) -> None:
    """Refuse to start on a configuration that cannot work."""
    url = config["DATABASE_URL"]
    if not url.startswith(("sqlite:", "postgresql")):
        raise ConfigError(
            f"DATABASE_URL={url!r}: use sqlite:///path or postgresql+psycopg://user@host/db"
        )
    if url.startswith("postgresql://"):
        config["DATABASE_URL"] = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if not Path(config["POLICY_FILE"]).is_file():
        raise ConfigError(f"POLICY_FILE={config['POLICY_FILE']!r} does not exist")
    for name in ("SECRET_KEY", "ID_DIGEST_KEY"):
        if len(config[name]) < 16:
            raise ConfigError(f"{name} is too short: use at least 16 random characters")
    proxies = str(config["TRUSTED_PROXIES"])
    if not proxies.isdigit() or int(proxies) > 5:
        raise ConfigError(f"TRUSTED_PROXIES={proxies!r}: the number of reverse proxies in "
                          "front of the service, 0 to 5")
    config["TRUSTED_PROXIES"] = int(proxies)
    if config["SEARCH_BACKEND"] not in ("whoosh", "null"):
        raise ConfigError("SEARCH_BACKEND must be 'whoosh' or 'null'")
    config["PUBLIC_BASE_URL"] = public_base_url(config.get("PUBLIC_BASE_URL"))


def public_base_url(value: str | None) -> str | None:
    """`scheme://host[:port]` of PUBLIC_BASE_URL without a trailing slash, or None when unset."""
    if not value or not value.strip():
        return None
    problem = None
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018 (raises ValueError on a port that is no number)
    except ValueError as exc:
        problem = str(exc)
    else:
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problem = "it must start with http:// or https:// and name a host"
        elif parts.username is not None or parts.password is not None:
            problem = "it must not hold a user name or password"
        elif parts.path not in ("", "/") or "?" in value or "#" in value:
            problem = "it must not hold a path, query or fragment"
    if problem:
        raise ConfigError(f"PUBLIC_BASE_URL={value!r}: {problem}; write the site's public "
                          "address only, like https://credit.example.gov.cn")
    return f"{parts.scheme}://{parts.netloc.lower()}"
