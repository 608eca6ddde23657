# hwr: the app served on 0.0.0.0:8000, data in the /data volume, running as a non-root user.

# A wheel of the project: it carries the front end inside the package (app/static,
# app/templates; see pyproject.toml), so the image needs no source tree.
FROM python:3.11-slim AS wheel
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app app
COPY hwr hwr
COPY static static
COPY templates templates
RUN pip wheel --no-cache-dir --no-deps -w /wheels .

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HWR_DATA_DIR=/data

# The locked versions, hash-checked; this layer is rebuilt only when the lock changes.
COPY requirements/run.txt /tmp/requirements/run.txt
RUN pip install --require-hashes -r /tmp/requirements/run.txt && rm -r /tmp/requirements
# Then the project itself, a normal (not editable) install.
COPY --from=wheel /wheels /tmp/wheels
RUN pip install --no-deps /tmp/wheels/hwr-*.whl && rm -r /tmp/wheels \
    && useradd --create-home --uid 10001 hwr \
    && mkdir -p /data && chown hwr:hwr /data

USER hwr
WORKDIR /home/hwr
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/health')"
CMD ["hwr", "serve", "--host", "0.0.0.0", "--port", "8000"]
