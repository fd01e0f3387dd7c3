"""A server's whole process tree (worker processes included): its memory and descriptors."""

from __future__ import annotations

import psutil


def tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def tree_rss(pid: int) -> int:
    total = 0
    for p in tree(pid):
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def tree_fds(pid: int) -> int:
    total = 0
    for p in tree(pid):
        try:
            total += p.num_fds()
        except psutil.NoSuchProcess:
            pass
    return total
