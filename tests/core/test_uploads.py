"""Every place a file is uploaded: each refuses a file too large and a file of a type it does not take (an
HTML page, and an HTML page renamed .pdf) with an error naming the field, takes a good file, and a stored
file is only ever sent back as a download (never a page the browser renders).

The upload points: PLM attachments (a record's page, and POST /api/v1/plm/attachments/), supplier
certificates' documents (the pages New, Edit and Renew, and the API's create, change and renew), and the data
import page (CSV files or a zip of them; imported, never served). `test_every_upload_point_is_covered` fails
for code taking a file (a file field, request.FILES, a multipart parser) in a file it does not know.
"""

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import Currency, Item, Partner, TaskRun, Unit
from core.roles import Role
from plm.models import Attachment
from srm.models import Certificate

PDF = b"%PDF-1.7 a drawing"
PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
CSV = b"code,name,uom\nKT-1,Kettle,ea\n"
LIMIT = 64  # bytes, for the tests: the settings' limits set low


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.TAKT_ATTACHMENT_MAX_BYTES = LIMIT
    settings.TAKT_IMPORT_MAX_BYTES = LIMIT
    supplier = Partner.objects.create(
        code="HEATCO", name="HeatCo", kind="supplier", currency=Currency.objects.get(code="CNY")
    )
    item = Item.objects.create(code="KT-200", name="Kettle", uom=Unit.objects.get(code="ea"))
    certificate = Certificate.objects.create(
        supplier=supplier,
        kind="iso_9001",
        number="ISO-1",
        valid_from=datetime.date(2026, 1, 1),
        valid_to=datetime.date(2027, 1, 1),
    )
    return {"supplier": supplier, "item": item, "certificate": certificate}


@dataclass(frozen=True)
class Upload:
    """An upload point: `send(world, client, api, file)` posts the file; `stored(world)` the file kept, if any."""

    name: str
    role: Role
    send: Callable
    field: str
    stored: Callable
    download: Callable | None  # the URL a stored file is served at


def certificate_fields(world) -> dict:
    return {
        "supplier": world["supplier"].pk,
        "kind": "rohs",
        "number": "R-1",
        "valid_from": "2026-01-01",
        "valid_to": "2027-01-01",
        "issued_by": "TÜV",
    }


def new_certificate(world):
    return Certificate.objects.exclude(pk=world["certificate"].pk).first()


def document_of(certificate):
    return certificate.document.name if certificate is not None and certificate.document else None


def attachment(world):
    found = Attachment.objects.first()
    return found.file.name if found else None


UPLOADS = [
    Upload(
        "plm-page",
        Role.ENGINEER,
        lambda world, client, api, file: client.post(
            reverse(
                "plm:attachment_upload",
                args=[ContentType.objects.get_for_model(Item).pk, world["item"].pk],
            ),
            {"file": file, "description": "GA"},
        ),
        "File",
        attachment,
        lambda world: reverse("plm:attachment_download", args=[Attachment.objects.get().pk]),
    ),
    Upload(
        "plm-api",
        Role.ENGINEER,
        lambda world, client, api, file: api.post(
            "/api/v1/plm/attachments/",
            {"target_type": "item", "target_id": world["item"].pk, "file": file},
            format="multipart",
        ),
        "file",
        attachment,
        lambda world: f"/api/v1/plm/attachments/{Attachment.objects.get().pk}/download/",
    ),
    Upload(
        "certificate-new-page",
        Role.BUYER,
        lambda world, client, api, file: client.post(
            reverse("srm:certificate_add"), {**certificate_fields(world), "document": file}
        ),
        "document",
        lambda world: document_of(new_certificate(world)),
        lambda world: reverse("srm:certificate_document", args=[new_certificate(world).pk]),
    ),
    Upload(
        "certificate-edit-page",
        Role.BUYER,
        lambda world, client, api, file: client.post(
            reverse("srm:certificate_edit", args=[world["certificate"].pk]),
            {"kind": "iso_9001", "number": "ISO-1", "document": file},
        ),
        "document",
        lambda world: document_of(Certificate.objects.get(pk=world["certificate"].pk)),
        lambda world: reverse("srm:certificate_document", args=[world["certificate"].pk]),
    ),
    Upload(
        "certificate-renew-page",
        Role.BUYER,
        lambda world, client, api, file: client.post(
            reverse("srm:certificate_renew", args=[world["certificate"].pk]),
            {"valid_from": "2027-01-01", "valid_to": "2028-01-01", "document": file},
        ),
        "document",
        lambda world: document_of(Certificate.objects.get(pk=world["certificate"].pk)),
        lambda world: reverse("srm:certificate_document", args=[world["certificate"].pk]),
    ),
    Upload(
        "certificate-api-create",
        Role.BUYER,
        lambda world, client, api, file: api.post(
            "/api/v1/srm/certificates/",
            {**certificate_fields(world), "supplier": world["supplier"].code, "document": file},
            format="multipart",
        ),
        "document",
        lambda world: document_of(new_certificate(world)),
        lambda world: reverse("srm:certificate_document", args=[new_certificate(world).pk]),
    ),
    Upload(
        "certificate-api-change",
        Role.BUYER,
        lambda world, client, api, file: api.patch(
            f"/api/v1/srm/certificates/{world['certificate'].pk}/", {"document": file}, format="multipart"
        ),
        "document",
        lambda world: document_of(Certificate.objects.get(pk=world["certificate"].pk)),
        lambda world: reverse("srm:certificate_document", args=[world["certificate"].pk]),
    ),
    Upload(
        "certificate-api-renew",
        Role.BUYER,
        lambda world, client, api, file: api.post(
            f"/api/v1/srm/certificates/{world['certificate'].pk}/renew/",
            {"valid_from": "2027-01-01", "valid_to": "2028-01-01", "document": file},
            format="multipart",
        ),
        "document",
        lambda world: document_of(Certificate.objects.get(pk=world["certificate"].pk)),
        lambda world: reverse("srm:certificate_document", args=[world["certificate"].pk]),
    ),
    Upload(
        "data-import-page",
        Role.ADMIN,
        lambda world, client, api, file: client.post(reverse("core:data_import"), {"files": [file]}),
        "files",
        lambda world: (run := TaskRun.objects.first()) and run.params["folder"],
        None,  # imported by a background run, never served
    ),
]


