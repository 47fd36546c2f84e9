"""The Gradio app (``python app.py``): layout in ``ui``, request logic in ``handlers``, figures in
``plots``, the shared lazily-loaded pipeline in ``state``. Importing this package loads no model."""

from .state import AppState
from .ui import build_demo, launch_kwargs

__all__ = ["AppState", "build_demo", "launch_kwargs"]
