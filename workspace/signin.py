"""Signing in and out, and setting a password from an e-mailed link: Django's own views with the
workspace's templates. django-axes guards the sign-in form as it guards the admin's."""

from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse_lazy

from .language import PREFIX

RETRY_AFTER = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))


def lockout(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out sign-in (AXES_LOCKOUT_CALLABLE): the workspace's own page
    for its form, axes' plain message (as before) for the admin's."""
    if request.path.startswith(PREFIX):
        minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        response = render(request, "workspace/locked_out.html", {"minutes": minutes}, status=429)
    else:
        from axes.helpers import get_lockout_message

        response = HttpResponse(get_lockout_message(), status=429)
    response["Retry-After"] = RETRY_AFTER
    return response


class SignIn(auth_views.LoginView):
    template_name = "workspace/signin.html"
    redirect_authenticated_user = True


class SignOut(auth_views.LogoutView):
    next_page = "/work/signin/"


class PasswordLinkForm(auth_forms.PasswordResetForm):
    """Also officers an operator has just added without a password: the e-mailed link is how they
    set their first one (Django's form skips accounts without a usable password)."""

    def get_users(self, email):
        users = get_user_model()._default_manager.filter(email__iexact=email, is_active=True)
        return (u for u in users if u.email and u.email.lower() == email.lower())


LINK_OPTIONS = {
    "email_template_name": "workspace/email/password_link.txt",
    "subject_template_name": "workspace/email/password_link_subject.txt",
}


def send_link(request, user) -> None:
    """The e-mail with a link to set a password, for one account (the admin's action)."""
    form = PasswordLinkForm({"email": user.email})
    if form.is_valid():
        form.save(
            request=request,
            use_https=request.is_secure(),
            from_email=settings.DEFAULT_FROM_EMAIL,
            email_template_name=LINK_OPTIONS["email_template_name"],
            subject_template_name=LINK_OPTIONS["subject_template_name"],
        )


# One e-mailed link per address in this window: repeating the form cannot flood a mailbox (nor our
# mail server); the page answers the same either way, so it tells nobody which addresses exist.
LINK_EVERY_SECONDS = 15 * 60


def first_link_in_window(address: str) -> bool:
    try:
        return bool(cache.add(f"workspace:password-link:{address.strip().lower()}", 1, LINK_EVERY_SECONDS))
    except Exception:  # the shared cache is away: send (the form is the way back in)
        return True


class PasswordLink(auth_views.PasswordResetView):
    template_name = "workspace/password_link.html"
    form_class = PasswordLinkForm
    success_url = reverse_lazy("workspace:password-link-sent")
    email_template_name = LINK_OPTIONS["email_template_name"]
    subject_template_name = LINK_OPTIONS["subject_template_name"]

    def form_valid(self, form):
        if not first_link_in_window(form.cleaned_data["email"]):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordLinkSent(auth_views.PasswordResetDoneView):
    template_name = "workspace/password_link_sent.html"


class PasswordSet(auth_views.PasswordResetConfirmView):
    template_name = "workspace/password_set.html"
    success_url = reverse_lazy("workspace:password-set-done")


class PasswordSetDone(auth_views.PasswordResetCompleteView):
    template_name = "workspace/password_set_done.html"
