"""Scoped API tokens (docs/api.md, "Tokens and scopes"): Bearer keys that narrow a login's role, expire, are
revoked, are stored hashed, and carry their own request rate."""

import datetime
import hashlib

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import ApiToken, Currency, Partner, PartnerUser
from core.roles import Role
from core.services.tokens import api_token_create, api_token_revoke
from tests.core.partner_fixtures import token_client

TOKENS = "/api/v1/core/tokens/"


def bearer(key: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return api


def token_of(user, *scopes: str, **fields) -> tuple[ApiToken, APIClient]:
    token, key = api_token_create(user=user, name="integration", scopes=list(scopes), created_by=user, **fields)
    return token, bearer(key)


def codes(response) -> set[str]:
    return {error["code"] for error in response.json()["errors"]}


@pytest.mark.django_db
def test_a_read_token_reads_and_is_refused_writes_naming_the_scope(make_user):
    _token, api = token_of(make_user(Role.ADMIN), "read")
    assert api.get("/api/v1/core/items/").status_code == 200
    response = api.post("/api/v1/core/items/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["errors"] == [
        {"field": None, "code": "token_scope", "message": "This token does not have the scope core:write."}
    ]


@pytest.mark.django_db
def test_an_app_token_reaches_its_app_only(make_user):
    _token, api = token_of(make_user(Role.ADMIN), "erp:read")
    assert api.get("/api/v1/erp/sales-orders/").status_code == 200
    refused = api.get("/api/v1/wms/warehouses/")
    assert refused.status_code == 403 and codes(refused) == {"token_scope"}
    assert "wms:read" in refused.json()["errors"][0]["message"]
    assert api.post("/api/v1/erp/sales-orders/", {}, format="json").status_code == 403


@pytest.mark.django_db
def test_scopes_never_widen_the_role(make_user):
    _token, api = token_of(make_user(Role.SALES), "write")
    assert api.get("/api/v1/erp/accounts/").status_code == 200  # the sales role reads the chart of accounts
    for response in (api.get("/api/v1/erp/journal-entries/"), api.post("/api/v1/erp/accounts/", {}, format="json")):
        assert response.status_code == 403 and codes(response) == {"permission_denied"}


@pytest.mark.django_db
def test_expired_revoked_and_unknown_keys_are_401_saying_why(make_user):
    user = make_user(Role.ADMIN)
    expired, expired_api = token_of(user, "read")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    revoked, revoked_api = token_of(user, "read")
    api_token_revoke(token=revoked, by=user)
    for api, code, message in (
        (expired_api, "token_expired", "This token has expired."),
        (revoked_api, "token_revoked", "This token was revoked."),
        (bearer("not-a-key"), "authentication_failed", "Invalid token."),
    ):
        response = api.get("/api/v1/core/items/")
        assert response.status_code == 401
        assert response.json()["errors"] == [{"field": None, "code": code, "message": message}]
        assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.django_db
def test_the_key_is_answered_once_and_stored_as_its_hash(make_user):
    api = token_client(make_user(Role.PLANNER))
    created = api.post(TOKENS, {"name": "MES bridge", "scopes": ["mes:write", "read"]}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    key = body["key"]
    token = ApiToken.objects.get(pk=body["id"])
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert token.prefix == body["prefix"] == key[:8]
    assert str(token) == f"MES bridge ({key[:8]}…)"
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert not [name for name, value in stored.items() if key in str(value)]
    assert token.scopes == ["mes:write", "read"]
    # 90 days by default: between the request's start and now.
    assert token.expires_at - token.created_at == pytest.approx(datetime.timedelta(days=90), abs=datetime.timedelta(1))
    for response in (api.get(TOKENS), api.get(f"{TOKENS}{token.pk}/")):
        assert response.status_code == 200 and key not in response.content.decode()
    assert bearer(key).get("/api/v1/mes/").status_code == 200


@pytest.mark.django_db
def test_unknown_scopes_a_bad_rate_and_a_past_expiry_are_400(make_user):
    api = token_client(make_user(Role.PLANNER))
    response = api.post(
        TOKENS,
        {"name": "x", "scopes": ["erp:read", "finance:write"], "rate": "fast", "expires_at": "2020-01-01T00:00:00Z"},
        format="json",
    )
    assert response.status_code == 400
    assert {(e["field"], e["code"]) for e in response.json()["errors"]} == {
        ("scopes", "unknown_scope"),
        ("rate", "invalid"),
        ("expires_at", "in_past"),
    }
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_a_token_makes_no_token_wider_than_itself_and_never_expiring_needs_null(make_user):
    user = make_user(Role.ADMIN)
    _token, api = token_of(user, "core:write")
    wider = api.post(TOKENS, {"name": "x", "scopes": ["write"]}, format="json")
    assert wider.status_code == 400 and codes(wider) == {"token_scope"}
    narrower = api.post(TOKENS, {"name": "x", "scopes": ["core:read"], "expires_at": None}, format="json")
    assert narrower.status_code == 201
    assert ApiToken.objects.get(pk=narrower.json()["id"]).expires_at is None


@pytest.mark.django_db
def test_revoke_through_the_api_is_audited_as_the_tokens_user(make_user):
    user = make_user(Role.PLANNER)
    token, api = token_of(user, "core:write")
    other, _other_api = token_of(user, "read")
    response = api.post(f"{TOKENS}{other.pk}/revoke/")
    assert response.status_code == 200 and response.json()["revoked_by"] == user.username
    other.refresh_from_db()
    assert other.revoked_at is not None
    entry = LogEntry.objects.get_for_object(other).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.actor == user and "revoked_at" in entry.changes_dict
    # Its own revocation ends the token itself.
    assert api.post(f"{TOKENS}{token.pk}/revoke/").status_code == 200
    assert api.get(TOKENS).status_code == 401


@pytest.mark.django_db
def test_last_used_at_is_written_at_most_once_a_minute(make_user):
    token, api = token_of(make_user(Role.ADMIN), "read")
    assert token.last_used_at is None
    assert api.get("/api/v1/core/items/").status_code == 200
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    recent = timezone.now() - datetime.timedelta(seconds=30)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recent)
    api.get("/api/v1/core/items/")
    token.refresh_from_db()
    assert token.last_used_at == recent
    stale = timezone.now() - datetime.timedelta(minutes=2)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=stale)
    api.get("/api/v1/core/items/")
    token.refresh_from_db()
    assert token.last_used_at > stale + datetime.timedelta(minutes=1)