def refusal(response, upload: Upload) -> str:
    """The error the answer names for the upload's field (a form's, a page's message, the API's 400); empty
    when the file was taken."""
    status = response.status_code
    if status == 400:
        return " ".join(e["message"] for e in response.json()["errors"] if e["field"] == upload.field)
    if status == 302:
        # A record's page posts its upload and shows the outcome as a message: "<label>: <error>".
        prefix = f"{upload.field}: "
        return " ".join(str(m)[len(prefix) :] for m in get_messages(response.wsgi_request) if str(m).startswith(prefix))
    context = getattr(response, "context", None)
    if status == 200 and context and "form" in context:
        return " ".join(context["form"].errors.get(upload.field, []))
    return "" if status in (200, 201) else f"answered {status}"


def good_file(upload: Upload):
    if upload.name == "data-import-page":
        return SimpleUploadedFile("items.csv", CSV, content_type="text/csv")
    return SimpleUploadedFile("KT-200 GA.pdf", PDF, content_type="application/pdf")


BAD_FILES = {
    "too large": lambda upload: SimpleUploadedFile(
        "items.csv" if upload.name == "data-import-page" else "big.pdf", b"%PDF-" + b"x" * LIMIT
    ),
    "an HTML page": lambda upload: SimpleUploadedFile("page.html", PAGE, content_type="text/html"),
    "an HTML page named .pdf": lambda upload: SimpleUploadedFile("drawing.pdf", PAGE, content_type="application/pdf"),
    "an SVG image": lambda upload: SimpleUploadedFile(
        "logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    ),
    "an HTML page named .txt": lambda upload: SimpleUploadedFile("notes.txt", b"  <html><script>x</script>"),
}


@pytest.mark.parametrize("upload", UPLOADS, ids=lambda u: u.name)
def test_a_bad_file_is_refused_naming_the_field_and_nothing_is_stored(world, client_as, api_as, upload):
    client, api = client_as(upload.role), api_as(upload.role)
    for case, make in BAD_FILES.items():
        response = upload.send(world, client, api, make(upload))
        assert refusal(response, upload), f"{case}: {response.status_code} {response.content[:300]!r}"
        assert upload.stored(world) is None, case


@pytest.mark.parametrize("upload", UPLOADS, ids=lambda u: u.name)
def test_a_good_file_is_stored_and_only_ever_downloaded(world, client_as, api_as, upload):
    client, api = client_as(upload.role), api_as(upload.role)
    response = upload.send(world, client, api, good_file(upload))
    assert response.status_code in (200, 201, 302) and not refusal(response, upload), response.content[:300]
    stored = upload.stored(world)
    assert stored, "the good file was not stored"
    # The media folder is no URL: a stored file is reached through its download view only.
    assert client.get(f"/media/{stored}").status_code == 404
    if upload.download is None:
        return
    served = client.get(upload.download(world))
    assert served.status_code == 200
    assert served["Content-Type"] == "application/octet-stream"
    assert served["Content-Disposition"].startswith("attachment;")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(served.streaming_content) == PDF


# Where the project's code takes files, and the upload points of UPLOADS each covers.
UPLOAD_CODE = {
    "core/forms.py": "data-import-page",
    "plm/forms.py": "plm-page",
    "plm/views.py": "plm-page",
    "plm/models/attachments.py": "plm-page",
    "plm/api/views.py": "plm-api",
    "srm/models/suppliers.py": "certificate-new-page",
    "srm/forms/suppliers.py": "certificate-edit-page",
    "srm/api/suppliers.py": "certificate-api-create",
}
FILE_CODE = re.compile(r"FileField|ImageField|request\.FILES|MultiPartParser|FileUploadParser")


def test_every_upload_point_is_covered():
    """Code that takes a file (a file field, request.FILES, a multipart parser) is an upload point: a file
    holding it must be in UPLOAD_CODE, with its place in UPLOADS."""
    root = Path(settings.BASE_DIR)
    found = set()
    for app in settings.TAKT_APPS:
        for path in (root / app.split(".")[0]).rglob("*.py"):
            if "migrations" not in path.parts and FILE_CODE.search(path.read_text()):
                found.add(path.relative_to(root).as_posix())
    assert found == set(UPLOAD_CODE), f"upload code without a test here: {sorted(found - set(UPLOAD_CODE))}"
    assert set(UPLOAD_CODE.values()) <= {upload.name for upload in UPLOADS}
