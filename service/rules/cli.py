"""`flask rules ...`: evaluate the policy over the register."""

import click

rules_cli = click.Group("rules", help="Disclosure and list rules: evaluate, show the policy.")
