"""Every route of the URL configuration, found by walking it, and a way to call each one.

The access tests iterate over this list rather than over a list someone keeps by hand,
so a new view is checked the moment it is routed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or the route text for an unnamed pattern
    route: str  # the full route text, for messages
    params: tuple[str, ...]
    named: bool

    @property
    def namespace(self) -> str:
        return self.key.split(":", 1)[0] if self.named and ":" in self.key else ""


def _params(pattern) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    if isinstance(pattern, RegexPattern):
        return list(pattern.regex.groupindex)
    return []


def _walk(patterns, prefix: str, namespace: str | None, params: tuple[str, ...]):
    for entry in patterns:
        here = params + tuple(_params(entry.pattern))
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns, here)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            if entry.name:
                key = f"{namespace}:{entry.name}" if namespace else entry.name
                yield Route(key=key, route=route, params=here, named=True)
            else:
                yield Route(key=route, route=route, params=here, named=False)


def all_routes() -> list[Route]:
    seen: dict[str, Route] = {}
    for route in _walk(get_resolver().url_patterns, "", None, ()):
        # The first pattern of a name is the one reverse() and the resolver reach first.
        seen.setdefault(route.key, route)
    return list(seen.values())
