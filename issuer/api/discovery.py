"""Public documents a verifier or wallet dereferences: the issuer, its keys, the SD-JWT VC type.

OB 3.0 §8.2: the issuer id returns the issuer Profile and every JWT's ``kid`` returns its
public JWK. SD-JWT VC draft: ``/.well-known/jwt-vc-issuer`` returns the issuer's keys and
the ``vct`` URL returns the Type Metadata. Unauthenticated and cacheable for a few
minutes (a key's state may change), and readable from any origin: they are public.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from fastapi.responses import JSONResponse

from issuer.api.deps import KeyStoreDep, SessionDep, SettingsDep
from issuer.credentials import discovery, type_metadata, vc_proofs
from verifier.formats import sd_jwt

router = APIRouter(tags=["discovery"])

#: How long a verifier may keep a document before fetching it again.
_PUBLIC = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}
_LD_JSON = "application/ld+json"

KeyId = Annotated[str, Path(max_length=128, description="RFC 7638 thumbprint of the key")]


class _LdJson(JSONResponse):
    media_type = _LD_JSON


@router.get(
    discovery.PROFILE_PATH,
    response_class=_LdJson,
    responses={200: {"content": {_LD_JSON: {}}, "description": "The issuer Profile."}},
)
def issuer_profile(session: SessionDep, settings: SettingsDep, keystore: KeyStoreDep) -> _LdJson:
    """The issuer Profile (OB 3.0, JSON-LD): the id of every Open Badge and CLR we issue.

    Names in Chinese and English and the accredited institutions.
    """
    return _LdJson(discovery.issuer_profile(session, settings, keystore), headers=_PUBLIC)


@router.get(discovery.PROFILE_PATH + "/keys/{kid}")
def issuer_key(kid: KeyId, keystore: KeyStoreDep, settings: SettingsDep) -> JSONResponse:
    """The public JWK of one credential key, in any state (``status``: active, pending,
    retired, compromised, with ``retired_at`` / ``compromised_since``); for a Data
    Integrity proof key, its Multikey document (JSON-LD), which the ``verificationMethod``
    ``…/keys/{kid}#multikey`` of its proofs names.

    The URL is the ``kid`` of the Open Badges and CLR JWTs. A kid that names no credential
    key is ``unknown_key_id`` (404).
    """
    if any(r.kid == kid for r in discovery.proof_records(keystore)):
        return _LdJson(vc_proofs.multikey_of(settings, keystore, kid), headers=_PUBLIC)
    record = discovery.published_key(keystore, kid)
    return JSONResponse(discovery.key_document(record, settings), headers=_PUBLIC)


@router.get("/.well-known/jwt-vc-issuer")
def jwt_vc_issuer(keystore: KeyStoreDep, settings: SettingsDep) -> JSONResponse:
    """JWT VC Issuer Metadata (SD-JWT VC draft): ``issuer`` (the ``iss`` of our SD-JWT VCs)
    and ``jwks``, the keys that sign them."""
    return JSONResponse(discovery.jwt_vc_issuer_metadata(keystore, settings), headers=_PUBLIC)


@router.get(
    sd_jwt.VCT_PATH,
    response_class=Response,
    responses={200: {"content": {"application/json": {}}, "description": "Type Metadata."}},
)
def credit_certificate_type(settings: SettingsDep) -> Response:
    """SD-JWT VC Type Metadata of the credit certificate (the ``vct`` URL).

    The bytes are exactly those whose digest the credentials carry as ``vct#integrity``.
    """
    body = type_metadata.type_metadata_bytes(settings)
    return Response(body, media_type="application/json", headers=_PUBLIC)


@router.get(
    type_metadata.LOGO_PATH,
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "The logo."}},
)
def logo() -> Response:
    """The credit bank's logo, shown by wallets (``uri#integrity`` in the metadata)."""
    headers = {**_PUBLIC, "Cache-Control": "public, max-age=86400"}
    return Response(type_metadata.logo_bytes(), media_type="image/png", headers=headers)
