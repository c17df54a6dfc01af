# The observatory API on the embedded Oxigraph store.

# The SPARQL editor's assets (YASGUI), installed from npm at build time, never from a CDN.
FROM node:20-slim AS ui
WORKDIR /ui
COPY api/ui/package.json api/ui/package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    TSR_STORE=/data/store \
    TSR_HOST=0.0.0.0 \
    TSR_PORT=8000

RUN useradd --create-home --uid 10001 tsr \
    && mkdir -p /data \
    && chown 10001:10001 /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY store ./store
COPY ingest ./ingest
COPY api ./api
COPY --from=ui /ui/node_modules/@zazuko/yasgui/build ./api/ui/node_modules/@zazuko/yasgui/build
COPY cli ./cli
COPY ontology ./ontology
COPY shapes ./shapes
COPY queries ./queries
COPY examples ./examples
RUN pip install --no-cache-dir .

USER 10001:10001
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status == 200 else 1)"]

CMD ["tsr", "serve", "--host", "0.0.0.0", "--port", "8000"]
