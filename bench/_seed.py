"""Seeding for `bench.scale`: a few real rows through the HTTP API, then SQL clones of them.

The API creates the workspace's teams and keys and three template assets with what the
app writes for them: versions (`dw.sales.orders`, `forward`), a `forward_transitive`
asset, registrations, an open proposal with its acknowledgments, a published proposal
(acknowledged, then published as 2.0.0) and a lineage edge. The clones copy those rows
column for column (new ids, fqns, version numbers, timestamps) with set-based SQL on one
asyncpg connection, so the database holds exactly ``Shape.assets`` assets and
``Shape.total_versions`` versions. Ids are UUIDv7 of the row's `created_at`, like the app's.

Shape of the clones: owners round-robin over the teams, three consumer registrations per
asset (the template's three, on the next three teams), lineage in groups of
``GROUP`` assets (i -> i+1 and i -> i+2, so a group head reaches 9 assets through chains of
up to 9 edges), one proposal on every ``assets // proposals``-th asset (a third open and
awaiting two consumers, the rest published at 2.0.0), and one "hot" asset with
``hot_versions`` versions under `forward_transitive`.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from sqlalchemy import make_url

from accord.kit.pagination import encode_cursor

GROUP = 10
VERSION_STEP = timedelta(minutes=10)
MAJOR_EVERY = 50  # version s is (1 + (s-1)//50).((s-1)%50).0: a major bump every 50

COLUMNS: list[tuple[str, dict[str, Any]]] = [
    ("order_id", {"type": "string", "description": "Order key"}),
    ("customer_id", {"type": "string", "description": "Customer key"}),
    ("amount", {"type": "number", "description": "Gross amount"}),
    ("currency", {"type": "string", "enum": ["EUR", "USD", "GBP", "JPY"]}),
    ("status", {"type": "string", "enum": ["placed", "paid", "shipped", "returned"]}),
    ("created_at", {"type": "string", "format": "date-time"}),
    ("updated_at", {"type": "string", "format": "date-time"}),
    ("country", {"type": "string", "description": "ISO 3166 alpha-2"}),
    ("channel", {"type": "string", "description": "web, app or store"}),
    ("discount", {"type": "number", "minimum": 0}),
    ("tax", {"type": "number", "minimum": 0}),
    ("shipping_method", {"type": ["string", "null"]}),
    ("items", {"type": "integer", "minimum": 1}),
    ("is_gift", {"type": "boolean"}),
]
GUARANTEES = {
    "columns": {"order_id": {"not_null": True, "unique": True}, "items": {"min": 1}},
    "freshness": {"column": "updated_at", "max_age_seconds": 3600},
}
DOMAINS = ["sales", "finance", "marketing", "ops", "support", "logistics", "hr", "risk"]
TABLES = ["orders", "refunds", "invoices", "payments", "shipments", "customers", "carts",
          "sessions", "tickets", "returns", "ledger", "campaigns", "stock"]  # fmt: skip
RARE_TAG = "gdpr"


def schema(extra: int = 0, retype_amount: bool = False, title: str = "Orders") -> dict[str, Any]:
    props = {name: dict(spec) for name, spec in COLUMNS}
    for i in range(extra):
        props[f"extra_{i}"] = {"type": "string", "description": f"added column {i}"}
    if retype_amount:
        props["amount"] = {"type": "string", "description": "Gross amount, as text"}
    return {
        "type": "object",
        "description": f"{title}, one row per order",
        "properties": props,
        "required": ["order_id", "customer_id", "amount"],
    }


@dataclass(frozen=True)
class Shape:
    assets: int
    per_asset: int  # versions of every asset but the hot one (the large shape: spread)
    hot_versions: int
    total_versions: int | None = None  # exact total (large); None: assets x per_asset + hot

    @property
    def teams(self) -> int:
        return max(4, self.assets // 50)

    @property
    def proposals(self) -> int:
        return max(150, int(self.assets * 0.3))


@dataclass
class Seeded:
    """What the measurements need, kept as the database's comment (`--reuse`)."""

    label: str
    assets: int
    versions: int
    registrations: int
    edges: int
    proposals: int
    teams: int
    admin_key: str
    read_key: str
    producer_team: str
    consumer_team: str
    typical: str
    typical_versions: int
    typical_tail: str
    hot: str
    hot_versions: int
    transitive: str
    transitive_versions: int
    open_proposal: str
    deep_assets_cursor: str
    rare_q: str
    seconds: float

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Seeded:
        return cls(**json.loads(text))


