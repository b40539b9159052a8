"""Cloud Partner Portal: typed client, token provider, URL guard, models, and a faithful local emulator."""
