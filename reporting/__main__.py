from reporting.cli.main import app

app(prog_name="mi")
