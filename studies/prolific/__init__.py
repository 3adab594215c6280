"""Prolific integration: API client, submission sync and approvals, idempotent bonus payments."""
