"""The Microsoft Teams app package of a deployment: manifest.json and two icons, zipped; offline, standard library.

A team uploads the zip in Teams (Apps > Manage your apps > Upload an app; or its admin publishes it to the org's
catalog, docs/deploy.md). The manifest names the Azure Bot by its app ID (`bots[].botId`: the function app's
user-assigned identity, which the bot is), in the `team` and `personal` scopes, with the command list Teams shows as
hints. `name.short` is what people @mention in a channel ("@cpp ..."). The icons are drawn here pixel by pixel and
written as PNG with zlib and struct (Teams asks for a 192x192 full-colour icon and a 32x32 outline icon in white on
transparent), so that nothing is fetched and the package is the same on every run (fixed zip timestamps).
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from collections.abc import Callable
from urllib.parse import urlsplit

MANIFEST_VERSION = "1.17"
SCHEMA = f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
APP_VERSION = "1.0.0"
SHORT_NAME = "cpp"  # the @mention in a channel, and the prefix of every command hint
ACCENT = (0x00, 0x78, 0xD4)  # #0078D4
COLOR_ICON, OUTLINE_ICON = "color.png", "outline.png"
# The commands of the shared grammar (slack_app/grammar.py USAGE; a test keeps them equal), with what each does.
COMMANDS = (
    ("ops", "ops <publisher> <offer>", "recent and in-flight operations of an offer"),
    (
        "status",
        "status <publisher> <offer> [job=<jobId> | submission=<submissionId>]",
        "the latest operation (a job, a submission) and its steps",
    ),
    (
        "cancel",
        "cancel <publisher> <offer> [notify=a@x.com,b@x.com] [job=<jobId> | submission=<submissionId>]",
        "asks to confirm, then cancels",
    ),
    ("history", "history <publisher> <offer>", "the last 10 cancel attempts from the app's own record"),
    ("help", "help", "usage, with examples"),
)
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)

Pixel = tuple[int, int, int, int]


def png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """An 8-bit RGBA PNG (colour type 6, no interlace) of `pixel(x, y)`."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes(v for x in range(width) for v in pixel(x, y)) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def _inside(x: int, y: int, low: int, high: int) -> bool:
    return low <= x < high and low <= y < high


def color_icon() -> bytes:
    """192x192: a white "stop" square in the middle of the 96x96 safe area, on the accent colour."""
    return png(192, 192, lambda x, y: (255, 255, 255, 255) if _inside(x, y, 64, 128) else (*ACCENT, 255))


def outline_icon() -> bytes:
    """32x32, white on transparent only: a square frame around a filled "stop" square."""

    def pixel(x: int, y: int) -> Pixel:
        frame = _inside(x, y, 3, 29) and not _inside(x, y, 6, 26)
        return (255, 255, 255, 255) if frame or _inside(x, y, 11, 21) else (0, 0, 0, 0)

    return png(32, 32, pixel)


def manifest(bot_id: str, base_url: str, env_name: str) -> dict[str, object]:
    """The app manifest for this deployment's bot; the developer URLs are the app's own (a team may change them)."""
    host = urlsplit(base_url).hostname
    if not bot_id or not host or not base_url.startswith("https://"):
        raise ValueError("the Teams app package needs the bot ID and the app's https:// base URL")
    scopes = ["team", "personal"]
    commands = [{"title": title, "description": f"{usage}: {what}"} for title, usage, what in COMMANDS]
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": APP_VERSION,
        "id": bot_id,
        "developer": {
            "name": f"cppcancel ({env_name})"[:32],
            "websiteUrl": base_url,
            "privacyUrl": base_url,
            "termsOfUseUrl": base_url,
        },
        "name": {"short": SHORT_NAME, "full": "cppcancel: stop an Azure Marketplace publish"},
        "description": {
            "short": "Stop an Azure Marketplace publish, safely, by the right person.",
            "full": (
                "Cancels a Cloud Partner Portal publish or a Product Ingestion configure job after a permitted person "
                "confirms, and keeps one card up to date until the cancel has ended. Every attempt is audited."
            ),
        },
        "icons": {"color": COLOR_ICON, "outline": OUTLINE_ICON},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": bot_id,
                "scopes": scopes,
                "isNotificationOnly": False,
                "supportsFiles": False,
                "commandLists": [
                    {
                        "scopes": scopes,
                        "commands": commands,
                    }
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host],
    }


def package(bot_id: str, base_url: str, env_name: str) -> bytes:
    """The zip: manifest.json and the two icons at its root."""
    files = {
        "manifest.json": json.dumps(manifest(bot_id, base_url, env_name), indent=2).encode("utf-8"),
        COLOR_ICON: color_icon(),
        OUTLINE_ICON: outline_icon(),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=_FIXED_TIME), data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
