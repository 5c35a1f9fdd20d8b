"""The tables of the commune book (Sổ theo dõi trẻ em trong hộ gia đình)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desktop.core.storage.base import Base, SyncColumns, new_id, utcnow
from sync.dbtypes import UtcDateTime


class CommuneSettings(Base):
    """The one row describing this book's commune, its upstream and its device enrolment."""

    __tablename__ = "commune_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    book_id: Mapped[str] = mapped_column(String(36), nullable=False)
    commune_code: Mapped[str] = mapped_column(String(5), nullable=False)
    commune_name: Mapped[str] = mapped_column(String(200), nullable=False)
    province_name: Mapped[str] = mapped_column(String(200), nullable=False)
    # "Xã" / "Phường" / "Đặc khu": printed in the report header before the name.
    unit_kind: Mapped[str] = mapped_column(String(20), default="Xã", nullable=False)
    place_name: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    upstream_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    upstream_unit: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    device_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    device_token: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # The nonce of the enrolment under way (or last made) and the SHA-256 of the code it
    # was made for: kept before the request goes out, so that a retry after a lost answer
    # sends the same nonce and gets the same device back from the server.
    enrolment_nonce: Mapped[str | None] = mapped_column(String(64), nullable=True)
    enrolment_code_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    idle_lock_minutes: Mapped[int] = mapped_column(Integer, default=15, nullable=False)
    last_sync_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    # Sync: the server's change number read up to, automatic sync interval (0 = off), the
    # upstream's own CA certificates (PEM) if it does not use a public CA, the last failure.
    pull_cursor: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)
    auto_sync_minutes: Mapped[int] = mapped_column(
        Integer, default=30, server_default="30", nullable=False
    )
    ca_bundle_pem: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_sync_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The day up to which automatic change events (16th birthdays, R02) have been made.
    auto_events_through: Mapped[date | None] = mapped_column(Date, nullable=True)
    # The backups folder's size limit set by an administrator, in MB (0: 5 × the book).
    backup_limit_mb: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0", nullable=False
    )
    # The former communes whose merge into this one upstream has declared, as the server said
    # at the last pull (codes separated by spaces; "" none; None: not known — never pulled,
    # or a server too old to say). Set by the sync only.
    upstream_merged_from: Mapped[str | None] = mapped_column(Text, nullable=True)


