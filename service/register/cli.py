"""`flask register ...`: bulk import and register maintenance."""

import click

register_cli = click.Group("register", help="The penalty register: import decisions.")
