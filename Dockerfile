# Accord's container image (docs/deploy.md, ADR 0038).
#
# Two stages from one base: the builder installs the hashed runtime lock into a virtual
# environment and builds Accord's own wheel there; the runtime stage copies only that
# environment (hatchling, editables, pip and setuptools removed) and runs as an
# unprivileged user. Nothing is installed that the locks do not pin by hash.
#
# BASE must be pinned by digest. The default is the Docker Official python image; the
# registry cannot be reached from the development machine, so that digest is checked by
# the first pull of a normal CI (a mismatch fails the build, it never pulls another image).
# A base made from Debian's own packages works the same (docs/deploy.md: mmdebstrap):
#   podman build --build-arg BASE=localhost/accord-base:bookworm -t accord .
ARG BASE=python:3.11-slim-bookworm@sha256:a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b

FROM ${BASE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
# The lock first: its layer is reused until a pinned dependency changes.
COPY requirements/main.lock requirements/main.lock
RUN python3 -m venv /opt/accord \
    && /opt/accord/bin/pip install --require-hashes --no-deps --only-binary=:all: \
        -r requirements/main.lock
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
# Build with the locked hatchling (no build isolation: nothing unpinned is fetched), install
# the wheel, then drop what only building and installing needed.
RUN /opt/accord/bin/pip wheel --no-deps --no-build-isolation --wheel-dir /tmp/wheels . \
    && /opt/accord/bin/pip install --no-deps --no-index /tmp/wheels/accord-*.whl \
    && /opt/accord/bin/pip uninstall --yes hatchling editables setuptools pip \
    && /opt/accord/bin/accord --help > /dev/null

FROM ${BASE} AS runtime
# One unprivileged user; its home is the data directory (the embedded SQLite default and
# the CLI's files), the only place the process writes besides ACCORD_METRICS_DIR.
RUN useradd --system --no-log-init --uid 10001 --user-group \
        --home-dir /var/lib/accord --create-home --shell /usr/sbin/nologin accord
COPY --from=builder /opt/accord /opt/accord
ENV PATH=/opt/accord/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    ACCORD_DATA_DIR=/var/lib/accord \
    ACCORD_HOST=0.0.0.0 \
    ACCORD_PORT=8080
USER 10001:10001
WORKDIR /var/lib/accord
EXPOSE 8080
# The API's liveness endpoint; the worker's container overrides it (its --health-port).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('ACCORD_PORT', '8080') + '/healthz', timeout=4)"]
ENTRYPOINT ["accord"]
CMD ["serve"]
