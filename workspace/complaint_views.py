"""A complaint's page: everything known about it, and the officer's actions on it."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from complaints import duplicates
from complaints.models import Complaint, HistoryEntry
from complaints.privacy import mask
from complaints.representations import public, staff
from delivery.models import Delivery
from photos.models import Photo
from routing.models import Category

from . import actions, labels
from .access import acts_on, complaint_for
from .models import ResponseTemplate
from .pages import acting, workspace_view


def _photo_links(photo) -> dict:
    return {
        "id": photo.id,
        "kind": photo.kind,
        "hidden": photo.hidden,
        "url": reverse("photo-image", kwargs={"photo_id": photo.id}),
        "thumbnail": reverse("photo-thumbnail", kwargs={"photo_id": photo.id}),
        "width": photo.thumbnail_width,
        "height": photo.thumbnail_height,
        "entry": photo.history_entry_id,
    }


def timeline(complaint, photos, *, own: bool) -> list[dict]:
    """History and deliveries, oldest first. The agency's own staff read internal notes (marked),
    the text as written and who did it; readers from outside (executives, operators) read what the
    public reads of the text, with roles and agencies instead of names."""
    by_entry: dict[int, list[dict]] = {}
    for photo in photos:
        if photo["entry"]:
            by_entry.setdefault(photo["entry"], []).append(photo)
    rows = [
        {
            "at": h.at,
            "label": labels.event_label(h),
            "event": h.event,
            "internal": h.event in labels.INTERNAL,
            "who": (h.actor or h.actor_role) if own else " ".join(filter(None, [h.actor_role, h.actor_agency])),
            "note": h.note if own else ("" if h.note_hidden else mask(h.note)),
            "to": h.to_status if h.from_status != h.to_status else "",
            "data": h.data,
            "photos": by_entry.get(h.id, []),
        }
        for h in (HistoryEntry.with_internal if own else HistoryEntry.objects)
        .filter(complaint_id=complaint.id)
        .order_by("at", "id")
    ]
    for d in Delivery.objects.filter(complaint_id=complaint.id).select_related("agency").order_by("created", "id"):
        state = str(labels.DELIVERY_STATES.get(d.state, d.state))
        rows.append(
            {
                "at": d.created,
                "label": _("Sent to %(agency)s by %(channel)s: %(state)s")
                % {"agency": d.agency.code, "channel": d.channel, "state": state},
                "event": "delivery",
                "internal": False,
                "who": "",
                "note": d.last_error or "",
                "to": "",
                "data": {},
                "photos": [],
            }
        )
    rows.sort(key=lambda r: r["at"])
    return rows


def context_of(request, complaint: Complaint, **extra) -> dict:
    viewer = request.viewer
    photos = [_photo_links(p) for p in Photo.objects.filter(complaint=complaint).order_by("created", "id")]
    own = viewer.agency is not None and viewer.agency.id == complaint.agency_id
    verbatim = own or viewer.user.is_superuser
    visibility = duplicates.Visibility(agency_id=viewer.agency.id) if viewer.agency else None
    candidates = duplicates.for_complaint(complaint, visibility=visibility) if complaint.parent_id is None else []
    templates: Any = ResponseTemplate.objects.none()
    if viewer.can_act:
        category = complaint.categories[0] if complaint.categories else ""
        templates = ResponseTemplate.objects.filter(agency=viewer.agency).filter(
            Q(category="") | Q(category=category), Q(state="") | Q(state=complaint.status)
        )
    # The project's representations: the staff one for the agency's own officers (and superusers),
    # the public one (masked text) for readers from elsewhere.
    out = staff(complaint, agency_code=viewer.agency.code if own else None) if verbatim else public(complaint)
    return {
        "viewer": viewer,
        "complaint": complaint,
        "out": out,
        "revision": complaint.revision,
        "reason": out.get("reason") or {},
        "jurisdictions": [
            (labels.LEVELS[level], out["jurisdictions"][level])
            for level in labels.LEVELS
            if (out.get("jurisdictions") or {}).get(level)
        ],
        "photos": [p for p in photos if p["kind"] == Photo.BEFORE],
        "after_photos": [p for p in photos if p["kind"] == Photo.AFTER],
        "timeline": timeline(complaint, photos, own=verbatim),
        "confirmations": list(complaint.confirmations.order_by("asked_at", "id")),
        "candidates": candidates,
        "children": list(complaint.children.order_by("id").values_list("id", flat=True)),
        "templates": templates,
        "categories": {c.code: (c.name_th, c.name_en) for c in Category.objects.filter(code__in=complaint.categories)},
        "can_act": viewer.can_act and own,
        "mapdata": {
            "lon": complaint.location.x,
            "lat": complaint.location.y,
            "subdistrict": complaint.subdistrict_code,
            "district": complaint.district_code,
        },
        **extra,
    }


@workspace_view
def complaint_page(request, complaint_id):
    complaint = complaint_for(request.viewer, complaint_id)
    extra = {}
    if request.GET.get("refused") == "too_large":  # the front's (or middleware's) 413 for a finish
        mb = settings.GEO_PHOTO_MAX_BYTES // 2**20
        message = _("The photo is too large to send: at most %(mb)s MB. Choose a smaller one.") % {"mb": mb}
        extra = {"refused": actions.Refused(413, message, "photo"), "failed_action": "finish"}
    return render(request, "workspace/complaint.html", context_of(request, complaint, **extra))


@workspace_view
@acting
def complaint_action(request, complaint_id, action):
    action = action.replace("-", "_")
    complaint = complaint_for(request.viewer, complaint_id)  # 404 when not the officer's agency's
    if not acts_on(request.viewer, complaint):  # escalated to them: they read, its agency acts
        return render(request, "workspace/error.html", {"status": 403, "message": "read_only"}, status=403)
    if action not in actions.ACTIONS:
        return render(request, "workspace/error.html", {"status": 404, "message": "not_found"}, status=404)
    try:
        done = actions.run(action, complaint.id, request.viewer, request.POST, request.FILES)
    except actions.Refused as refused:
        fresh = refused.current or complaint_for(request.viewer, complaint_id)
        fresh = Complaint.objects.select_related("agency", "escalated_to").get(id=fresh.id)
        context = context_of(
            request,
            fresh,
            refused=refused,
            failed_action=action,
            stale=refused.current is not None,
            posted=request.POST,
        )
        return render(request, "workspace/complaint.html", context, status=refused.status)
    messages.success(request, _("Saved."))
    target = done.complaint
    if target.agency_id != request.viewer.agency.id:  # forwarded or returned: no longer theirs
        messages.success(request, _("#%(id)s is no longer with your agency.") % {"id": target.id})
        return redirect("workspace:inbox")
    return redirect("workspace:complaint", complaint_id=target.id)
