"""The app's own durable record of cancels, the cancel locks and the registered jobs (see `base.py` for why it exists
and where each row lives).

- `base.py`: `RecordStore` (the record itself) and the key layout; `primitives.py`: what a backend implements and
  `StoreUnavailable`; `keys.py`: the keys; `records.py`: `CancelRecord`; `locks.py`: the per-offer and per-job cancel
  locks, and when a holder holds nothing; `together.py`: a request's record and its lock written in one round trip
  per step of the send; `jobs.py`: registered configure jobs and the offer each belongs to.
- `sqlite.py`: the embedded backend (the dev host's data dir), so `make demo` needs only Python.
- `tables.py`: Azure Table Storage (the function app's storage account, or Azurite), via azure-data-tables.
- `factory.py`: which backend the settings select, one store per settings object.
Both backends pass one contract suite, `tests/record_store/`.
"""
