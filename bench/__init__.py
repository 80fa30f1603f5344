"""Benchmark harness for scmflow and its peers; not part of the installed product."""
