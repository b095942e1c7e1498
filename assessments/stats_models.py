"""Tables of the item analysis' kept statistics (`item_stats` keeps them; `analysis` reads them).

Imported at the end of `models`, so Django registers them with the app; they name other models by string."""

from __future__ import annotations

from django.db import models


class QuizStatistics(models.Model):
    """Sums over a quiz's counted attempts from which every figure of the item analysis follows: per question,
    n and the sums of x, y, x², y², xy (x the item score, y the rest of the attempt's score) and how often each
    option was chosen. Sums add, so a new attempt is folded in without reading the others."""

    quiz = models.OneToOneField("assessments.Quiz", on_delete=models.CASCADE, primary_key=True, related_name="+")
    attempts = models.PositiveIntegerField(default=0, help_text="Counted attempts with at least one response.")
    # question id -> {"n", "sx", "sy", "sxx", "syy", "sxy", "chosen": {json of the answer value: times}}
    items = models.JSONField(default=dict)
    version = models.PositiveBigIntegerField(default=0, help_text="Raised by every fold: readers check it.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "quiz statistics"


class CountedAttempt(models.Model):
    """A submitted attempt already added to its quiz's statistics: folded once, whoever asks how often."""

    attempt = models.OneToOneField("assessments.Attempt", on_delete=models.CASCADE, primary_key=True, related_name="+")
    quiz = models.ForeignKey("assessments.Quiz", on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        indexes = [models.Index(fields=["quiz", "attempt"], name="counted_attempt_quiz_idx")]
