import uuid

from django.db import models


class PublicIdModel(models.Model):
    """A row addressed from URLs and APIs by an opaque id, never by its primary key."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        abstract = True
