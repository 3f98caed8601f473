"""Who performs an action that no person clicked: seeding, imports run by an operator."""


class SystemActor:
    """An operator at the command line, who already holds the server's keys."""

    pk = None
    is_active = True
    is_authenticated = True
    username = "system"

    def has_perm(self, perm: str, obj=None) -> bool:
        return True

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()


def person(actor):
    """The user to record as having acted, or None for the command-line operator."""
    return actor if getattr(actor, "pk", None) else None
