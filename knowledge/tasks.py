"""Background work of the knowledge base (the Django Tasks API)."""

from django_tasks import task

from knowledge import provider_vectors


@task()
def encode_provider_vectors(workspace_id: int) -> None:
    """The phrasings the workspace's embeddings provider has not encoded yet, in batches."""
    provider_vectors.encode_missing(workspace_id)
