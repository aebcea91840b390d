"""Uploaded proof and photos: stored under MEDIA_ROOT, which nothing serves statically.
Files are reached only through views that check the viewer's scope (no MEDIA_URL route)."""

from django.core.files.storage import FileSystemStorage

# location=None follows settings.MEDIA_ROOT, also when a test changes it.
private_storage = FileSystemStorage()
