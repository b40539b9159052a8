"""The marketplace APIs, one package each behind one Protocol, and what they share.

- `base.py`: the `Backend` Protocol (send the one cancel, what is in flight, what a confirmation shows, follow what a
  cancel started, who may act on a target) and the neutral values it answers in (`Look`, `Running`, `PollResult`).
- `registry.py`: `backend_for(target)` and `wording_for(target)` - the one line a new API adds.
- `http/`: the HTTP pieces every backend uses and none owns (transport, errors, tokens, credentials, URL guard, the
  neutral `Operation` the watcher reads).
- `cpp/`: the Cloud Partner Portal (`PublishTarget`). `ingestion/`: the Product Ingestion API's configure jobs
  (`JobTarget`). Neither imports the other.

Adding a marketplace API: a target type in `cppcancel/targets.py`; a package here with `client.py` (on `http/`),
`models.py`, `urlguard.py`, `words.py` (`WORDING`) and `backend.py` (`BACKEND`); its line in `registry.py`; its
settings in `cppcancel/settings.py`; its stand-in under `devhost/standins/`. Nothing in the pipeline changes.
"""
