"""SQLAlchemy models, one file per table. Importing this package registers them all."""

from accord.models.api_key import ApiKey
from accord.models.audit import AuditEvent, AuditHead
from accord.models.base import Base
from accord.models.team import Team
from accord.models.workspace import Workspace

__all__ = ["ApiKey", "AuditEvent", "AuditHead", "Base", "Team", "Workspace"]