@pytest.mark.django_db
def test_a_tokens_own_rate_answers_429_with_retry_after(make_user):
    token, api = token_of(make_user(Role.ADMIN), "read", rate="3/minute")
    cache.delete(f"throttle_api_token-{token.pk}")  # a previous run's counts of a token with this id
    assert [api.get("/api/v1/core/items/").status_code for _ in range(3)] == [200, 200, 200]
    response = api.get("/api/v1/core/items/")
    assert response.status_code == 429
    assert codes(response) == {"throttled"}
    assert 1 <= int(response["Retry-After"]) <= 60
    # Another token of the same user counts on its own.
    _other, other_api = token_of(token.user, "read", rate="3/minute")
    cache.delete(f"throttle_api_token-{_other.pk}")
    assert other_api.get("/api/v1/core/items/").status_code == 200


@pytest.mark.django_db
def test_the_default_rate_counts_per_login_for_the_other_authentications(make_user, settings):
    settings.TAKT_API_RATE = "2/minute"
    user = make_user(Role.ADMIN)
    cache.delete(f"throttle_api_user-{user.pk}")
    api = token_client(user)
    assert [api.get("/api/v1/core/items/").status_code for _ in range(3)] == [200, 200, 429]
    # The token exchange keeps its own scope (per client address), not this one.
    exchanged = APIClient().post("/api/v1/auth/token/", {"username": user.username, "password": "pw-Takt-2026"})
    assert exchanged.status_code == 200


@pytest.mark.django_db
def test_logins_see_and_revoke_their_own_tokens_and_admins_all(make_user):
    mine, _ = token_of(make_user(Role.PLANNER, "me"), "read")
    theirs, _ = token_of(make_user(Role.PLANNER, "them"), "read")
    me = token_client(mine.user)
    assert [row["id"] for row in me.get(TOKENS).json()["results"]] == [mine.pk]
    assert me.get(f"{TOKENS}{theirs.pk}/").status_code == 404
    assert me.post(f"{TOKENS}{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    admin = token_client(make_user(Role.ADMIN))
    assert {row["id"] for row in admin.get(TOKENS).json()["results"]} >= {mine.pk, theirs.pk}
    assert admin.post(f"{TOKENS}{theirs.pk}/revoke/").status_code == 200


@pytest.mark.django_db
def test_a_partner_login_manages_its_own_tokens_which_reach_its_portal_only(make_user):
    customer = Partner.objects.create(
        code="C-TOK", name="Token customer", kind="customer", currency=Currency.objects.get(code="CNY")
    )
    user = make_user(Role.PARTNER, "portal-c-tok")
    PartnerUser.objects.create(user=user, partner=customer)
    staff_token, _ = token_of(make_user(Role.SALES), "read")
    api = token_client(user)
    created = api.post(TOKENS, {"name": "EDI", "scopes": ["crm:read"]}, format="json")
    assert created.status_code == 201
    assert [row["id"] for row in api.get(TOKENS).json()["results"]] == [created.json()["id"]]
    assert api.get(f"{TOKENS}{staff_token.pk}/").status_code == 404
    assert api.post(f"{TOKENS}{staff_token.pk}/revoke/").status_code == 404
    portal = bearer(created.json()["key"])
    assert portal.get("/api/v1/crm/portal/orders/").status_code == 200
    assert portal.get("/api/v1/crm/accounts/").status_code == 403  # a staff endpoint: the role refuses it
    assert portal.get("/api/v1/srm/portal/rfqs/").status_code == 403
    assert codes(portal.get(TOKENS)) == {"token_scope"}  # crm:read does not reach core
    assert Group.objects.get(name=Role.PARTNER).permissions.count() == 0


@pytest.mark.django_db
def test_the_admin_console_revokes_tokens_and_never_shows_the_hash(client, make_user):
    admin_user = make_user(Role.ADMIN, is_staff=True)
    token, _api = token_of(make_user(Role.PLANNER), "read")
    client.force_login(admin_user)
    page = client.get(f"/admin/core/apitoken/{token.pk}/change/")
    assert page.status_code == 200 and token.key_hash not in page.content.decode()
    response = client.post("/admin/core/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True)
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == admin_user
