# The kag API: `docker compose up` runs it next to Neo4j (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 kag \
    && useradd --system --uid 10001 --gid kag --home-dir /app --shell /usr/sbin/nologin kag \
    && mkdir -p /app /data/api \
    && chown kag:kag /app /data /data/api

# .dockerignore keeps tests, notebooks, virtualenvs and build output out of this copy.
COPY . /tmp/src
# requirements-model.txt pins the spaCy model by hash; --no-deps because spaCy comes with the project.
RUN pip install /tmp/src \
    && pip install --no-deps -r /tmp/src/requirements-model.txt \
    && rm -rf /tmp/src

# API keys, ingestion jobs and their uploads live here (a volume in docker-compose.yml), so they
# survive a restart of the container; a job interrupted by one resumes when the API is back.
ENV KAG_API__STATE_DIR=/data/api
VOLUME ["/data"]

WORKDIR /app
USER kag
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4); sys.exit(0 if r.status == 200 else 1)"]

CMD ["uvicorn", "--factory", "api.app:create_app", "--host", "0.0.0.0", "--port", "8000"]
