"""A change to a call's questionnaire moves the call's ``updated_at``: cached questionnaires are keyed on it."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone


def touch_call(call_id: int | None) -> None:
    from consulta.calls.models import Call

    if call_id is not None:
        Call.objects.filter(pk=call_id).update(updated_at=timezone.now())


@receiver(post_save, sender="calls.Section", dispatch_uid="calls.touch_on_section_save")
@receiver(post_delete, sender="calls.Section", dispatch_uid="calls.touch_on_section_delete")
@receiver(post_save, sender="calls.Question", dispatch_uid="calls.touch_on_question_save")
@receiver(post_delete, sender="calls.Question", dispatch_uid="calls.touch_on_question_delete")
def _questionnaire_changed(sender, instance, **kwargs):
    touch_call(instance.call_id)


@receiver(post_save, sender="calls.QuestionChoice", dispatch_uid="calls.touch_on_choice_save")
@receiver(post_delete, sender="calls.QuestionChoice", dispatch_uid="calls.touch_on_choice_delete")
def _choice_changed(sender, instance, **kwargs):
    from consulta.calls.models import Question

    touch_call(Question.objects.filter(pk=instance.question_id).values_list("call_id", flat=True).first())
