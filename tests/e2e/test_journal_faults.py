"""The journal when its disk fails it: a torn tail (a crash mid-write) is
cut at the last good record and replay goes on; flipped bytes cut the
journal there, and a database that needed what was cut is diverged; on a
full or read-only filesystem dbsyncd keeps answering from the databases
that are up, counts what it could not journal, and a database that was
down meanwhile is diverged when it returns."""

import errno
import os
import struct
import subprocess
import time

import pytest

from harness import wait_until
from journal_load import (RECORD_HEADER, kill9_dbsyncd, metric, pipelined, restart_dbsyncd, segment_files,
                          segment_records, snapshot, start_database, start_journal_dbsyncd, wait_caught_up,
                          wait_identical, wait_not_up, wait_state)
from test_ops import Metrics


def warning_lines(d, *needles):
    """dbsyncd's log lines at level warning containing every needle (any case)."""
    return [ln for ln in d.log().splitlines()
            if (" warning: " in ln or ln.startswith("<4>")) and all(n in ln.lower() for n in needles)]


def journal_records(jdir):
    """(path, offset, length, seq) of every whole record, in seq order."""
    return [(path, off, length, seq) for path in segment_files(jdir) for off, length, seq in segment_records(path)]


def down_with_missed_writes(procs, tmp_path, prefix, n=200):
    """a and b (append-only files) behind dbsyncd; b goes down, then n SETs
    are answered by a; returns a, b, dbsyncd, the journal dir and b's
    applied seq."""
    a, b = start_database(procs, persistent=True), start_database(procs, persistent=True)
    jdir = tmp_path / "journal"
    d = start_journal_dbsyncd(procs, [a, b], jdir, ["--ack", "one"])
    with d.client() as c:
        assert c.pipeline([("SET", f"early{i}", i) for i in range(10)]) == ["OK"] * 10
    wait_caught_up(d)
    b.kill()
    applied = int(wait_not_up(d, "db1")["applied_seq"])
    with d.client(timeout=30) as c:
        assert pipelined(c, [("SET", f"{prefix}{i}", i) for i in range(n)]) == ["OK"] * n
    return a, b, d, jdir, applied


# ------------------------------------------------------------ damaged files


def test_torn_tail_is_truncated_and_replay_goes_on(procs, tmp_path):
    a, b, d, jdir, _ = down_with_missed_writes(procs, tmp_path, "t")
    kill9_dbsyncd(d)
    last = segment_files(jdir)[-1]
    size = os.path.getsize(last)
    records = segment_records(last)
    assert records and records[-1][1] + records[-1][0] == size, "the segment should end at a whole record"
    # A crash in the middle of appending the next record: its header says
    # 1000 bytes of payload, 40 made it to the file.
    with open(last, "ab") as f:
        f.write(struct.pack("<IIQQB", 1000, 0, records[-1][2] + 1, int(time.time() * 1000), 0) + b"\0" * 40)
    restart_dbsyncd(d)
    wait_until(lambda: warning_lines(d, "journal", "truncat"), 10, "a warning that the journal was truncated")
    assert os.path.getsize(last) == size, "cut at the last good record"
    b.start()
    wait_caught_up(d)
    wait_identical([a, b])
    keys = set(snapshot(b))
    assert all(f"t{i}".encode() in keys for i in range(200)), "every whole record was replayed to b"


def test_flipped_byte_truncates_there_and_who_needed_the_rest_is_diverged(procs, tmp_path):
    a, b, d, jdir, applied = down_with_missed_writes(procs, tmp_path, "f")
    kill9_dbsyncd(d)
    records = journal_records(jdir)
    # The 100th write b missed: b needs it and the 100 after.
    victim = [r for r in records if r[3] == applied + 100]
    assert victim, f"no record with seq {applied + 100} in {[r[3] for r in records][-5:]}"
    path, offset, length, seq = victim[0]
    dropped = sum(1 for r in records if r[3] >= seq)
    with open(path, "r+b") as f:
        at = offset + RECORD_HEADER + (length - RECORD_HEADER) // 2
        f.seek(at)
        byte = f.read(1)
        f.seek(at)
        f.write(bytes([byte[0] ^ 0x20]))
    restart_dbsyncd(d)
    wait_until(lambda: warning_lines(d, "journal", "truncat"), 10, "a warning that the journal was truncated")
    b.start()
    wait_state(d, "db1", "diverged", timeout=15)
    assert metric(d, "dbsyncd_database_diverged", b) == 1
    # a applied everything before the crash and goes on taking writes.
    with d.client() as c:
        assert c.command("SET", "after", "1") == "OK"
        assert c.command("GET", "f199") == b"199"
    assert a.get("after") == b"1"
    assert d.info()["db0"]["state"] == "up"
    # The operator's count of what was lost: the flipped record and every one after it.
    assert int(d.info()["journal_truncated_records"]) == dropped, warning_lines(d, "journal", "truncat")


