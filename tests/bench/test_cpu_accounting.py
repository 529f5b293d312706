"""The HTTP benchmark's CPU accounting: what each part of the machine spent per answered
request, which is what a throughput ratio against /healthz is made of."""

import math
import subprocess
import sys

import pytest

from benchmarks import report, server


def _burn(seconds: float) -> subprocess.Popen:
    """A child process that keeps one CPU busy for about `seconds`, then waits for stdin."""
    code = (
        "import sys, time\n"
        f"end = time.process_time() + {seconds}\n"
        "while time.process_time() < end: pass\n"
        "print('done', flush=True)\n"
        "sys.stdin.read()\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )


@pytest.mark.perf  # a child burns 0.4 s of CPU, counted within bounds
def test_a_process_cpu_time_is_counted_for_the_given_processes_and_the_machine():
    child = _burn(0.4)
    try:
        before = server.cpu_snapshot([child.pid])
        assert child.stdout.readline() == "done\n"
        after = server.cpu_snapshot([child.pid])
        used = server.cpu_per_request(before, after, requests=1)
        # The child's 0.4 s of CPU (less what it spent before the first snapshot), in ms.
        assert 200 <= used["app"] <= 600
        # The machine was busy at least that long; no process named postgres is the child.
        assert used["machine"] >= used["app"] - 20
        assert math.isclose(
            used["other"], used["machine"] - used["app"] - used["database"], abs_tol=1e-9
        )
    finally:
        child.stdin.close()
        child.wait(timeout=10)
        child.stdout.close()
    # A process that has ended counts nothing (its CPU left with it).
    assert server.process_cpu_seconds(child.pid) == 0.0


def test_cpu_per_request_divides_each_part_by_the_answered_requests():
    before = {"app": 1.0, "database": 0.5, "machine": 2.0, "steal": 0.0, "wall": 100.0}
    after = {"app": 3.0, "database": 0.9, "machine": 5.0, "steal": 0.1, "wall": 102.0}
    used = server.cpu_per_request(before, after, requests=400, cpus=2)
    # 3 CPU seconds in 2 s of 2 CPUs: three quarters busy.
    assert used == {
        "app": 5.0,
        "database": 1.0,
        "machine": 7.5,
        "steal": 0.25,
        "other": 1.5,
        "busy": 0.75,
    }
    nothing = server.cpu_per_request(before, after, 0, cpus=2)
    assert nothing.pop("busy") == 0.75
    assert all(math.isnan(v) for v in nothing.values())


def test_the_report_says_which_ratio_the_machines_cpu_allows():
    figure = {
        "share": 1 / 4,
        "trivial_cpu_ms": {"app": 0.9, "database": 0.0, "other": 0.4, "machine": 1.3, "busy": 0.8},
        "cpu_ms": {"app": 5.2, "database": 0.45, "other": 0.55, "machine": 6.2, "busy": 1.0},
    }
    sentence = report._cpu_sentence(figure)
    assert "/healthz 1.30 ms (gunicorn 0.90, the clients and the kernel 0.40)" in sentence
    assert "this endpoint 6.20 ms (gunicorn 5.20, PostgreSQL 0.45" in sentence
    # 1.3 / 6.2 = 0.210; a quarter of /healthz's rate needs at most 4 × 1.3 ms.
    assert "the ratio would be 0.210, and the target (1/4) needs at most 5.20 ms" in sentence
    assert "80% busy under /healthz and 100% under this endpoint, so /healthz's rate" in sentence
    # An endpoint that waits (SQLite's write lock) leaves CPUs idle: said so.
    figure["trivial_cpu_ms"]["busy"], figure["cpu_ms"]["busy"] = 0.97, 0.82
    assert "left CPUs idle while requests waited" in report._cpu_sentence(figure)
    figure["cpu_ms"]["busy"] = 0.98
    assert "idle" not in report._cpu_sentence(figure)
    # On SQLite the database works inside the app's processes: no PostgreSQL part.
    figure["cpu_ms"]["database"] = 0.0
    assert "PostgreSQL" not in report._cpu_sentence(figure)


def test_the_latency_sentence_says_how_near_the_fixed_rate_came_to_the_capacity():
    # 149.6 payments a second offered where the server answered 156.5 flat out: 96%.
    near = report._load_clause(149.6, 156.5)
    assert "96% of the payments the throughput phase answered" in near
    assert "queue behind each other" in near
    # 170 of 203: 84%, room left.
    far = report._load_clause(170.0, 203.1)
    assert "84%" in far and "queue" not in far