def version_name(seq: int) -> str:
    return f"{1 + (seq - 1) // MAJOR_EVERY}.{(seq - 1) % MAJOR_EVERY}.0"


def uuid7_at(ts: datetime) -> uuid.UUID:
    """A UUIDv7 whose timestamp is ``ts`` (the app's ids are UUIDv7 of their insert time)."""
    ms = int(ts.timestamp() * 1000)
    value = (ms << 80) | int.from_bytes(os.urandom(10), "big")
    value = (value & ~(0xF << 76)) | (0x7 << 76)
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    return uuid.UUID(int=value)


def _ok(r: httpx.Response) -> dict[str, Any]:
    if r.status_code >= 300:
        raise RuntimeError(f"{r.request.method} {r.request.url}: {r.status_code} {r.text[:400]}")
    body: dict[str, Any] = r.json() if r.content else {}
    return body


@dataclass(frozen=True)
class Templates:
    workspace: uuid.UUID
    producer: uuid.UUID
    consumers: list[uuid.UUID]  # consumer-a, -b, -c: template registration k is consumers[k]
    orders: uuid.UUID  # forward, 3 versions, 3 registrations, open proposal
    refunds: uuid.UUID  # published proposal (2.0.0)
    history: uuid.UUID  # forward_transitive, 3 versions
    open_proposal: uuid.UUID
    published_proposal: uuid.UUID
    edge: uuid.UUID
    admin_key: str
    read_key: str


def seed_templates(base: str, admin_key: str) -> Templates:
    """The real rows, through the HTTP API."""
    admin = {"Authorization": f"Bearer {admin_key}"}
    with httpx.Client(base_url=base, headers=admin, timeout=60) as c:

        def team(name: str) -> uuid.UUID:
            body = {"name": name, "description": f"{name} team"}
            return uuid.UUID(_ok(c.post("/api/v1/teams", json=body))["id"])

        def key(team_id: uuid.UUID, scopes: list[str]) -> str:
            body = {"name": f"bench-{'-'.join(scopes)}", "team_id": str(team_id), "scopes": scopes}
            return str(_ok(c.post("/api/v1/api-keys", json=body))["key"])

        producer = team("producer")
        consumers = [team(f"consumer-{x}") for x in "abc"]
        write = {"Authorization": f"Bearer {key(producer, ['read', 'write'])}"}
        read_key = key(producer, ["read"])
        consumer_a = {"Authorization": f"Bearer {key(consumers[0], ['read', 'write'])}"}

        def asset(fqn: str, **extra: Any) -> uuid.UUID:
            body = {
                "fqn": fqn, "owner_team_id": str(producer), "tags": ["tier-1", "pii"],
                "description": f"{fqn.rsplit('.', 1)[-1].title()} of the web shop, hourly",
                "metadata": {"domain": "sales", "sla": "hourly"}, **extra,
            }  # fmt: skip
            return uuid.UUID(_ok(c.post("/api/v1/assets", json=body, headers=write))["id"])

        def publish(asset_id: uuid.UUID, doc: dict[str, Any], **extra: Any) -> dict[str, Any]:
            body = {"schema": doc, "format": "jsonschema", **extra}
            return _ok(c.post(f"/api/v1/assets/{asset_id}/versions", json=body, headers=write))

        def register(asset_id: uuid.UUID, team_id: uuid.UUID, fields: list[str] | None) -> None:
            body = {"asset_id": str(asset_id), "team_id": str(team_id), "fields": fields,
                    "note": "nightly extract", "version_range": "^1.0.0"}  # fmt: skip
            _ok(c.post("/api/v1/registrations", json=body))  # admin: any consumer team

        orders = asset("dw.sales.orders")
        history = asset("dw.sales.orders_history", compatibility="forward_transitive")
        for doc_asset, title in ((orders, "Orders"), (history, "Order history")):
            publish(doc_asset, schema(title=title), guarantees=GUARANTEES)
            publish(doc_asset, schema(1, title=title))
            publish(doc_asset, schema(2, title=title))
        register(orders, consumers[0], ["order_id", "amount"])
        register(orders, consumers[1], None)
        register(orders, consumers[2], ["customer_id"])
        out = publish(orders, schema(2, retype_amount=True))
        if out["outcome"] != "proposal":
            raise RuntimeError(f"expected a proposal, got {out['outcome']}")
        open_proposal = uuid.UUID(out["proposal"]["id"])

        refunds = asset("dw.sales.refunds")
        publish(refunds, schema(title="Refunds"), guarantees=GUARANTEES)
        register(refunds, consumers[0], ["amount"])
        out = publish(refunds, schema(retype_amount=True, title="Refunds"))
        published = uuid.UUID(out["proposal"]["id"])
        ack = {"team_id": str(consumers[0]), "decision": "approve", "comment": "migrated"}
        _ok(c.post(f"/api/v1/proposals/{published}/acknowledgments", json=ack, headers=consumer_a))
        _ok(c.post(f"/api/v1/proposals/{published}/publish", json={}, headers=write))

        edge_body = {"upstream_asset_id": str(orders), "downstream_asset_id": str(refunds),
                     "kind": "transforms"}  # fmt: skip
        edge = uuid.UUID(_ok(c.post("/api/v1/lineage/edges", json=edge_body, headers=write))["id"])
        workspace = uuid.UUID(_ok(c.get("/api/v1/workspace"))["id"])
    return Templates(
        workspace, producer, consumers, orders, refunds, history, open_proposal, published,
        edge, admin_key, read_key,
    )  # fmt: skip


