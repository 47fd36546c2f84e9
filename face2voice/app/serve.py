"""Serving a demo in a background thread on loopback: used by the tests, handy in notebooks.

``demo.launch(prevent_thread_lock=True)`` already runs uvicorn in a thread; this adds a free port
on 127.0.0.1 and a context manager that always closes the server, so a failing test cannot leave
a port bound.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

import gradio as gr

from .ui import launch_kwargs


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@contextmanager
def serving(demo: gr.Blocks, host: str = "127.0.0.1") -> Iterator[str]:
    """Launch ``demo`` on a free loopback port; yields its URL and closes it on exit."""
    port = free_port(host)
    demo.launch(server_name=host, server_port=port, prevent_thread_lock=True, quiet=True, **launch_kwargs())
    try:
        yield f"http://{host}:{port}/"
    finally:
        demo.close()
