import pytest


@pytest.fixture
def wsis20_published(db):
    """The WSIS+20 call with its 96 demo submissions; the 82 consented ones approved and public."""
    from consulta.calls.seeding import call_seed
    from consulta.publication.demo import publish_demo
    from consulta.submissions.demo import load_demo_submissions

    call = call_seed(slug="wsis20").call
    load_demo_submissions(call=call)
    publish_demo(call=call)
    return call
