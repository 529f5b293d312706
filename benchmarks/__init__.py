"""Benchmarks at province scale (issue 8), run by `make bench` (benchmarks/run.py).

Each benchmark module exposes `run(ctx) -> list[dict]`: figures with their target, the
measured median, the ratio taken in the same run and whether the target is met. They
are never collected by pytest: the test suite holds no timing assertions.
"""
