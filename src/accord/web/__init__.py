"""The web UI under /ui/: server-rendered pages over the same services as the API.

Pages are Jinja2 templates (`templates/`), enhanced by htmx (vendored in `static/`, with
its license) and readable without JavaScript. Routers live in `pages/`, one module per
area; they call services, never repositories. `install` adds them to the app with the
UI's own error pages, security headers and static files."""
