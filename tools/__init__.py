"""Developer tools that drive the product from outside: portal screenshots and page timings. Not installed;
run from a checkout (``python -m tools.screenshots``, ``python -m tools.perf``)."""
