"""JSON API for officials' systems to submit decisions (token-authenticated)."""

from flask import Blueprint

bp = Blueprint("register_api", __name__, url_prefix="/api/v1/register")
