"""Run layer: the batch (command line, notebook execution, front page, HTML export, combined file)."""
