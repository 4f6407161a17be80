from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from access.models import StaffProfile

from .models import ResponseTemplate
from .signin import send_link


@admin.register(ResponseTemplate)
class ResponseTemplateAdmin(admin.ModelAdmin):
    list_display = ("title", "agency", "category", "state")
    list_filter = ("state",)
    search_fields = ("title", "text", "agency__code", "agency__name_th")
    autocomplete_fields = ("agency",)


class OfficerInline(admin.StackedInline):
    model = StaffProfile
    autocomplete_fields = ("agency",)
    extra = 0
    max_num = 1
    verbose_name = "officer of an agency (workspace)"


@admin.action(description="Send a password link by e-mail (workspace sign-in)")
def send_password_link(modeladmin, request, queryset):
    sent = 0
    for user in queryset:
        if user.email:
            send_link(request, user)
            sent += 1
    modeladmin.message_user(
        request, f"{sent} link(s) sent; {queryset.count() - sent} account(s) have no e-mail.", messages.INFO
    )


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class OfficerUserAdmin(UserAdmin):
    """Django's user admin, with the officer's agency beside the account and the password link."""

    inlines = [OfficerInline]
    actions = [send_password_link]
