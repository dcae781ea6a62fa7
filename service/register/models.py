"""The penalty register: authorities, subjects, decisions and their revisions."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.core.db import Base, UTCDateTime, utcnow
from service.register.names import name_columns

# 万元 with up to 6 decimals: exact to the fen (0.000001 万元 = 0.01 CNY).
Money = Numeric(18, 6)


class PartyKind(enum.StrEnum):
    """行政相对人类别."""

    ORGANISATION = "法人及非法人组织"
    INDIVIDUAL_BUSINESS = "个体工商户"
    PERSON = "自然人"


class DecisionStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING = "pending"  # submitted for review (待审核)
    PUBLISHED = "published"
    REVOKED = "revoked"


class Severity(enum.StrEnum):
    MINOR = "minor"  # 轻微
    ORDINARY = "ordinary"  # 一般
    SERIOUS = "serious"  # 严重失信


class Authority(Base):
    """处罚机关 (or a data source unit): an issuing body."""

    __tablename__ = "authorities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    # 6-digit administrative division code, e.g. 120113 (天津市北辰区).
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)
    # 市场监管, 知识产权, 版权, 海关, 农业农村, 林草, 文化, 公安, 其他
    department: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Authority {self.id} {self.name}>"


class Subject(Base):
    """行政相对人: an organisation, an individual business or a natural person.

    Organisations are found by USCC, natural persons by a keyed digest of their
    ID number (the number itself is not stored: only its masked form).
    """

    __tablename__ = "subjects"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    # NFKC, unified brackets, no spaces, upper-case Latin: see register.names.
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    # name_key without its leading regions (北京市朝阳区…): see register.names.name_body.
    name_body: Mapped[str] = mapped_column(String(200), index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    # Pre-2015 codes: 工商注册号, 组织机构代码, 税务登记号...
    legacy_code: Mapped[str | None] = mapped_column(String(30), index=True)
    id_type: Mapped[str | None] = mapped_column(String(40))
    id_number_masked: Mapped[str | None] = mapped_column(String(40))
    id_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    legal_representative: Mapped[str | None] = mapped_column(String(100))
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    decisions: Mapped[list[Decision]] = relationship(
        back_populates="subject", foreign_keys="Decision.subject_id"
    )

    def rename(self, name: str) -> None:
        """Take a new name, with the keys it is found by."""
        for column, value in name_columns(name).items():
            setattr(self, column, value)

    def __repr__(self) -> str:
        return f"<Subject {self.id} {self.name}>"


class Decision(Base):
    """行政处罚决定: one penalty decision with every standard 双公示 field.

    The rule-derived columns (severity, is_disclosable, disclosure_ends_on...)
    are computed by service.rules from the policy and stored so that public
    queries can filter in SQL; `flask rules evaluate` recomputes them.
    """

    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("authority_id", "number", name="uq_decisions_authority_number"),
        Index("ix_decisions_public", "status", "is_disclosable", "disclosure_ends_on"),
        Index("ix_decisions_subject_decided", "subject_id", "decided_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_id: Mapped[int] = mapped_column(ForeignKey("authorities.id"))
    number: Mapped[str] = mapped_column(String(100))  # 行政处罚决定书文号
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    status: Mapped[str] = mapped_column(String(12), default=DecisionStatus.DRAFT)

    # The party as named on the decision (the subject may later be renamed).
    party_name: Mapped[str] = mapped_column(String(200))
    party_kind: Mapped[str] = mapped_column(String(20))
    uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    legacy_code: Mapped[str | None] = mapped_column(String(30))
    legal_representative: Mapped[str | None] = mapped_column(String(100))
    id_type: Mapped[str | None] = mapped_column(String(40))
    id_number_masked: Mapped[str | None] = mapped_column(String(40))
    id_digest: Mapped[str | None] = mapped_column(String(64))
    party_address: Mapped[str | None] = mapped_column(String(300))
    # 直接责任人员 as named: [{"name", "id_type", "id_number_masked"}], None when none (the
    # persons themselves are DecisionPerson rows, matched by their ID digest).
    responsible_persons: Mapped[list[dict] | None] = mapped_column(JSON(none_as_null=True))

    violation_type: Mapped[str] = mapped_column(String(60), index=True)
    facts: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text)
    penalty_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    penalty_content: Mapped[str] = mapped_column(Text)
    fine_amount: Mapped[Decimal | None] = mapped_column(Money)  # 罚款金额（万元）
    confiscated_amount: Mapped[Decimal | None] = mapped_column(Money)
    licence_info: Mapped[str | None] = mapped_column(String(300))
    decided_on: Mapped[date] = mapped_column(Date, index=True)
    effect_ends_on: Mapped[date | None] = mapped_column(Date)  # 处罚有效期
    stated_disclosure_ends_on: Mapped[date | None] = mapped_column(Date)  # 公示截止期 as given
    source_unit: Mapped[str | None] = mapped_column(String(200))
    source_unit_uscc: Mapped[str | None] = mapped_column(String(18))
    remarks: Mapped[str | None] = mapped_column(Text)

    # Facts the rules need beyond the standard fields.
    is_simple_procedure: Mapped[bool] = mapped_column(Boolean, default=False)  # 简易程序
    is_criminal_transfer: Mapped[bool] = mapped_column(Boolean, default=False)  # 移送司法机关
    is_nonperformance: Mapped[bool] = mapped_column(Boolean, default=False)  # 拒不履行
    is_intentional: Mapped[bool] = mapped_column(Boolean, default=False)  # 故意侵权
    performed_on: Mapped[date | None] = mapped_column(Date)  # penalty performed in full

    # Derived by service.rules (stored for SQL filtering).
    severity: Mapped[str] = mapped_column(String(10), default=Severity.ORDINARY)
    is_disclosable: Mapped[bool] = mapped_column(Boolean, default=True)
    disclosure_ends_on: Mapped[date | None] = mapped_column(Date)  # last public day, inclusive
    is_repairable: Mapped[bool] = mapped_column(Boolean, default=True)
    repair_earliest_on: Mapped[date | None] = mapped_column(Date)

    # Lifecycle.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revocation_kind: Mapped[str | None] = mapped_column(String(30))  # 行政复议/法院判决/自行纠正
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    repaired_on: Mapped[date | None] = mapped_column(Date)  # disclosure ended by credit repair
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_comment: Mapped[str | None] = mapped_column(Text)
    # Digest of the normalised content: a re-import with the same digest is a no-op.
    content_digest: Mapped[str | None] = mapped_column(String(64))

    authority: Mapped[Authority] = relationship()
    subject: Mapped[Subject] = relationship(back_populates="decisions", foreign_keys=[subject_id])
    persons: Mapped[list[DecisionPerson]] = relationship(
        back_populates="decision", cascade="all, delete-orphan"
    )
    revisions: Mapped[list[DecisionRevision]] = relationship(
        back_populates="decision", order_by="DecisionRevision.seq"
    )

    def __repr__(self) -> str:
        return f"<Decision {self.id} {self.number}>"


class DecisionPerson(Base):
    """A natural person a decision names: legal representative or responsible person."""

    __tablename__ = "decision_persons"
    __table_args__ = (UniqueConstraint("decision_id", "subject_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    role: Mapped[str] = mapped_column(String(30))  # legal_representative / responsible_person

    decision: Mapped[Decision] = relationship(back_populates="persons")
    subject: Mapped[Subject] = relationship()


class DecisionRevision(Base):
    """Append-only history of a decision: created, submitted, published, corrected, revoked..."""

    __tablename__ = "decision_revisions"
    __table_args__ = (UniqueConstraint("decision_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Found through the (decision_id, seq) unique index: no index of its own.
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(120))  # "user:3", "client:7", "import:file.csv"
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    decision: Mapped[Decision] = relationship(back_populates="revisions")
