"""IP-enforcement public-credit service (知识产权领域公共信用服务).

`create_app` is imported on first use, so that the pure parts (`service.rules`)
can be imported without Flask or a database driver.
"""

__all__ = ["create_app"]


def __getattr__(name: str):
    if name == "create_app":
        from service.app import create_app

        return create_app
    raise AttributeError(f"module 'service' has no attribute {name!r}")