class User(Base):
    """A person who may open this book. Passwords live only as key wraps in the key file."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    full_name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class Hamlet(SyncColumns, Base):
    """A thôn / ấp / bản / tổ dân phố of the commune."""

    __tablename__ = "hamlets"

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    name_key: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    collaborator_name: Mapped[str] = mapped_column(String(200), default="", nullable=False)


class Household(SyncColumns, Base):
    """A household of the book, numbered within its hamlet."""

    __tablename__ = "households"

    hamlet_id: Mapped[str] = mapped_column(ForeignKey("hamlets.id"), nullable=False, index=True)
    number: Mapped[str] = mapped_column(String(20), nullable=False)
    head_name: Mapped[str] = mapped_column(String(200), nullable=False)
    head_name_key: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    address: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    # Code from poverty_status.csv: HN01 nghèo, HN02 cận nghèo, HN03 không.
    poverty_code: Mapped[str] = mapped_column(String(8), default="HN03", nullable=False)
    poverty_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    phone: Mapped[str] = mapped_column(String(30), default="", nullable=False)
    collaborator_name: Mapped[str] = mapped_column(String(200), default="", nullable=False)

    hamlet: Mapped[Hamlet] = relationship()
    members: Mapped[list[Person]] = relationship(back_populates="household")


class Person(SyncColumns, Base):
    """A child or adult of a household. A child is a person under 16 (computed, not stored)."""

    __tablename__ = "persons"
    # Covers what the children list loads, in name order: one narrow, sorted scan instead
    # of reading and sorting every whole row of the encrypted table (services/book_index.py).
    __table_args__ = (
        Index(
            "ix_persons_list",
            "deleted",
            "name_sort_key",
            "id",
            "name_key",
            "birth_date",
            "household_id",
            "status",
        ),
    )

    household_id: Mapped[str | None] = mapped_column(
        ForeignKey("households.id"), nullable=True, index=True
    )
    full_name: Mapped[str] = mapped_column(String(200), nullable=False)
    name_key: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    # Vietnamese order (given name, then full name) as text that sorts byte-wise, so lists
    # sort without computing collation keys (domain/collation_text.py); derived, not synced.
    name_sort_key: Mapped[str] = mapped_column(Text, default="", server_default="", nullable=False)
    birth_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    birth_date_estimated: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    sex: Mapped[int] = mapped_column(SmallInteger, nullable=False)  # 1 Nam, 2 Nữ, 3 chưa rõ
    ethnicity_code: Mapped[str] = mapped_column(String(4), default="01", nullable=False)
    id_number: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
    # Code from household_relations.csv (QH01 chủ hộ, QH03 con đẻ …).
    relation_code: Mapped[str | None] = mapped_column(String(8), nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="", nullable=False)
    # Code from residence_status.csv (CU01 thường trú, CU02 tạm trú, CU03 tạm vắng, CU04 …).
    residence_code: Mapped[str] = mapped_column(String(8), default="CU01", nullable=False)
    # active | moved_out | dead | merged: kept in step with the change events (the history).
    status: Mapped[str] = mapped_column(String(12), default="active", nullable=False, index=True)
    status_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Birth registration: None = not known yet, True/False = registered or not.
    birth_registered: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    birth_registration_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    birth_registration_place: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    insurance_number: Mapped[str] = mapped_column(String(20), default="", nullable=False)
    insurance_valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Has a health insurance card, as declared (e.g. an imported list's "Thẻ BHYT: Có") before
    # its number is typed: None = not known, True/False = has one or not.
    insurance_card: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # Code from schooling_levels.csv (HT01 … HT09).
    schooling_code: Mapped[str | None] = mapped_column(String(8), nullable=True)
    school_name: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    school_class: Mapped[str] = mapped_column(String(20), default="", nullable=False)
    # Codes from disability_types.csv / disability_severity.csv.
    disability_code: Mapped[str | None] = mapped_column(String(8), nullable=True)
    disability_severity_code: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # The officer's reason for keeping an ID number whose structure disagrees (DOMAIN R07).
    id_check_override: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    # Set when this record was merged into another (a duplicate); the row is tombstoned.
    merged_into_id: Mapped[str | None] = mapped_column(String(36), nullable=True)

    household: Mapped[Household | None] = relationship(back_populates="members")


class GuardianLink(SyncColumns, Base):
    """A parent, guardian or carer of a child: a linked person of the book, or just a name."""

    __tablename__ = "guardian_links"

    child_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), nullable=False, index=True)
    person_id: Mapped[str | None] = mapped_column(ForeignKey("persons.id"), nullable=True)
    full_name: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    # father | mother | guardian | carer | adoptive_parent
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    # alive | deceased | missing | in_prison | in_facility | unknown (needed for HCĐB 1 and 3)
    parent_status: Mapped[str] = mapped_column(String(20), default="unknown", nullable=False)
    phone: Mapped[str] = mapped_column(String(30), default="", nullable=False)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)


class ChangeEvent(SyncColumns, Base):
    """A dated, append-only change of the book (biến động): birth, move, death, 16th birthday …"""

    __tablename__ = "change_events"

    # Code from change_event_types.csv (BD01 sinh … BD09 thay đổi thông tin).
    event_code: Mapped[str] = mapped_column(String(8), nullable=False)
    event_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    person_id: Mapped[str | None] = mapped_column(
        ForeignKey("persons.id"), nullable=True, index=True
    )
    household_id: Mapped[str | None] = mapped_column(
        ForeignKey("households.id"), nullable=True, index=True
    )
    # The other household of a split or merge, or of a move within the commune.
    other_household_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    place: Mapped[str] = mapped_column(String(300), default="", nullable=False)  # from / to
    cause: Mapped[str] = mapped_column(String(300), default="", nullable=False)  # e.g. of death
    details: Mapped[str] = mapped_column(Text, default="", nullable=False)
    automatic: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)


class SpecialEpisode(SyncColumns, Base):
    """A period a child is in one of the 14 special-circumstance groups (HCĐB, Điều 10)."""

    __tablename__ = "special_episodes"

    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), nullable=False, index=True)
    group_no: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    subgroup_no: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    evidence: Mapped[str] = mapped_column(Text, default="", nullable=False)
    verified_by: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    verified_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # A key of domain.protection.END_REASONS ("turned16" when closed automatically, R02).
    end_reason: Mapped[str] = mapped_column(
        String(20), default="", server_default="", nullable=False
    )
    note: Mapped[str] = mapped_column(Text, default="", server_default="", nullable=False)


class RiskCategory(SyncColumns, Base):
    """A category of risk added or changed by the administrator (codes are never reused).

    The shipped categories (resources/codes/risk_categories.csv) need no row; a row with a
    shipped code renames or retires it.
    """

    __tablename__ = "risk_categories"

    code: Mapped[str] = mapped_column(String(8), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(300), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)


class RiskEpisode(SyncColumns, Base):
    """A period a child is at risk of falling into special circumstances (DOMAIN §3.2)."""

    __tablename__ = "risk_episodes"

    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), nullable=False, index=True)
    category_code: Mapped[str] = mapped_column(String(8), nullable=False)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_reason: Mapped[str] = mapped_column(String(20), default="", nullable=False)
    verified_by: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)


class ProtectionCase(SyncColumns, Base):
    """An abuse, violence, exploitation or abandonment case (vụ việc): Mẫu 01 of NĐ 56/2017.

    The informant is not here: it lives in ``case_informants``, which never syncs.
    """

    __tablename__ = "protection_cases"

    case_no: Mapped[str] = mapped_column(String(30), nullable=False, index=True)
    state: Mapped[str] = mapped_column(String(10), default="draft", nullable=False, index=True)
    # Every clock starts here (aware UTC); None only while a draft lacks the date or hour.
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The date typed without an hour (a draft), so nothing typed is lost.
    received_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    channel_code: Mapped[str] = mapped_column(String(8), default="", nullable=False)
    hotline_ref: Mapped[str] = mapped_column(String(50), default="", nullable=False)
    title_kind: Mapped[str] = mapped_column(String(20), default="abused", nullable=False)
    # Codes of abuse_forms.csv, separated by commas (XH03.x are sensitive).
    forms: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    setting_code: Mapped[str] = mapped_column(String(8), default="", nullable=False)
    perpetrator_relation: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    child_in_danger: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    incident_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    incident_place: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    current_condition: Mapped[str] = mapped_column(Text, default="", nullable=False)
    likely_consequences: Mapped[str] = mapped_column(Text, default="", nullable=False)
    father_info: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    mother_info: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    family_circumstances: Mapped[str] = mapped_column(Text, default="", nullable=False)
    current_carer: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    help_given: Mapped[str] = mapped_column(Text, default="", nullable=False)
    notes: Mapped[str] = mapped_column(Text, default="", nullable=False)
    receiving_officer: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    outcome_code: Mapped[str] = mapped_column(String(20), default="", nullable=False)


class CaseChild(SyncColumns, Base):
    """A child of a case: a person of the book, or a name with a birth date or estimated age."""

    __tablename__ = "case_children"

    case_id: Mapped[str] = mapped_column(
        ForeignKey("protection_cases.id"), nullable=False, index=True
    )
    person_id: Mapped[str | None] = mapped_column(
        ForeignKey("persons.id"), nullable=True, index=True
    )
    full_name: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    estimated_age: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    sex: Mapped[int] = mapped_column(SmallInteger, default=3, nullable=False)
    hiv_status: Mapped[str] = mapped_column(String(12), default="", nullable=False)


class ConsentRecord(SyncColumns, Base):
    """Who consented to disclosing a child's data, for what (Luật 91/2025, Điều 24)."""

    __tablename__ = "consent_records"

    person_id: Mapped[str | None] = mapped_column(
        ForeignKey("persons.id"), nullable=True, index=True
    )
    case_id: Mapped[str | None] = mapped_column(
        ForeignKey("protection_cases.id"), nullable=True, index=True
    )
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)
    scope: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    given_on: Mapped[date] = mapped_column(Date, nullable=False)
    child_consented: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    representative_name: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    representative_consented: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    not_needed_reason: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    withdrawn_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)


