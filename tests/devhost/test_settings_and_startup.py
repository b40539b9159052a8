"""Settings like Core Tools (environment first, then local.settings.json), emulators only where nothing is configured,
and a start-up that fails cleanly."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func
import pytest

from devhost.emulators import STANDIN_BOT_TOKEN, start_emulators
from devhost.functions.host import FunctionKind, index_app
from devhost.functions.loader import AppLoadError
from devhost.functions.settings import (
    SettingsFileError,
    apply_local_settings,
    session_signing_secret,
)
from devhost.host import DevHost, DevHostOptions
from devhost.standins.slack.client import resolve_signing_secret
from tests.devhost.conftest import FIXTURE_APP, UNREACHABLE_CPP, free_port


def _settings_file(directory: Path, values: dict[str, object], **extra: object) -> Path:
    path = directory / "local.settings.json"
    path.write_text(json.dumps({"IsEncrypted": False, "Values": values, **extra}))
    return path


def test_the_environment_wins_and_empty_values_count_as_unset(tmp_path: Path) -> None:
    _settings_file(
        tmp_path,
        {"A_SET": "from file", "B_UNSET": "from file", "C_EMPTY": "", "D_EMPTY_ENV": "from file", "N": 5},
        Host={"LocalHttpPort": 7999},
    )
    environ = {"A_SET": "from env", "D_EMPTY_ENV": "  "}
    source = apply_local_settings(environ, [tmp_path])
    assert environ == {"A_SET": "from env", "B_UNSET": "from file", "D_EMPTY_ENV": "from file", "N": "5"}
    assert sorted(source.applied) == ["B_UNSET", "D_EMPTY_ENV", "N"]
    assert source.overridden_by_env == ["A_SET"]
    assert source.local_http_port == 7999


def test_the_first_file_found_is_used_and_none_is_fine(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    _settings_file(second, {"X": "second"})
    environ: dict[str, str] = {}
    assert apply_local_settings(environ, [first, second]).path == (second / "local.settings.json").resolve()
    assert apply_local_settings({}, [first]).path is None
    assert apply_local_settings({}, [second], use_file=False).path is None


def test_unusable_files_are_refused_with_the_reason(tmp_path: Path) -> None:
    _settings_file(tmp_path, {}, IsEncrypted=True)
    with pytest.raises(SettingsFileError, match="encrypted"):
        apply_local_settings({}, [tmp_path])
    (tmp_path / "local.settings.json").write_text("{not json")
    with pytest.raises(SettingsFileError, match="not readable JSON"):
        apply_local_settings({}, [tmp_path])


def test_the_generated_signing_secret_is_private_and_stable(tmp_path: Path) -> None:
    secret = session_signing_secret(tmp_path)
    assert secret == session_signing_secret(tmp_path)
    assert stat.S_IMODE((tmp_path / "slack-signing-secret").stat().st_mode) == 0o600


def test_the_slash_command_finds_the_signing_secret_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    # not the developer's own settings
    monkeypatch.setattr("devhost.standins.slack.client.REPO_ROOT", tmp_path / "repo")
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    data = tmp_path / "data"
    assert resolve_signing_secret(None, data) is None
    generated = session_signing_secret(data)
    assert resolve_signing_secret(None, data) == generated
    _settings_file(tmp_path, {"SLACK_SIGNING_SECRET": "from-file"})
    assert resolve_signing_secret(None, data) == "from-file"
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "from-env")
    assert resolve_signing_secret(None, data) == "from-env"
    assert resolve_signing_secret("explicit", data) == "explicit"


def test_emulators_start_only_for_what_is_not_configured(tmp_path: Path) -> None:
    configured = {"CPP_BASE_URL": "https://cpp.example", "SLACK_API_BASE_URL": "https://slack.example/api/"}
    nothing = start_emulators(configured, data_dir=tmp_path)
    nothing.stop()  # the API stand-ins it started for the settings left unset
    assert (nothing.cpp, nothing.slack) == (None, None)
    assert configured["SLACK_SIGNING_SECRET"].startswith("local-") and nothing.signing_secret_generated

    environ = {"CPP_BASE_URL": UNREACHABLE_CPP, "SLACK_SIGNING_SECRET": "set"}
    standin = start_emulators(environ, data_dir=tmp_path)
    try:
        assert standin.slack is not None and environ["SLACK_API_BASE_URL"] == standin.slack.base_url
        assert environ["SLACK_BOT_TOKEN"] == STANDIN_BOT_TOKEN and standin.bot_token_dummy
        assert environ["SLACK_SIGNING_SECRET"] == "set" and not standin.signing_secret_generated
    finally:
        standin.stop()


def test_the_submission_api_stand_in_is_embedded_only_when_its_base_url_is_unset(tmp_path: Path) -> None:
    base = {"CPP_BASE_URL": UNREACHABLE_CPP, "SLACK_API_BASE_URL": "https://slack.example/api/"}
    environ = dict(base)
    embedded = start_emulators(environ, data_dir=tmp_path)
    try:
        assert embedded.submission is not None
        assert environ["SUBMISSION_API_BASE_URL"] == embedded.submission.base_url
        assert environ["SUBMISSION_API_BASE_URL"].endswith("/v1.0/ingestion")
        assert environ["SUBMISSION_API_ACCESS_TOKEN"] == embedded.submission.token
        assert "SUBMISSION_API_PUBLISHERS" not in environ, "deny by default: the dev host lists no publisher"
    finally:
        embedded.stop()
    configured = base | {"SUBMISSION_API_BASE_URL": "https://api.partner.microsoft.com/v1.0/ingestion"}
    real = start_emulators(configured, data_dir=tmp_path)
    try:
        assert real.submission is None and "SUBMISSION_API_ACCESS_TOKEN" not in configured
    finally:
        real.stop()


def test_an_app_indexed_elsewhere_in_the_process_can_still_be_served() -> None:
    app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.route(route="ping/{who}")
    def ping(req: func.HttpRequest) -> str:
        return "pong"

    app.get_functions()  # e.g. a test fixture got there first; a second call would raise
    [indexed] = index_app(app)
    assert (indexed.name, indexed.kind, indexed.http.route.template if indexed.http else None) == (
        "ping",
        FunctionKind.HTTP,
        "ping/{who}",
    )
    assert index_app(app) == (indexed,)


def test_a_failed_start_releases_the_port_and_the_data_dir(tmp_path: Path, saved_environ: None) -> None:
    os.environ["CPP_BASE_URL"] = UNREACHABLE_CPP
    port = free_port()
    options = DevHostOptions(app="no_such_module:app", port=port, data_dir=tmp_path, use_local_settings=False)
    with pytest.raises(AppLoadError, match="no_such_module"):
        DevHost(options).start()
    options.app = FIXTURE_APP
    with DevHost(options) as host:  # same port, same data dir: both were released
        assert host.port == port
