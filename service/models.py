"""Import every model module so that Base.metadata is complete (Alembic, tests)."""

from service.accounts.models import ApiClient, Role, User  # noqa: F401
from service.audit.models import AuditEvent, DataChange  # noqa: F401
from service.bank_api.models import BankQuery  # noqa: F401
from service.bank_api.report_models import CreditReport, ReportKey  # noqa: F401
from service.bank_api.watch_models import (  # noqa: F401
    StatusChange,
    SubjectState,
    Watch,
    Webhook,
    WebhookDelivery,
)
from service.core.db import Base  # noqa: F401
from service.lists.models import ListEntry, RepairApplication, list_entry_decisions  # noqa: F401
from service.register.models import (  # noqa: F401
    Authority,
    Decision,
    DecisionPerson,
    DecisionRevision,
    Subject,
)
from service.search.models import SearchOutbox  # noqa: F401
