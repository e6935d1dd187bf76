"""SQLAlchemy models, one file per table. Importing this package registers them all."""

from accord.models.api_key import ApiKey
from accord.models.asset import Asset
from accord.models.audit import AuditEvent, AuditHead
from accord.models.base import Base
from accord.models.contract_version import ContractVersion
from accord.models.event import Event
from accord.models.idempotency import IdempotencyRecord
from accord.models.import_job import ImportJob
from accord.models.lineage_edge import LineageEdge
from accord.models.proposal import OPEN_STATUSES, Acknowledgment, Proposal
from accord.models.registration import Registration
from accord.models.team import Team
from accord.models.user import User
from accord.models.validation_run import ValidationRun
from accord.models.web_session import WebSession
from accord.models.webhook import Delivery, DeliveryAttempt, ScheduledTask, WebhookSubscription
from accord.models.workspace import Workspace

__all__ = [
    "OPEN_STATUSES",
    "Acknowledgment",
    "ApiKey",
    "Asset",
    "AuditEvent",
    "AuditHead",
    "Base",
    "ContractVersion",
    "Delivery",
    "DeliveryAttempt",
    "Event",
    "IdempotencyRecord",
    "ImportJob",
    "LineageEdge",
    "Proposal",
    "Registration",
    "ScheduledTask",
    "Team",
    "User",
    "ValidationRun",
    "WebSession",
    "WebhookSubscription",
    "Workspace",
]
