"""The chat page: one template; the script and styles are static files (no inline script, no CDN)."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("pages", __name__)


@bp.get("/")
def chat() -> str:
    """The web chat."""
    return render_template("index.html")
