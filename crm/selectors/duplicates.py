"""Duplicate detection: which partners, contacts and leads look like the company (or person) at hand.

Names are compared normalized: case and punctuation ignored, legal-form suffixes (Co., Ltd, GmbH, Inc...)
stripped, spaces ignored ("Media Home GmbH" is "MEDIAHOME"). E-mail addresses match case-insensitively;
the same company domain (not a free-mail one) is a weaker sign. VAT numbers match with spaces, dots and
dashes removed, in upper case.

The database narrows the candidates (an exact e-mail or VAT number, a name whose letters start with the
normalized name's), Python confirms them with the same normalization as here, so the two never disagree
on what a normalized name is.
"""

import re
from dataclasses import dataclass, field
from typing import Literal

from django.db import models
from django.db.models import CharField, Func, Q, QuerySet, Value
from django.db.models.functions import Lower, Replace, Upper
from django.utils.translation import gettext_lazy as _

from core.models import Contact, Partner
from crm.models import Lead

# Whitespace and ASCII punctuation: what names are split on and what the database strips.
_SEPARATORS = r"""[\s!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~]+"""
_SEPARATORS_RE = re.compile(_SEPARATORS)

LEGAL_SUFFIXES = frozenset(
    {
        "ab",
        "ag",
        "bv",
        "co",
        "company",
        "corp",
        "corporation",
        "gmbh",
        "inc",
        "incorporated",
        "kg",
        "kk",
        "limited",
        "llc",
        "llp",
        "lp",
        "ltd",
        "mbh",
        "nv",
        "oy",
        "plc",
        "pte",
        "pty",
        "sa",
        "sarl",
        "sas",
        "se",
        "spa",
        "srl",
        "ug",
        # The joiners of "GmbH & Co. KG", "Smith and Co": left over once the forms are gone.
        "and",
        "und",
    }
)

FREE_MAIL_DOMAINS = frozenset(
    {
        "126.com",
        "139.com",
        "163.com",
        "aol.com",
        "foxmail.com",
        "gmail.com",
        "gmx.de",
        "gmx.net",
        "googlemail.com",
        "hotmail.com",
        "icloud.com",
        "live.com",
        "mail.ru",
        "me.com",
        "msn.com",
        "outlook.com",
        "proton.me",
        "protonmail.com",
        "qq.com",
        "sina.com",
        "t-online.de",
        "web.de",
        "yahoo.com",
        "yandex.ru",
        "yeah.net",
    }
)

Strength = Literal["strong", "weak"]


class CandidateKind(models.TextChoices):
    PARTNER = "partner", _("Partner")
    CONTACT = "contact", _("Contact")
    LEAD = "lead", _("Lead")


# Which matches are sure signs of the same company; the others are hints.
STRONG_REASONS = frozenset({"name", "email", "vat"})
REASON_LABELS = {
    "name": _("same name"),
    "email": _("same e-mail"),
    "vat": _("same VAT number"),
    "domain": _("same e-mail domain"),
    "person": _("same person's name"),
}


def normalize_name(name: str) -> str:
    """The name as compared: lower case, without punctuation, spaces and trailing legal forms.

    A name made of legal forms only ("Co. Ltd") keeps them, rather than matching every other such name."""
    words = [word for word in _SEPARATORS_RE.split(name.lower()) if word]
    stem = list(words)
    while stem and stem[-1] in LEGAL_SUFFIXES:
        stem.pop()
    return "".join(stem or words)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def company_domain(email: str) -> str:
    """The domain of an e-mail address when it is a company's own, else "" (free mail says nothing)."""
    address = normalize_email(email)
    if "@" not in address:
        return ""
    domain = address.rpartition("@")[2]
    return "" if domain in FREE_MAIL_DOMAINS else domain


def normalize_vat(vat_number: str) -> str:
    return re.sub(r"[\s.\-]", "", vat_number).upper()


def _compact(field_name: str) -> Func:
    """The field's letters in lower case, separators removed: the database's side of normalize_name."""
    return Func(
        Lower(field_name),
        Value(_SEPARATORS),
        Value(""),
        Value("g"),
        function="regexp_replace",
        output_field=CharField(),
    )


def _vat(field_name: str) -> Upper:
    stripped = Replace(
        Replace(Replace(field_name, Value(" "), Value("")), Value("."), Value("")), Value("-"), Value("")
    )
    return Upper(stripped)


@dataclass(frozen=True)
class DuplicateQuery:
    """What a lead or a new account is known by."""

    company_name: str = ""
    email: str = ""
    vat_number: str = ""
    contact_name: str = ""
    exclude_lead_id: int | None = None
    exclude_partner_id: int | None = None

    @property
    def name_key(self) -> str:
        return normalize_name(self.company_name)

    @property
    def person_key(self) -> str:
        return normalize_name(self.contact_name)

    @property
    def email_key(self) -> str:
        return normalize_email(self.email)

    @property
    def domain(self) -> str:
        return company_domain(self.email)

    @property
    def vat_key(self) -> str:
        return normalize_vat(self.vat_number)