class CaseStep(SyncColumns, Base):
    """A step of a case's timeline: report, emergency measure, plan, assessment, referral …"""

    __tablename__ = "case_steps"

    case_id: Mapped[str] = mapped_column(
        ForeignKey("protection_cases.id"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    by: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    referral_to: Mapped[str] = mapped_column(String(20), default="", nullable=False)
    consent_id: Mapped[str | None] = mapped_column(ForeignKey("consent_records.id"), nullable=True)
    consent_not_needed: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    risk_level: Mapped[str] = mapped_column(String(20), default="", nullable=False)
    outcome_code: Mapped[str] = mapped_column(String(20), default="", nullable=False)


class CaseInformant(Base):
    """Who reported a case: confidential, kept on this PC only (never synced nor exported)."""

    __tablename__ = "case_informants"

    case_id: Mapped[str] = mapped_column(ForeignKey("protection_cases.id"), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    phone: Mapped[str] = mapped_column(String(30), default="", nullable=False)
    address: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    relation: Mapped[str] = mapped_column(String(100), default="", nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class Support(SyncColumns, Base):
    """A support a child received (trợ giúp): one date or a date range, alone or in a campaign."""

    __tablename__ = "supports"
    __table_args__ = (Index("ix_supports_person_given", "person_id", "given_on"),)

    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), nullable=False)
    support_code: Mapped[str] = mapped_column(String(10), nullable=False)
    given_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    provider: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    funding: Mapped[str] = mapped_column(String(10), default="", nullable=False)
    amount: Mapped[int | None] = mapped_column(Integer, nullable=True)  # VND
    campaign_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    campaign_name: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("protection_cases.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)


class Injury(SyncColumns, Base):
    """An injury or drowning (tai nạn, thương tích, đuối nước) of a child of the book or not."""

    __tablename__ = "injuries"

    person_id: Mapped[str | None] = mapped_column(
        ForeignKey("persons.id"), nullable=True, index=True
    )
    visitor_name: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    visitor_age: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    visitor_sex: Mapped[int] = mapped_column(SmallInteger, default=3, nullable=False)
    hamlet_id: Mapped[str | None] = mapped_column(ForeignKey("hamlets.id"), nullable=True)
    occurred_on: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    occurred_time: Mapped[str] = mapped_column(String(5), default="", nullable=False)  # HH:MM
    place_code: Mapped[str] = mapped_column(String(10), default="", nullable=False)
    place: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    cause_code: Mapped[str] = mapped_column(String(10), nullable=False)
    outcome_code: Mapped[str] = mapped_column(String(8), nullable=False)
    treatment_code: Mapped[str] = mapped_column(String(8), default="", nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)


class LabourRecord(SyncColumns, Base):
    """Child labour of a person aged 5–17 (R15)."""

    __tablename__ = "labour_records"

    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), nullable=False, index=True)
    start_date: Mapped[date] = mapped_column(Date, nullable=False)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    work: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    employer: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    hours_per_week: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    hazardous: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    action: Mapped[str] = mapped_column(Text, default="", nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)


class MarriageRecord(SyncColumns, Base):
    """A child marriage (tảo hôn): at least one party under marriageable age (R16)."""

    __tablename__ = "marriage_records"

    person_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), nullable=False, index=True)
    marriage_date: Mapped[date] = mapped_column(Date, nullable=False)
    partner_person_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    partner_name: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    partner_birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    partner_sex: Mapped[int] = mapped_column(SmallInteger, default=3, nullable=False)
    registered: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    handling: Mapped[str] = mapped_column(Text, default="", nullable=False)
    support: Mapped[str] = mapped_column(Text, default="", nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)


