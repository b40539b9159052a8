"""Real HTTP in, `azure.functions.HttpRequest` to the function, its `HttpResponse` back out - as on Azure."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlencode

from devhost.host import DevHost
from tests.devhost.conftest import fetch


def test_route_params_query_headers_and_body_reach_the_function(fixture_host: DevHost) -> None:
    answer = fetch(
        "POST",
        f"{fixture_host.origin}/api/echo/a%20b?x=1&y=",
        body=b"raw body",
        headers={"X-Probe": "yes", "Content-Type": "text/plain"},
    )
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("application/json")
    echoed = answer.json()
    assert echoed["method"] == "POST"
    assert echoed["route"] == {"item_id": "a b"}
    assert echoed["params"] == {"x": "1", "y": ""}
    assert echoed["probe"] == "yes"
    assert echoed["body"] == "raw body"
    assert echoed["url"] == f"{fixture_host.origin}/api/echo/a%20b?x=1&y="


def test_form_bodies_parse_like_slack_posts_them(fixture_host: DevHost) -> None:
    form = urlencode({"command": "/cpp", "text": "ops contoso x"})
    answer = fetch(
        "POST",
        f"{fixture_host.origin}/api/echo/form",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.json()["form"] == {"command": "/cpp", "text": "ops contoso x"}


def test_a_plain_string_return_is_text_plain(fixture_host: DevHost) -> None:
    answer = fetch("GET", f"{fixture_host.origin}/api/text")
    assert (answer.status, answer.body) == (200, b"plain text")
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"


def test_a_function_that_raises_is_a_500_without_its_details(fixture_host: DevHost) -> None:
    answer = fetch("GET", f"{fixture_host.origin}/api/boom")
    assert answer.status == 500
    error = answer.json()["error"]
    assert error["code"] == "internal" and "Functions.boom" in error["message"]
    assert b"internal detail" not in answer.body


def test_unknown_routes_and_wrong_methods_are_json_404s(fixture_host: DevHost) -> None:
    missing = fetch("GET", f"{fixture_host.origin}/api/nothing/here")
    assert missing.status == 404 and missing.json()["error"]["code"] == "not_found"
    wrong_method = fetch("DELETE", f"{fixture_host.origin}/api/echo/1")
    assert wrong_method.status == 404
    assert "GET, POST" in wrong_method.json()["error"]["message"]
    outside = fetch("GET", f"{fixture_host.origin}/elsewhere")
    assert outside.status == 404


def test_bodies_over_the_limit_are_refused_with_413(fixture_host: DevHost) -> None:
    answer = fetch("POST", f"{fixture_host.origin}/api/echo/big", body=b"x" * (1024 * 1024 + 1))
    assert answer.status == 413
    assert answer.json()["error"]["code"] == "payload_too_large"


def test_chunked_uploads_are_read(fixture_host: DevHost) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", fixture_host.port, timeout=10)
    connection.request("POST", "/api/echo/chunked", body=iter([b"part one, ", b"part two"]), encode_chunked=True)
    answer = connection.getresponse()
    assert answer.status == 200
    assert json.loads(answer.read())["body"] == "part one, part two"
    connection.close()


def test_host_status_and_info_endpoints(fixture_host: DevHost) -> None:
    assert fetch("GET", f"{fixture_host.origin}/admin/host/status").json()["state"] == "Running"
    info = fetch("GET", f"{fixture_host.origin}/admin/devhost/info").json()
    routes = {f["name"]: f.get("route") for f in info["functions"]}
    assert routes["echo"] == "echo/{item_id}" and routes["tour"] is None
    assert info["slackStandIn"].endswith("/api/")
    assert "secret" not in json.dumps(info).lower()
