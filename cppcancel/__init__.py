"""The pure core: settings, identifiers, authorization policy, audit records, poll schedule, contracts, and the
typed view of a durable instance as the app reads it back (`instances.py`)."""
