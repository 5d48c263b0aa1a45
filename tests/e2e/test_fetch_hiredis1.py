"""tools/fetch-hiredis1.sh takes its Debian mirror from the machine's own apt
sources, so that nothing host-specific is written into the repository."""

import os
import subprocess

import pytest

from harness import ROOT

SCRIPT = os.path.join(ROOT, "tools", "fetch-hiredis1.sh")

DEB822_MAIN = """Types: deb
# a comment
URIs: http://mirror.example/debian http://second.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""
DEB822_SECURITY = """Types: deb
URIs: http://security.example/debian-security
Suites: bookworm-security
Components: main
"""


def print_mirror(tmp_path, files):
    apt = tmp_path / "apt"
    (apt / "sources.list.d").mkdir(parents=True)
    for name, text in files.items():
        (apt / name).write_text(text)
    return subprocess.run(["bash", SCRIPT, "--print-mirror"], capture_output=True, text=True, timeout=30,
                          env=dict(os.environ, APT_SOURCES_DIR=str(apt)))


@pytest.mark.parametrize("files, mirror", [
    ({"sources.list.d/debian.sources": DEB822_MAIN + "\n" + DEB822_SECURITY}, "http://mirror.example/debian"),
    ({"sources.list.d/debian.sources": DEB822_SECURITY + "\n" + DEB822_MAIN}, "http://mirror.example/debian"),
    # Two files: the stanza of one does not run into the next.
    ({"sources.list.d/a.sources": DEB822_SECURITY.rstrip("\n"), "sources.list.d/b.sources": DEB822_MAIN},
     "http://mirror.example/debian"),
    ({"sources.list.d/debian.sources": "Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\n\n"
      "Enabled: no\nTypes: deb\nURIs: http://off.example/debian\nSuites: bookworm\n\n" + DEB822_MAIN},
     "http://mirror.example/debian"),
    ({"sources.list": "# deb http://old.example/debian bookworm main\n"
      "deb-src http://src.example/debian bookworm main\n"
      "deb http://security.example/debian-security bookworm-security main\n"
      "deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://list.example/debian "
      "bookworm main\n"}, "http://list.example/debian"),
    ({"sources.list.d/extra.list": "deb [signed-by=/k.gpg] http://extra.example/debian bookworm main\n"},
     "http://extra.example/debian"),
], ids=["deb822", "deb822-security-first", "deb822-two-files", "deb822-skips-src-and-disabled", "sources.list",
        "list-in-sources.list.d"])
def test_mirror_comes_from_apt_sources(tmp_path, files, mirror):
    r = print_mirror(tmp_path, files)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == mirror


def test_no_debian_source_is_a_clear_error(tmp_path):
    r = print_mirror(tmp_path, {"sources.list": "# nothing here\n"})
    assert r.returncode != 0
    assert "no Debian release archive among apt's sources" in r.stderr, r.stderr
    assert r.stdout == ""


def test_the_script_names_no_mirror():
    with open(SCRIPT) as f:
        text = f.read()
    assert "debian.org" not in text
