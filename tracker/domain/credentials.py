"""Signed certificates without a server: Ed25519 keys, ``did:key`` names and compact JWS.

Pure functions over bytes (no database): the service keeps the keys, this module signs and
checks. The token is an RFC 7515 compact JWS with ``alg`` ``EdDSA`` (RFC 8037), so any JOSE
library verifies it with the school's public key; the format is described in docs/certificates.md.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

#: the multicodec prefix of an Ed25519 public key (varint 0xed, 0x01)
ED25519_MULTICODEC = b"\xed\x01"
B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class TokenError(ValueError):
    """A token that is not a well-formed, correctly signed JWS."""


@dataclass(frozen=True)
class KeyPair:
    private_pem: bytes  # PKCS8, unencrypted: the database is the school's secret store
    public_raw: bytes  # 32 bytes
    did: str


def b58encode(data: bytes) -> str:
    """Base58 (Bitcoin alphabet): leading zero bytes become '1'."""
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rest = divmod(number, 58)
        out.append(B58_ALPHABET[rest])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        index = B58_ALPHABET.find(char)
        if index < 0:
            raise ValueError(f"not a base58 character: {char!r}")
        number = number * 58 + index
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def did_key(public_raw: bytes) -> str:
    """``did:key:z6Mk…``: multibase base58btc ('z') of the multicodec-prefixed public key."""
    return "did:key:z" + b58encode(ED25519_MULTICODEC + public_raw)


def public_raw_of_did(did: str) -> bytes:
    if not did.startswith("did:key:z"):
        raise ValueError(f"not a did:key: {did!r}")
    decoded = b58decode(did.removeprefix("did:key:z").split("#")[0])
    if not decoded.startswith(ED25519_MULTICODEC) or len(decoded) != 34:
        raise ValueError(f"not an Ed25519 did:key: {did!r}")
    return decoded[2:]


def key_id(did: str) -> str:
    """The JWS ``kid``: the did:key with its key fragment (did:key method spec)."""
    return f"{did}#{did.removeprefix('did:key:')}"


def new_key() -> KeyPair:
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return KeyPair(pem, raw, did_key(raw))


def public_pem(public_raw: bytes) -> bytes:
    """SubjectPublicKeyInfo PEM: what openssl and JOSE libraries load."""
    return Ed25519PublicKey.from_public_bytes(public_raw).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise TokenError("not base64url") from exc


def _json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode("utf-8")


def sign(private_pem: bytes, did: str, payload: dict[str, Any]) -> str:
    """A compact JWS: header.payload.signature, each base64url without padding."""
    private = serialization.load_pem_private_key(private_pem, password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise TypeError("the signing key is not an Ed25519 key")
    header = {"alg": "EdDSA", "typ": "JWT", "kid": key_id(did)}
    signing_input = f"{_b64(_json(header))}.{_b64(_json(payload))}"
    return f"{signing_input}.{_b64(private.sign(signing_input.encode('ascii')))}"


_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


def looks_like_token(text: str) -> bool:
    """Three base64url parts joined by dots (a compact JWS); a file name such as
    "/tmp/a.b/Certificate - 2026.pdf" has three dotted parts too, but not base64url ones."""
    parts = text.strip().split(".")
    return len(parts) == 3 and all(_BASE64URL.fullmatch(p) for p in parts)


def unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload, NOT checked: to find which key should check them."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise TokenError("a JWS has three parts")
    try:
        header, payload = json.loads(_unb64(parts[0])), json.loads(_unb64(parts[1]))
    except (ValueError, UnicodeDecodeError) as exc:
        raise TokenError("the token's header or payload is not JSON") from exc
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise TokenError("the token's header and payload must be JSON objects")
    return header, payload


def verify(token: str, public_raw: bytes) -> dict[str, Any]:
    """The payload when the signature is the key's over exactly these bytes; TokenError if not."""
    header, payload = unverified(token)
    if header.get("alg") != "EdDSA":
        raise TokenError(f"unexpected algorithm {header.get('alg')!r}")
    head, body, signature = token.strip().split(".")
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(_unb64(signature), f"{head}.{body}".encode("ascii"))
    except (InvalidSignature, ValueError) as exc:
        raise TokenError("the signature does not match") from exc
    return payload
