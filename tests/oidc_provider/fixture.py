"""A real OpenID Connect provider on loopback for the tests: `OidcProvider` and the
`oidc_provider` / `oidc_provider_factory` pytest fixtures.

It runs ``node provider.mjs`` (panva's certified ``oidc-provider``) as a child process, with
the node modules `tools/oidc_provider.py` installs from the committed lock. A real provider
rather than a mock, so the tests exercise what production meets: discovery, JWKS, signed
JWTs, PKCE, the authorization-code redirect dance, key rotation.

    with OidcProvider(redirect_uris=["http://127.0.0.1:8000/ui/oidc/callback"]) as op:
        op.issuer                              # http://127.0.0.1:PORT
        op.token()                             # accord-ci client_credentials JWT, aud accord-api
        op.token(resource="https://other.example")   # a token for another audience
        op.token(ttl=1)                        # expires in one second
        op.restart(rotate_keys=True)           # same port, new signing key (new kid)
        op.users["alice"]                      # her claims

Without node or npm (or when the install fails) the fixtures skip with the reason; under
CI=true they fail instead, so CI never passes by skipping them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn, Self

import httpx
import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCRIPT = HERE / "provider.mjs"
INSTALL = ROOT / "tools" / "oidc_provider.py"
START_TIMEOUT_S = 20.0

UI_CLIENT_ID = "accord-ui"
CI_CLIENT_ID = "accord-ci"
# Accord's API as a resource indicator (RFC 8707 wants an absolute URI) and the audience
# its tokens carry; tokens asked without `resource` are for it.
API_RESOURCE = "urn:accord:api"
API_AUDIENCE = "accord-api"
API_SCOPES = ("api",)
# Which claims each scope releases (in the id_token, userinfo and access tokens' groups).
CLAIMS_OF_SCOPES = {
    "openid": ["sub"],
    "profile": ["name", "preferred_username"],
    "email": ["email", "email_verified"],
    "groups": ["groups"],
}
USERS: dict[str, dict[str, Any]] = {
    "alice": {
        "sub": "alice",
        "name": "Alice Martin",
        "preferred_username": "alice",
        "email": "alice@example.com",
        "email_verified": True,
        "groups": ["accord-admins"],
    },
    "bob": {
        "sub": "bob",
        "name": "Bob Chen",
        "preferred_username": "bob",
        "email": "bob@example.com",
        "email_verified": True,
        "groups": ["orders-team"],
    },
    "carol": {
        "sub": "carol",
        "name": "Carol Diaz",
        "preferred_username": "carol",
        "email": "carol@example.com",
        "email_verified": True,
        "groups": ["analytics-team"],
    },
}


class OidcUnavailableError(RuntimeError):
    """node, npm or the provider's node modules are missing: the provider cannot run."""


class OidcStartError(RuntimeError):
    """The provider process exited or did not answer discovery in time (its log attached)."""


