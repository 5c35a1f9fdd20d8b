"""The tables of the commune book (Sổ theo dõi trẻ em trong hộ gia đình)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desktop.core.storage.base import Base, SyncColumns, new_id, utcnow


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
    idle_lock_minutes: Mapped[int] = mapped_column(Integer, default=15, nullable=False)
    last_sync_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


class User(Base):
    """A person who may open this book. Passwords live only as key wraps in the key file."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    full_name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )


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

    hamlet: Mapped[Hamlet] = relationship()
    members: Mapped[list[Person]] = relationship(back_populates="household")


class Person(SyncColumns, Base):
    """A child or adult of a household. A child is a person under 16 (computed, not stored)."""

    __tablename__ = "persons"

    household_id: Mapped[str | None] = mapped_column(
        ForeignKey("households.id"), nullable=True, index=True
    )
    full_name: Mapped[str] = mapped_column(String(200), nullable=False)
    name_key: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    birth_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    birth_date_estimated: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    sex: Mapped[int] = mapped_column(SmallInteger, nullable=False)  # 1 Nam, 2 Nữ, 3 chưa rõ
    ethnicity_code: Mapped[str] = mapped_column(String(4), default="01", nullable=False)
    id_number: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
    # Code from household_relations.csv (QH01 chủ hộ, QH03 con đẻ …).
    relation_code: Mapped[str | None] = mapped_column(String(8), nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="", nullable=False)

    household: Mapped[Household | None] = relationship(back_populates="members")


SYNCED_MODELS: dict[str, type[SyncColumns]] = {
    "hamlets": Hamlet,
    "households": Household,
    "persons": Person,
}
"""Every table that syncs, by its protocol name; a new table joins sync by being added here."""
