"""IP-enforcement public-credit service (知识产权领域公共信用服务)."""

from service.app import create_app

__all__ = ["create_app"]
