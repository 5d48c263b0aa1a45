"""What each database is owed: nothing reaches a database before its
connection's AUTH/SELECT succeeded, a refused AUTH/SELECT is retried with
backoff, a write whose reply was lost is reported as of unknown outcome, not
as not applied, and SIGTERM waits until every database has taken what it is
owed."""

import re
import signal
import time

from harness import ReplyError, encode, wait_until


def connections_received(redis):
    with redis.client() as direct:
        info = direct.command("INFO", "stats").decode()
    return int(re.search(r"total_connections_received:(\d+)", info).group(1))


def pipelined_sets(prefix, n, value=b"v"):
    return b"".join(encode("SET", f"{prefix}{i}", value) for i in range(n))


# --------------------------------------------------------------- AUTH/SELECT


def test_failing_select_lets_no_command_reach_the_database(procs):
    r = procs.start_redis(1, args=["--databases", "16"])
    d = procs.start_dbsyncd([f"redis://127.0.0.1:{r.port}/99"])
    # Pipelined load from several clients for many rounds, so that commands
    # arrive while connections are being set up as well as between attempts.
    clients = [d.client(timeout=30) for _ in range(4)]
    replies = []
    try:
        for rnd in range(20):
            for ci, c in enumerate(clients):
                c.send_raw(pipelined_sets(f"k{rnd}:{ci}:", 200))
            for c in clients:
                replies += [c.read_reply() for _ in range(200)]
    finally:
        for c in clients:
            c.close()
    landed = [x for x in replies if not isinstance(x, ReplyError)]
    assert not landed, f"{len(landed)} of {len(replies)} writes were acknowledged: {landed[:3]}"
    # Every client learns why: the database refused SELECT 99.
    assert all("SELECT" in x and "out of range" in x for x in replies), \
        [x for x in replies if "out of range" not in x][:3]
    with r.client() as direct:
        assert direct.command("DBSIZE") == 0, "writes landed in database 0"


def test_failing_select_is_retried_with_backoff_and_logged_once(procs):
    r = procs.start_redis(1, args=["--databases", "16"])
    d = procs.start_dbsyncd([f"redis://127.0.0.1:{r.port}/99"])
    wait_until(lambda: "out of range" in d.info()["db0"]["last_error"], 10, "the first SELECT to fail")
    # Several attempts have failed by now...
    start = connections_received(r)
    wait_until(lambda: connections_received(r) >= start + 3, 20, "three more connection attempts")
    # ...and the set-up failure is one line in the log, not one per attempt.
    lines = [ln for ln in d.log().splitlines() if "out of range" in ln]
    assert len(lines) == 1, lines[:5]
    assert "SELECT 99" in lines[0], lines[0]
    # Backoff: the waits double (25-50 ms, 50-100 ms, ...), so a second holds
    # at most 6 attempts; a retry loop without backoff makes dozens.
    before = connections_received(r)
    time.sleep(1.0)  # the window being measured, not a wait for an event
    attempts = connections_received(r) - before - 1  # less our own INFO connection
    assert attempts <= 6, f"{attempts} connection attempts in one second"


def test_wrong_password_is_retried_with_backoff(procs):
    r = procs.start_redis(1, password="right")
    d = procs.start_dbsyncd([f"redis://default:wrong@127.0.0.1:{r.port}"])
    with d.client(timeout=15) as c:
        reply = c.command("SET", "k", "v")
        assert isinstance(reply, ReplyError) and "AUTH" in reply, reply
    wait_until(lambda: "AUTH" in d.info()["db0"]["last_error"], 10, "AUTH to fail")
    before = connections_received(r)
    time.sleep(1.0)  # the window being measured
    attempts = connections_received(r) - before - 1
    assert attempts <= 6, f"{attempts} connection attempts in one second"
    assert r.get("k") is None


# ------------------------------------------------------------ unknown outcome