# -------------------------------------------------------- failing filesystems


@pytest.fixture
def mounts(tmp_path):
    """mount(kind, size) mounts a small filesystem under tmp_path and returns
    its directory: "tmpfs", or "ext4" on a loop device with
    errors=remount-ro (so it can be made read-only under open files);
    lazily unmounted at teardown, after dbsyncd let go of it or not."""
    done = []

    def mount(kind, size):
        target = tmp_path / f"{kind}-fs"
        target.mkdir()
        if kind == "tmpfs":
            cmd = ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)]
        else:
            image = tmp_path / "ext4.img"
            with open(image, "wb") as f:
                f.truncate(size)
            made = subprocess.run(["mkfs.ext4", "-q", "-F", str(image)], capture_output=True, text=True)
            if made.returncode != 0:
                pytest.skip(f"mkfs.ext4 failed: {made.stderr.strip()}")
            cmd = ["mount", "-o", "loop,errors=remount-ro", str(image), str(target)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"cannot mount a {kind} here: {r.stderr.strip()}")
        done.append(target)
        return target

    yield mount
    for target in reversed(done):
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


def make_read_only(target):
    """What ext4 does after an I/O error with errors=remount-ro: read-only
    at once, files open for writing included (a plain `mount -o remount,ro`
    is refused while dbsyncd holds its segment open)."""
    source = subprocess.run(["findmnt", "-n", "-o", "SOURCE", str(target)], capture_output=True,
                            text=True).stdout.strip()
    trigger = f"/sys/fs/ext4/{os.path.basename(source)}/trigger_fs_error"
    if not os.path.exists(trigger):
        pytest.skip(f"no {trigger} to make the filesystem read-only")
    with open(trigger, "w") as f:
        f.write("dbsync test: journal filesystem made read-only\n")
    try:
        os.close(os.open(target / "probe", os.O_CREAT | os.O_WRONLY))
    except OSError as exc:
        assert exc.errno == errno.EROFS, exc
    else:
        raise AssertionError("the filesystem is still writable")


def journal_failures(d):
    info = d.info()
    return int(info["journal_write_errors"]), int(info["journal_writes_not_journaled"])


@pytest.mark.parametrize("kind", ["full", "read-only"])
def test_journal_that_cannot_be_written_costs_only_the_database_that_was_down(procs, mounts, kind):
    fs = mounts("tmpfs", "256k") if kind == "full" else mounts("ext4", 16 << 20)
    a, b = start_database(procs), start_database(procs, persistent=True)
    d = start_journal_dbsyncd(procs, [a, b], fs / "journal", ["--ack", "one"])
    with d.client() as c:
        assert c.pipeline([("SET", f"early{i}", i) for i in range(5)]) == ["OK"] * 5
    wait_caught_up(d)
    b.kill()
    wait_not_up(d, "db1")
    if kind == "read-only":
        make_read_only(fs)
    value = "x" * 4000
    n = 0
    with d.client() as c:
        # 256 KiB hold about 60 of these writes; a read-only disk none.
        while journal_failures(d)[0] == 0:
            assert n < 2000, "8 MB written and no journal write error"
            assert c.pipeline([("SET", f"w{n + i}", value) for i in range(10)]) == ["OK"] * 10
            n += 10
        errors, not_journaled = journal_failures(d)
        assert c.pipeline([("SET", f"w{n + i}", value) for i in range(20)]) == ["OK"] * 20
        n += 20
    errors2, not_journaled2 = journal_failures(d)
    assert errors2 >= errors >= 1 and not_journaled >= 1
    assert not_journaled2 > not_journaled, "the later writes were not journaled either"
    m = Metrics(d.metrics_port)
    assert m.value("dbsyncd_journal_write_errors_total") >= errors2
    assert m.value("dbsyncd_journal_writes_not_journaled_total") >= not_journaled2
    assert d.proc.poll() is None, "dbsyncd keeps running"
    assert a.get(f"w{n - 1}") == value.encode()
    b.start()  # its missed writes are not all in the journal
    wait_state(d, "db1", "diverged", timeout=15)
    assert metric(d, "dbsyncd_database_diverged", b) == 1
    with d.client() as c:
        assert c.command("SET", "after", "1") == "OK"
    assert a.get("after") == b"1"
    assert d.info()["db0"]["state"] == "up"