@dataclass
class DuplicateCandidate:
    kind: CandidateKind
    record: Partner | Contact | Lead
    reasons: list[str] = field(default_factory=list)

    @property
    def strength(self) -> Strength:
        return "strong" if STRONG_REASONS & set(self.reasons) else "weak"

    @property
    def account(self) -> Partner | None:
        """The partner the candidate is, belongs to, or (a converted lead) became."""
        if isinstance(self.record, Partner):
            return self.record
        if isinstance(self.record, Contact):
            return self.record.partner
        return self.record.converted_account

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASON_LABELS[reason]) for reason in self.reasons]


def _match_reasons(
    query: DuplicateQuery, *, name: str = "", email: str = "", vat_number: str = "", person: str = ""
) -> list[str]:
    """Why a record with these values looks like the query's company, strongest first."""
    reasons = []
    if query.name_key and name and normalize_name(name) == query.name_key:
        reasons.append("name")
    if query.vat_key and vat_number and normalize_vat(vat_number) == query.vat_key:
        reasons.append("vat")
    if query.email_key and email and normalize_email(email) == query.email_key:
        reasons.append("email")
    elif query.domain and email and company_domain(email) == query.domain:
        reasons.append("domain")
    if query.person_key and person and normalize_name(person) == query.person_key:
        reasons.append("person")
    return reasons


def _narrowed(
    queryset: QuerySet, query: DuplicateQuery, *, name: str | None, email: str, vat: str | None, person: str | None
) -> QuerySet:
    """The rows the database finds possible; `_match_reasons` decides which really match."""
    condition = Q()
    annotations = {}
    if name and query.name_key:
        annotations["_name_compact"] = _compact(name)
        condition |= Q(_name_compact__startswith=query.name_key)
    if person and query.person_key:
        annotations["_person_compact"] = _compact(person)
        condition |= Q(_person_compact__startswith=query.person_key)
    if vat and query.vat_key:
        annotations["_vat_key"] = _vat(vat)
        condition |= Q(_vat_key=query.vat_key)
    if query.email_key:
        condition |= Q(**{f"{email}__iexact": query.email_key})
    if query.domain:
        condition |= Q(**{f"{email}__iendswith": f"@{query.domain}"})
    if not condition:
        return queryset.none()
    return queryset.annotate(**annotations).filter(condition)


def duplicate_candidates(*, query: DuplicateQuery, limit: int = 20) -> list[DuplicateCandidate]:
    """Partners, contacts and other leads that look like the query's company or person, strong matches first."""
    candidates: list[DuplicateCandidate] = []
    partners = _narrowed(
        Partner.objects.exclude(pk=query.exclude_partner_id),
        query,
        name="name",
        email="email",
        vat="vat_number",
        person=None,
    )
    for partner in partners[: limit * 5]:
        reasons = _match_reasons(query, name=partner.name, email=partner.email, vat_number=partner.vat_number)
        if reasons:
            candidates.append(DuplicateCandidate(CandidateKind.PARTNER, partner, reasons))
    contacts = _narrowed(
        Contact.objects.select_related("partner").exclude(partner_id=query.exclude_partner_id),
        query,
        name=None,
        email="email",
        vat=None,
        person="name",
    )
    for contact in contacts[: limit * 5]:
        reasons = _match_reasons(query, email=contact.email, person=contact.name)
        if reasons:
            candidates.append(DuplicateCandidate(CandidateKind.CONTACT, contact, reasons))
    leads = _narrowed(
        Lead.objects.select_related("converted_account").exclude(pk=query.exclude_lead_id),
        query,
        name="company_name",
        email="email",
        vat="vat_number",
        person="contact_name",
    )
    for lead in leads[: limit * 5]:
        reasons = _match_reasons(
            query, name=lead.company_name, email=lead.email, vat_number=lead.vat_number, person=lead.contact_name
        )
        if reasons:
            candidates.append(DuplicateCandidate(CandidateKind.LEAD, lead, reasons))
    # A contact that matches only by a hint says no more than its company, when the company is listed itself.
    partners = {candidate.record.pk for candidate in candidates if candidate.kind == CandidateKind.PARTNER}
    candidates = [
        candidate
        for candidate in candidates
        if not (
            candidate.kind == CandidateKind.CONTACT
            and candidate.strength == "weak"
            and candidate.record.partner_id in partners
        )
    ]
    candidates.sort(key=lambda candidate: (candidate.strength != "strong", -len(candidate.reasons)))
    return candidates[:limit]


def lead_duplicates(*, lead: Lead, limit: int = 20) -> list[DuplicateCandidate]:
    """Who a lead may already be: what its page and its conversion warn about."""
    query = DuplicateQuery(
        company_name=lead.company_name,
        email=lead.email,
        vat_number=lead.vat_number,
        contact_name=lead.contact_name,
        exclude_lead_id=lead.pk,
        exclude_partner_id=lead.converted_account_id,
    )
    return duplicate_candidates(query=query, limit=limit)


def matching_accounts(candidates: list[DuplicateCandidate]) -> list[Partner]:
    """The customer accounts the candidates are or belong to, strongest first: what a lead can be merged into."""
    accounts: dict[int, Partner] = {}
    for candidate in candidates:
        account = candidate.account
        if account is not None and account.is_customer and account.active:
            accounts.setdefault(account.pk, account)
    return list(accounts.values())
