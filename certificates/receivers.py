"""Where certificates meet completion: curricula sends `curriculum_completed`, this app answers it. The
signal keeps the dependency one way (certificates import curricula, never the reverse)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from curricula.completion import curriculum_completed
from curricula.models import CurriculumCompletion

from .services import issue_certificate


@receiver(curriculum_completed, dispatch_uid="certificates.issue_on_completion")
def issue_on_completion(sender: type, *, completion: CurriculumCompletion, **kwargs: Any) -> None:
    """Exactly one certificate per completion, issued in the completing transaction."""
    issue_certificate(completion=completion)
