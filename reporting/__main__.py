from reporting.cli import app

app(prog_name="mi")
