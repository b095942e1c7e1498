"""The reminder schedule and the email texts the reminders used until now, as rows a coordinator can edit."""

from django.db import migrations

# Copied here (not imported) so this migration means the same thing whatever the code says later.
DEFAULTS = {
    "early": (
        "{curriculum_code} {curriculum_title} is due on {due_date}",
        "{greeting}\n\nYour training {curriculum_code} {curriculum_title} at {agency} is due on {due_date}, "
        "{when}.\n\nContinue your training: {learn_url}\n\n"
        "If you think this is a mistake, talk to your supervisor or agency administrator.",
    ),
    "final": (
        "Reminder: {curriculum_code} {curriculum_title} is due on {due_date}",
        "{greeting}\n\nYour training {curriculum_code} {curriculum_title} at {agency} is due on {due_date}, "
        "{when}.\n\nContinue your training: {learn_url}\n\n"
        "If you think this is a mistake, talk to your supervisor or agency administrator.",
    ),
    "overdue": (
        "{curriculum_code} {curriculum_title} is overdue (it was due on {due_date})",
        "{greeting}\n\nYour training {curriculum_code} {curriculum_title} at {agency} was due on {due_date} and "
        "is now overdue.\n\nContinue your training: {learn_url}\n\n"
        "If you think this is a mistake, talk to your supervisor or agency administrator.",
    ),
    "certificate": (
        "Your {curriculum_code} certificate expires on {expiry_date}",
        "{greeting}\n\nYour certificate {serial} for {curriculum_code} {curriculum_title} expires on "
        "{expiry_date}, {when}. Complete the curriculum again before then to stay compliant.\n\n"
        "Your training: {learn_url}",
    ),
    "remind_now": (
        "Reminder from {sender}: training to complete",
        "{greeting}\n\n{sender} asked us to remind you of your training at {agency}:\n\n{items}\n\n"
        "Continue your training: {learn_url}\n\n"
        "If you think this is a mistake, talk to your supervisor or agency administrator.",
    ),
}


def seed(apps, schema_editor):
    ReminderSchedule = apps.get_model("compliance", "ReminderSchedule")
    ReminderTemplate = apps.get_model("compliance", "ReminderTemplate")
    if not ReminderSchedule.objects.exists():
        ReminderSchedule.objects.create()
    for kind, (subject, body) in DEFAULTS.items():
        ReminderTemplate.objects.get_or_create(kind=kind, defaults={"subject": subject, "body": body})


class Migration(migrations.Migration):
    dependencies = [("compliance", "0004_reminders_actions_feeds")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
