"""Speech synthesis engines. The embedded default is Kokoro-82M (int8 ONNX) from PyPI packages."""
