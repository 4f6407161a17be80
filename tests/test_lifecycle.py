import pytest

from complaints.lifecycle import STATES, IllegalTransition, UnknownAction, transition

# The whole state machine written down by hand (Traffy Fondue's states): (state, action) -> new state.
# Every pair not listed must be refused.
ALLOWED = {
    ("waiting", "start"): "in_progress",
    ("waiting", "forward"): "forwarded",
    ("waiting", "reject"): "irrelevant",
    ("in_progress", "forward"): "forwarded",
    ("in_progress", "follow_up"): "follow_up",
    ("in_progress", "finish"): "finished",
    ("in_progress", "reject"): "irrelevant",
    ("forwarded", "start"): "in_progress",
    ("forwarded", "forward"): "forwarded",
    ("forwarded", "reject"): "irrelevant",
    ("follow_up", "start"): "in_progress",
    ("follow_up", "forward"): "forwarded",
    ("follow_up", "finish"): "finished",
    ("finished", "reopen"): "waiting",
    ("irrelevant", "reopen"): "waiting",
}
ACTION_NAMES = ("start", "forward", "follow_up", "finish", "reject", "reopen")


def test_the_states_are_traffy_fondues():
    assert set(STATES) == {"waiting", "in_progress", "forwarded", "follow_up", "finished", "irrelevant"}


@pytest.mark.parametrize("state", ["waiting", "in_progress", "forwarded", "follow_up", "finished", "irrelevant"])
@pytest.mark.parametrize("action", ACTION_NAMES)
def test_every_state_and_action(state, action):
    if (state, action) in ALLOWED:
        step = transition(state, action)
        assert (step.source, step.target) == (state, ALLOWED[(state, action)])
        assert step.counts_reopen == (action == "reopen")
    else:
        with pytest.raises(IllegalTransition):
            transition(state, action)


@pytest.mark.parametrize(
    ("state", "action", "allowed"),
    [
        ("waiting", "finish", ["forward", "reject", "start"]),
        ("finished", "start", ["reopen"]),
        ("irrelevant", "forward", ["reopen"]),
        ("waiting", "reopen", ["forward", "reject", "start"]),
        ("follow_up", "reject", ["finish", "forward", "start"]),
    ],
)
def test_illegal_transitions_say_what_is_allowed(state, action, allowed):
    with pytest.raises(IllegalTransition) as info:
        transition(state, action)
    assert info.value.allowed == allowed
    assert state in str(info.value) and ", ".join(allowed) in str(info.value)


def test_the_happy_path_and_a_reopen():
    state = "waiting"
    for action, expected in [("start", "in_progress"), ("follow_up", "follow_up"), ("finish", "finished")]:
        step = transition(state, action)
        assert step.source == state and step.target == expected
        state = step.target
    reopened = transition(state, "reopen")
    assert reopened.target == "waiting" and reopened.counts_reopen


def test_unknown_action():
    with pytest.raises(UnknownAction):
        transition("waiting", "teleport")
