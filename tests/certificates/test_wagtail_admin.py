import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from certificates.models import Certificate
from tests.factories import AgencyFactory, StaffFactory, TrainingCoordinatorFactory, UserFactory

pytestmark = pytest.mark.django_db


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_admin_lists_certificates_read_only(certificate):
    client = admin_client(UserFactory(is_superuser=True, is_staff=True))
    response = client.get("/admin/certificates/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in [certificate.serial, "Ana Lopez", "CMTP-901", "Valid"]:
        assert text in html
    assert "/admin/certificates/new/" not in html
    assert f"/admin/certificates/inspect/{certificate.pk}/" in html
    inspect = client.get(f"/admin/certificates/inspect/{certificate.pk}/")
    assert inspect.status_code == 200
    assert certificate.code in inspect.content.decode()
    for path in ["new/", f"edit/{certificate.pk}/", f"delete/{certificate.pk}/"]:
        assert client.get(f"/admin/certificates/{path}").status_code == 404
        assert client.post(f"/admin/certificates/{path}").status_code == 404
    assert Certificate.objects.filter(pk=certificate.pk).exists()


def test_admin_register_is_scoped_to_the_coordinators_agencies(certificate, learner, issue):
    access_admin = Permission.objects.get(codename="access_admin")
    elsewhere = AgencyFactory()
    outsider_certificate = issue(StaffFactory(agency=elsewhere).user)
    coordinator = UserFactory()
    coordinator.user_permissions.add(access_admin)
    TrainingCoordinatorFactory(user=coordinator, all_agencies=False, agencies=[elsewhere])
    client = admin_client(coordinator)
    html = client.get("/admin/certificates/").content.decode()
    assert outsider_certificate.serial in html
    assert certificate.serial not in html
    assert client.get(f"/admin/certificates/inspect/{certificate.pk}/").status_code == 404

    plain_editor = UserFactory()
    plain_editor.user_permissions.add(access_admin)
    assert admin_client(plain_editor).get("/admin/certificates/").status_code in (302, 403)
