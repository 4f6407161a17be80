import pytest

from complaints import lifecycle
from complaints.lifecycle import IllegalTransition, UnknownAction, transition


def test_the_happy_path_and_a_reopen():
    state = "waiting"
    for action, expected in [("start", "in_progress"), ("follow_up", "follow_up"), ("finish", "finished")]:
        step = transition(state, action)
        assert step.source == state and step.target == expected
        state = step.target
    reopened = transition(state, "reopen")
    assert reopened.target == "waiting" and reopened.counts_reopen


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("waiting", "finish"),
        ("finished", "start"),
        ("irrelevant", "forward"),
        ("waiting", "reopen"),
        ("follow_up", "reject"),
    ],
)
def test_illegal_transitions_say_what_is_allowed(state, action):
    with pytest.raises(IllegalTransition) as info:
        transition(state, action)
    assert info.value.allowed == sorted(a for a, (sources, _) in lifecycle.ACTIONS.items() if state in sources)
    assert state in str(info.value)


def test_every_state_is_reachable_and_every_closed_state_can_reopen():
    reachable = {"waiting"}
    frontier = ["waiting"]
    while frontier:
        state = frontier.pop()
        for sources, target in lifecycle.ACTIONS.values():
            if state in sources and target not in reachable:
                reachable.add(target)
                frontier.append(target)
    assert reachable == set(lifecycle.STATES)
    for closed in ("finished", "irrelevant"):
        assert transition(closed, "reopen").target == "waiting"


def test_unknown_action():
    with pytest.raises(UnknownAction):
        transition("waiting", "teleport")
