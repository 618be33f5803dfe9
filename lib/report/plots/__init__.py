"""Charts of the reports: one function per chart, ``ax=None`` in, the Axes out; shared style in ``style``."""
