"""Narrative layer: analytics results in, the owner's sentences and what to do out; imports analytics and its own fmt only."""
