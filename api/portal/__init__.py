"""The public portal (issue 16): server-rendered pages in French (default) and English.

`routes/` holds one router per page kind, `templates/` the Jinja2 templates (all extend
`layout.html`), `static/` the style sheet and scripts, `i18n/` the interface strings (one
JSON file per language) and the choice of a page's language. See README.md here for how
to add a page.
"""
