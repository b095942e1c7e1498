"""Reminder email texts in Spanish beside the English ones, for people who chose Spanish (issue 24)."""

from django.db import migrations, models

_FOOTER = "Si cree que se trata de un error, hable con su supervisor(a) o con el administrador(a) de su agencia."
# Copied here (not imported) so this migration means the same thing whatever the code says later.
SPANISH = {
    "early": (
        "{curriculum_code} {curriculum_title}: fecha límite el {due_date}",
        "{greeting}\n\nSu capacitación {curriculum_code} {curriculum_title} en {agency} tiene fecha límite el "
        "{due_date}, {when}.\n\nContinúe su capacitación: {learn_url}\n\n" + _FOOTER,
    ),
    "final": (
        "Recordatorio: {curriculum_code} {curriculum_title} tiene fecha límite el {due_date}",
        "{greeting}\n\nSu capacitación {curriculum_code} {curriculum_title} en {agency} tiene fecha límite el "
        "{due_date}, {when}.\n\nContinúe su capacitación: {learn_url}\n\n" + _FOOTER,
    ),
    "overdue": (
        "{curriculum_code} {curriculum_title} está vencida (la fecha límite era el {due_date})",
        "{greeting}\n\nSu capacitación {curriculum_code} {curriculum_title} en {agency} tenía fecha límite el "
        "{due_date} y ahora está vencida.\n\nContinúe su capacitación: {learn_url}\n\n" + _FOOTER,
    ),
    "certificate": (
        "Su certificado de {curriculum_code} vence el {expiry_date}",
        "{greeting}\n\nSu certificado {serial} de {curriculum_code} {curriculum_title} vence el "
        "{expiry_date}, {when}. Vuelva a completar el currículo antes de esa fecha para mantenerse en "
        "cumplimiento.\n\nSu capacitación: {learn_url}",
    ),
    "remind_now": (
        "Recordatorio de {sender}: capacitación pendiente",
        "{greeting}\n\n{sender} nos pidió recordarle su capacitación en {agency}:\n\n{items}\n\n"
        "Continúe su capacitación: {learn_url}\n\n" + _FOOTER,
    ),
    "digest": (
        "Resumen de capacitación: {overdue} vencidas, {due_soon} con fecha límite en los próximos {days} días",
        "{greeting}\n\nCapacitación de las personas a su cargo al {date}: elementos vencidos y elementos con "
        "fecha límite en los próximos {days} días.",
    ),
}


def seed_spanish(apps, schema_editor):
    ReminderTemplate = apps.get_model("compliance", "ReminderTemplate")
    for kind, (subject, body) in SPANISH.items():
        ReminderTemplate.objects.filter(kind=kind, subject_es="", body_es="").update(subject_es=subject, body_es=body)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0006_digest_template")]

    operations = [
        migrations.AddField(
            model_name="remindertemplate",
            name="subject_es",
            field=models.CharField(blank=True, max_length=200, verbose_name="subject (Spanish)"),
        ),
        migrations.AddField(
            model_name="remindertemplate",
            name="body_es",
            field=models.TextField(blank=True, verbose_name="text (Spanish)"),
        ),
        migrations.RunPython(seed_spanish, migrations.RunPython.noop),
    ]