def test_write_lost_to_a_timeout_is_reported_as_outcome_unknown(procs):
    a, b = procs.start_redis(2)
    d = procs.start_dbsyncd([a, b], ["--ack", "all", "--db-timeout", "500"])
    with d.client(timeout=30) as c:
        assert c.command("SET", "warm", "1") == "OK"
        b.proc.send_signal(signal.SIGSTOP)
        try:
            reply = c.command("INCR", "counter")
        finally:
            b.proc.send_signal(signal.SIGCONT)
    assert isinstance(reply, ReplyError), reply
    assert reply.startswith("ERR applied on 1 of 2 databases, outcome unknown on 1 ("), reply
    assert f"127.0.0.1:{b.port}" in reply and "--db-timeout" in reply, reply
    assert reply.endswith(": --ack all needs 2"), reply
    # It was unknown, not "not applied": the paused database applies it
    # once it runs again, and so did the other one.
    wait_until(lambda: b.get("counter") == b"1", 10, "the paused database to apply the INCR")
    assert a.get("counter") == b"1"


def test_write_to_a_database_that_is_down_is_reported_as_not_sent(procs):
    a, b = procs.start_redis(2)
    d = procs.start_dbsyncd([a, b], ["--ack", "all", "--connect-timeout", "300"])
    with d.client(timeout=30) as c:
        assert c.command("SET", "warm", "1") == "OK"
        b.kill()
        wait_until(lambda: d.info()["db1"]["state"] != "up", 10, "the killed database to be seen down")
        reply = c.command("INCR", "counter")
    assert isinstance(reply, ReplyError), reply
    assert reply.startswith("ERR applied on 1 of 2 databases, not sent to 1 ("), reply
    assert "unknown" not in reply, reply
    assert reply.endswith(": --ack all needs 2"), reply


# ------------------------------------------------------------------ shutdown


def test_sigterm_waits_until_a_paused_database_took_every_answered_write(procs):
    fast, slow = procs.start_redis(2)
    d = procs.start_dbsyncd([fast, slow], ["--ack", "one", "--db-timeout", "60000",
                                           "--shutdown-timeout", "60000"])
    n = 400
    # 64 KiB values: far more than the socket buffers hold while the
    # database is paused, so most of it waits inside dbsyncd.
    value = b"x" * 65536
    with d.client(timeout=60) as c:
        assert c.command("SET", "warm", "1") == "OK"
        slow.proc.send_signal(signal.SIGSTOP)
        try:
            c.send_raw(pipelined_sets("k", n, value))
            assert [c.read_reply() for _ in range(n)] == ["OK"] * n
            d.expected_exit = True
            d.proc.send_signal(signal.SIGTERM)
            wait_until(lambda: "shutting down" in d.log(), 10, "dbsyncd to begin shutting down")
        finally:
            slow.proc.send_signal(signal.SIGCONT)
    assert d.proc.wait(timeout=60) == 0, d.log_tail()
    with slow.client() as direct:
        assert direct.command("DBSIZE") == n + 1
        assert direct.command("STRLEN", f"k{n - 1}") == len(value)


def test_sigterm_gives_up_at_shutdown_timeout_and_says_how_much(procs):
    fast, slow = procs.start_redis(2)
    d = procs.start_dbsyncd([fast, slow], ["--ack", "one", "--db-timeout", "60000",
                                           "--shutdown-timeout", "500"])
    n = 300
    value = b"x" * 65536
    with d.client(timeout=60) as c:
        assert c.command("SET", "warm", "1") == "OK"
        slow.proc.send_signal(signal.SIGSTOP)
        try:
            c.send_raw(pipelined_sets("k", n, value))
            assert [c.read_reply() for _ in range(n)] == ["OK"] * n
            status = d.terminate(timeout=30)
        finally:
            slow.proc.send_signal(signal.SIGCONT)
    assert status == 3, f"exit status {status}: {d.log_tail()}"
    m = re.search(rf"database 127\.0\.0\.1:{slow.port}: gave up (\d+) commands at --shutdown-timeout "
                  rf"\((\d+) written, outcome unknown; (\d+) never sent\)", d.log())
    assert m, d.log_tail()
    given, written, unsent = map(int, m.groups())
    # The paused database answered none of them: every one was given up.
    assert given == n and written + unsent == n, m.group(0)
    assert unsent > 0, "64 KiB values should not all fit in the socket buffers"
    assert not re.search(rf"database 127\.0\.0\.1:{fast.port}: gave up", d.log())
    # What was written may have been applied; what was never sent was not.
    with slow.client() as direct:
        assert direct.command("DBSIZE") - 1 <= written