UUID7_SQL = """
CREATE FUNCTION pg_temp.uuid7(ts timestamptz) RETURNS uuid LANGUAGE sql VOLATILE AS $$
  SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING
    substring(int8send(floor(extract(epoch FROM ts) * 1000)::bigint) FROM 3) FROM 1 FOR 6),
    52, 1), 53, 1), 'hex')::uuid
$$
"""

PLAN_SQL = """
CREATE TEMP TABLE clone_plan (
  n int PRIMARY KEY, id uuid NOT NULL, template uuid NOT NULL, owner uuid NOT NULL,
  consumers uuid[] NOT NULL, fqn text NOT NULL, environment text NOT NULL, kind text NOT NULL,
  description text NOT NULL, tags jsonb NOT NULL, created_at timestamptz NOT NULL,
  nversions int NOT NULL, grp int NOT NULL, pos int NOT NULL)
"""

ASSETS_SQL = """
INSERT INTO assets (id, workspace_id, fqn, environment, kind, owner_team_id, compatibility,
  content_model, dialect, annotations, description, tags, metadata, deleted_at, created_at,
  updated_at)
SELECT p.id, t.workspace_id, p.fqn, p.environment, p.kind, p.owner, t.compatibility,
  t.content_model, t.dialect, t.annotations, p.description, p.tags, t.metadata, NULL,
  p.created_at, p.created_at
FROM clone_plan p JOIN assets t ON t.id = p.template ORDER BY p.n
"""

# The template's latest version, its schema given a per-version description (every
# version's content differs, as publishing requires); the hash is of that content.
VERSIONS_SQL = """
INSERT INTO contract_versions (id, workspace_id, asset_id, seq, version, major, minor, patch,
  prerelease, format, schema, guarantees, content_hash, "references", proposal_id,
  published_by, created_at)
SELECT pg_temp.uuid7(p.created_at + s * $3::interval), tv.workspace_id, p.id, s,
  (1 + (s - 1) / 50)::text || '.' || ((s - 1) % 50)::text || '.0',
  1 + (s - 1) / 50, (s - 1) % 50, 0, NULL, tv.format, d.doc, tv.guarantees,
  encode(sha256(convert_to(d.doc::text || tv.guarantees::text, 'UTF8')), 'hex'),
  tv."references", NULL, tv.published_by, p.created_at + s * $3::interval
FROM clone_plan p
JOIN (SELECT DISTINCT ON (asset_id) * FROM contract_versions
      WHERE asset_id IN (SELECT DISTINCT template FROM clone_plan)
      ORDER BY asset_id, seq DESC) tv ON tv.asset_id = p.template
CROSS JOIN LATERAL generate_series(1, p.nversions) s
CROSS JOIN LATERAL (SELECT tv.schema || jsonb_build_object(
  'description', p.description || ', revision ' || s) AS doc) d
WHERE p.n >= $1 AND p.n < $2
ORDER BY p.n, s
"""

