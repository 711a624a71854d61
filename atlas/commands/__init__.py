"""Commands that are more than a call into the pipeline (``atlas init``)."""