def in_ci() -> bool:
    """CI=true: a missing node/npm fails the run instead of skipping."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@cache
def node_modules() -> Path:
    """The installed node_modules (``npm ci`` once per lock change, by the tool)."""
    if shutil.which("node") is None:
        raise OidcUnavailableError("node is not installed (apt-get install nodejs npm)")
    done = subprocess.run(
        [sys.executable, str(INSTALL), "install"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise OidcUnavailableError(
            f"could not install oidc-provider with tools/oidc_provider.py: {done.stderr.strip()}"
        )
    return Path(done.stdout.strip())


class OidcProvider:
    """One provider process: start, stop, restart on the same port, mint tokens.

    The clients: ``accord-ui`` (authorization code with PKCE S256; confidential with
    client_secret_basic when ``ui_client_secret`` is set, else public) and ``accord-ci``
    (client_credentials, its tokens carry the static ``groups`` claim ``ci_groups``).
    Signing keys live in a JWK set file in the work directory, so a restart keeps them
    unless it rotates them. Everything the process writes goes to ``log_path``.
    """

    def __init__(
        self,
        redirect_uris: Sequence[str] = ("http://127.0.0.1/ui/oidc/callback",),
        *,
        ui_client_secret: str | None = "accord-ui-secret",
        ci_client_secret: str = "accord-ci-secret",
        ci_groups: Sequence[str] = ("orders-team",),
        post_logout_redirect_uris: Sequence[str] = (),
        access_token_ttl: int = 300,
        users: dict[str, dict[str, Any]] | None = None,
        workdir: Path | None = None,
    ) -> None:
        self.redirect_uris = list(redirect_uris)
        self.ui_client_id = UI_CLIENT_ID
        self.ui_client_secret = ui_client_secret
        self.ci_client_id = CI_CLIENT_ID
        self.ci_client_secret = ci_client_secret
        self.ci_groups = list(ci_groups)
        self.post_logout_redirect_uris = list(post_logout_redirect_uris)
        self.access_token_ttl = access_token_ttl
        self.users = {login: dict(claims) for login, claims in (users or USERS).items()}
        self.resource = API_RESOURCE
        self.audience = API_AUDIENCE
        self._scratch: tempfile.TemporaryDirectory[str] | None = None
        if workdir is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="oidc-provider-")
            workdir = Path(self._scratch.name)
        self.workdir = workdir
        self.log_path = workdir / "provider.log"
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def issuer(self) -> str:
        if not self.port:
            raise RuntimeError("the provider is not started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def _config(self, *, new_key: bool, keep_old_keys: bool) -> Path:
        config = {
            "host": "127.0.0.1",
            "port": self.port,
            "port_file": str(self.workdir / "port"),
            "jwks_file": str(self.workdir / "jwks.json"),
            "new_key": new_key,
            "keep_old_keys": keep_old_keys,
            "modules": str(node_modules()),
            "ui": {
                "client_id": self.ui_client_id,
                "client_secret": self.ui_client_secret,
                "redirect_uris": self.redirect_uris,
                "post_logout_redirect_uris": self.post_logout_redirect_uris,
            },
            "ci": {
                "client_id": self.ci_client_id,
                "client_secret": self.ci_client_secret,
                "groups": self.ci_groups,
            },
            "resource": self.resource,
            "audience": self.audience,
            "api_scopes": list(API_SCOPES),
            "access_token_ttl": self.access_token_ttl,
            "claims_of_scopes": CLAIMS_OF_SCOPES,
            "users": self.users,
        }
        path = self.workdir / "config.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        return path

    def start(self, *, new_key: bool = False, keep_old_keys: bool = False) -> Self:
        """Start node and return once discovery answers (port 0 the first time: any free
        port; afterwards the same one, so the issuer never changes)."""
        if self._process is not None:
            raise RuntimeError("the provider is already running")
        config = self._config(new_key=new_key, keep_old_keys=keep_old_keys)
        port_file = self.workdir / "port"
        port_file.unlink(missing_ok=True)
        node = shutil.which("node")
        assert node is not None  # node_modules() checked it
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [node, str(SCRIPT), str(config)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                cwd=self.workdir,
            )
        try:
            self._await_ready(port_file)
        except BaseException:
            self.stop()
            raise
        return self

    def _await_ready(self, port_file: Path) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        assert self._process is not None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise OidcStartError(
                    f"oidc-provider exited with {self._process.returncode}:\n{self.log()}"
                )
            if port_file.is_file() and port_file.read_text(encoding="ascii").strip():
                self.port = int(port_file.read_text(encoding="ascii"))
                try:
                    if httpx.get(self.discovery_url, timeout=2).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
            time.sleep(0.05)
        raise OidcStartError(f"oidc-provider did not answer in {START_TIMEOUT_S}s:\n{self.log()}")

    def stop(self) -> None:
        """Stop the process by its pid (SIGTERM, then SIGKILL after 5 s)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def restart(self, *, rotate_keys: bool = False, keep_old_keys: bool = False) -> None:
        """Stop and start on the same port. ``rotate_keys``: a new signing key (new kid)
        signs from now on; the old public keys stay in the JWKS only with ``keep_old_keys``.
        Sessions, codes and opaque artefacts do not survive (in-memory storage)."""
        self.stop()
        self.start(new_key=rotate_keys, keep_old_keys=keep_old_keys)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def log(self) -> str:
        """What the process wrote so far."""
        if not self.log_path.is_file():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def secret_of(self, client: str) -> str | None:
        if client == self.ci_client_id:
            return self.ci_client_secret
        if client == self.ui_client_id:
            return self.ui_client_secret
        raise ValueError(f"unknown client {client!r}")

    def token_response(
        self,
        client: str = CI_CLIENT_ID,
        *,
        resource: str | None = None,
        scope: str | None = None,
        ttl: int | None = None,
        secret: str | None = None,
    ) -> httpx.Response:
        """The raw client_credentials token response (for the error cases)."""
        form = {"grant_type": "client_credentials"}
        if resource is not None:
            form["resource"] = resource
        if scope is not None:
            form["scope"] = scope
        if ttl is not None:
            form["ttl"] = str(ttl)
        password = secret if secret is not None else self.secret_of(client) or ""
        return httpx.post(f"{self.issuer}/token", data=form, auth=(client, password), timeout=10)

    def token(
        self,
        client: str = CI_CLIENT_ID,
        resource: str | None = None,
        ttl: int | None = None,
        *,
        scope: str | None = None,
    ) -> str:
        """A client_credentials access token (a JWT): for Accord's API unless ``resource``
        names another; living ``ttl`` seconds when given (else the provider's default)."""
        answer = self.token_response(client, resource=resource, scope=scope, ttl=ttl)
        if answer.status_code != 200:
            raise RuntimeError(f"token request failed: {answer.status_code} {answer.text}")
        token: str = answer.json()["access_token"]
        return token

    def jwks(self) -> dict[str, Any]:
        """The public JWK set the provider serves now."""
        found: dict[str, Any] = httpx.get(f"{self.issuer}/jwks", timeout=10).json()
        return found

    def __enter__(self) -> Self:
        if not self.running:
            self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the process and remove the scratch directory (if the provider made it)."""
        self.stop()
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None


def unavailable(reason: str) -> NoReturn:
    if in_ci():
        pytest.fail(f"{reason} (the OIDC tests must run under CI=true)", pytrace=False)
    pytest.skip(reason)


def _checked() -> None:
    try:
        node_modules()
    except OidcUnavailableError as exc:
        unavailable(str(exc))


@pytest.fixture
def oidc_provider_factory(tmp_path: Path) -> Iterator[Callable[..., OidcProvider]]:
    """Starts providers with any `OidcProvider` arguments; all stopped after the test."""
    _checked()
    started: list[OidcProvider] = []

    def make(**kwargs: Any) -> OidcProvider:
        workdir = tmp_path / f"oidc-{len(started)}"
        workdir.mkdir()
        provider = OidcProvider(workdir=workdir, **kwargs)
        started.append(provider)
        return provider.start()

    yield make
    for provider in started:
        provider.close()


@pytest.fixture
def oidc_provider(oidc_provider_factory: Callable[..., OidcProvider]) -> OidcProvider:
    """A running provider with the default clients and users (see `OidcProvider`)."""
    return oidc_provider_factory()
