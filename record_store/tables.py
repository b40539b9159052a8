"""The Azure backend: Azure Table Storage in the function app's own storage account, through azure-data-tables.

In Azure the app reaches the account the way the Functions host does (`AzureWebJobsStorage__accountName` /
`__tableServiceUri`, `__credential=managedidentity`, `__clientId`): a `ManagedIdentityCredential` of the app's
user-assigned identity, which holds Storage Table Data Contributor there. Under Core Tools with Azurite
(`AzureWebJobsStorage=UseDevelopmentStorage=true`) or any other connection string, the connection string is used.

Conditional writes are the service's own: `create_entity` fails with 409 when the key exists, and `update_entity` /
`delete_entity` with `If-Match: <ETag>` fail with 412 when the entity changed. Several writes to one partition go
in one entity-group transaction (`submit_transaction`: one PartitionKey, at most 100 operations, all or nothing;
the operation that failed answers 409, 412 or 404 and nothing is applied). Nothing else is relied upon.
The table is created on first use (the Bicep creates it too), so a fresh account works.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.data.tables import TableClient, TableServiceClient, TableTransactionError, UpdateMode

from record_store.base import Entity, RecordStore, StoreUnavailable
from record_store.primitives import Delete, Insert, Put, Write, checked

log = logging.getLogger(__name__)
_KEYS = ("PartitionKey", "RowKey")
TIMEOUT_S = 5  # per request: a slow store must fail closed quickly, not hold a cancel up
# azure-core's retry policy (throttling, 5xx, dropped connections), kept short for the same reason.
CLIENT_OPTIONS: dict[str, Any] = {
    "connection_timeout": TIMEOUT_S,
    "read_timeout": TIMEOUT_S,
    "retry_total": 2,
    "retry_backoff_factor": 0.4,
}


def _payload(partition: str, row: str, entity: Entity) -> dict[str, Any]:
    return {"PartitionKey": partition, "RowKey": row, **entity}


def _unavailable(exc: AzureError, what: str) -> StoreUnavailable:
    status = getattr(exc, "status_code", None)
    code = getattr(exc, "error_code", None)
    return StoreUnavailable(f"Azure Table Storage {what} failed ({status or type(exc).__name__} {code or ''})".strip())


def _operation(partition: str, write: Write) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """One write as `submit_transaction` takes it (operation name, entity, its keyword arguments)."""
    if isinstance(write, Delete):
        return "delete", _payload(partition, write.row, {}), _if_match(write.version)
    payload = _payload(partition, write.row, write.entity)
    if isinstance(write, Insert):
        return "create", payload, {}
    if isinstance(write, Put):
        return "upsert", payload, {"mode": UpdateMode.REPLACE}
    return "update", payload, {"mode": UpdateMode.REPLACE, **_if_match(write.version)}


def _if_match(version: str) -> dict[str, Any]:
    return {"etag": version, "match_condition": MatchConditions.IfNotModified}


class TableRecordStore(RecordStore):
    def __init__(self, service: TableServiceClient, table_name: str) -> None:
        self._service = service
        self._name = table_name
        self._table: TableClient | None = None

    @classmethod
    def from_connection_string(cls, connection_string: str, table_name: str) -> TableRecordStore:
        return cls(TableServiceClient.from_connection_string(connection_string, **CLIENT_OPTIONS), table_name)

    @classmethod
    def from_endpoint(cls, endpoint: str, credential: Any, table_name: str) -> TableRecordStore:
        return cls(
            TableServiceClient(endpoint, credential=credential, **CLIENT_OPTIONS),
            table_name,
        )

    def _client(self) -> TableClient:
        if self._table is None:
            try:
                self._table = self._service.create_table_if_not_exists(self._name)
            except AzureError as exc:
                raise _unavailable(exc, f"creating the table {self._name}") from exc
        return self._table

    def _insert(self, partition: str, row: str, entity: Entity) -> bool:
        try:
            self._client().create_entity(_payload(partition, row, entity))
        except ResourceExistsError:
            return False
        except AzureError as exc:
            raise _unavailable(exc, "an insert") from exc
        return True

    def _read(self, partition: str, row: str) -> tuple[Entity, str] | None:
        try:
            found = self._client().get_entity(partition, row)
        except ResourceNotFoundError:
            return None
        except AzureError as exc:
            raise _unavailable(exc, "a read") from exc
        body = {k: v for k, v in found.items() if k not in _KEYS}
        return body, str(found.metadata["etag"])

    def _conditional(self, write: Callable[[], object], what: str) -> bool:
        """A write conditional on an ETag: False when the entity changed or is gone (412/404), else done."""
        try:
            write()
        except (ResourceModifiedError, ResourceNotFoundError):
            return False
        except HttpResponseError as exc:
            if exc.status_code == 412:
                return False
            raise _unavailable(exc, what) from exc
        except AzureError as exc:
            raise _unavailable(exc, what) from exc
        return True

    def _replace(self, partition: str, row: str, entity: Entity, version: str) -> bool:
        return self._conditional(
            lambda: self._client().update_entity(
                _payload(partition, row, entity), mode=UpdateMode.REPLACE, **_if_match(version)
            ),
            "a conditional update",
        )

    def _delete(self, partition: str, row: str, version: str) -> bool:
        # (The SDK treats a 404 on delete as done; `release` reads first, so a lock gone meanwhile is still freed.)
        return self._conditional(
            lambda: self._client().delete_entity(partition, row, **_if_match(version)),
            "a conditional delete",
        )

    def _put(self, partition: str, row: str, entity: Entity) -> None:
        try:
            self._client().upsert_entity(_payload(partition, row, entity), mode=UpdateMode.REPLACE)
        except AzureError as exc:
            raise _unavailable(exc, "a write") from exc

    def _transact(self, partition: str, writes: Sequence[Write]) -> list[str | None] | None:
        operations = [_operation(partition, write) for write in checked(writes)]
        try:
            answers = self._client().submit_transaction(operations)
        except TableTransactionError as exc:
            if exc.status_code in (404, 409, 412):  # a write's condition failed: nothing was applied
                return None
            raise _unavailable(exc, "a transaction") from exc
        except AzureError as exc:
            raise _unavailable(exc, "a transaction") from exc
        if len(answers) != len(operations):
            raise StoreUnavailable(f"Azure Table Storage answered {len(answers)} of a transaction's {len(operations)}")
        # (A version the answer leaves out is None: unknown, so the next conditional write reads the row first.)
        return [None if isinstance(w, Delete) else a.get("etag") for w, a in zip(writes, answers, strict=True)]

    def _scan(self, partition: str) -> Iterator[tuple[str, Entity]]:
        try:
            found = list(self._client().query_entities("PartitionKey eq @pk", parameters={"pk": partition}))
        except AzureError as exc:
            raise _unavailable(exc, "a query") from exc
        for entity in found:
            yield str(entity["RowKey"]), {k: v for k, v in entity.items() if k not in _KEYS}

    def close(self) -> None:
        if self._table is not None:
            self._table.close()
        self._service.close()
