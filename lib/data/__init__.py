"""Input layer: files or a database in, a validated, typed Dataset out (docs/data-contract.md, Input forms); imports nothing else of lib but config."""