class HolidayChange(Base):
    """The administrator's change to the shipped holiday calendar: a day added or removed."""

    __tablename__ = "holiday_changes"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    day_off: Mapped[bool] = mapped_column(Boolean, nullable=False)


class MergeRecord(SyncColumns, Base):
    """The log of a duplicate merge: which record was kept, which folded into it, and how."""

    __tablename__ = "merge_records"

    kept_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), nullable=False, index=True)
    removed_id: Mapped[str] = mapped_column(ForeignKey("persons.id"), nullable=False)
    # JSON: for each field, the value kept and the value dropped.
    details: Mapped[str] = mapped_column(Text, default="{}", nullable=False)


class IndicatorTarget(SyncColumns, Base):
    """A target the administrator set for one indicator, level and year (overrides the default
    of ``resources/indicators/targets.csv``)."""

    __tablename__ = "indicator_targets"

    indicator_code: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    level: Mapped[str] = mapped_column(String(12), nullable=False)  # national|provincial|commune
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(String(200), nullable=False)


class IndicatorValue(SyncColumns, Base):
    """A figure typed in (or imported from a collection sheet) by a responsible unit."""

    __tablename__ = "indicator_values"

    period_code: Mapped[str] = mapped_column(String(10), nullable=False, index=True)
    indicator_code: Mapped[str] = mapped_column(String(16), nullable=False)
    unit_code: Mapped[str] = mapped_column(String(12), nullable=False)
    numerator: Mapped[float | None] = mapped_column(Float, nullable=True)
    denominator: Mapped[float | None] = mapped_column(Float, nullable=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    source: Mapped[str] = mapped_column(String(20), default="form", nullable=False)  # form|xlsx
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    entered_by: Mapped[str] = mapped_column(String(64), default="", nullable=False)
    entered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class ReportCalendarEntry(SyncColumns, Base):
    """The reporting calendar of one year and report type (overrides calendar.csv)."""

    __tablename__ = "report_calendar"

    year: Mapped[int] = mapped_column(Integer, nullable=False)
    report_type: Mapped[str] = mapped_column(String(4), nullable=False)  # H1 | 9M | Y
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    reference_date: Mapped[date] = mapped_column(Date, nullable=False)
    due_date: Mapped[date] = mapped_column(Date, nullable=False)
    recipient: Mapped[str] = mapped_column(String(300), default="", nullable=False)


class PeriodicReport(SyncColumns, Base):
    """One version of a period's report: draft → reviewed → finalised (frozen); a reopened
    version is kept as "reopened" and a new version carries on."""

    __tablename__ = "periodic_reports"

    period_code: Mapped[str] = mapped_column(String(10), nullable=False, index=True)
    report_version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    state: Mapped[str] = mapped_column(String(12), default="draft", nullable=False)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    reference_date: Mapped[date] = mapped_column(Date, nullable=False)
    definitions_version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    doc_number: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    issued_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    signer_name: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    signer_lines: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    # Narrative sections (results, shortcomings, causes, next tasks, proposals), each as typed.
    results_text: Mapped[str] = mapped_column(Text, default="", nullable=False)
    shortcomings_text: Mapped[str] = mapped_column(Text, default="", nullable=False)
    causes_text: Mapped[str] = mapped_column(Text, default="", nullable=False)
    tasks_text: Mapped[str] = mapped_column(Text, default="", nullable=False)
    proposals_text: Mapped[str] = mapped_column(Text, default="", nullable=False)
    reviewed_by: Mapped[str] = mapped_column(String(64), default="", nullable=False)
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    finalised_by: Mapped[str] = mapped_column(String(64), default="", nullable=False)
    finalised_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reopened_by: Mapped[str] = mapped_column(String(64), default="", nullable=False)
    reopened_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reopen_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)


