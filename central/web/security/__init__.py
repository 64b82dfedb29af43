"""The web surface's defences: the secret, sessions, CSRF, the sign-in throttle, flash messages, headers."""
