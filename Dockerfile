# hwr: the app served on 0.0.0.0:8000, data in the /data volume, running as a non-root user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HWR_DATA_DIR=/data

WORKDIR /srv/hwr
COPY pyproject.toml README.md ./
COPY app app
COPY static static
COPY templates templates
# Editable, so the app finds templates/ and static/ beside the package.
RUN pip install -e . \
    && useradd --create-home --uid 10001 hwr \
    && mkdir -p /data && chown hwr:hwr /data

USER hwr
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/health')"
CMD ["hwr", "serve", "--host", "0.0.0.0", "--port", "8000"]
