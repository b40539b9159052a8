"""The Cloud Partner Portal: an offer's in-flight publish (`PublishTarget`).

- `backend.py`: `BACKEND`, the CPP behind `backends.base.Backend`. `words.py`: `WORDING`, what a person reads.
- `client.py`: cancel a publish, read operations, list submissions (on `backends.http`).
- `offer.py`: an offer's operations as `look` reads them. `urlguard.py`: which operation URLs may get the token.

Its local emulator, for tests, the dev host and the demo, is `devhost.standins.cpp` (it does not ship).
"""
