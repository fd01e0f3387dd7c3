"""The process manager starts, probes, stops and notices crashes, using tiny
Python stand-in servers so these tests need no build."""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.manifest import load_manifest
from harness.process import ServerProcess, answers_plaintext

SERVER = textwrap.dedent("""
    import http.server, os, signal, sys, threading
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/crash":
                os._exit(3)
            self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")
        def log_message(self, *a): pass
    mode = sys.argv[2]
    if mode == "die":
        print("fatal: cannot start", flush=True); sys.exit(2)
    if mode == "ignore-term":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if mode == "slow":
        import time; time.sleep(60)
    http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
""")


@pytest.fixture
def spec_for(tmp_path: Path):
    (tmp_path / "srv.py").write_text(SERVER)

    def make(mode: str):
        manifest = tmp_path / mode / "server.toml"
        manifest.parent.mkdir(exist_ok=True)
        manifest.write_text(
            textwrap.dedent(f'''
            name = "stub-{mode}"
            description = "stand-in"
            [framework]
            name = "http.server"
            pypi = "pip"
            [runtime]
            name = "threads"
            io_model = "epoll"
            [build]
            kind = "none"
            [run]
            command = ["{{python}}", "{tmp_path / "srv.py"}", "{{port}}", "{mode}"]
        ''')
        )
        return load_manifest(manifest)[0]

    return make


def test_start_probe_stop(spec_for, tmp_path):
    with ServerProcess(spec_for("ok"), log_dir=tmp_path) as proc:
        assert answers_plaintext(proc.host, proc.port)
        assert proc.running()
    assert not proc.running()
    assert not answers_plaintext(proc.host, proc.port)


def test_pinning_to_a_cpu(spec_for, tmp_path):
    with ServerProcess(spec_for("ok"), log_dir=tmp_path, cpus={0}) as proc:
        assert os.sched_getaffinity(proc.pid) == {0}


def test_exit_during_start_is_reported_with_log(spec_for, tmp_path):
    with pytest.raises(HarnessError) as err:
        ServerProcess(spec_for("die"), log_dir=tmp_path).start()
    text = str(err.value)
    assert "[stub-die] start failed" in text and "exited with code 2" in text
    assert "fatal: cannot start" in text and str(tmp_path) in text


def test_not_ready_times_out_and_is_killed(spec_for, tmp_path):
    proc = ServerProcess(spec_for("slow"), log_dir=tmp_path, ready_timeout=1.0)
    with pytest.raises(HarnessError, match="not ready"):
        proc.start()
    assert not proc.running()


def test_crash_while_serving_is_reported(spec_for, tmp_path):
    import httpx

    with ServerProcess(spec_for("ok"), log_dir=tmp_path) as proc:
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{proc.url}/crash", timeout=2)
        time.sleep(0.2)
        with pytest.raises(HarnessError, match=r"\[stub-ok\] serve failed: server exited with code 3"):
            proc.check_alive()


def test_sigterm_ignored_falls_back_to_sigkill(spec_for, tmp_path):
    proc = ServerProcess(spec_for("ignore-term"), log_dir=tmp_path).start()
    started = time.monotonic()
    proc.stop(timeout=0.5)
    assert not proc.running()
    assert time.monotonic() - started < 3