class UpstreamDecision(Base):
    """Upstream's approval or return of one version of a periodic report, as the server sent
    it (``GET …/report-decisions``); written only by sync, never pushed back. The server's
    decision id is the key, so a decision received twice is kept once."""

    __tablename__ = "report_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    report_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    period_code: Mapped[str] = mapped_column(String(10), nullable=False, index=True)
    report_version: Mapped[int] = mapped_column(Integer, nullable=False)
    decision: Mapped[str] = mapped_column(String(10), nullable=False)  # approved | returned
    comment: Mapped[str] = mapped_column(Text, default="", nullable=False)
    decided_by: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class ReportSnapshotValue(SyncColumns, Base):
    """One frozen number of a finalised report: an indicator's total (dimension "") or one
    disaggregation cell; small rows, so each fits the sync protocol's limits."""

    __tablename__ = "report_snapshot_values"

    report_id: Mapped[str] = mapped_column(
        ForeignKey("periodic_reports.id"), nullable=False, index=True
    )
    indicator_code: Mapped[str] = mapped_column(String(16), nullable=False)
    dimension: Mapped[str] = mapped_column(String(20), default="", nullable=False)
    cell_code: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    label: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False)
    unit: Mapped[str] = mapped_column(String(12), nullable=False)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    numerator: Mapped[float | None] = mapped_column(Float, nullable=True)
    denominator: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Totals only: the definition in words and the target as printed, frozen with the number.
    detail: Mapped[str] = mapped_column(Text, default="", nullable=False)


