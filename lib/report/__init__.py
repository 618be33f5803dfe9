"""Report layer: what a notebook imports (start_report, display helpers, outputs, registry, privacy guards, charts)."""
