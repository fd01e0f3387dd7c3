"""Each server runs the I/O model its manifest claims, and `--workers N`
really gives N workers.

- `runtime.io_model = "io_uring"`: some process of the server holds an
  io_uring instance (`anon_inode:[io_uring]` among `/proc/PID/fd`) while
  serving; any other model holds none. A variant that silently fell back to
  another runtime fails here.
- Workers: one more worker must add exactly `runtime.threads_per_worker`
  threads (default 1; the kernel's io_uring worker threads are not counted),
  or one process when `runtime.worker_unit = "process"`.
  Comparing N=2 with N=1 cancels out each runtime's fixed helper threads.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import psutil

from harness.process import ServerProcess

IO_URING_FD = "anon_inode:[io_uring]"


def _tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def _fd_targets(pid: int) -> list[str]:
    targets = []
    for proc in _tree(pid):
        fd_dir = Path(f"/proc/{proc.pid}/fd")
        for fd in fd_dir.iterdir():
            try:
                targets.append(os.readlink(fd))
            except OSError:
                pass
    return targets


def _exercise(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.url, timeout=5.0) as client:
        for i in range(1, 21):
            assert client.get(f"/users/{i}").status_code == 200
        assert client.post("/echo", content=b"[1]", headers={"Content-Type": "application/json"}).status_code == 200


def test_io_model_is_what_the_manifest_claims(server):
    _exercise(server)
    holds_uring = IO_URING_FD in _fd_targets(server.pid)
    if server.spec.io_model == "io_uring":
        assert holds_uring, f"{server.spec.name} claims io_uring but holds no io_uring instance"
    else:
        assert not holds_uring, f"{server.spec.name} claims {server.spec.io_model} but holds an io_uring instance"


def _worker_units(spec, workers: int, log_dir: Path) -> int:
    unit = spec.runtime_info.get("worker_unit", "thread")
    with ServerProcess(spec, workers=workers, log_dir=log_dir) as proc:
        _exercise(proc)
        tree = _tree(proc.pid)
        return len(tree) if unit == "process" else sum(_runtime_threads(p.pid) for p in tree)


# Threads the kernel starts inside a process for its io_uring rings (io-wq
# workers, SQPOLL): they come and go with load, so they are not workers.
KERNEL_URING_THREADS = ("iou-wrk-", "iou-sqp-")


def _runtime_threads(pid: int) -> int:
    count = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
        except OSError:
            continue  # the thread ended while we looked
        count += not name.startswith(KERNEL_URING_THREADS)
    return count


def test_workers_flag_sets_worker_count(server_spec, tmp_path):
    per_worker = server_spec.runtime_info.get("threads_per_worker", 1)
    one = _worker_units(server_spec, 1, tmp_path)
    two = _worker_units(server_spec, 2, tmp_path)
    assert two - one == per_worker, f"--workers 1 gave {one}, --workers 2 gave {two}; expected a difference of {per_worker}"
