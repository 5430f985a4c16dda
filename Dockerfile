# The MI reporting pipeline with Airflow 3 (CeleryExecutor): one image for every Airflow component
# of docker-compose.yml (api-server, scheduler, dag-processor, triggerer, celery workers, init).
#
#   docker compose build          (or: docker build -t mi-reporting:local .)
#
# The project is installed from this folder (editable, so a mounted sql/ is what the DAGs read).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    AIRFLOW_HOME=/opt/airflow \
    MI_HOME=/opt/mi

# What WeasyPrint 70 needs at run time: Pango (text layout) with FreeType, HarfBuzz and its subsetter
# (small PDFs; without it WeasyPrint falls back to a slower subsetter and warns), fontconfig, and the
# fonts report_templates/print.css names (DejaVu Sans and Sans Condensed, Liberation as fallback).
# (psycopg[binary] brings its own libpq.)
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 \
      fonts-dejavu-core fonts-dejavu-extra fonts-liberation2 shared-mime-info \
 && rm -rf /var/lib/apt/lists/*

# Airflow's convention (uid 50000, gid 0) so named volumes created from the image are writable.
RUN useradd --uid 50000 --gid 0 --home-dir "$AIRFLOW_HOME" --create-home --shell /bin/bash mi \
 && mkdir -p "$MI_HOME" /var/lib/mi/archive /var/lib/mi/outbox "$AIRFLOW_HOME/logs" \
 && chown -R 50000:0 "$MI_HOME" /var/lib/mi "$AIRFLOW_HOME" \
 && chmod -R g+rwX /var/lib/mi "$AIRFLOW_HOME"

WORKDIR $MI_HOME
# Dependencies first (a layer that survives edits to the reports), then the whole project.
COPY --chown=50000:0 pyproject.toml README.md ./
COPY --chown=50000:0 reporting ./reporting
RUN pip install -e ".[celery]"
# (A .dockerignore with .venv/ var/ out/ .git/ keeps the build context small; without one they are
# sent to the builder but removed here, so a developer's local state never ends up in the image.)
COPY --chown=50000:0 . .
RUN rm -rf .venv var out .pytest_cache .hypothesis

USER 50000
# docker-compose.yml gives each service its command (`airflow scheduler`, `airflow celery worker`, ...).
CMD ["airflow", "version"]
