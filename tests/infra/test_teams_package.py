"""The Teams app package the post-provision hook writes beside the Slack manifest, offline: the manifest names the
deployment's bot, its scopes and commands; the two icons are real PNGs of the sizes and colours Teams asks for."""

from __future__ import annotations

import io
import json
import struct
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from slack_app.grammar import USAGE
from tests.infra.helpers import REPO_ROOT
from tests.infra.test_postprovision import BASE, UAMI_CLIENT_ID, run_hook, sample_outputs

TEAMS_OUTPUTS = {"TEAMS_BOT_ID": UAMI_CLIENT_ID, "TEAMS_MESSAGING_ENDPOINT": f"{BASE}/api/messages"}
PACKAGE = Path(".azure") / "team-a" / "teams-app.zip"


def read_png(data: bytes) -> tuple[int, int, list[list[tuple[int, ...]]]]:
    """(width, height, RGBA rows), checking the signature, every chunk's CRC, and the header this hook writes."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks = 8, {}
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind, payload = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + payload) & 0xFFFFFFFF, kind
        chunks[kind] = chunks.get(kind, b"") + payload
        offset += 12 + length
    width, height, depth, color_type, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, color_type, interlace) == (8, 6, 0), "8-bit RGBA, not interlaced"
    raw, stride = zlib.decompress(chunks[b"IDAT"]), 1 + width * 4
    rows = []
    for y in range(height):
        line = raw[y * stride : (y + 1) * stride]
        assert line[0] == 0, "no filter"
        rows.append([tuple(line[1 + 4 * x : 5 + 4 * x]) for x in range(width)])
    assert b"IEND" in chunks
    return width, height, rows


@pytest.fixture
def package(tmp_path: Path) -> zipfile.ZipFile:
    proc = run_hook(tmp_path, {**sample_outputs("app-federated"), **TEAMS_OUTPUTS})
    assert proc.returncode == 0, proc.stderr
    assert f"Teams app package for this deployment: {PACKAGE}" in proc.stdout
    assert f"Messaging endpoint: {BASE}/api/messages" in proc.stdout
    return zipfile.ZipFile(io.BytesIO((tmp_path / PACKAGE).read_bytes()))


def test_the_package_holds_the_manifest_and_two_icons_at_its_root(package: zipfile.ZipFile) -> None:
    assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
    manifest: dict[str, Any] = json.loads(package.read("manifest.json"))
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}


def test_the_manifest_names_this_deployments_bot_scopes_and_commands(package: zipfile.ZipFile) -> None:
    manifest: dict[str, Any] = json.loads(package.read("manifest.json"))
    assert manifest["manifestVersion"] == "1.17" and manifest["$schema"].endswith("/v1.17/MicrosoftTeams.schema.json")
    assert manifest["id"] == UAMI_CLIENT_ID
    (bot,) = manifest["bots"]
    assert bot["botId"] == UAMI_CLIENT_ID, "the bot is the function app's user-assigned identity"
    assert bot["scopes"] == ["team", "personal"]
    (commands,) = bot["commandLists"]
    assert [c["title"] for c in commands["commands"]] == ["ops", "status", "cancel", "history", "help"]
    assert all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in commands["commands"])
    assert manifest["name"]["short"] == "cpp", "what a channel @mentions, as the help card says"
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["description"]["short"]) <= 80
    assert manifest["validDomains"] == [BASE.removeprefix("https://")]
    assert all(manifest["developer"][k].startswith("https://") for k in ("websiteUrl", "privacyUrl", "termsOfUseUrl"))


def test_the_command_hints_are_the_shared_grammars_usage(package: zipfile.ZipFile) -> None:
    manifest: dict[str, Any] = json.loads(package.read("manifest.json"))
    hints = {c["title"]: c["description"] for c in manifest["bots"][0]["commandLists"][0]["commands"]}
    assert {title: hint.split(": ", 1)[0] for title, hint in hints.items()} == USAGE


def test_the_icons_are_the_sizes_and_colours_teams_asks_for(package: zipfile.ZipFile) -> None:
    width, height, rows = read_png(package.read("color.png"))
    assert (width, height) == (192, 192)
    assert all(pixel[3] == 255 for row in rows for pixel in row), "full colour, opaque"
    width, height, rows = read_png(package.read("outline.png"))
    assert (width, height) == (32, 32)
    colours = {pixel for row in rows for pixel in row}
    assert colours == {(255, 255, 255, 255), (0, 0, 0, 0)}, "white on transparent, nothing else"


def test_the_package_is_the_same_on_every_run(tmp_path: Path) -> None:
    outputs = {**sample_outputs("managed-identity"), **TEAMS_OUTPUTS}
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        assert run_hook(tmp_path / run, outputs).returncode == 0
    assert (tmp_path / "a" / PACKAGE).read_bytes() == (tmp_path / "b" / PACKAGE).read_bytes()


def test_without_a_bot_no_package_is_written(tmp_path: Path) -> None:
    proc = run_hook(tmp_path, {**sample_outputs("managed-identity"), "TEAMS_BOT_ID": ""})
    assert proc.returncode == 0, proc.stderr
    assert "no bot in this deployment (teamsBotEnabled=false)" in proc.stdout
    assert not (tmp_path / PACKAGE).exists()
    assert (tmp_path / ".azure" / "team-a" / "slack-manifest.yaml").exists(), "Slack's manifest is written anyway"


def test_the_hook_stays_standard_library_only() -> None:
    hooks = REPO_ROOT / "infra" / "hooks"
    for script in ("postprovision.py", "teams_package.py"):
        imports = {
            line.split()[1].split(".")[0]
            for line in (hooks / script).read_text(encoding="utf-8").splitlines()
            if line.startswith(("import ", "from "))
        }
        assert imports - {"teams_package"} <= sys.stdlib_module_names, script