REGISTRATIONS_SQL = """
INSERT INTO registrations (id, workspace_id, asset_id, team_id, fields, version_range, note,
  created_at, deleted_at)
SELECT pg_temp.uuid7(p.created_at + interval '1 day' + k * interval '1 minute'),
  r.workspace_id, p.id, p.consumers[k], r.fields, r.version_range, r.note,
  p.created_at + interval '1 day' + k * interval '1 minute', NULL
FROM clone_plan p
CROSS JOIN LATERAL unnest($1::uuid[]) WITH ORDINALITY AS tr(reg_id, k)
JOIN registrations r ON r.id = tr.reg_id
ORDER BY p.n, k
"""

EDGES_SQL = """
INSERT INTO lineage_edges (id, workspace_id, upstream_asset_id, downstream_asset_id, kind,
  source, created_by, created_at)
SELECT pg_temp.uuid7(d.created_at + interval '2 days'), te.workspace_id, u.id, d.id, te.kind,
  te.source, te.created_by, d.created_at + interval '2 days'
FROM clone_plan u
JOIN clone_plan d ON d.grp = u.grp AND d.pos IN (u.pos + 1, u.pos + 2)
CROSS JOIN lineage_edges te
WHERE te.id = $1
ORDER BY d.n, u.n
"""

PROPOSAL_PLAN_SQL = """
CREATE TEMP TABLE proposal_plan (
  id uuid PRIMARY KEY, n int NOT NULL, template uuid NOT NULL, base_seq int NOT NULL,
  published_seq int, created_at timestamptz NOT NULL, expires_at timestamptz NOT NULL,
  closed_at timestamptz)
"""

PROPOSALS_SQL = """
INSERT INTO proposals (id, workspace_id, asset_id, status, base_version_id, requested_version,
  format, schema, guarantees, content_hash, verdict, created_by, created_at, expires_at,
  closed_at, close_reason, superseded_by_id, published_version_id, impact, "references")
SELECT pp.id, t.workspace_id, p.id, t.status, bv.id, t.requested_version, t.format, t.schema,
  t.guarantees, t.content_hash, t.verdict, t.created_by, pp.created_at, pp.expires_at,
  pp.closed_at, t.close_reason, NULL, pv.id, t.impact, t."references"
FROM proposal_plan pp
JOIN clone_plan p ON p.n = pp.n
JOIN proposals t ON t.id = pp.template
JOIN contract_versions bv ON bv.asset_id = p.id AND bv.seq = pp.base_seq
LEFT JOIN contract_versions pv ON pv.asset_id = p.id AND pv.seq = pp.published_seq
ORDER BY pp.id
"""

# Template acknowledgment of consumer team k -> the clone's registration of its k-th consumer.
ACKS_SQL = """
INSERT INTO acknowledgments (id, workspace_id, proposal_id, team_id, registration_id, decision,
  comment, decided_at, decided_by)
SELECT pg_temp.uuid7(pp.created_at), a.workspace_id, pp.id, p.consumers[tc.k], r.id,
  a.decision, a.comment,
  CASE WHEN a.decided_at IS NULL THEN NULL ELSE pp.created_at + interval '1 hour' END,
  a.decided_by
FROM proposal_plan pp
JOIN clone_plan p ON p.n = pp.n
JOIN acknowledgments a ON a.proposal_id = pp.template
JOIN unnest($1::uuid[]) WITH ORDINALITY AS tc(team_id, k) ON tc.team_id = a.team_id
JOIN registrations r ON r.asset_id = p.id AND r.team_id = p.consumers[tc.k]
  AND r.deleted_at IS NULL
"""

LINK_SQL = """
UPDATE contract_versions cv SET proposal_id = pr.id
FROM proposals pr
WHERE pr.published_version_id = cv.id AND cv.proposal_id IS NULL
"""


async def pg_connect(url: str) -> asyncpg.Connection:
    parsed = make_url(url)
    conn: asyncpg.Connection = await asyncpg.connect(
        host=parsed.host, port=parsed.port or 5432, user=parsed.username,
        password=parsed.password, database=parsed.database,
    )  # fmt: skip
    return conn


