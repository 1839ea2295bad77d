"""Desk analytics: read-only selectors over conversations and messages (no models of its own)."""
