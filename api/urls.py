from django.urls import path, register_converter

from params import IdConverter

from .views.boundaries import BoundaryDetail, BoundaryList
from .views.changes import Changes
from .views.complaints import ComplaintDetail, ComplaintList, ComplaintTransition
from .views.confirmation import ComplaintConfirmation
from .views.deliveries import AgencyPause, AgencyResume, DeliveryDetail, DeliveryList, DeliveryResend, Unreachable
from .views.duplicates import ComplaintDuplicates, ComplaintMerge, ComplaintUnmerge
from .views.health import Health
from .views.personal_data import ComplaintModeration, PersonalDataErase, PersonalDataExport
from .views.photos import PhotoHide, PhotoImage, PhotoShow, PhotoThumbnail
from .views.route import Route, RouteBatch
from .views.stats import Stats, StatsTop, StatsTrend
from .views.subscriptions import SubscriptionDetail, SubscriptionList

register_converter(IdConverter, "id")

urlpatterns = [
    path("health", Health.as_view(), name="health"),
    path("boundaries", BoundaryList.as_view(), name="boundary-list"),
    path("boundaries/<str:code>", BoundaryDetail.as_view(), name="boundary-detail"),
    path("route", Route.as_view(), name="route"),
    path("route/batch", RouteBatch.as_view(), name="route-batch"),
    path("stats", Stats.as_view(), name="stats"),
    path("stats/trend", StatsTrend.as_view(), name="stats-trend"),
    path("stats/top", StatsTop.as_view(), name="stats-top"),
    path("complaints", ComplaintList.as_view(), name="complaint-list"),
    path("complaints/<id:complaint_id>", ComplaintDetail.as_view(), name="complaint-detail"),
    path("complaints/<id:complaint_id>/transitions", ComplaintTransition.as_view(), name="complaint-transition"),
    path("complaints/<id:complaint_id>/duplicates", ComplaintDuplicates.as_view(), name="complaint-duplicates"),
    path("complaints/<id:complaint_id>/merge", ComplaintMerge.as_view(), name="complaint-merge"),
    path("complaints/<id:complaint_id>/unmerge", ComplaintUnmerge.as_view(), name="complaint-unmerge"),
    path("complaints/<id:complaint_id>/confirmation", ComplaintConfirmation.as_view(), name="complaint-confirmation"),
    path("complaints/<id:complaint_id>/moderation", ComplaintModeration.as_view(), name="complaint-moderation"),
    path("personal-data/export", PersonalDataExport.as_view(), name="personal-data-export"),
    path("personal-data/erase", PersonalDataErase.as_view(), name="personal-data-erase"),
    path("photos/<id:photo_id>.jpg", PhotoImage.as_view(), name="photo-image"),
    path("photos/<id:photo_id>/thumbnail.webp", PhotoThumbnail.as_view(), name="photo-thumbnail"),
    path("photos/<id:photo_id>/hide", PhotoHide.as_view(), name="photo-hide"),
    path("photos/<id:photo_id>/show", PhotoShow.as_view(), name="photo-show"),
    path("deliveries", DeliveryList.as_view(), name="delivery-list"),
    path("deliveries/unreachable", Unreachable.as_view(), name="delivery-unreachable"),
    path("deliveries/<str:delivery_id>", DeliveryDetail.as_view(), name="delivery-detail"),
    path("deliveries/<str:delivery_id>/resend", DeliveryResend.as_view(), name="delivery-resend"),
    path("agencies/<str:code>/pause", AgencyPause.as_view(), name="agency-pause"),
    path("agencies/<str:code>/resume", AgencyResume.as_view(), name="agency-resume"),
    path("changes", Changes.as_view(), name="changes"),
    path("subscriptions", SubscriptionList.as_view(), name="subscription-list"),
    path("subscriptions/<int:subscription_id>", SubscriptionDetail.as_view(), name="subscription-detail"),
]
