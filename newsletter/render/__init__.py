"""Content -> Email: HTML (Jinja -> MJML -> CSS inliner), the text part, and
the service's merge tags written last (platforms.py)."""
