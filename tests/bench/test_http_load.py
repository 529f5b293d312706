"""The HTTP benchmark's open loop: requests go out on schedule, not as fast as they are
answered, and a late answer is charged to the requests that were due behind it. The tests
that drive a server for seconds and count what came back in that time are marked perf."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from benchmarks import http as load


class _OneAtATime(BaseHTTPRequestHandler):
    """Answers one request at a time, each after `service_s` seconds."""

    service_s = 0.0
    first_s = None  # the first request's service time, if not service_s

    def do_GET(self):  # noqa: N802 (the standard library's name)
        with self.lock:
            seconds, self.state["first"] = (
                self.first_s if self.state["first"] and self.first_s else self.service_s,
                False,
            )
            time.sleep(seconds)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


class _Server(ThreadingHTTPServer):
    request_queue_size = 64  # 32 clients may connect at once
    daemon_threads = True


@pytest.fixture
def slow_server():
    servers = []

    def start(service_s: float, first_s: float | None = None) -> int:
        handler = type(
            "Handler",
            (_OneAtATime,),
            {
                "service_s": service_s,
                "first_s": first_s,
                "lock": threading.Lock(),
                "state": {"first": True},
            },
        )
        server = _Server(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_address[1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.perf
def test_an_open_loop_sends_at_its_rate_when_the_server_keeps_up(slow_server):
    port = slow_server(0.002)  # room for 500 a second
    result = load._drive(port, "trivial", [{}] * load.CLIENTS, 2.0, rate=40)
    # 40 a second for 2 s, no more however fast the answers come.
    assert 72 <= result["requests"] <= 82
    assert result["errors"] == 0
    assert result["p50_ms"] < 100


@pytest.mark.perf
def test_an_open_loop_charges_the_queue_behind_a_slow_server(slow_server):
    port = slow_server(0.05)  # 20 a second at most, offered 40
    result = load._drive(port, "trivial", [{}] * load.CLIENTS, 2.0, rate=40)
    # Every request due in the 2 s is sent and answered, late: the answers take about
    # twice the window, and the throughput shows that the server fell behind.
    assert result["requests"] >= 72
    assert result["rps"] < 25
    assert result["p99_ms"] > 1000


@pytest.mark.perf
def test_a_stall_is_charged_to_every_request_due_during_it(slow_server):
    # The first request holds the server for 1.5 s; every later one takes 2 ms.
    port = slow_server(0.002, first_s=1.5)
    result = load._drive(port, "trivial", [{}] * load.CLIENTS, 2.0, rate=40)
    # Requests due during the stall wait for its end. Counted from when each was sent,
    # the clients' second requests (sent late, answered at once) would look instant and
    # the median would be under 100 ms; counted from when each was due, about half of the
    # 80 requests waited a good part of the stall (a median near 600 ms).
    assert result["requests"] >= 72
    assert result["p50_ms"] > 300
    assert result["p99_ms"] > 1000


def test_each_ratio_divides_by_the_baseline_right_before_and_after_its_own_phase():
    # The machine sped up during the repeat: /healthz did 800 req/s before the payments,
    # 1000 between them and the PDFs, 1400 after the PDFs.
    repeat = load._repeat(
        {"rps": 800.0},
        {"rps": 135.0},
        {"rps": 1000.0},
        {"rps": 300.0},
        {"rps": 1400.0},
        {"rps": 110.0},
    )
    assert repeat["ratios"] == {
        "payment": 0.15,  # 135 / ((800 + 1000) / 2)
        "pdf": 0.25,  # 300 / ((1000 + 1400) / 2)
        "payment_baseline": 900.0,
        "pdf_baseline": 1200.0,
    }
    assert repeat["latency"] == {"rps": 110.0}


def test_settle_moves_sqlites_write_ahead_log_into_the_database(tmp_path):
    import sqlalchemy as sa

    from benchmarks import server

    path = tmp_path / "settle.sqlite3"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1), (2)")
    wal = tmp_path / "settle.sqlite3-wal"
    assert wal.stat().st_size > 0
    server.settle(f"sqlite:///{path}")
    assert wal.stat().st_size == 0
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 2
    engine.dispose()


@pytest.mark.perf
def test_the_cpu_meter_brackets_the_clients_and_is_divided_by_the_answers(slow_server):
    port = slow_server(0.002)
    snapshots = iter(
        [
            {"app": 10.0, "database": 0.0, "machine": 11.0, "steal": 0.0, "wall": 50.0},
            {"app": 10.4, "database": 0.0, "machine": 11.6, "steal": 0.0, "wall": 52.0},
        ]
    )
    calls = []

    def meter():
        calls.append(1)
        return next(snapshots)

    result = load._drive(port, "trivial", [{}] * load.CLIENTS, 2.0, rate=40, meter=meter)
    assert len(calls) == 2  # when the clients start and when the last has finished
    answered = result["ok"]
    assert answered >= 72
    assert result["cpu_ms"]["app"] == pytest.approx(400 / answered)
    assert result["cpu_ms"]["other"] == pytest.approx(200 / answered)
