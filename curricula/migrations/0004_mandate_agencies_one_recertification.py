"""Mandates name their agencies (all, or a chosen set; funded categories become optional), and recertification
is set in one place, the curriculum's `recertification_months` (issue 19). A mandate's `renew_every_months`
moves to its curriculum where the curriculum had none (the shortest, if several mandates disagreed); where the
curriculum already had a period, that one was already what certificates expired by, so it stays. Every
revision of a changed curriculum is rewritten too, so publishing a draft does not bring the old value back."""

from django.db import migrations, models


def renewal_to_curriculum(apps, schema_editor):
    Requirement = apps.get_model("curricula", "Requirement")
    CurriculumPage = apps.get_model("curricula", "CurriculumPage")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Revision = apps.get_model("wagtailcore", "Revision")
    months: dict[int, int] = {}
    for curriculum_id, renew in Requirement.objects.filter(renew_every_months__gt=0).values_list(
        "curriculum_id", "renew_every_months"
    ):
        months[curriculum_id] = min(renew, months.get(curriculum_id, renew))
    content_type = ContentType.objects.filter(app_label="curricula", model="curriculumpage").first()
    for page in CurriculumPage.objects.filter(pk__in=months, recertification_months=0):
        page.recertification_months = months[page.pk]
        page.save(update_fields=["recertification_months"])
        if content_type is None:
            continue
        for revision in Revision.objects.filter(content_type=content_type, object_id=str(page.pk)):
            if isinstance(revision.content, dict) and not revision.content.get("recertification_months"):
                revision.content["recertification_months"] = page.recertification_months
                revision.save(update_fields=["content"])


def renewal_to_mandates(apps, schema_editor):
    Requirement = apps.get_model("curricula", "Requirement")
    for requirement in Requirement.objects.select_related("curriculum"):
        requirement.renew_every_months = requirement.curriculum.recertification_months
        requirement.save(update_fields=["renew_every_months"])


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0002_staff_invitation"),
        ("curricula", "0003_competency_framework"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="requirement",
            name="agencies",
            field=models.ManyToManyField(
                blank=True,
                help_text="Used when the mandate is not for all agencies.",
                related_name="requirements",
                to="agencies.agency",
            ),
        ),
        migrations.AddField(
            model_name="requirement",
            name="all_agencies",
            field=models.BooleanField(
                default=True, help_text="Every agency in the program; otherwise only the agencies chosen."
            ),
        ),
        migrations.AlterField(
            model_name="requirement",
            name="categories",
            field=models.ManyToManyField(
                blank=True,
                help_text="Only agencies funded for any of these; none chosen = whatever their funding.",
                related_name="requirements",
                to="agencies.servicecategory",
            ),
        ),
        migrations.AlterField(
            model_name="curriculumpage",
            name="recertification_months",
            field=models.PositiveIntegerField(
                default=0,
                help_text="The one place recertification is set: certificates expire this many months after "
                "completion, and mandated staff are assigned the curriculum again 90 days before. 0 = never expires.",
            ),
        ),
        migrations.RunPython(renewal_to_curriculum, renewal_to_mandates),
        migrations.RemoveField(model_name="requirement", name="renew_every_months"),
    ]
