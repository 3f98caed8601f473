"""What the submissions stage announces, for later stages (publication, analysis) to act on.

Submissions never import those stages: data flows one way, and listeners subscribe here.
"""

from django.dispatch import Signal

# Sent after the transaction that stored it has committed. Arguments: submission (a Submission).
submission_changed = Signal()

# Sent after a bulk import committed. Arguments: call, references (list of str).
submissions_imported = Signal()
