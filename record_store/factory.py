"""Which record store the settings select, made once per settings object.

Precedence, most explicit first:
1. `RECORD_STORE_SQLITE` (a file path): the embedded store. The dev host sets it to its data dir when no storage
   connection is configured, so `make demo` needs nothing but Python.
2. `AzureWebJobsStorage` as a connection string (`UseDevelopmentStorage=true` under Core Tools with Azurite, or an
   account's string): Azure Tables through it.
3. `AzureWebJobsStorage__tableServiceUri` or `__accountName` (identity-based, as infra/ deploys the app): Azure
   Tables with the managed identity `AzureWebJobsStorage__clientId` (else `AZURE_CLIENT_ID`).
Nothing configured: `StoreUnavailable`, so the cancel path fails closed and says why.
"""

from __future__ import annotations

import threading
import weakref

from cppcancel.settings import Settings
from record_store.base import RecordStore, StoreUnavailable

_stores: weakref.WeakKeyDictionary[Settings, RecordStore] = weakref.WeakKeyDictionary()
_guard = threading.Lock()


def _open(settings: Settings) -> RecordStore:
    if settings.record_store_sqlite:
        from record_store.sqlite import SqliteRecordStore

        return SqliteRecordStore(settings.record_store_sqlite)
    table = settings.record_store_table
    if settings.storage_connection_string:
        from record_store.tables import TableRecordStore

        return TableRecordStore.from_connection_string(settings.storage_connection_string, table)
    endpoint = settings.storage_table_endpoint
    if endpoint:
        from azure.identity import ManagedIdentityCredential

        from record_store.tables import TableRecordStore

        credential = ManagedIdentityCredential(client_id=settings.storage_client_id)
        return TableRecordStore.from_endpoint(endpoint, credential, table)
    raise StoreUnavailable(
        "no record store is configured (RECORD_STORE_SQLITE, AzureWebJobsStorage or AzureWebJobsStorage__accountName)"
    )


def record_store(settings: Settings) -> RecordStore:
    """The store for these settings (one per settings object: its connections are reused by every activity)."""
    with _guard:
        store = _stores.get(settings)
        if store is None:
            store = _open(settings)
            _stores[settings] = store
        return store
