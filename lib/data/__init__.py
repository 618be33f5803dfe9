"""Input layer: files or a database in, a validated, typed Dataset out (docs/data-contract.md); imports nothing else of lib."""
