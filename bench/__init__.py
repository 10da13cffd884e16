"""Benchmarks: accuracy of signature validation on data with known truth, and throughput.

`make bench-accuracy` runs bench/accuracy.py, `make bench` bench/throughput.py;
BENCHMARKS.md has the method and the numbers. Nothing here runs in `make test`.
"""
