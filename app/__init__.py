"""hwr: a handwriting recognizer you can train in the browser."""

__version__ = "0.1.0"
