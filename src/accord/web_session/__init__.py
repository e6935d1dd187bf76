"""Signed-in browsers of the web UI: a cookie token, its CSRF token, its expiry."""
