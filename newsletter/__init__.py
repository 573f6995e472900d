"""newsletter: Markdown issue files -> paste-ready email HTML and plaintext."""
__version__ = "0.1.0"
