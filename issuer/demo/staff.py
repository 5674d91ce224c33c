"""The demo's organisation and staff: a province centre, 郑州 and 洛阳 sub-centres, an
operator, a reviewer in each city, a registrar at the demo university, a member of staff
of each demo institution (their workspace: forms and CSV imports) and the three members of
the expert committee (education, industry, enterprise).

The committee members sign in as themselves: each is linked to the committee member of
the same name (made here with its three panels when no demo story made them before).

Development demo data only: every account has the known password
:data:`DEMO_STAFF_PASSWORD` and a known, already enrolled TOTP secret, printed by
``creditbank seed-demo`` and ``make run`` so a developer can sign in at
``/console/sign-in`` with any authenticator app (or ``pyotp``). The accounts are made
with the domain functions rather than over the HTTP API, because the API never takes or
returns a TOTP secret, by design; the units and the attachment of the institutions are
the same calls the API makes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from issuer.bank import accounts as bank_accounts
from issuer.bank import institution_keys
from issuer.committee import panels
from issuer.core.settings import Settings
from issuer.demo.committee import COMMITTEE_MEMBERS
from issuer.demo.story import DEMO_INSTITUTION
from issuer.demo.transfers import DEMO_UNIVERSITY
from issuer.models import (
    CommitteeMember,
    Institution,
    InstitutionCreate,
    OrgUnitCreate,
    Panel,
    StaffCreate,
    StaffRole,
)
from issuer.models.committee import MemberCreate, PanelCreate
from issuer.staff import accounts, org_units

__all__ = ["DEMO_STAFF", "DEMO_STAFF_PASSWORD", "DEMO_UNITS", "DemoStaff", "seed_staff"]

#: The demo staff's password: development demo data only.
DEMO_STAFF_PASSWORD = "demo-staff-password"  # noqa: S105 - printed by the demo on purpose
DEMO_UNITS = (
    {
        "code": "HN",
        "name_zh": "河南省终身学习学分银行（示例）",
        "name_en": "Henan Credit Bank Centre (demo)",
        "level": "province",
    },
    {
        "code": "HN-ZZ",
        "name_zh": "郑州认证分中心",
        "name_en": "Zhengzhou Certification Sub-centre",
        "level": "sub_centre",
    },
    {
        "code": "HN-LY",
        "name_zh": "洛阳认证分中心",
        "name_en": "Luoyang Certification Sub-centre",
        "level": "sub_centre",
    },
)


@dataclass(frozen=True)
class DemoStaff:
    login: str
    name: str
    role: StaffRole
    centre: str | None  # unit code
    institution: str | None  # institution code
    totp_secret: str  # base32, demo only


DEMO_STAFF = (
    DemoStaff("operator", "赵运营", "operator", None, None, "CBDEMOOPERATORTOTPSECRETAAAAAAAA"),
    DemoStaff(
        "zz.reviewer",
        "钱审核（郑州）",
        "reviewer",
        "HN-ZZ",
        None,
        "CBDEMOZHENGZHOUREVIEWERAAAAAAAAA",
    ),
    DemoStaff(
        "ly.reviewer",
        "孙审核（洛阳）",
        "reviewer",
        "HN-LY",
        None,
        "CBDEMOLUOYANGREVIEWERAAAAAAAAAAA",
    ),
    DemoStaff(
        "registrar",
        "李教务",
        "registrar",
        None,
        str(DEMO_UNIVERSITY["code"]),
        "CBDEMOREGISTRARTOTPSECRETAAAAAAA",
    ),
    DemoStaff("wang.expert", "王教授", "committee", None, None, "CBDEMOCOMMITTEEEDUCATIONAAAAAAAA"),
    DemoStaff("li.expert", "李工程师", "committee", None, None, "CBDEMOCOMMITTEEINDUSTRYAAAAAAAAA"),
    DemoStaff(
        "zhang.expert", "张经理", "committee", None, None, "CBDEMOCOMMITTEEENTERPRISEAAAAAAA"
    ),
    DemoStaff(
        "college.staff",
        "周录入",
        "institution",
        None,
        str(DEMO_INSTITUTION["code"]),
        "CBDEMOCOLLEGESTAFFTOTPSECRETAAAA",
    ),
    DemoStaff(
        "university.staff",
        "吴录入",
        "institution",
        None,
        str(DEMO_UNIVERSITY["code"]),
        "CBDEMOUNIVERSITYSTAFFTOTPSECRETA",
    ),
)


def _institution(session: Session, data: dict[str, Any], centre_id: int) -> Institution:
    found = session.exec(select(Institution).where(col(Institution.code) == data["code"])).first()
    if found is None:
        # Its API key is not kept: the operator makes one in the console when needed.
        bank_accounts.create_institution(
            session,
            InstitutionCreate.model_validate({**data, "centre_id": centre_id}),
            actor="demo",
        )
        found = session.exec(select(Institution).where(col(Institution.code) == data["code"])).one()
    elif found.centre_id is None and found.id is not None:
        institution_keys.attach(session, found.id, centre_id, actor="demo")
    return found


def _committee(session: Session, staff_ids: dict[str, int]) -> None:
    """Link each committee staff account to the member of its name, made when missing."""
    member_ids = []
    for spec in COMMITTEE_MEMBERS:
        staff_id = staff_ids[spec["name"]]
        member = session.exec(
            select(CommitteeMember).where(col(CommitteeMember.name) == spec["name"])
        ).first()
        if member is None:
            made = panels.create_member(
                session, MemberCreate.model_validate({**spec, "staff_id": staff_id})
            )
            member_ids.append(made.id)
            continue
        assert member.id is not None
        if member.staff_id is None:
            panels.link_staff(session, member.id, staff_id)
        member_ids.append(member.id)
    for purpose in ("standards", "review", "disputes"):
        if session.exec(select(Panel.id).where(col(Panel.purpose) == purpose)).first() is None:
            panels.create_panel(
                session,
                PanelCreate.model_validate(
                    {"name": f"demo {purpose} panel", "purpose": purpose, "member_ids": member_ids}
                ),
            )


def seed_staff(engine: Engine, settings: Settings) -> list[dict[str, Any]]:
    """Add the demo organisation and staff once; what to print (logins, secrets)."""
    with Session(engine) as session:
        units: dict[str, int] = {}
        for data in DEMO_UNITS:
            parent = units.get("HN") if data["level"] != "province" else None
            unit = org_units.create_unit(
                session, OrgUnitCreate.model_validate({**data, "parent_id": parent}), actor="demo"
            )
            assert unit.id is not None
            units[str(data["code"])] = unit.id
        institutions = {
            str(data["code"]): _institution(session, data, units["HN-ZZ"]).id
            for data in (DEMO_INSTITUTION, DEMO_UNIVERSITY)
        }
        staff_ids: dict[str, int] = {}
        for member in DEMO_STAFF:
            made = accounts.create_staff(
                session,
                StaffCreate(
                    login=member.login,
                    name=member.name,
                    role=member.role,
                    centre_id=units[member.centre] if member.centre else None,
                    institution_id=institutions[member.institution] if member.institution else None,
                ),
                actor="demo",
                password=DEMO_STAFF_PASSWORD,
                settings=settings,
                totp_secret=member.totp_secret,
            )
            staff_ids[member.name] = made.id
        _committee(session, staff_ids)
        session.commit()
    return [asdict(member) for member in DEMO_STAFF]
