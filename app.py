"""Face2Voice web app: ``python app.py`` locally, or as a Hugging Face Space (``app_file: app.py``).

``demo`` is built at import time (Spaces and ``gradio app.py`` reload look for it) but loads no
model: the pipeline loads on the first request, once, shared by every visitor.
"""

import os

os.environ.setdefault("GLOG_minloglevel", "2")  # silence mediapipe's C++ logging
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no usage pings from a face-photo demo

from face2voice.app import build_demo, launch_kwargs  # noqa: E402

demo = build_demo()

if __name__ == "__main__":
    demo.launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        **launch_kwargs(),
    )
