"""Benchmarks at province scale (issue 8), run by `make bench` (benchmarks/run.py), and the
load and fault harness (`make soak`, benchmarks/soak.py), on the synthetic province of
benchmarks/data.py (`flask --app benchmarks.app bench-data`). None of it ships with the app.

Each benchmark module of `make bench` exposes `run(ctx) -> list[dict]`: figures with their
target, the measured median, the ratio taken in the same run and whether the target is
met. None of this is collected by pytest; tests/bench checks the harness itself, and those
of its tests that take timings are marked perf (out of `make test`).
"""
