"""The Product Ingestion settings: documented defaults, and the two APIs' tokens kept on different origins."""

from __future__ import annotations

import pytest

from cppcancel.settings import SettingsError, load_settings


def test_the_defaults_are_the_documented_ones() -> None:
    settings = load_settings({})
    assert settings.ingestion_base_url == "https://graph.microsoft.com/rp/product-ingestion"
    assert settings.ingestion_api_version == "2022-03-01-preview2"
    assert settings.ingestion_token_scope == "https://graph.microsoft.com/.default"
    assert settings.ingestion_access_token is None


def test_the_static_token_is_kept_out_of_repr() -> None:
    settings = load_settings({"INGESTION_ACCESS_TOKEN": "secret-ingestion-token"})
    assert settings.ingestion_access_token == "secret-ingestion-token"
    assert "secret-ingestion-token" not in repr(settings)


@pytest.mark.parametrize(
    ("cpp", "ingestion"),
    [
        ("https://cloudpartner.azure.com", "https://cloudpartner.azure.com/rp/product-ingestion"),
        ("http://127.0.0.1:8081", "http://127.0.0.1:8081/rp/product-ingestion"),
        ("https://gateway.example", "https://GATEWAY.example:443/ingest"),
    ],
)
def test_one_origin_for_both_apis_is_refused(cpp: str, ingestion: str) -> None:
    with pytest.raises(SettingsError, match="different origins"):
        load_settings({"CPP_BASE_URL": cpp, "INGESTION_BASE_URL": ingestion})


def test_plain_http_is_refused_off_loopback() -> None:
    with pytest.raises(SettingsError, match="INGESTION_BASE_URL may use plain http"):
        load_settings({"INGESTION_BASE_URL": "http://graph.example/rp/product-ingestion"})
