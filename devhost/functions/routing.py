"""HTTP trigger route templates, matched the way the Functions host (ASP.NET Core routing) matches them.

The app declares its routes once, on the decorators; the dev host reads them from `get_function_json()` and matches
requests itself, so there is no second list of routes to keep in sync. Supported template syntax - the subset the
Functions documentation shows for HTTP triggers: literal segments (case-insensitive), `{name}`, optional `{name?}`,
constrained `{name:int}` / `{name:alpha}` / `{name:guid}` / `{name:bool}`, and catch-all `{*name}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

_PARAM = re.compile(r"\{(\*?)([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+)(?:\([^)]*\))?)?(\?)?\}")
_CONSTRAINTS = {
    "int": r"-?\d+",
    "long": r"-?\d+",
    "alpha": r"[A-Za-z]+",
    "bool": r"(?i:true|false)",
    "guid": r"[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}",
}


class RouteTemplateError(ValueError):
    """The template uses syntax the dev host does not understand; the message names the template."""


@dataclass(frozen=True)
class RouteTemplate:
    """A compiled route template; `match(path)` returns the route parameters or None."""

    template: str
    pattern: re.Pattern[str] = field(repr=False, compare=False)
    names: tuple[str, ...] = field(compare=False)
    literal_segments: int = field(compare=False)

    @classmethod
    def parse(cls, template: str) -> RouteTemplate:
        text = template.strip().strip("/")
        parts: list[str] = []
        names: list[str] = []
        literals = 0
        for segment in text.split("/") if text else []:
            whole = _PARAM.fullmatch(segment)
            if whole and (whole.group(1) or whole.group(4)):
                # Optional and catch-all segments may be absent, slash included.
                name = whole.group(2)
                body = ".*" if whole.group(1) else _constraint(whole.group(3), template)
                parts.append(f"(?:/(?P<g{len(names)}>{body}))?")
                names.append(name)
                continue
            regex, pos, names_before = "", 0, len(names)
            for param in _PARAM.finditer(segment):
                if param.group(1) or param.group(4):
                    raise RouteTemplateError(f"route {template!r}: '{param.group(0)}' must be a whole segment")
                regex += re.escape(segment[pos : param.start()])
                regex += f"(?P<g{len(names)}>{_constraint(param.group(3), template)})"
                names.append(param.group(2))
                pos = param.end()
            if "{" in segment[pos:] or "}" in segment[pos:]:
                raise RouteTemplateError(f"route {template!r}: cannot parse segment {segment!r}")
            regex += re.escape(segment[pos:])
            literals += len(names) == names_before
            parts.append("/" + regex)
        pattern = re.compile("^" + "".join(parts) + "/?$", re.IGNORECASE)
        return cls(template=template, pattern=pattern, names=tuple(names), literal_segments=literals)

    def match(self, path: str) -> dict[str, str] | None:
        """`path` is the part after the route prefix, e.g. `/slack/commands` (leading slash optional)."""
        found = self.pattern.match("/" + path.strip("/") if path.strip("/") else "")
        if found is None:
            return None
        params: dict[str, str] = {}
        for index, name in enumerate(self.names):
            value = found.group(f"g{index}")
            if value is not None:
                params[name] = unquote(value)
        return params

    @property
    def specificity(self) -> tuple[int, int]:
        """More literal segments first, then fewer parameters: `items/new` wins over `items/{id}`."""
        return (self.literal_segments, -len(self.names))


def _constraint(name: str | None, template: str) -> str:
    if name is None:
        return r"[^/]+"
    try:
        return _CONSTRAINTS[name.lower()]
    except KeyError:
        raise RouteTemplateError(f"route {template!r}: unsupported constraint ':{name}'") from None
