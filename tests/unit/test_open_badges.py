"""Open Badges 3.0 credentials, checked by tools that are not ours.

The badge a student saves must convince a verifier that has never seen this program: the PNG
is read with Pillow's own chunk parser (not our reader), the SVG with the standard library's DOM,
and the credential is verified by ``openbadgeslib`` (an independent OB 3.0 library) resolving the
school's ``did:key`` offline, and by PyJWT. One byte of the payload changed and both refuse it.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import struct
import zlib
from datetime import UTC, datetime, timedelta, timezone
from importlib import resources
from typing import Any
from xml.dom import minidom

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from openbadgeslib.ob3 import OB3VerificationError, OB3Verifier
from openbadgeslib.verify import verify_badge
from PIL import Image

from tracker.domain import credentials, open_badges
from tracker.domain.credentials import TokenError
from tracker.domain.open_badges import AwardFacts
from tracker.reports import badge_image

STUDENT_EMAIL = "ana.kowalska@hillside.example"
AWARDED = datetime(2026, 3, 14, 15, 9, 26, 535000)  # naive: UTC, as the database keeps it


@pytest.fixture(scope="module")
def school_key() -> credentials.KeyPair:
    return credentials.new_key()


@pytest.fixture(scope="module")
def badge_png() -> bytes:
    return badge_image.png_of_svg(badge_image.design_svg("star", *badge_image.DEFAULT_COLOURS["star"]), 96)


@pytest.fixture(scope="module")
def facts(badge_png: bytes) -> AwardFacts:
    return AwardFacts(
        award_uid="0b6f5a0e-8f2c-4d6a-9a51-3f4f3b8c2d10", badge_uid="5d2b8a61-1c4e-4f0b-8e8e-2a9b7c6d5e4f",
        badge_name="Stage Star", badge_description="Performed a solo in the spring show.",
        criteria_text="Complete the 'Solo performance' milestone.", image_png=badge_png, awarded_at=AWARDED,
        recipient_identity=STUDENT_EMAIL, salt="q8Zr2LxT", activity_name="Drama Club",
        school_name="Hillside School", school_url="https://hillside.example")


@pytest.fixture(scope="module")
def cred(facts: AwardFacts, school_key: credentials.KeyPair) -> dict[str, Any]:
    return open_badges.credential(facts, school_key.did)


@pytest.fixture(scope="module")
def token(cred: dict[str, Any], school_key: credentials.KeyPair) -> str:
    return open_badges.sign_credential(school_key.private_pem, school_key.did, cred,
                                       now=datetime(2026, 3, 15, 8, 0, tzinfo=UTC))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def one_byte_changed(jwt: str) -> str:
    """The same token with ONE byte of the decoded payload changed (the badge name's last letter)."""
    head, body, signature = jwt.split(".")
    payload = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    where = payload.index(b'"name":"Stage Star"') + len(b'"name":"Stage Sta')
    payload[where] = ord("t")  # "Stage Star" -> "Stage Stat"
    return f"{head}.{b64url(bytes(payload))}.{signature}"


def pillow_text(png: bytes) -> str:
    """The credential as Pillow's PNG reader sees it (not our chunk parser)."""
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        return str(image.text["openbadgecredential"])


def dom_credential(svg: str) -> str:
    """The credential as the standard library's DOM sees it (not our SVG reader)."""
    document = minidom.parseString(svg.encode("utf-8"))
    nodes = document.getElementsByTagNameNS("https://purl.imsglobal.org/ob/v3p0", "credential")
    assert len(nodes) == 1
    return str(nodes[0].getAttribute("verify"))


# --- the credential -------------------------------------------------------------------------------

def test_the_credential_is_an_open_badge_credential_issued_by_the_schools_did_key(cred, facts, school_key):
    assert cred["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert cred["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert cred["id"] == f"urn:uuid:{facts.award_uid}"
    assert cred["issuer"] == {"id": school_key.did, "type": ["Profile"], "name": "Hillside School",
                              "url": "https://hillside.example"}
    assert cred["validFrom"] == "2026-03-14T15:09:26Z"
    achievement = cred["credentialSubject"]["achievement"]
    assert achievement["id"] == f"urn:uuid:{facts.badge_uid}"
    assert achievement["type"] == ["Achievement"]
    assert (achievement["name"], achievement["description"]) == ("Stage Star", facts.badge_description)
    assert achievement["criteria"] == {"narrative": facts.criteria_text}
    assert achievement["tag"] == ["Drama Club"]
    assert achievement["image"]["type"] == "Image"
    prefix = "data:image/png;base64,"
    assert achievement["image"]["id"].startswith(prefix)
    assert base64.b64decode(achievement["image"]["id"][len(prefix):]) == facts.image_png


def test_the_student_is_identified_by_a_salted_hash_never_in_clear(cred, token):
    subject = cred["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    expected = "sha256$" + hashlib.sha256((STUDENT_EMAIL + "q8Zr2LxT").encode()).hexdigest()
    assert subject["identifier"] == [{"type": "IdentityObject", "identityHash": expected,
                                      "identityType": "emailAddress", "hashed": True, "salt": "q8Zr2LxT"}]
    assert subject["id"].startswith("urn:uuid:")
    for text in (json.dumps(cred), json.dumps(pyjwt.decode(token, options={"verify_signature": False}))):
        assert STUDENT_EMAIL not in text and "kowalska" not in text


def test_the_identity_hash_matches_the_specs_own_example():
    # Open Badges 3.0, IdentityHash: 'a@example.com' salted with 'Kosher'
    assert open_badges.identity_hash("a@example.com", "Kosher") == (
        "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399")
    assert open_badges.identity_type("S-2031-0042") == "sisSourcedId"


def test_every_property_is_a_term_of_the_official_contexts(cred):
    """JSON-LD processors reject undefined terms; the contexts are the ones openbadgeslib vendors."""
    folder = resources.files("openbadgeslib.ob3.contexts")
    terms: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "@context" and isinstance(value, dict):
                    terms.update(k for k in value if not k.startswith("@"))
                collect(value)
        elif isinstance(node, list):
            for item in node:
                collect(item)

    for name in ("credentials-v2.json", "ob-v3p0-context-3.0.3.json"):
        collect(json.loads(folder.joinpath(name).read_text("utf-8")))

    def keys(node: Any) -> set[str]:
        if isinstance(node, dict):
            return {k for k in node if not k.startswith("@")}.union(*(keys(v) for v in node.values()))
        if isinstance(node, list):
            return set().union(*(keys(v) for v in node))
        return set()

    assert keys(cred) - terms == set()


def test_an_aware_award_time_gives_the_same_valid_from(facts, school_key):
    shifted = AWARDED.replace(tzinfo=UTC).astimezone(timezone(timedelta(hours=2)))
    moved = AwardFacts(**{**facts.__dict__, "awarded_at": shifted})
    assert open_badges.credential(moved, school_key.did)["validFrom"] == "2026-03-14T15:09:26Z"


# --- the VC-JWT -----------------------------------------------------------------------------------

def test_the_jwt_header_and_claims_follow_the_vc_jwt_proof_format(token, cred, school_key):
    header = pyjwt.get_unverified_header(token)
    assert header == {"alg": "EdDSA", "typ": "JWT",
                      "kid": f"{school_key.did}#{school_key.did.removeprefix('did:key:')}"}
    public = load_pem_public_key(credentials.public_pem(school_key.public_raw))
    claims = pyjwt.decode(token, public, algorithms=["EdDSA"])  # PyJWT checks signature and nbf
    assert claims["iss"] == school_key.did == cred["issuer"]["id"]
    assert claims["jti"] == cred["id"]
    assert claims["sub"] == cred["credentialSubject"]["id"]
    assert claims["nbf"] == int(datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC).timestamp())
    assert claims["iat"] == int(datetime(2026, 3, 15, 8, 0, tzinfo=UTC).timestamp())
    assert {k: v for k, v in claims.items() if k not in open_badges.JWT_CLAIMS} == cred


def test_our_verifier_accepts_the_token_and_refuses_a_changed_byte(token, cred):
    payload = open_badges.verify_credential(token)
    assert payload["credentialSubject"] == cred["credentialSubject"]
    with pytest.raises(TokenError, match="signature"):
        open_badges.verify_credential(one_byte_changed(token))


def test_a_token_signed_by_another_key_in_the_schools_name_is_refused(cred, school_key):
    impostor = credentials.new_key()
    forged = credentials.sign(impostor.private_pem, school_key.did,
                              {**cred, "iss": school_key.did, "jti": cred["id"],
                               "sub": cred["credentialSubject"]["id"], "nbf": 0})
    with pytest.raises(TokenError):
        open_badges.verify_credential(forged)
    own_name = open_badges.sign_credential(impostor.private_pem, impostor.did,
                                           {**cred, "issuer": {**cred["issuer"], "id": impostor.did}})
    assert open_badges.verify_credential(own_name)["issuer"]["id"] == impostor.did  # valid, not the school


def test_claims_that_disagree_with_the_credential_are_refused(cred, school_key):
    wrong_subject = credentials.sign(school_key.private_pem, school_key.did,
                                     {**cred, "iss": school_key.did, "jti": cred["id"], "sub": "urn:uuid:x",
                                      "nbf": int(datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC).timestamp())})
    with pytest.raises(TokenError, match="sub"):
        open_badges.verify_credential(wrong_subject)
    with pytest.raises(ValueError, match="issuer"):
        open_badges.sign_credential(school_key.private_pem, credentials.new_key().did, cred)
    with pytest.raises(TokenError):
        open_badges.verify_credential("not.a.token")


# --- baked badges, verified independently ---------------------------------------------------------

def test_a_baked_png_read_by_pillow_is_accepted_by_openbadgeslib_offline(badge_png, token, school_key):
    baked = badge_image.bake_png(badge_png, token)
    extracted = pillow_text(baked)
    assert extracted == token
    verified = OB3Verifier.for_issuer_did(school_key.did).verify(extracted)  # did:key resolved offline
    assert verified.issuer.id == school_key.did
    assert verified.achievement.name == "Stage Star"
    assert verified.identifiers[0].identity_hash == open_badges.identity_hash(STUDENT_EMAIL, "q8Zr2LxT")
    whole = verify_badge(baked, "3", resolve_did=True)
    assert whole.valid and whole.proof_format == "vc-jwt" and whole.issuer_did == school_key.did
    pinned = verify_badge(baked, "3", pubkey_pem=credentials.public_pem(school_key.public_raw))
    assert pinned.valid and pinned.trusted  # checked against the school's published public key


def rebake_png_with_one_byte_changed(baked: bytes, token: str) -> bytes:
    """Change one byte of the credential inside the file and fix the chunk's CRC, as a forger would."""
    tampered = one_byte_changed(token).encode()
    start = baked.index(token.encode())
    out = bytearray(baked[:start] + tampered + baked[start + len(token):])
    chunk = out.rindex(b"iTXt", 0, start) - 4
    (length,) = struct.unpack(">I", out[chunk:chunk + 4])
    assert length == len(tampered) + len(b"openbadgecredential") + 5
    out[chunk + 8 + length:chunk + 12 + length] = struct.pack(">I", zlib.crc32(bytes(out[chunk + 4:chunk + 8 + length])))
    return bytes(out)


def test_a_baked_png_with_one_byte_of_the_payload_changed_is_rejected(badge_png, token, school_key):
    tampered = rebake_png_with_one_byte_changed(badge_image.bake_png(badge_png, token), token)
    assert pillow_text(tampered) != token
    with pytest.raises(OB3VerificationError, match="signature"):
        OB3Verifier.for_issuer_did(school_key.did).verify(pillow_text(tampered))
    result = verify_badge(tampered, "3", resolve_did=True)
    assert not result.valid and "signature" in (result.reason or "").lower()
    with pytest.raises(TokenError):
        open_badges.verify_credential(badge_image.read_baked_png(tampered) or "")


def test_a_baked_svg_read_by_the_dom_is_accepted_and_a_changed_byte_rejected(token, school_key):
    svg = badge_image.bake_svg(badge_image.design_svg("theatre", "#4a148c", "#ffca28"), token)
    assert dom_credential(svg) == token
    verifier = OB3Verifier.for_issuer_did(school_key.did)
    assert verifier.verify(dom_credential(svg)).achievement.name == "Stage Star"
    assert verify_badge(svg.encode(), "3", resolve_did=True).valid

    tampered = svg.replace(token, one_byte_changed(token))
    with pytest.raises(OB3VerificationError, match="signature"):
        verifier.verify(dom_credential(tampered))
    assert not verify_badge(tampered.encode(), "3", resolve_did=True).valid


def test_a_badge_signed_by_another_key_is_rejected_when_the_schools_key_is_pinned(badge_png, cred):
    impostor = credentials.new_key()
    forged = open_badges.sign_credential(impostor.private_pem, impostor.did,
                                         {**cred, "issuer": {**cred["issuer"], "id": impostor.did}})
    school_pem = credentials.public_pem(credentials.public_raw_of_did(cred["issuer"]["id"]))
    result = verify_badge(badge_image.bake_png(badge_png, forged), "3", pubkey_pem=school_pem)
    assert not result.valid
