"""Words for states, tabs and history events, in the message files (Thai and English)."""

from django.utils.translation import gettext_lazy as _

STATUS = {
    "waiting": _("Waiting"),
    "in_progress": _("In progress"),
    "forwarded": _("Forwarded"),
    "follow_up": _("Follow-up"),
    "finished": _("Finished"),
    "irrelevant": _("Not relevant"),
}

TABS = {
    "open": _("All open"),
    "new": _("New"),
    "in_progress": _("In progress"),
    "overdue": _("Overdue"),
    "escalated": _("Escalated to us"),
    "awaiting_reporter": _("Waiting for the reporter"),
    "done": _("Done"),
    "all": _("All"),
}

ACTIONS = {
    "start": _("Started"),
    "forward": _("Forwarded"),
    "follow_up": _("Follow-up"),
    "finish": _("Finished"),
    "reject": _("Marked not relevant"),
    "reopen": _("Reopened"),
}

EVENTS = {
    "created": _("Filed"),
    "imported": _("Imported"),
    "rerouted": _("Routed again"),
    "reminded": _("Reminder sent"),
    "escalated": _("Escalated"),
    "merged": _("Merged into another complaint"),
    "merged_in": _("A duplicate was merged in"),
    "unmerged": _("Unmerged"),
    "unmerged_out": _("A duplicate was unmerged"),
    "delivered": _("Delivered"),
    "delivery_failed": _("Delivery failed"),
    "remote_update": _("Update from the agency's system"),
    "moderated": _("Text hidden by a moderator"),
    "photo_flagged": _("After photo flagged"),
    "confirmation_asked": _("Reporter asked: is it fixed?"),
    "confirmation_given": _("Reporter answered"),
    "returned": _("Returned: not ours"),
    "reply": _("Reply to the reporter"),
    "replied": _("Reply to the reporter"),
    "note": _("Internal note"),
    "noted": _("Internal note"),
    "internal_note": _("Internal note"),
}

LEVELS = {
    "province": _("Province"),
    "district": _("District"),
    "subdistrict": _("Subdistrict"),
    "local_government": _("Local government"),
}

# History events that only the agency's staff read (never public): internal notes.
INTERNAL = {"note", "noted", "internal_note"}

DELIVERY_STATES = {
    "queued": _("queued"),
    "delivered": _("delivered"),
    "dead": _("failed"),
    "withdrawn": _("withdrawn"),
    "held": _("held"),
}


def event_label(entry) -> str:
    if entry.event == "transition":
        return str(ACTIONS.get(entry.action, entry.action))
    return str(EVENTS.get(entry.event, entry.event))
