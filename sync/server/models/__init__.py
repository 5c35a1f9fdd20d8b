"""SQLAlchemy models of the upstream server (one Base, one naming convention)."""

from __future__ import annotations

from sync.server.models.base import Base
from sync.server.models.batch import Batch
from sync.server.models.device import Device, EnrollmentCode
from sync.server.models.merge import CommuneMerge, SetAsideRecord
from sync.server.models.record import CommuneSequence, Record
from sync.server.models.report import (
    AuditEntry,
    Commune,
    LoginFailure,
    ReportDeadline,
    ReportDecision,
    ReportDocument,
    ReportValue,
    ServerSetting,
    UpstreamReport,
    WebSession,
)
from sync.server.models.user import User

__all__ = [
    "AuditEntry",
    "Base",
    "Batch",
    "Commune",
    "CommuneMerge",
    "CommuneSequence",
    "Device",
    "EnrollmentCode",
    "LoginFailure",
    "Record",
    "ReportDeadline",
    "ReportDecision",
    "ReportDocument",
    "ReportValue",
    "ServerSetting",
    "SetAsideRecord",
    "UpstreamReport",
    "User",
    "WebSession",
]
