"""Open Badges 3.0: an award as an ``OpenBadgeCredential``, signed as a VC-JWT, and checked.

The credential follows the W3C Verifiable Credentials data model 2.0 and Open Badges 3.0
(1EdTech): the school is the issuer, named by its ``did:key`` (the same Ed25519 key that signs
certificates, see :mod:`tracker.domain.credentials`), the badge is the ``Achievement``, and the
student is identified only by a salted SHA-256 of their e-mail address or school identifier
(``IdentityObject``), never in clear. Anyone holding the student's address can check the hash;
nobody else learns who it is.

It is signed with OB 3.0's "JSON Web Token Proof Format" (VC-JWT, §8.2): a compact JWS whose
header is ``{"alg": "EdDSA", "typ": "JWT", "kid": "<did>#<key>"}`` and whose payload is the
credential itself plus the registered claims ``iss`` (issuer id), ``jti`` (credential id),
``nbf`` (``validFrom``), ``sub`` (``credentialSubject.id``) and ``iat``. The did:key carries the
public key, so any verifier checks it offline. docs/badges.md describes the format.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tracker.domain import credentials
from tracker.domain.credentials import TokenError

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
CREDENTIAL_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
#: JWT registered claims added to the credential by :func:`sign_credential`
JWT_CLAIMS = ("iss", "jti", "nbf", "sub", "iat")


@dataclass(frozen=True)
class AwardFacts:
    """What a credential says about one award, gathered by the badge service."""

    award_uid: str
    badge_uid: str
    badge_name: str
    badge_description: str
    criteria_text: str
    image_png: bytes
    awarded_at: datetime
    recipient_identity: str  # the raw e-mail address or school identifier: hashed, never published
    salt: str
    activity_name: str | None
    school_name: str
    school_url: str | None


def _utc(moment: datetime) -> datetime:
    """Naive datetimes are UTC (how the database stores them)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return _utc(moment).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def identity_hash(identity: str, salt: str) -> str:
    """OB 3.0 ``IdentityHash``: ``sha256$`` + hex SHA-256 of the UTF-8 identity followed by the salt."""
    return "sha256$" + hashlib.sha256((identity + salt).encode("utf-8")).hexdigest()


def identity_type(identity: str) -> str:
    """The ``IdentifierTypeEnum`` value: an e-mail address, or the school information system's id."""
    return "emailAddress" if "@" in identity else "sisSourcedId"


def subject_id(hashed: str) -> str:
    """A pseudonymous ``urn:uuid`` for ``credentialSubject.id``, derived from the identity hash.

    VC-JWT requires ``sub`` to equal ``credentialSubject.id``; this gives it a stable value that
    says no more than the published hash does (and nothing without the student's address)."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, hashed)}"


def credential(facts: AwardFacts, issuer_did: str) -> dict[str, Any]:
    """The unsigned ``OpenBadgeCredential`` for one award, as JSON-ready data."""
    hashed = identity_hash(facts.recipient_identity, facts.salt)
    issuer: dict[str, Any] = {"id": issuer_did, "type": ["Profile"], "name": facts.school_name}
    if facts.school_url:
        issuer["url"] = facts.school_url
    achievement: dict[str, Any] = {
        "id": f"urn:uuid:{facts.badge_uid}",
        "type": ["Achievement"],
        "name": facts.badge_name,
        "description": facts.badge_description or facts.badge_name,
        "criteria": {"narrative": facts.criteria_text or f"Awarded by {facts.school_name}."},
        "image": {"id": "data:image/png;base64," + base64.b64encode(facts.image_png).decode("ascii"),
                  "type": "Image"},
    }
    if facts.activity_name:
        achievement["tag"] = [facts.activity_name]
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": f"urn:uuid:{facts.award_uid}",
        "type": list(CREDENTIAL_TYPES),
        "issuer": issuer,
        "validFrom": _iso(facts.awarded_at),
        "name": facts.badge_name,
        "credentialSubject": {
            "id": subject_id(hashed),
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": hashed,
                "identityType": identity_type(facts.recipient_identity),
                "hashed": True,
                "salt": facts.salt,
            }],
            "achievement": achievement,
        },
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }


def _claims(cred: dict[str, Any]) -> dict[str, Any]:
    """The registered claims OB 3.0 §8.2 derives from the credential (``iat`` aside)."""
    try:
        valid_from = _utc(datetime.fromisoformat(cred["validFrom"]))
        return {"iss": cred["issuer"]["id"], "jti": cred["id"], "nbf": int(valid_from.timestamp()),
                "sub": cred["credentialSubject"]["id"]}
    except (KeyError, TypeError, ValueError) as exc:
        raise TokenError(f"the credential lacks an issuer, id, validFrom or subject id ({exc})") from exc


def sign_credential(private_pem: bytes, issuer_did: str, credential: dict[str, Any], *,
                    now: datetime | None = None) -> str:
    """The credential as a VC-JWT signed with the school's key (``issuer_did`` must be its issuer)."""
    claims = _claims(credential)
    if claims["iss"] != issuer_did:
        raise ValueError(f"the credential's issuer {claims['iss']!r} is not the signing key {issuer_did!r}")
    issued = _utc(now or datetime.now(UTC))
    return credentials.sign(private_pem, issuer_did, {**credential, **claims, "iat": int(issued.timestamp())})


def verify_credential(jwt: str) -> dict[str, Any]:
    """The credential (the JWT payload) when the VC-JWT is signed by the key its issuer's did:key
    names and its claims agree with the credential; :class:`TokenError` otherwise.

    Offline: a did:key is its own public key. This proves who signed, not that the award still
    stands: whether it was revoked is the school's register's business."""
    header, payload = credentials.unverified(jwt)
    issuer = payload.get("iss")
    if not isinstance(issuer, str):
        raise TokenError("the token has no issuer (iss)")
    kid = header.get("kid")
    if kid is not None and (not isinstance(kid, str) or kid.split("#")[0] != issuer):
        raise TokenError("the token's key id does not belong to its issuer")
    try:
        public_raw = credentials.public_raw_of_did(issuer)
    except ValueError as exc:
        raise TokenError(f"the issuer is not an Ed25519 did:key ({exc})") from exc
    payload = credentials.verify(jwt, public_raw)
    if not set(CREDENTIAL_TYPES) <= set(payload.get("type") or []):
        raise TokenError("the token is not an OpenBadgeCredential")
    expected = _claims(payload)
    for claim, value in expected.items():
        if payload.get(claim) != value:
            raise TokenError(f"the token's {claim} claim does not match the credential")
    return payload
