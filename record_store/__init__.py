"""The app's own durable record of cancels and the per-offer cancel lock (see `base.py` for why it exists).

- `base.py`: the record, the lock and their semantics, on five storage primitives; `StoreUnavailable`.
- `sqlite.py`: the embedded backend (the dev host's data dir), so `make demo` needs only Python.
- `tables.py`: Azure Table Storage (the function app's storage account, or Azurite), via azure-data-tables.
- `factory.py`: which backend the settings select, one store per settings object.
Both backends pass one contract suite, `tests/record_store/`.
"""
