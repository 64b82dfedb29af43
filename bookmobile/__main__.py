"""`python -m bookmobile ...` runs the staff CLI (the same as the `bookmobile` command)."""

from bookmobile.cli import app

app(prog_name="bookmobile")
