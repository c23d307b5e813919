"""Verified mail domains: which are acceptable, and whether an address is on one.

An organization's domain approves its staff at once, so a domain anyone can get an
address on must never be one: public mail providers (gmail.com, yahoo.co.jp …) and
public suffixes (lg.jp, co.jp, saitama.jp: thousands of organizations share them) are
refused. The Public Suffix List comes from the `publicsuffixlist` package (shipped
with it: no download at run time).
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.utils.translation import gettext as _

from accounts.normalize import nfkc

# Free and carrier mail where anyone can open an address. Not exhaustive: the Public
# Suffix List check below catches shared zones; this list catches the big providers.
PUBLIC_PROVIDERS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.co.jp",
        "ymail.ne.jp",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "outlook.jp",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.jp",
        "live.jp",
        "live.com",
        "msn.com",
        "aol.com",
        "aol.jp",
        "protonmail.com",
        "proton.me",
        "gmx.com",
        "mail.com",
        "zoho.com",
        "yandex.com",
        "docomo.ne.jp",
        "ezweb.ne.jp",
        "au.com",
        "softbank.ne.jp",
        "i.softbank.jp",
        "disney.ne.jp",
        "ymobile.ne.jp",
        "rakuten.jp",
        "nifty.com",
        "biglobe.ne.jp",
        "so-net.ne.jp",
        "ocn.ne.jp",
        "excite.co.jp",
        "infoseek.jp",
        "livedoor.com",
        "goo.jp",
        "example.com",
        "example.jp",
    }
)

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class DomainError(ValueError):
    """A domain that cannot be verified for an organization; str() is for people."""


@lru_cache(maxsize=1)
def _psl():
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def normalize(value: str) -> str:
    """`＠City.Soka.Saitama.JP.` → `city.soka.saitama.jp` (IDN as punycode)."""
    text = nfkc(value or "").strip().lower().lstrip("@").rstrip(".")
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    try:
        return text.encode("idna").decode("ascii") if text else ""
    except UnicodeError:
        return text


def clean(value: str) -> str:
    """The normalised domain, or DomainError with a message for the person."""
    domain = normalize(value)
    labels = domain.split(".")
    if not domain or len(domain) > 253 or len(labels) < 2 or not all(_LABEL.match(part) for part in labels):
        raise DomainError(_("Enter a mail domain such as city.soka.saitama.jp."))
    if is_public_provider(domain):
        raise DomainError(
            _(
                "%(domain)s is a public mail service where anyone can open an address; it cannot approve members."
            )
            % {"domain": domain}
        )
    if _psl().is_public(domain):
        raise DomainError(
            _(
                "%(domain)s is shared by many organizations; enter your organization's own domain (e.g. city.soka.saitama.jp)."
            )
            % {"domain": domain}
        )
    return domain


def is_public_provider(domain: str) -> bool:
    domain = normalize(domain)
    return any(domain == p or domain.endswith("." + p) for p in PUBLIC_PROVIDERS)


def email_domain(email: str) -> str:
    return normalize(email.rsplit("@", 1)[1]) if "@" in (email or "") else ""


def covers(domain: str, email: str) -> bool:
    """Whether the address is on the domain or one of its subdomains."""
    host = email_domain(email)
    return bool(host) and (host == domain or host.endswith("." + domain))
