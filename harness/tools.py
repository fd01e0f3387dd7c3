"""The load generators: find them, install what is missing, or say what to install.

wrk comes from Debian (apt-get, when running as root); oha is built from crates.io at a pinned
version into the project-local `.tools/` (gitignored). The arena never uses TLS, but oha 1.16 does not
build without a TLS backend: native-tls links the system OpenSSL (Debian: libssl-dev, pkg-config),
which builds much faster than rustls' default bundled crypto.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from .errors import ToolError
from .paths import TOOLS_DIR

OHA_VERSION = "1.16.0"
OHA_LOCAL = TOOLS_DIR / "bin" / "oha"


@dataclass(frozen=True)
class Tools:
    """Paths of the load generators on the host that runs them. `found_versions` holds their
    versions when they were read there (another host); otherwise the local binaries are asked."""

    wrk: str | None
    oha: str | None
    found_versions: dict[str, str] | None = None

    def versions(self) -> dict[str, str]:
        if self.found_versions is not None:
            return {name: self.found_versions.get(name, "not used") for name in ("wrk", "oha")}
        return {
            "wrk": wrk_version(self.wrk) if self.wrk else "not used",
            "oha": oha_version(self.oha) if self.oha else "not used",
        }


WRK_VERSION = r"wrk\s+(\S+)"
OHA_VERSION_PATTERN = r"(\d+\.\d+\.\d+)"


def version_in(text: str, pattern: str) -> str:
    """The first group of `pattern` in `text`; "?" when it is not there."""
    m = re.search(pattern, text)
    return m.group(1) if m else "?"


def _version(argv: list[str], pattern: str) -> str:
    return version_in(subprocess.run(argv, capture_output=True, text=True).stdout, pattern)


def wrk_version(path: str) -> str:
    # wrk prints its version with the usage text and exits 1.
    return _version([path, "-v"], WRK_VERSION)


def oha_version(path: str) -> str:
    return _version([path, "--version"], OHA_VERSION_PATTERN)


def find_wrk() -> str | None:
    return shutil.which("wrk")


def find_oha() -> str | None:
    """Only the pinned version counts: latency numbers from another oha are not comparable."""
    if OHA_LOCAL.exists() and oha_version(str(OHA_LOCAL)) == OHA_VERSION:
        return str(OHA_LOCAL)
    system = shutil.which("oha")
    if system and oha_version(system) == OHA_VERSION:
        return system
    return None


def apt_install(*packages: str) -> bool:
    """Installs Debian packages when running as root with apt-get; False when that is not possible."""
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return False
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    if subprocess.run(cmd, env=env).returncode == 0:
        return True
    subprocess.run(["apt-get", "update"], env=env, check=False)
    return subprocess.run(cmd, env=env).returncode == 0


def install_wrk() -> None:
    if not apt_install("wrk"):
        raise ToolError("wrk is missing: install it (Debian/Ubuntu: `sudo apt-get install wrk`) and retry")


def _openssl_dev_present() -> bool:
    return bool(shutil.which("pkg-config")) and subprocess.run(["pkg-config", "--exists", "openssl"]).returncode == 0


def install_oha() -> None:
    if not shutil.which("cargo"):
        raise ToolError(
            f"oha {OHA_VERSION} is missing and cargo is not on PATH: install Rust (https://rustup.rs) "
            f"or `cargo install --locked oha --version {OHA_VERSION} --root {TOOLS_DIR}`"
        )
    if not _openssl_dev_present() and not apt_install("libssl-dev", "pkg-config"):
        raise ToolError("building oha needs OpenSSL headers and pkg-config: `sudo apt-get install libssl-dev pkg-config`")
    cmd = [
        "cargo",
        "install",
        "--locked",
        "oha",
        "--version",
        OHA_VERSION,
        "--no-default-features",
        "--features",
        "native-tls",
        "--root",
        str(TOOLS_DIR),
    ]
    print("installing oha:", " ".join(cmd), flush=True)
    if subprocess.run(cmd).returncode != 0:
        raise ToolError(f"`{' '.join(cmd)}` failed; fix the error above and retry")


def ensure(*, install: bool = True, need: tuple[str, ...] = ("wrk", "oha")) -> Tools:
    """The tools in `need`, installing missing ones when `install`; otherwise stop saying what to install."""
    wrk = find_wrk() if "wrk" in need else None
    if wrk is None and "wrk" in need:
        if not install:
            raise ToolError("wrk is missing: run `nox -s build` (or `python -m harness tools`) to install it")
        install_wrk()
        wrk = find_wrk()
    oha = find_oha() if "oha" in need else None
    if oha is None and "oha" in need:
        if not install:
            raise ToolError(f"oha {OHA_VERSION} is missing: run `nox -s build` (or `python -m harness tools`)")
        install_oha()
        oha = find_oha()
    if ("wrk" in need and wrk is None) or ("oha" in need and oha is None):
        raise ToolError("load generators still missing after installing them")
    return Tools(wrk=wrk, oha=oha)


# What the multi-host test (tests/bench/test_hosts_netns.py) needs beyond the bench: iproute2 for
# network namespaces and a veth pair, and an sshd to reach the load generator's namespace.
HOSTS_TEST_PROGRAMS = {"ip": "iproute2", "sshd": "openssh-server", "ssh": "openssh-client", "ssh-keygen": "openssh-client"}
SSHD = "/usr/sbin/sshd"


def _find_program(name: str) -> str | None:
    return SSHD if name == "sshd" and os.path.exists(SSHD) else shutil.which(name)


def ensure_hosts_test(*, install: bool = True) -> dict[str, str]:
    """Paths of the programs the multi-host test needs, installing the missing ones from Debian when
    `install` and running as root; otherwise ToolError naming the packages."""
    found = {name: _find_program(name) for name in HOSTS_TEST_PROGRAMS}
    missing = sorted({HOSTS_TEST_PROGRAMS[n] for n, path in found.items() if path is None})
    if missing and install and apt_install(*missing):
        found = {name: _find_program(name) for name in HOSTS_TEST_PROGRAMS}
        missing = sorted({HOSTS_TEST_PROGRAMS[n] for n, path in found.items() if path is None})
    if missing:
        raise ToolError(f"missing {', '.join(missing)}: install them (Debian: `sudo apt-get install {' '.join(missing)}`)")
    return {name: path for name, path in found.items() if path is not None}
