"""Developer scripts (load test); not part of the medquote package."""
