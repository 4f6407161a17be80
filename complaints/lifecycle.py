"""The complaint lifecycle as a state machine (Traffy Fondue's states), in plain Python.

waiting --start--> in_progress --finish--> finished --reopen--> waiting (reopen_count + 1)
any open state --forward--> forwarded (another agency, with a reason) --start--> in_progress
in_progress --follow_up--> follow_up --start/finish--> ...
waiting / in_progress / forwarded --reject--> irrelevant --reopen--> waiting
"""

from dataclasses import dataclass

WAITING, IN_PROGRESS, FORWARDED, FOLLOW_UP, FINISHED, IRRELEVANT = (
    "waiting",
    "in_progress",
    "forwarded",
    "follow_up",
    "finished",
    "irrelevant",
)
STATES = (WAITING, IN_PROGRESS, FORWARDED, FOLLOW_UP, FINISHED, IRRELEVANT)
OPEN_STATES = (WAITING, IN_PROGRESS, FORWARDED, FOLLOW_UP)

# action -> (states it may start from, state it leads to)
ACTIONS = {
    "start": ((WAITING, FORWARDED, FOLLOW_UP), IN_PROGRESS),
    "forward": ((WAITING, IN_PROGRESS, FORWARDED, FOLLOW_UP), FORWARDED),
    "follow_up": ((IN_PROGRESS,), FOLLOW_UP),
    "finish": ((IN_PROGRESS, FOLLOW_UP), FINISHED),
    "reject": ((WAITING, IN_PROGRESS, FORWARDED), IRRELEVANT),
    "reopen": ((FINISHED, IRRELEVANT), WAITING),
}


class IllegalTransition(Exception):
    def __init__(self, action: str, state: str):
        allowed = sorted(a for a, (sources, _) in ACTIONS.items() if state in sources)
        super().__init__(f"cannot {action} a complaint that is {state}; allowed now: {', '.join(allowed) or 'none'}")
        self.action = action
        self.state = state
        self.allowed = allowed


class UnknownAction(ValueError):
    pass


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    counts_reopen: bool


def transition(state: str, action: str) -> Transition:
    if action not in ACTIONS:
        raise UnknownAction(f"unknown action {action!r}; one of {', '.join(ACTIONS)}")
    sources, target = ACTIONS[action]
    if state not in sources:
        raise IllegalTransition(action, state)
    return Transition(action, state, target, action == "reopen")


def follow(state: str, parent_step: Transition) -> Transition:
    """The step of a merged report when its parent moves: it takes the parent's new state from
    whatever its own is (a waiting report follows its parent to finished), under the parent's action."""
    return Transition(parent_step.action, state, parent_step.target, parent_step.counts_reopen)
