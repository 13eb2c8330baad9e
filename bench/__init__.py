"""Load tools: `ruamkit bench` (bench/run.py) rehearses a big room; see the README."""
