"""`python -m service <command>`: the same CLI as `flask --app wsgi <command>`."""

from flask.cli import FlaskGroup

from service.app import create_app

cli = FlaskGroup(create_app=lambda: create_app(), help="IP-enforcement credit service CLI")

if __name__ == "__main__":
    cli()
