"""The pure core: settings, identifiers, authorization policy, audit records, poll schedule, contracts."""
