"""Typed readers for environment variables.

Every knob of the platform comes from the environment. A value that is present but
malformed must stop the process at start-up with a message naming the variable, so
an operator never runs production on a silently-defaulted setting.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import parse_qs, unquote, urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_UNSET = object()


class Env:
    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def _raw(self, name: str, default: object) -> str | object:
        value = self.environ.get(name)
        if value is None:
            if default is _UNSET:
                raise ImproperlyConfigured(f"Set the environment variable {name}.")
            return default
        return value.strip()

    def str(self, name: str, default: object = _UNSET) -> str:
        return self._raw(name, default)  # type: ignore[return-value]

    def bool(self, name: str, default: object = _UNSET) -> bool:
        value = self._raw(name, default)
        if isinstance(value, bool):
            return value
        lowered = str(value).lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off."
        )

    def int(self, name: str, default: object = _UNSET, *, minimum: int | None = None) -> int:
        value = self._raw(name, default)
        if isinstance(value, int):
            number = value
        else:
            try:
                number = int(str(value))
            except ValueError:
                raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None
        if minimum is not None and number < minimum:
            raise ImproperlyConfigured(f"{name}={number} must be at least {minimum}.")
        return number

    def float(self, name: str, default: object = _UNSET, *, above: float | None = None) -> float:
        value = self._raw(name, default)
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ImproperlyConfigured(f"{name}={value!r} is not a number.") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ImproperlyConfigured(f"{name}={value!r} is not a finite number.")
        if above is not None and number <= above:
            raise ImproperlyConfigured(f"{name}={number:g} must be greater than {above:g}.")
        return number

    def list(self, name: str, default: object = _UNSET) -> list[str]:
        value = self._raw(name, default)
        if isinstance(value, list):
            return value
        return [item.strip() for item in str(value).split(",") if item.strip()]

    def url(self, name: str, default: object = _UNSET, *, schemes: tuple[str, ...]) -> str:
        value = self._raw(name, default)
        scheme = urlsplit(str(value)).scheme
        if scheme not in schemes:
            raise ImproperlyConfigured(
                f"{name}={value!r} must start with one of: {', '.join(s + '://' for s in schemes)}"
            )
        return str(value)


def email_settings(url: str, *, base_dir: os.PathLike | str) -> dict[str, object]:
    """Translate EMAIL_URL into Django's EMAIL_* settings.

    file:///abs/dir or file://relative/dir  each message written as one .eml file
    smtp://user:pass@host:25, smtp+tls://…:587 (STARTTLS), smtp+ssl://…:465
    console://, memory://  for development and tests
    """
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme == "file":
        path = unquote(parts.netloc + parts.path) or "var/mail"
        if not os.path.isabs(path):
            path = os.path.join(base_dir, path)
        return {"EMAIL_BACKEND": "core.mail.EmlFileBackend", "EMAIL_FILE_PATH": path}
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "memory":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme in {"smtp", "smtp+tls", "smtp+ssl"}:
        if not parts.hostname:
            raise ImproperlyConfigured(f"EMAIL_URL={url!r} names no host.")
        config = environ.Env.email_url_config(url)
        config.pop("EMAIL_FILE_PATH", None)
        config["EMAIL_HOST_USER"] = config.get("EMAIL_HOST_USER") or ""
        config["EMAIL_HOST_PASSWORD"] = config.get("EMAIL_HOST_PASSWORD") or ""
        config["EMAIL_PORT"] = (
            config.get("EMAIL_PORT") or {"smtp": 25, "smtp+tls": 587, "smtp+ssl": 465}[scheme]
        )
        config["EMAIL_USE_TLS"] = scheme == "smtp+tls"
        config["EMAIL_USE_SSL"] = scheme == "smtp+ssl"
        config["EMAIL_TIMEOUT"] = int(parse_qs(parts.query).get("timeout", ["10"])[0])
        config["EMAIL_BACKEND"] = "core.mail.SmtpBackend"
        return config
    raise ImproperlyConfigured(
        f"EMAIL_URL={url!r}: use file://, smtp://, smtp+tls://, smtp+ssl://, console:// or memory://"
    )


def database_settings(url: str, *, base_dir: os.PathLike | str) -> dict[str, object]:
    """DATABASE_URL through django-environ's parser, plus the options we rely on."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        path = unquote(urlsplit(url).netloc + urlsplit(url).path)
        if not os.path.isabs(path):
            path = os.path.join(base_dir, path)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            # IMMEDIATE makes SQLite take the write lock when a transaction starts, so
            # the read-modify-write sections that lock a row on PostgreSQL stay
            # serialised on the embedded default too.
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    if scheme in {"postgres", "postgresql", "pgsql"}:
        config = environ.Env.db_url_config(url)
        if not config.get("NAME"):
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} names no database.")
        config.update({"CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True})
        return config
    raise ImproperlyConfigured(f"DATABASE_URL={url!r}: use sqlite:///path or postgres://user@host:5432/name")