async def clone(
    url: str, t: Templates, shape: Shape, label: str, log: Callable[[str], None]
) -> Seeded:
    """Clone the templates up to ``shape``, then VACUUM ANALYZE what was loaded."""
    started = time.perf_counter()
    conn = await pg_connect(url)
    try:
        tmpl_versions = int(await conn.fetchval("SELECT count(*) FROM contract_versions"))
        tmpl_assets = int(await conn.fetchval("SELECT count(*) FROM assets"))
        clones = shape.assets - tmpl_assets
        mid = (clones // 2) // GROUP * GROUP
        typical, hot, transitive = mid, mid + GROUP, mid + 2 * GROUP
        if transitive + GROUP > clones:
            raise SystemExit("too few assets: need at least 4 lineage groups of clones")
        others = clones - 1
        if shape.total_versions is not None:
            base, extra = divmod(shape.total_versions - tmpl_versions - shape.hot_versions, others)
        else:
            base, extra = shape.per_asset, 0
        if base < MAJOR_EVERY + 1:
            raise SystemExit(f"{base} versions per asset: need at least {MAJOR_EVERY + 1}")

        await conn.execute(UUID7_SQL)
        now = datetime.now(UTC).replace(microsecond=0)
        first = now - timedelta(days=400)
        span = timedelta(days=330)
        stamps = [first + i * timedelta(minutes=7) for i in range(shape.teams)]
        team_rows = [(uuid7_at(ts), f"team-{i:04d}", ts) for i, ts in enumerate(stamps)]
        await conn.executemany(
            "INSERT INTO teams (id, workspace_id, name, description, deleted_at, created_at, "
            "updated_at) VALUES ($1, $2, $3, 'a cloned team', NULL, $4, $4)",
            [(i, t.workspace, name, ts) for i, name, ts in team_rows],
        )
        teams = [t.producer, *t.consumers, *(i for i, _, _ in team_rows)]

        plan: list[tuple[Any, ...]] = []
        other_index = 0
        for n in range(clones):
            created = first + span * n / clones
            if n == hot:
                nversions = shape.hot_versions
            else:
                nversions = base + (1 if other_index < extra else 0)
                other_index += 1
            transitive_template = n in (hot, transitive) or (n % 7 == 3 and n != typical)
            template = t.history if transitive_template else t.orders
            owner = n % len(teams)
            consumers = [teams[(owner + k) % len(teams)] for k in (1, 2, 3)]
            domain, table = DOMAINS[n % len(DOMAINS)], TABLES[n % len(TABLES)]
            fqn = f"dw.{domain}.{table}_{n:06d}"
            tags = ["tier-1", "pii"] if n % 3 else ["tier-2"]
            if n % 50 == 0:
                tags.append(RARE_TAG)
            plan.append((
                n, uuid7_at(created), template, teams[owner], consumers, fqn,
                "staging" if n % 7 == 0 else "prod", "view" if n % 5 == 0 else "table",
                f"{table.title()} of {domain}, copy {n}", json.dumps(tags), created,
                nversions, n // GROUP, n % GROUP,
            ))  # fmt: skip
        await conn.execute(PLAN_SQL)
        await conn.copy_records_to_table("clone_plan", records=plan)
        ids = {row[0]: row[1] for row in plan}
        counts = {row[0]: row[11] for row in plan}
        await conn.execute(ASSETS_SQL)
        log(f"[{label}] {clones} assets cloned ({time.perf_counter() - started:.0f} s)")

        chunk = max(1, clones // 10)
        for lo in range(0, clones, chunk):
            await conn.execute(VERSIONS_SQL, lo, lo + chunk, VERSION_STEP)
            log(f"[{label}] versions of assets {lo}-{min(clones, lo + chunk) - 1} "
                f"({time.perf_counter() - started:.0f} s)")  # fmt: skip

        template_regs = await conn.fetch(
            "SELECT id, team_id FROM registrations WHERE asset_id = $1 ORDER BY created_at",
            t.orders,
        )
        if [r["team_id"] for r in template_regs] != t.consumers:
            raise RuntimeError("template registrations are not consumer-a, -b, -c")
        await conn.execute(REGISTRATIONS_SQL, [r["id"] for r in template_regs])
        await conn.execute(EDGES_SQL, t.edge)

        def spread(count: int) -> list[int]:
            return sorted({min(clones - 1, round(i * clones / count)) for i in range(count)})

        # Enough open ones at every size for a full first page of `status=open` (50).
        opened = max(60, shape.proposals // 3)
        proposals: list[tuple[Any, ...]] = []
        for n in spread(opened):
            at = plan[n][10] + counts[n] * VERSION_STEP + timedelta(hours=1)
            proposals.append((uuid7_at(at), n, t.open_proposal, counts[n], None, at,
                              now + timedelta(days=30), None))  # fmt: skip
        for n in spread(shape.proposals - opened):
            at = plan[n][10] + MAJOR_EVERY * VERSION_STEP + timedelta(minutes=5)
            closed = plan[n][10] + (MAJOR_EVERY + 1) * VERSION_STEP
            expires = at + timedelta(days=14)
            proposals.append((uuid7_at(at), n, t.published_proposal, MAJOR_EVERY,
                              MAJOR_EVERY + 1, at, expires, closed))  # fmt: skip
        await conn.execute(PROPOSAL_PLAN_SQL)
        await conn.copy_records_to_table("proposal_plan", records=proposals)
        await conn.execute(PROPOSALS_SQL)
        await conn.execute(ACKS_SQL, t.consumers)
        await conn.execute(LINK_SQL)
        log(f"[{label}] registrations, edges, {len(proposals)} proposals "
            f"({time.perf_counter() - started:.0f} s)")  # fmt: skip

        for table in ("assets", "contract_versions", "registrations", "lineage_edges",
                      "proposals", "acknowledgments", "teams"):  # fmt: skip
            # What autovacuum does soon after a bulk load (visibility map, statistics).
            await conn.execute(f"VACUUM (ANALYZE) {table}")
        log(f"[{label}] VACUUM ANALYZE done ({time.perf_counter() - started:.0f} s)")

        def count(table: str) -> Any:
            return conn.fetchval(f"SELECT count(*) FROM {table}")

        live = int(await conn.fetchval("SELECT count(*) FROM assets WHERE deleted_at IS NULL"))
        deep = await conn.fetchval(  # 90 % in, leaving a full page (50) behind it
            "SELECT id FROM assets WHERE deleted_at IS NULL ORDER BY id OFFSET $1 LIMIT 1",
            max(0, min(int(live * 0.9), live - 52)),
        )
        open_id = await conn.fetchval(
            "SELECT pr.id FROM proposals pr JOIN proposal_plan pp ON pp.id = pr.id "
            "WHERE pr.status = 'open' ORDER BY abs(pp.n - $1) LIMIT 1",
            typical,
        )
        rare = plan[clones * 3 // 4]
        busiest = await conn.fetchval(
            "SELECT team_id FROM acknowledgments WHERE decision IS NULL GROUP BY team_id "
            "ORDER BY count(*) DESC, team_id LIMIT 1"
        )
        return Seeded(
            label=label,
            assets=int(await count("assets")),
            versions=int(await count("contract_versions")),
            registrations=int(await count("registrations")),
            edges=int(await count("lineage_edges")),
            proposals=int(await count("proposals")),
            teams=len(teams),
            admin_key=t.admin_key,
            read_key=t.read_key,
            producer_team=str(t.producer),
            consumer_team=str(busiest),
            typical=str(ids[typical]),
            typical_versions=counts[typical],
            typical_tail=str(ids[typical + GROUP - 1]),
            hot=str(ids[hot]),
            hot_versions=counts[hot],
            transitive=str(ids[transitive]),
            transitive_versions=counts[transitive],
            open_proposal=str(open_id),
            deep_assets_cursor=encode_cursor([deep]),
            rare_q=str(rare[5]).rsplit(".", 1)[-1],
            seconds=time.perf_counter() - started,
        )
    finally:
        await conn.close()


async def save(url: str, seeded: Seeded) -> None:
    conn = await pg_connect(url)
    try:
        name = make_url(url).database
        text = seeded.to_json().replace("'", "''")
        await conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{text}'")
    finally:
        await conn.close()


async def load(url: str) -> Seeded | None:
    """The seeding record of this database, if it exists and was seeded to the end."""
    parsed = make_url(url)
    try:
        conn = await asyncpg.connect(
            host=parsed.host, port=parsed.port or 5432, user=parsed.username,
            password=parsed.password, database="postgres",
        )  # fmt: skip
    except (OSError, asyncpg.PostgresError):
        return None
    try:
        text = await conn.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1",
            parsed.database,
        )
    finally:
        await conn.close()
    return Seeded.from_json(text) if text else None
