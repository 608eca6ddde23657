"""hwr without a server: check drawings with a trained model, numpy only.

    from hwr import Recognizer
    recognizer = Recognizer.load("default.json")  # the page's Export, or GET .../model
    answer = recognizer.check([[[0, 0], [0, 100], [60, 100]]])  # strokes, as the canvas records
    answer.label, answer.ranked, answer.unknown, answer.reason

This is the code the server's Check runs (app/recognizer.py), so the answers are the same.
`hwr check --model default.json drawing.json` does it from a shell.
"""

from app import __version__
from app.ink import rasterise
from app.nn.network import ModelFormatError
from app.recognizer import Answer, Recognizer

__all__ = ["Answer", "ModelFormatError", "Recognizer", "__version__", "rasterise"]
