""" "Is it fixed?": when a complaint is finished, its reporter is asked, through the intake system
that filed it, whether the problem is really gone, and for a 1-5 rating.

The question is a change (`confirmation_asked`) recorded in the complaint's history, so it
reaches the intake system by its subscription push and its change feed like any other change;
the intake system relays the reporter's answer. One answer per question: a second one is refused
(`AlreadyAnswered`), so a rating cannot be counted twice and a reopened complaint is not reopened
again by a repeated request. "Not fixed" reopens the complaint through the lifecycle, which counts
it in `reopen_count` and so in the reopen statistics.

Complaints imported without an intake key (the Traffy demo) have nobody to ask.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from . import changes, lifecycle
from .actors import Actor
from .command_core import Done, check
from .models import Complaint, Confirmation
from .moves import transition

QUESTION = "confirmation_asked"
ANSWER = "confirmation_given"
MAX_COMMENT = 2000


class ConfirmationError(Exception):
    """Why an answer cannot be taken; `code` is the API's error code, `status` its HTTP status."""

    code, status = "invalid", 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAsked(ConfirmationError):
    code, status = "no_question", 409


class AlreadyAnswered(ConfirmationError):
    code, status = "already_answered", 409


class Expired(ConfirmationError):
    code, status = "confirmation_expired", 409


class NotYours(ConfirmationError):
    """Another intake system's complaint: answered like a complaint that does not exist."""

    code, status = "not_found", 404


@dataclass(frozen=True)
class Answer:
    fixed: bool
    rating: int | None = None
    comment: str = ""


def parse(body) -> Answer:
    """The answer's JSON body, checked: {"fixed": true|false, "rating": 1-5 (optional), "comment": "..."}."""
    if not isinstance(body, dict):
        raise ConfirmationError("body must be a JSON object")
    unknown = set(body) - {"fixed", "rating", "comment"}
    if unknown:
        raise ConfirmationError(f"unknown fields: {', '.join(sorted(unknown))}", sorted(unknown)[0])
    fixed = body.get("fixed")
    if not isinstance(fixed, bool):
        raise ConfirmationError("fixed: must be true or false", "fixed")
    rating = body.get("rating")
    # bool is an int in Python: true must not pass for a rating of 1.
    if rating is not None and (isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5):
        raise ConfirmationError("rating: a whole number from 1 to 5", "rating")
    comment = body.get("comment") or ""
    if not isinstance(comment, str):
        raise ConfirmationError("comment: must be a string", "comment")
    if len(comment) > MAX_COMMENT:
        raise ConfirmationError(f"comment: at most {MAX_COMMENT} characters", "comment")
    if "\x00" in comment:
        raise ConfirmationError("comment: may not contain NUL", "comment")
    return Answer(fixed, rating, comment.strip())


def ask(complaint: Complaint, now) -> Confirmation | None:
    """Ask the reporter (inside the transaction that finished the complaint). None when no intake
    system filed it."""
    if complaint.intake_key_id is None:
        return None
    expires = now + timedelta(days=settings.GEO_CONFIRMATION_DAYS)
    question = Confirmation.objects.create(
        complaint=complaint,
        agency_id=complaint.agency_id,
        intake_key_id=complaint.intake_key_id,
        asked_at=now,
        expires_at=expires,
    )
    changes.record(
        complaint,
        QUESTION,
        data={
            "confirmation": question.id,
            "expires_at": expires.isoformat(),
            "answer_to": f"/api/v1/complaints/{complaint.id}/confirmation",
        },
    )
    return question


def on_moved(moved) -> None:
    """A finished complaint's reporters (the merged reports' too) are asked, each through its intake
    system (registered for events.Moved in ComplaintsConfig.ready)."""
    if moved.step.target == lifecycle.FINISHED:
        for finished in (moved.complaint, *moved.followers):
            ask(finished, moved.at)


def confirm(
    complaint_id: int,
    intake_key_id: int,
    given: Answer,
    *,
    now,
    source: str = "",
    expected: int | None = None,
) -> Done:
    """Take the reporter's answer, relayed by the intake key that filed the complaint. "Not fixed"
    reopens the complaint in the same transaction. The entry is the answer's; the question is
    `entry.data["confirmation"]` (`question_of`)."""
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update(of=("self",)).filter(id=complaint_id).first()
        if complaint is None or complaint.intake_key_id != intake_key_id:
            raise NotYours("no such complaint")
        check(complaint, expected)
        question = complaint.confirmations.order_by("-asked_at", "-id").first()
        if question is None:
            raise NotAsked("this complaint has not been finished, so there is no question to answer")
        if question.answered_at is not None:
            raise AlreadyAnswered(f"already answered at {question.answered_at.isoformat()}; an answer is given once")
        if complaint.status != lifecycle.FINISHED:
            raise NotAsked(f"the complaint is {complaint.status} again: the question no longer applies")
        if now > question.expires_at:
            raise Expired(f"the question could be answered until {question.expires_at.isoformat()}")
        question.answered_at, question.fixed = now, given.fixed
        question.rating, question.comment = given.rating, given.comment
        question.save(update_fields=["answered_at", "fixed", "rating", "comment"])
        who = Actor("intake", source)
        complaint.revision += 1  # not `updated`: the answer changes nothing published until it reopens
        complaint.save(update_fields=["revision"])
        entry = changes.record(
            complaint,
            ANSWER,
            actor=who,
            note=given.comment,
            data={"confirmation": question.id, "fixed": given.fixed, "rating": given.rating},
        )
        if not given.fixed:
            # a report merged into another is the same problem: the complaint worked is reopened,
            # and the report follows it
            worked = complaint.parent_id or complaint.id
            transition(worked, "reopen", actor=who, note="the reporter says it is not fixed")
        complaint.refresh_from_db()
    return Done(complaint, entry)


def question_of(done: Done) -> Confirmation:
    """The question a `confirm` answered."""
    assert done.entry is not None  # confirm always writes the answer's entry
    return Confirmation.objects.get(id=done.entry.data["confirmation"])
