"""Lace-Luxx analytics library: every number in the reports is computed here."""
