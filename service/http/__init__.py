"""The HTTP face: the routes (ask, documents, admin, feedback, the page), the request and response models they
validate with and /openapi.json is generated from, and the per-request log and /metrics."""

from service.http import observe
from service.http.admin import bp as admin_bp
from service.http.api import bp as api_bp
from service.http.pages import bp as pages_bp

BLUEPRINTS = (api_bp, admin_bp, pages_bp)

__all__ = ["BLUEPRINTS", "observe"]
