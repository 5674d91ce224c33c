"""``creditbank staff create``: a staff account from the command line (the first operator).

Prints the login, a one-time password and the sign-in page; the first sign-in enrols the
TOTP second factor (the console shows the QR code for an authenticator app).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from sqlmodel import Session, col, select

from issuer.cli._settings import load_settings, open_database
from issuer.core.errors import InvalidRequest
from issuer.models import STAFF_ROLES, Institution, OrgUnit, StaffCreate
from issuer.staff import accounts


def add_parser(sub: Any) -> None:
    staff = sub.add_parser("staff", help="staff accounts of the console")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    create = staff_sub.add_parser("create", help="open a staff account; prints a one-time password")
    create.add_argument("--role", required=True, choices=STAFF_ROLES)
    create.add_argument("--login", required=True, help="lower-case login, e.g. wang.li")
    create.add_argument("--name", help="the person's name (default: the login)")
    create.add_argument("--centre", help="unit code of a reviewer's or centre manager's centre")
    create.add_argument(
        "--institution", help="institution code of a registrar or institution staff member"
    )
    create.add_argument("--json", action="store_true", help="print the result as JSON")
    create.set_defaults(handler=cmd_create)


def _unit_id(session: Session, code: str | None) -> int | None:
    if code is None:
        return None
    row = session.exec(select(OrgUnit).where(col(OrgUnit.code) == code)).first()
    if row is None:
        raise InvalidRequest(f"no organisation unit with code {code}")
    return row.id


def _institution_id(session: Session, code: str | None) -> int | None:
    if code is None:
        return None
    row = session.exec(select(Institution).where(col(Institution.code) == code)).first()
    if row is None:
        raise InvalidRequest(f"no institution with code {code}")
    return row.id


def cmd_create(args: argparse.Namespace) -> int:
    settings = load_settings()
    engine = open_database(settings)
    try:
        with Session(engine) as session:
            try:
                data = StaffCreate(
                    login=args.login,
                    name=args.name or args.login,
                    role=args.role,
                    centre_id=_unit_id(session, args.centre),
                    institution_id=_institution_id(session, args.institution),
                )
            except ValueError as exc:
                raise InvalidRequest(str(exc).splitlines()[0]) from exc
            created = accounts.create_staff(session, data, actor="cli")
            session.commit()
    finally:
        engine.dispose()
    sign_in = f"{settings.verify_base_url.rstrip('/')}/console/sign-in"
    if args.json:
        print(
            json.dumps(
                {
                    "login": created.login,
                    "role": created.role,
                    "password": created.password,
                    "sign_in": sign_in,
                }
            )
        )
    else:
        print(f"staff account {created.login} ({created.role}) opened")
        print(f"  one-time password  {created.password}  (shown only now)")
        print(f"  sign in at         {sign_in}  (the first sign-in sets up the authenticator app)")
    return 0
