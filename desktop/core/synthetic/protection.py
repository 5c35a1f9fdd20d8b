"""Synthetic child-protection records for a synthetic commune, at plausible rates.

- Special circumstances: the generator's own episodes (orphans, disability, drop-outs …) plus
  the rarer groups (abandoned, without a carer, in conflict with the law …), a few percent of
  the children in all; about 90 % of them get at least one support this year (a monthly
  allowance, a health-insurance card, gifts of a Mid-Autumn or Tết campaign).
- At risk: about 1 % of the children, by category.
- Cases: about one a year per 1,000 children, over the last two years; older ones closed on
  time, recent ones open, some with clocks overdue (and the informant, kept on this PC).
- Injuries: about 1.2 % of the children a year, more in the summer; drowning about one in
  twenty-five, far more in May–August; a few are visiting children. Deaths are recorded only
  for visiting children, so no child of the book needs a death event.
- Child labour: a few children aged 12 and over.

Rows are plain dicts shaped like the tables (without the sync columns); ``demo.populate_book``
adds those and inserts them. The result is a function of the commune and the seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from desktop.core.domain.dates import age_on, sixteenth_birthday
from desktop.core.domain.keys import IdSequence
from desktop.core.synthetic.generator import SyntheticCommune, SyntheticPerson
from desktop.core.synthetic.names import FEMALE, MALE
from sync import clock

Row = dict[str, Any]

EXTRA_GROUPS = (  # (group, share of children, evidence)
    (2, 0.0006, "Biên bản về việc trẻ bị bỏ rơi."),
    (3, 0.004, "Mồ côi cha, mẹ đang chấp hành án phạt tù."),
    (6, 0.0015, "Quyết định xử lý vi phạm hành chính."),
    (7, 0.0002, "Xác nhận của trạm y tế."),
    (10, 0.0004, "Biên bản xác minh của xã."),
    (13, 0.0, ""),  # only poor or near-poor households: see _extra_special
)
RISK_SHARE = 0.01
RISK_CATEGORIES = (("NC03", 4), ("NC04", 2), ("NC05", 3), ("NC06", 3), ("NC01", 1), ("NC99", 1))
SUPPORTED_SHARE = 0.9
CASES_PER_1000 = 1.0
INJURY_SHARE = 0.012
# Month weights (January first): more injuries in the summer holidays.
INJURY_MONTHS = (6, 6, 7, 7, 9, 11, 12, 11, 8, 7, 6, 6)
DROWNING_MONTHS = (1, 1, 2, 3, 8, 14, 16, 14, 6, 3, 1, 1)
DROWNING_SHARE = 0.04
CAUSES = (
    ("TN03", 30), ("TN01", 24), ("TN07.1", 10), ("TN04.4", 5), ("TN04.1", 3), ("TN10.3", 8),
    ("TN06.2", 4), ("TN11", 2), ("TN09.1", 2), ("TN10.1", 2),
)  # fmt: skip
FORMS = (("XH01.1", 40), ("XH05.2", 20), ("XH03.4", 12), ("XH03.3", 4), ("XH02.1", 8),
         ("XH01.3", 10), ("XH04", 1))  # fmt: skip
CHANNELS = (("NT01", 3), ("NT02", 4), ("NT03", 3), ("NT04", 4), ("NT05", 3), ("NT06", 1))
VILLAGE_WATER = ("ao nhà", "sông", "hồ thủy lợi", "suối", "mương nước")
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đỗ", "Bùi")
GIVEN = ("Minh", "An", "Hà", "Lan", "Tuấn", "Hương", "Nam", "Mai", "Hùng", "Thảo")


@dataclass
class SyntheticProtection:
    """Rows for each protection table (and the local-only informants)."""

    special_episodes: list[Row] = field(default_factory=list)
    risk_episodes: list[Row] = field(default_factory=list)
    supports: list[Row] = field(default_factory=list)
    protection_cases: list[Row] = field(default_factory=list)
    case_children: list[Row] = field(default_factory=list)
    case_steps: list[Row] = field(default_factory=list)
    case_informants: list[Row] = field(default_factory=list)
    injuries: list[Row] = field(default_factory=list)
    labour_records: list[Row] = field(default_factory=list)


def _pick(rng: random.Random, weighted: tuple[tuple[Any, int], ...]) -> Any:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _day_between(rng: random.Random, first: date, last: date) -> date:
    if last <= first:
        return first
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _moment(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=clock.VIETNAM).astimezone(UTC)


@dataclass
class _Ctx:
    rng: random.Random
    ids: IdSequence
    children: list[tuple[SyntheticPerson, str, str]]  # person, hamlet id, poverty
    today: date
    out: SyntheticProtection


def generate_protection(commune: SyntheticCommune, seed: int = 2026) -> SyntheticProtection:
    """The protection records of ``commune`` as of its ``today``."""
    rng = random.Random(f"{seed}:protection:{commune.children}")
    ids = IdSequence(rng.getrandbits(IdSequence.RANDOM_BITS))
    today = commune.today
    out = SyntheticProtection()
    children: list[tuple[SyntheticPerson, str, str]] = []  # person, hamlet id, poverty
    for household in commune.households:
        for person in household.members:
            children.append((person, household.hamlet_id, household.poverty_code))
    special: dict[str, list[tuple[int, date]]] = {}
    for person, _hamlet, _poverty in children:
        for episode in person.episodes:
            special.setdefault(person.id, []).append((episode.group_no, episode.start_date))
    ctx = _Ctx(rng, ids, children, today, out)
    _extra_special(ctx, special)
    _supports(ctx, special)
    _risks(ctx)
    _cases(ctx)
    _injuries(ctx)
    _labour(ctx)
    return out


def _extra_special(ctx: _Ctx, special: dict[str, list[tuple[int, date]]]) -> None:
    rng, ids, children, today, out = ctx.rng, ctx.ids, ctx.children, ctx.today, ctx.out
    for person, _hamlet, poverty in children:
        for group, share, text in EXTRA_GROUPS:
            chance = 0.004 if group == 13 and poverty in ("HN01", "HN02") else share
            evidence = text or "Điều trị dài ngày tại bệnh viện tỉnh; hộ nghèo, cận nghèo."
            if chance and rng.random() < chance:
                if any(g == group for g, _start in special.get(person.id, [])):
                    continue
                start = max(person.birth_date, today - timedelta(days=rng.randint(20, 1100)))
                out.special_episodes.append(
                    {"id": ids(), "person_id": person.id, "group_no": group, "subgroup_no": None,
                     "start_date": start, "end_date": None, "evidence": evidence,
                     "verified_by": "Cán bộ LĐ-TB&XH xã", "verified_on": start,
                     "end_reason": "", "note": ""}
                )  # fmt: skip
                special.setdefault(person.id, []).append((group, start))


def _supports(ctx: _Ctx, special: dict[str, list[tuple[int, date]]]) -> None:
    rng, ids, children, today, out = ctx.rng, ctx.ids, ctx.children, ctx.today, ctx.out
    year_start = date(today.year, 1, 1)
    campaign_day = date(today.year, 9, 17) if today >= date(today.year, 9, 17) else None
    if campaign_day is None and today >= date(today.year, 1, 25):
        campaign_day = date(today.year, 1, 25)
    campaign = (ids(), "Quà Tết Trung thu" if campaign_day and campaign_day.month == 9 else
                "Quà Tết Nguyên đán")  # fmt: skip
    by_id = {p.id: p for p, _h, _pov in children}
    for person_id, groups in special.items():
        person = by_id[person_id]
        first = max(year_start, min(start for _g, start in groups), person.birth_date)
        if first > today or rng.random() >= SUPPORTED_SHARE:
            continue
        kinds = {g for g, _s in groups}
        if kinds & {1, 2, 3, 4}:
            allowance = _support(
                ids, person_id, "TG01", first, end=None, amount=540_000, provider="UBND xã",
                funding="NS",
            )  # fmt: skip
            out.supports.append(allowance)
        if rng.random() < 0.6:
            out.supports.append(_support(ids, person_id, "TG02", _day_between(rng, first, today),
                                         end=None, amount=None, provider="BHXH huyện",
                                         funding="NS"))  # fmt: skip
        if campaign_day is not None and campaign_day >= first and rng.random() < 0.8:
            row = _support(ids, person_id, "TG10", campaign_day, end=None, amount=300_000,
                           provider="Hội Chữ thập đỏ xã", funding="XHH")  # fmt: skip
            row["campaign_id"], row["campaign_name"] = campaign
            out.supports.append(row)
        elif not kinds & {1, 2, 3, 4}:
            out.supports.append(_support(ids, person_id, "TG05", _day_between(rng, first, today),
                                         end=None, amount=None,
                                         provider="Trung tâm CTXH tỉnh", funding="NS"))  # fmt: skip


def _support(
    ids: IdSequence, person_id: str, code: str, day: date, *, end: date | None,
    amount: int | None, provider: str, funding: str,
) -> Row:  # fmt: skip
    return {"id": ids(), "person_id": person_id, "support_code": code, "given_on": day,
            "end_date": end, "provider": provider, "funding": funding, "amount": amount,
            "campaign_id": None, "campaign_name": "", "case_id": None, "note": ""}  # fmt: skip


def _risks(ctx: _Ctx) -> None:
    rng, ids, children, today, out = ctx.rng, ctx.ids, ctx.children, ctx.today, ctx.out
    for person, _hamlet, poverty in children:
        share = RISK_SHARE * (2.0 if poverty in ("HN01", "HN02") else 0.8)
        if rng.random() < share:
            start = max(person.birth_date, today - timedelta(days=rng.randint(10, 700)))
            out.risk_episodes.append(
                {"id": ids(), "person_id": person.id, "category_code": _pick(rng, RISK_CATEGORIES),
                 "start_date": start, "end_date": None, "end_reason": "",
                 "verified_by": "Cộng tác viên thôn", "note": ""}
            )  # fmt: skip


def _cases(ctx: _Ctx) -> None:
    rng, ids, children, today, out = ctx.rng, ctx.ids, ctx.children, ctx.today, ctx.out
    eligible = [p for p, _h, _pov in children if age_on(p.birth_date, today) >= 2]
    if not eligible:
        return
    count = max(2, round(len(children) * CASES_PER_1000 / 1000 * 2))  # two years
    days = sorted(today - timedelta(days=rng.randint(0, 729)) for _ in range(count))
    days[-1] = today - timedelta(days=2)  # a recent one whose clocks are running late
    numbers: dict[int, int] = {}
    for drawn in days:
        child = rng.choice(eligible)
        day = drawn if drawn >= child.birth_date else today - timedelta(days=2)
        numbers[day.year] = numbers.get(day.year, 0) + 1
        case_id = ids()
        received = _moment(day, rng.randint(7, 21), rng.choice((0, 15, 30, 45)))
        age_days = (today - day).days
        form = _pick(rng, FORMS)
        danger = form.startswith("XH03") or rng.random() < 0.2
        state = "closed" if age_days > 45 else "open"
        case = {
            "id": case_id, "case_no": f"VV{day.year}-{numbers[day.year]:03d}", "state": state,
            "received_at": received, "received_on": day, "channel_code": _pick(rng, CHANNELS),
            "hotline_ref": "", "title_kind": "abused", "forms": form,
            "setting_code": rng.choice(("MT01", "MT01", "MT03", "MT02", "MT04")),
            "perpetrator_relation": rng.choice(("Cha", "Cha dượng", "Hàng xóm", "Người quen",
                                                "Bạn học", "Chưa rõ")),
            "child_in_danger": danger, "incident_date": day - timedelta(days=rng.randint(0, 3)),
            "incident_place": "Tại nhà", "current_condition": "Đã được hỗ trợ ban đầu.",
            "likely_consequences": "", "father_info": "", "mother_info": "",
            "family_circumstances": "", "current_carer": "Mẹ", "help_given": "",
            "notes": "", "receiving_officer": "Cán bộ phụ trách trẻ em",
            "closed_at": None, "outcome_code": "",
        }  # fmt: skip
        if case["channel_code"] == "NT01":
            case["hotline_ref"] = f"111-{day:%y%m%d}-{rng.randint(100, 999)}"
        out.protection_cases.append(case)
        out.case_children.append(
            {"id": ids(), "case_id": case_id, "person_id": child.id, "full_name": "",
             "birth_date": None, "estimated_age": None, "sex": child.sex, "hiv_status": ""}
        )  # fmt: skip
        if rng.random() < 0.5:
            out.case_informants.append(
                {"case_id": case_id, "full_name": _name(rng),
                 "phone": f"09{rng.randint(10**7, 10**8 - 1)}", "address": "Trong xã",
                 "relation": rng.choice(("hàng xóm", "giáo viên", "người thân")),
                 "updated_at": received}
            )  # fmt: skip
        steps: list[tuple[str, datetime]] = []
        late = state == "open" and drawn == days[-1]
        if not late:
            steps.append(("written_report", received + timedelta(hours=rng.randint(2, 30))))
            if danger:
                steps.append(("emergency", received + timedelta(hours=rng.randint(1, 14))))
        # Some open cases are still waiting for their plan: its clock is overdue.
        if age_days >= 8 and not late and (state == "closed" or rng.random() < 0.6):
            steps.append(("plan", received + timedelta(days=rng.randint(3, 8))))
        if state == "closed":
            closed = received + timedelta(days=rng.randint(20, 44))
            steps.append(("closure", closed))
            case["closed_at"] = closed
            case["outcome_code"] = rng.choice(("KQ_SAFE", "KQ_SAFE", "KQ_REFERRED"))
        now = _moment(today, 23, 59)
        for kind, at in steps:
            out.case_steps.append(
                {"id": ids(), "case_id": case_id, "kind": kind, "at": min(at, now), "by": "",
                 "description": "", "referral_to": "", "consent_id": None,
                 "consent_not_needed": "", "risk_level": "",
                 "outcome_code": case["outcome_code"] if kind == "closure" else ""}
            )  # fmt: skip


def _name(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} Thị {rng.choice(GIVEN)}"


def _injuries(ctx: _Ctx) -> None:
    rng, ids, children, today, out = ctx.rng, ctx.ids, ctx.children, ctx.today, ctx.out
    if not children:
        return
    first = today - timedelta(days=364)
    count = round(len(children) * INJURY_SHARE)
    hamlets = sorted({h for _p, h, _pov in children})
    for _ in range(count):
        drowning = rng.random() < DROWNING_SHARE
        months = DROWNING_MONTHS if drowning else INJURY_MONTHS
        month = rng.choices(range(1, 13), weights=months)[0]
        year = today.year if date(today.year, month, 1) <= today else today.year - 1
        day = _day_between(rng, date(year, month, 1), date(year, month, 28))
        day = min(max(day, first), today)
        visitor = rng.random() < 0.05
        cause = "TN05" if drowning else _pick(rng, CAUSES)
        outcome = "KQ03"
        if drowning and visitor and rng.random() < 0.5:
            outcome = "KQ01"
        elif rng.random() < 0.01:
            outcome = "KQ02"
        row = {
            "id": ids(), "person_id": None, "visitor_name": "", "visitor_age": None,
            "visitor_sex": 3, "hamlet_id": rng.choice(hamlets), "occurred_on": day,
            "occurred_time": f"{rng.randint(6, 20):02d}:{rng.choice((0, 30)):02d}",
            "place_code": "water" if drowning else rng.choice(("home", "home", "road", "school",
                                                               "field", "public")),
            "place": rng.choice(VILLAGE_WATER) if drowning else "",
            "cause_code": cause, "outcome_code": outcome,
            "treatment_code": "XT01" if outcome == "KQ01" else rng.choice(
                ("XT02", "XT03", "XT03", "XT04", "XT05")),
            "note": "",
        }  # fmt: skip
        if visitor:
            row["visitor_name"] = _name(rng) if rng.random() < 0.7 else ""
            row["visitor_age"] = rng.randint(3, 15)
            row["visitor_sex"] = rng.choice((MALE, FEMALE))
        else:
            person, hamlet, _pov = rng.choice(children)
            if day < person.birth_date:
                continue
            row["person_id"], row["hamlet_id"] = person.id, hamlet
        out.injuries.append(row)


def _labour(ctx: _Ctx) -> None:
    rng, ids, children, today, out = ctx.rng, ctx.ids, ctx.children, ctx.today, ctx.out
    for person, _hamlet, poverty in children:
        age = age_on(person.birth_date, today)
        share = 0.01 if poverty in ("HN01", "HN02") else 0.002
        if age >= 12 and person.schooling_code == "HT08" and rng.random() < share * 20:
            pass
        elif not (age >= 12 and rng.random() < share):
            continue
        start = today - timedelta(days=rng.randint(30, 500))
        start = max(start, person.birth_date + timedelta(days=365 * 12))
        if start > today or start >= sixteenth_birthday(person.birth_date) + timedelta(days=730):
            continue
        out.labour_records.append(
            {"id": ids(), "person_id": person.id, "start_date": start, "end_date": None,
             "work": rng.choice(("Phụ bán hàng", "Làm nương rẫy", "Phụ hồ", "Chăn trâu bò")),
             "employer": rng.choice(("Gia đình", "Hộ kinh doanh trong xã", "")),
             "hours_per_week": rng.choice((10, 20, 30, 42)), "hazardous": rng.random() < 0.3,
             "action": "Đã tuyên truyền, vận động gia đình.", "note": ""}
        )  # fmt: skip
