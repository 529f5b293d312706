"""Benchmarks at province scale (issue 8), run by `make bench` (benchmarks/run.py), and the
load and fault harness (`make soak`, benchmarks/soak.py).

Each benchmark module of `make bench` exposes `run(ctx) -> list[dict]`: figures with their
target, the measured median, the ratio taken in the same run and whether the target is
met. None of this is collected by pytest: the test suite holds no timing assertions.
"""
