"""Keys at rest: the database holds only hashes of the keys and tokens, and no export carries a
key, a token or a hash of one."""

from __future__ import annotations

import io
import zipfile

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.services.access import hash_key
from tests.security.conftest import ROLES, database_state, make_scene


def test_the_database_holds_no_key_or_token_only_their_hashes(client: TestClient, engine: Engine) -> None:
    scene = make_scene(client, "results")
    keys = {role: scene.key(role) for role in ROLES if role != "none"}
    dump = repr(database_state(engine))
    for role, key in keys.items():
        assert key and key not in dump, f"the {role} key is stored as it is"
    for role in ("facilitator", "screen", "participant"):
        assert hash_key(keys[role] or "") in dump, f"the {role} key's hash is missing"


def test_no_export_carries_a_key_a_token_or_their_hashes(client: TestClient) -> None:
    scene = make_scene(client, "results")
    secrets = [s for role in ("facilitator", "screen", "participant") if (s := scene.key(role))]
    secrets += [hash_key(s) for s in list(secrets)]
    for fmt in ("csv", "xlsx", "json"):
        answer = client.get(f"/api/v1/workshops/{scene.code}/export?format={fmt}", headers=scene.workshop.facilitator)
        assert answer.status_code == 200
        if fmt == "xlsx":  # a zip of XML files: look inside each
            with zipfile.ZipFile(io.BytesIO(answer.content)) as book:
                text = "".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())
        else:
            text = answer.content.decode("utf-8-sig")
        for secret in secrets:
            assert secret not in text, f"a secret is in the {fmt} export"
        assert "token" not in text.lower() and "key_hash" not in text.lower(), fmt
