"""The service's background state, without Flask: reindex jobs, removals, the rate limit, feedback votes, the
metrics."""

from service.ops import metrics
from service.ops.feedback import MAX_BODY_BYTES as FEEDBACK_MAX_BODY_BYTES
from service.ops.feedback import FeedbackStore
from service.ops.jobs import Job, Reindexer, reindex_targets
from service.ops.ratelimit import RateLimiter
from service.ops.removal import is_upload, remove_document

__all__ = [
    "FEEDBACK_MAX_BODY_BYTES",
    "FeedbackStore",
    "Job",
    "RateLimiter",
    "is_upload",
    "Reindexer",
    "metrics",
    "reindex_targets",
    "remove_document",
]
