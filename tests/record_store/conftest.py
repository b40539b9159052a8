"""The record store's fixtures (`store`, `azurite`) live in tests/conftest.py: the cancel path's tests use them too."""