class ReportDocument(SyncColumns, Base):
    """The official PDF of one finalised report version, rendered from its snapshot when it was
    finalised and kept with it (a reopened version keeps its own); synced whole, base64 in one
    column, so upstream holds the document the commune printed. Written once, never edited."""

    __tablename__ = "report_documents"

    report_id: Mapped[str] = mapped_column(
        ForeignKey("periodic_reports.id"), nullable=False, index=True
    )
    file_name: Mapped[str] = mapped_column(String(124), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content_base64: Mapped[str] = mapped_column(Text, nullable=False)


class ReportSnapshotMembers(Base):
    """The ids behind every number of one finalised report version, frozen when it was
    finalised (``desktop/core/indicators/frozen.py``), so that its drill-down lists the
    children it counted. Derived, compact (record ids, never names) and local: not synced; a
    version finalised on another PC, or before this was kept, lists the book as it is now and
    says so. Written once, never edited."""

    __tablename__ = "report_snapshot_members"

    report_id: Mapped[str] = mapped_column(ForeignKey("periodic_reports.id"), primary_key=True)
    format: Mapped[int] = mapped_column(Integer, nullable=False)
    ids_count: Mapped[int] = mapped_column(Integer, nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)


class CfcAssessment(SyncColumns, Base):
    """The child-friendly commune self-assessment of one year (QĐ 06/QĐ-TTg)."""

    __tablename__ = "cfc_assessments"

    year: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    commune_type: Mapped[str] = mapped_column(String(24), nullable=False)


class CfcScore(SyncColumns, Base):
    """The score of one criterion, typed with its evidence (the book's rate shown beside)."""

    __tablename__ = "cfc_scores"

    assessment_id: Mapped[str] = mapped_column(
        ForeignKey("cfc_assessments.id"), nullable=False, index=True
    )
    criterion_no: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    points: Mapped[float | None] = mapped_column(Float, nullable=True)
    evidence: Mapped[str] = mapped_column(Text, default="", nullable=False)
    book_rate: Mapped[float | None] = mapped_column(Float, nullable=True)


class UserHamlet(Base):
    """A hamlet a collaborator may see (collaborators see only their own hamlets)."""

    __tablename__ = "user_hamlets"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    hamlet_id: Mapped[str] = mapped_column(ForeignKey("hamlets.id"), primary_key=True)


class AuditEntry(Base):
    """One line of the audit trail: append-only (triggers refuse UPDATE and DELETE) and chained.

    ``entry_hash`` = SHA-256 over the previous entry's hash and this entry's content, so editing
    or removing any line breaks the chain from that line on.
    """

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    username: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    action: Mapped[str] = mapped_column(String(20), nullable=False)  # create/update/view/…
    table_name: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    record_id: Mapped[str] = mapped_column(String(36), default="", nullable=False, index=True)
    before: Mapped[str] = mapped_column(Text, default="", nullable=False)  # JSON
    after: Mapped[str] = mapped_column(Text, default="", nullable=False)  # JSON
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    entry_hash: Mapped[str] = mapped_column(String(64), nullable=False)


class FormerAuditEntry(Base):
    """A line of a former commune's audit trail, kept verbatim when its book was brought in.

    Append-only (triggers refuse UPDATE and DELETE) and never re-chained: the lines of each
    former book (``book_id``) verify as the chain they were, and the ``merge_book`` line of
    this book's own trail records that chain's length and last hash.
    """

    __tablename__ = "former_audit_entries"
    __table_args__ = (UniqueConstraint("book_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    book_id: Mapped[str] = mapped_column(String(36), nullable=False)
    commune_code: Mapped[str] = mapped_column(String(5), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(20), nullable=False)
    table_name: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    record_id: Mapped[str] = mapped_column(String(36), default="", nullable=False, index=True)
    before: Mapped[str] = mapped_column(Text, default="", nullable=False)
    after: Mapped[str] = mapped_column(Text, default="", nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    entry_hash: Mapped[str] = mapped_column(String(64), nullable=False)


class SyncConflict(Base):
    """A row changed both here and upstream: kept until a person resolves it field by field."""

    __tablename__ = "sync_conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(String(40), nullable=False)
    row_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    # JSON objects of the synced fields: this book's values and the server's.
    local_values: Mapped[str] = mapped_column(Text, nullable=False)
    local_deleted: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    server_values: Mapped[str] = mapped_column(Text, nullable=False)
    server_deleted: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    server_version: Mapped[int] = mapped_column(Integer, nullable=False)
    server_updated_by: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    upstream: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    detected_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # mine | theirs | mixed
    resolution: Mapped[str | None] = mapped_column(String(10), nullable=True)
    resolved_by: Mapped[str] = mapped_column(String(64), default="", nullable=False)


class SyncOutboxBatch(Base):
    """A push batch sent (or exported) whose answer is not applied yet: resent as it is."""

    __tablename__ = "sync_outbox_batches"

    batch_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # The exact JSON of the PushRequest: a retry must carry the same content.
    body: Mapped[str] = mapped_column(Text, nullable=False)
    item_count: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    exported_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class SyncInboxItem(Base):
    """A row received from the server, kept until it can be written into the book."""

    __tablename__ = "sync_inbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    table_name: Mapped[str] = mapped_column(String(40), nullable=False)
    row_id: Mapped[str] = mapped_column(String(36), nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)  # JSON of the PulledRecord
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


SYNCED_MODELS: dict[str, type[SyncColumns]] = {
    "hamlets": Hamlet,
    "households": Household,
    "persons": Person,
    "guardian_links": GuardianLink,
    "change_events": ChangeEvent,
    "special_episodes": SpecialEpisode,
    "merge_records": MergeRecord,
    "indicator_targets": IndicatorTarget,
    "indicator_values": IndicatorValue,
    "report_calendar": ReportCalendarEntry,
    "periodic_reports": PeriodicReport,
    "report_snapshot_values": ReportSnapshotValue,
    "report_documents": ReportDocument,
    "cfc_assessments": CfcAssessment,
    "cfc_scores": CfcScore,
    "risk_categories": RiskCategory,
    "risk_episodes": RiskEpisode,
    "protection_cases": ProtectionCase,
    "case_children": CaseChild,
    "consent_records": ConsentRecord,
    "case_steps": CaseStep,
    "supports": Support,
    "injuries": Injury,
    "labour_records": LabourRecord,
    "marriage_records": MarriageRecord,
}
"""Every table that syncs, by its protocol name; a new table joins sync by being added here.

``case_informants`` (who reported a case) and ``holiday_changes`` stay on this PC;
``report_decisions`` only comes down from the server."""
LOCAL_ONLY_TABLES = frozenset({"case_informants", "holiday_changes", "report_decisions"})
