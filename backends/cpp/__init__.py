"""Cloud Partner Portal: typed client, token provider, URL guard, models.

Its local emulator, for tests, the dev host and the demo, is `devhost.standins.cpp` (it does not ship).
"""
