"""Route templates match like the Functions host's: parameters, optional and catch-all segments, constraints."""

from __future__ import annotations

import pytest

from devhost.functions.routing import RouteTemplate, RouteTemplateError


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        ("slack/commands", "/slack/commands", {}),
        ("slack/commands", "SLACK/Commands/", {}),
        ("items/{item_id}", "/items/42", {"item_id": "42"}),
        ("items/{item_id}", "/items/a%20b", {"item_id": "a b"}),
        ("items/{item_id}", "/items/a%2Fb", {"item_id": "a/b"}),
        ("items/{item_id}", "/items", None),
        ("items/{item_id}", "/items/1/2", None),
        ("a/{b?}", "/a", {}),
        ("a/{b?}", "/a/x", {"b": "x"}),
        ("files/{*rest}", "/files/x/y/z", {"rest": "x/y/z"}),
        ("n/{id:int}", "/n/12", {"id": "12"}),
        ("n/{id:int}", "/n/x", None),
        ("reports/{name}.json", "/reports/q3.json", {"name": "q3"}),
        ("", "/", {}),
    ],
)
def test_match(template: str, path: str, expected: dict[str, str] | None) -> None:
    assert RouteTemplate.parse(template).match(path) == expected


def test_literal_routes_are_more_specific_than_parameters() -> None:
    literal, param = RouteTemplate.parse("items/new"), RouteTemplate.parse("items/{id}")
    assert literal.specificity > param.specificity


@pytest.mark.parametrize("template", ["x/{id:regexish}", "x/pre{rest?}", "x/{id"])
def test_unsupported_templates_are_refused_with_the_template_named(template: str) -> None:
    with pytest.raises(RouteTemplateError, match="route"):
        RouteTemplate.parse(template)
