"""gunicorn's settings, read from the working directory by `gunicorn wsgi:app`.

The access log masks ID card numbers typed into the public search box.
"""

logger_class = "service.core.serving.AccessLogger"
