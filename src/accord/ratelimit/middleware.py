"""Pure ASGI rate limiting, in front of authentication and body reading.

Sits inside RequestContextMiddleware (429s carry the request id and are logged) and
outside BodyLimitMiddleware (a refused request is not read). Health probes are never
limited. With `rate_limit_enabled` false it passes everything through untouched.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accord.exceptions import TooManyRequestsError
from accord.problems import problem_response
from accord.ratelimit.headers import (
    LIMIT_HEADER,
    POLICY_HEADER,
    limit_value,
    policy_value,
    rate_limit_headers,
)
from accord.ratelimit.identity import (
    HEALTH_PATHS,
    Caller,
    ClientResolver,
    is_expensive,
    key_fingerprint,
)
from accord.ratelimit.limiter import Admission, Limiter
from accord.ratelimit.policy import RateLimitConfig
from accord.ratelimit.reading import Reading

_DETAILS = {
    "auth": "too many failed authentications from this address",
    "client": "too many requests from this address",
    "key": "too many requests with this API key",
    "expensive": "too many compatibility checks, impact analyses and dbt imports with this API key",
}


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, config: RateLimitConfig) -> None:
        self.app = app
        self.config = config
        self.limiter = Limiter(config) if config.enabled else None
        self._resolve = ClientResolver(config.trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limiter = self.limiter
        if limiter is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "lifespan":
            try:
                await self.app(scope, receive, send)
            finally:
                await limiter.aclose()
        elif scope["type"] != "http" or scope["path"] in HEALTH_PATHS:
            await self.app(scope, receive, send)
        else:
            await self._limited(limiter, scope, receive, send)

    async def aclose(self) -> None:
        if self.limiter is not None:
            await self.limiter.aclose()

    def identify(self, scope: Scope) -> Caller:
        authorization: bytes | None = None
        forwarded: list[str] = []
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value
            elif name == b"x-forwarded-for":
                forwarded.append(value.decode("latin-1"))
        peer = scope.get("client")
        return Caller(
            client=self._resolve(peer[0] if peer else None, ",".join(forwarded) or None),
            key=key_fingerprint(authorization, self.config.fingerprint_secret),
            expensive=is_expensive(scope["method"], scope["path"]),
        )

    async def _limited(self, limiter: Limiter, scope: Scope, receive: Receive, send: Send) -> None:
        caller = self.identify(scope)
        admission = await limiter.admit(caller)
        if admission.refused_by is not None:
            await self._refuse(admission, admission.refused_by, scope, receive, send)
            return

        async def send_with_limits(message: Message) -> None:
            if message["type"] == "http.response.start":
                readings = admission.readings
                if message["status"] == 401:
                    failure = await limiter.record_auth_failure(caller.client)
                    if failure is not None:
                        readings = (*readings, failure)
                extra = rate_limit_headers(readings)
                if extra:
                    message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_limits)

    @staticmethod
    async def _refuse(
        admission: Admission, refused: Reading, scope: Scope, receive: Receive, send: Send
    ) -> None:
        name = refused.policy.name
        error = TooManyRequestsError(
            f"{_DETAILS[name]}; retry in {refused.retry_after_s} s",
            retry_after=refused.retry_after_s,
            extra={"violated_policies": [name]},
        )
        headers = {
            "Retry-After": str(error.retry_after),
            POLICY_HEADER: policy_value(r.policy for r in admission.readings),
            # Only the violated policy: Retry-After must not end before any listed `t`.
            LIMIT_HEADER: limit_value([refused]),
        }
        response = problem_response(
            error.status,
            error.instance_code,
            error.title,
            error.detail,
            scope.get("path"),
            error.extra,
            headers,
        )
        await response(scope, receive, send)
