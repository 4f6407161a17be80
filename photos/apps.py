from django.apps import AppConfig


class PhotosConfig(AppConfig):
    name = "photos"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # HEIC/HEIF (most phones' own format) opens through Pillow once this is registered.
        from pillow_heif import register_heif_opener

        register_heif_opener()

        from complaints import representations, subject_access

        from . import personal_data, publish

        representations.register_photos(publish.listed, publish.first_public_url)

        # the reporter's photos are in their export and go on their request for erasure
        subject_access.register(personal_data.export, personal_data.erase)
