"""A manifest -> the assets, lineage and consumers Accord imports (pure).

Models, seeds, snapshots and sources become assets named `database.schema.relation`
(the relation consumers actually query; a versioned model's versions are separate
relations, hence separate assets). Ephemeral models are not relations: lineage passes
through them. Columns become a table schema, tests become guarantees, `depends_on`
becomes upstream links, exposures become consumers.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from accord.dbt.errors import ManifestError
from accord.dbt.guarantees import GuaranteeBuilder, MappedTests, apply_test
from accord.dbt.manifest import ColumnDef, Constraint, Manifest, Node, Source
from accord.dbt.types import map_type
from accord.spec import Freshness, Guarantees, parse_freshness

ASSET_KINDS = {"model": "model", "seed": "table", "snapshot": "table", "source": "table"}
MAX_DESCRIPTION = 10_000
_BAD_FQN_CHARS = re.compile(r"[^A-Za-z0-9_-]")
_BAD_TAG_CHARS = re.compile(r"[^a-z0-9_:.-]")
_REF = re.compile(r"""\bref\(\s*['"]([^'"]+)['"](?:\s*,\s*['"]([^'"]+)['"])?""")
_SOURCE = re.compile(r"""\bsource\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]""")


@dataclass(frozen=True)
class DbtAsset:
    unique_id: str
    resource_type: str
    fqn: str
    kind: str
    description: str
    tags: list[str]
    owner_names: tuple[str, ...]  # team names to try, in order
    metadata: dict[str, Any]
    schema: dict[str, Any] | None  # None: no column is known
    guarantees: Guarantees
    upstream: tuple[str, ...]  # unique ids of the assets it reads


@dataclass(frozen=True)
class DbtExposure:
    unique_id: str
    name: str
    owner_names: tuple[str, ...]
    reads: tuple[str, ...]


@dataclass
class Project:
    schema_version: int
    dbt_version: str | None
    project_name: str | None
    adapter: str | None
    assets: dict[str, DbtAsset] = field(default_factory=dict)
    exposures: list[DbtExposure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _segment(text: str) -> str:
    cleaned = _BAD_FQN_CHARS.sub("_", text.strip().strip('"`'))
    return cleaned if cleaned and not cleaned.startswith("-") else f"_{cleaned}"


def _fqn(unique_id: str, *parts: str | None) -> str:
    fqn = ".".join(_segment(p) for p in parts if p)
    if len(fqn) > 255:
        raise ManifestError(f"{unique_id}: relation name {fqn[:60]}… is over 255 characters")
    return fqn


def _tags(tags: Iterable[str]) -> list[str]:
    cleaned = {_BAD_TAG_CHARS.sub("-", t.strip().lower())[:64].lstrip("_:.-") for t in tags}
    return sorted(t for t in cleaned if t)[:50]


def _names(*candidates: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.strip() for c in candidates if isinstance(c, str) and c.strip()))


class _Builder:
    def __init__(self, manifest: Manifest) -> None:
        self.m = manifest
        self.project = Project(
            manifest.schema_version,
            manifest.metadata.dbt_version,
            manifest.metadata.project_name,
            manifest.metadata.adapter_type,
        )
        self.nodes = {k: n for k, n in manifest.nodes.items() if n.resource_type in ASSET_KINDS}
        self.ephemeral = {
            k for k, n in self.nodes.items() if (n.config.materialized or "") == "ephemeral"
        }
        self.groups = {g.name: g for g in manifest.groups.values()}
        self.fqns: dict[str, str] = {}
        self.tests: dict[str, GuaranteeBuilder] = {}
        self.tested_columns: dict[str, list[str]] = {}
        self.mapped = MappedTests()

    def warn(self, message: str) -> None:
        self.project.warnings.append(message)

    # -- naming -------------------------------------------------------------------------
    def name_assets(self) -> None:
        seen: dict[str, str] = {}
        for uid, node in self.nodes.items():
            if uid not in self.ephemeral:
                self.fqns[uid] = _fqn(uid, node.database, node.schema_, node.alias or node.name)
        for uid, src in self.m.sources.items():
            self.fqns[uid] = _fqn(uid, src.database, src.schema_, src.identifier or src.name)
        for uid, fqn in self.fqns.items():
            if fqn in seen:
                raise ManifestError(
                    f"{seen[fqn]} and {uid} are the same relation {fqn}", "duplicate_fqn"
                )
            seen[fqn] = uid

    # -- lineage ------------------------------------------------------------------------
    def parents(self, uid: str, trail: frozenset[str] = frozenset()) -> set[str]:
        """Upstream assets of `uid`, looking through ephemeral models."""
        node = self.nodes.get(uid)
        found: set[str] = set()
        for parent in node.depends_on.nodes if node else []:
            if parent in self.fqns:
                found.add(parent)
            elif parent in self.ephemeral and parent not in trail:
                found |= self.parents(parent, trail | {uid})
        found.discard(uid)
        return found

    # -- tests --------------------------------------------------------------------------
    def resolve_text(self, text: Any) -> str | None:
        if not isinstance(text, str):
            return None
        if (m := _SOURCE.search(text)) is not None:
            return next(
                (k for k, s in self.m.sources.items() if (s.source_name, s.name) == m.groups()),
                None,
            )
        if (m := _REF.search(text)) is not None:
            name = m.group(2) or m.group(1)
            matches = [k for k, n in self.nodes.items() if n.name == name]
            return max(matches, default=None)
        return None

    def collect_tests(self) -> None:
        for test in self.m.nodes.values():
            if test.resource_type != "test" or test.test_metadata is None:
                continue
            kwargs = test.test_metadata.kwargs
            deps = test.depends_on.nodes
            target = (
                test.attached_node
                or self.resolve_text(kwargs.get("model"))
                or (deps[0] if len(deps) == 1 else None)
            )
            if target not in self.fqns:
                self.mapped.skipped["tests on unknown or ephemeral nodes"] += 1
                continue
            others = [d for d in deps if d != target]
            to_uid = others[0] if others else self.resolve_text(kwargs.get("to")) or target

            def resolve(_: Any, to_uid: str | None = to_uid) -> str | None:
                return self.fqns.get(to_uid) if to_uid else None

            builder = self.tests.setdefault(target, GuaranteeBuilder())
            apply_test(test, builder, resolve, self.mapped)
            column = test.column_name or kwargs.get("column_name")
            if isinstance(column, str):
                self.tested_columns.setdefault(target, []).append(column)
        for reason, count in sorted(self.mapped.skipped.items()):
            self.warn(f"{count} test(s) not mapped to guarantees: {reason}")

    # -- schemas ------------------------------------------------------------------------
    def table_schema(
        self, uid: str, relation: str, columns: dict[str, ColumnDef], constraints: list[Constraint]
    ) -> dict[str, Any] | None:
        out: list[dict[str, Any]] = []
        pk: list[str] = [c for k in constraints if k.type == "primary_key" for c in k.columns or []]
        unique = [k.columns for k in constraints if k.type == "unique" and k.columns]
        not_null = {c for k in constraints if k.type == "not_null" for c in k.columns or []}
        for col in columns.values():
            mapped = map_type(col.data_type, self.project.adapter)
            kinds = {c.type for c in col.constraints}
            entry: dict[str, Any] = {"name": col.name, "type": mapped.type}
            if "not_null" in kinds or "primary_key" in kinds or col.name in not_null:
                entry["nullable"] = False
            if mapped.original is not None:
                entry["x-dbt-type"] = mapped.original
            checks = [c.expression for c in col.constraints if c.type == "check" and c.expression]
            if checks:
                entry["checks"] = checks
            if "primary_key" in kinds:
                pk.append(col.name)
            if "unique" in kinds:
                unique.append([col.name])
            out.append(entry)
        known = {c["name"] for c in out}
        for name in dict.fromkeys(self.tested_columns.get(uid, [])):
            if name not in known and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]*", name):
                out.append({"name": name, "type": map_type(None).type})  # tests prove it exists
                known.add(name)
        if not out:
            return None
        doc: dict[str, Any] = {"name": relation, "columns": out}
        if pk:
            doc["primary_key"] = [c for c in dict.fromkeys(pk) if c in known]
        keys = [list(u) for u in unique if set(u) <= known]
        if keys:
            doc["unique"] = keys
        return doc

    # -- assets -------------------------------------------------------------------------
    def _meta(self, uid: str, kind: str, **extra: Any) -> dict[str, Any]:
        info = {"unique_id": uid, "resource_type": kind, **extra}
        return {"dbt": {k: v for k, v in info.items() if v not in (None, "")}}

    def node_asset(self, uid: str, node: Node) -> DbtAsset:
        group = self.groups.get(node.group or "")
        relation = node.alias or node.name
        return DbtAsset(
            unique_id=uid,
            resource_type=node.resource_type,
            fqn=self.fqns[uid],
            kind=ASSET_KINDS[node.resource_type],
            description=(node.description or "")[:MAX_DESCRIPTION],
            tags=_tags([*node.tags, *node.config.tags]),
            owner_names=_names(
                node.config.meta.get("owner"),
                node.meta.get("owner"),
                group.owner.name if group else None,
                node.group,
            ),
            metadata=self._meta(
                uid,
                node.resource_type,
                package=node.package_name,
                materialized=node.config.materialized,
                version=str(node.version) if node.version is not None else None,
                access=node.access,
                group=node.group,
            ),
            schema=self.table_schema(uid, relation, node.columns, node.constraints),
            guarantees=self.tests.get(uid, GuaranteeBuilder()).build(self.warn),
            upstream=tuple(sorted(self.parents(uid))),
        )

    def source_asset(self, uid: str, src: Source) -> DbtAsset:
        guarantees = self.tests.get(uid, GuaranteeBuilder()).build(self.warn)
        freshness = _freshness(src)
        if freshness is not None:
            guarantees = dataclasses.replace(guarantees, freshness=freshness)
        relation = src.identifier or src.name
        return DbtAsset(
            unique_id=uid,
            resource_type="source",
            fqn=self.fqns[uid],
            kind=ASSET_KINDS["source"],
            description=(src.description or "")[:MAX_DESCRIPTION],
            tags=_tags([*src.tags, *src.config.tags]),
            owner_names=_names(src.config.meta.get("owner"), src.meta.get("owner")),
            metadata=self._meta(uid, "source", package=src.package_name, source=src.source_name),
            schema=self.table_schema(uid, relation, src.columns, []),
            guarantees=guarantees,
            upstream=(),
        )

    def exposures(self) -> list[DbtExposure]:
        found = []
        for uid, exp in self.m.exposures.items():
            reads: set[str] = set()
            for dep in exp.depends_on.nodes:
                if dep in self.fqns:
                    reads.add(dep)
                elif dep in self.ephemeral:
                    reads |= self.parents(dep)
            found.append(
                DbtExposure(
                    uid, exp.name, _names(exp.owner.name, exp.owner.email), tuple(sorted(reads))
                )
            )
        return found

    def build(self) -> Project:
        self.name_assets()
        self.collect_tests()
        for uid, node in self.nodes.items():
            if uid not in self.ephemeral:
                self.project.assets[uid] = self.node_asset(uid, node)
        for uid, src in self.m.sources.items():
            self.project.assets[uid] = self.source_asset(uid, src)
        self.project.exposures = self.exposures()
        return self.project


_PERIOD_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def _freshness(src: Source) -> Freshness | None:
    """dbt source freshness on `loaded_at_field`: `error_after` wins over `warn_after`."""
    rules = src.freshness
    if src.loaded_at_field is None or rules is None:
        return None
    for rule, severity in ((rules.error_after, "error"), (rules.warn_after, "warn")):
        if rule and rule.count and rule.count > 0 and rule.period in _PERIOD_SECONDS:
            return parse_freshness(
                {
                    "column": src.loaded_at_field,
                    "max_age_seconds": rule.count * _PERIOD_SECONDS[rule.period],
                    "severity": severity,
                }
            )
    return None


def build_project(manifest: Manifest) -> Project:
    """Everything Accord imports from a manifest, in manifest order."""
    return _Builder(manifest).build()
