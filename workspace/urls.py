from django.urls import path
from django.views.i18n import set_language

from . import complaint_views, inbox_views, signin

app_name = "workspace"

urlpatterns = [
    path("", inbox_views.inbox_page, name="inbox"),
    path("bulk/", inbox_views.bulk_action, name="bulk"),
    path("agencies/", inbox_views.agency_options, name="agencies"),
    path("complaints/<int:complaint_id>/", complaint_views.complaint_page, name="complaint"),
    path("complaints/<int:complaint_id>/<slug:action>/", complaint_views.complaint_action, name="act"),
    path("language/", set_language, name="language"),
    path("signin/", signin.SignIn.as_view(), name="signin"),
    path("signout/", signin.SignOut.as_view(), name="signout"),
    path("password/", signin.PasswordLink.as_view(), name="password-link"),
    path("password/sent/", signin.PasswordLinkSent.as_view(), name="password-link-sent"),
    path("password/set/<uidb64>/<token>/", signin.PasswordSet.as_view(), name="password-set"),
    path("password/done/", signin.PasswordSetDone.as_view(), name="password-set-done"),
]
