"""Developer tools (sample data generator, benchmark): never imported by a report."""
