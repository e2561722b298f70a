"""Removing a document for a user (DELETE /api/documents/<doc_id>, `kazde remove`): out of every index and
the manifest under the writer lock, and its file too when it is an upload.

A document of an ingested folder keeps its file (the service never deletes a user's folders): it comes back
with the next ingest of that folder unless the file goes, and the answer says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from service.settings import Settings


def is_upload(settings: Settings, root: str) -> bool:
    """Whether a document ingested from `root` is an upload (its file lives in KAZDE_DATA_DIR/uploads)."""
    return bool(root) and Path(root).resolve() == settings.uploads_path.resolve()


def remove_document(settings: Settings, doc_id: str) -> dict[str, Any] | None:
    """Remove one document; what was done, or None when the index does not know the document.

    Raises ingest.WriterBusy while another ingest writes (a reindex job, `kazde ingest`).
    """
    from ingest import WriterLock, remove
    from service.qa import index_opener

    with WriterLock(settings.data_dir):
        removal = remove(doc_id, index_opener(settings), settings.manifest_path)
    if removal is None:
        return None
    file = Path(removal.path)
    uploaded = is_upload(settings, removal.root)
    if uploaded:
        file.unlink(missing_ok=True)
    stays = not uploaded and file.exists()
    result: dict[str, Any] = {
        "doc_id": doc_id,
        "passages": removal.passages,
        "file_removed": uploaded,
        "returns_on_reindex": stays,
        "duplicates": removal.duplicates,
    }
    if stays:
        folder = Path(removal.root).name
        result["message"] = (
            f"Removed from the index. Its file stays in the ingested folder '{folder}': the next ingest or reindex "
            "of that folder adds it again unless the file is deleted or moved."
        )
    else:
        result["message"] = "Removed from the index" + (" and the uploads." if uploaded else ".")
    if removal.duplicates and not uploaded:
        result["message"] += f" Its duplicates ({', '.join(removal.duplicates)}) are indexed anew at the next reindex."
    return result
