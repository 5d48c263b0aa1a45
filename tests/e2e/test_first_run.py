"""`make demo` on a fresh machine: php-dev arrives with `make deps`, which
runs inside the same `make demo`, and the PHP extension must be built then,
not only on a second run.

The machine already has everything, so the test hides phpize: PATH is a
directory of links to every program except phpize, and its dpkg-query (the
first thing tools/install-deps.sh runs) adds the phpize link before it
answers, as installing php-dev would."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def fake_path(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for d in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            link = bin_dir / name
            if name.startswith("phpize") or name == "dpkg-query" or link.exists():
                continue
            target = os.path.join(d, name)
            if os.path.isfile(target) and os.access(target, os.X_OK):
                link.symlink_to(target)
    real_phpize = subprocess.run(["sh", "-c", "command -v phpize"], capture_output=True, text=True).stdout.strip()
    real_dpkg = subprocess.run(["sh", "-c", "command -v dpkg-query"], capture_output=True, text=True).stdout.strip()
    assert real_phpize and real_dpkg, "phpize and dpkg-query must be installed for this test"
    (bin_dir / "dpkg-query").write_text(
        f'#!/bin/sh\n[ -e "{bin_dir}/phpize" ] || ln -s "{real_phpize}" "{bin_dir}/phpize"\n'
        f'exec "{real_dpkg}" "$@"\n')
    (bin_dir / "dpkg-query").chmod(0o755)
    return bin_dir


def test_demo_builds_php_extension_on_first_run(tmp_path):
    bin_dir = fake_path(tmp_path)
    env = dict(os.environ, PATH=str(bin_dir))
    env.pop("MAKEFLAGS", None)
    env.pop("MAKELEVEL", None)
    # Before deps, this make cannot see phpize.
    seen = subprocess.run(["sh", "-c", "command -v phpize || echo none"], env=env, capture_output=True, text=True)
    assert seen.stdout.strip() == "none"
    r = subprocess.run(["make", "--no-print-directory", "demo"], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=900)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert (bin_dir / "phpize").is_symlink(), "the fake deps step did not run"
    assert "php-ext: php-ext/modules/dbsync.so" in out, out
    assert "PHP part skipped" not in out, out
