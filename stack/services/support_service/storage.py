"""LocalAttachmentStorage: attachments on a local volume, offloaded to an archive (cold) directory."""
from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

from support_service.metrics import ATTACHMENT_STORED

_SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
MAX_BYTES = 16 * 1024 * 1024


class AttachmentError(ValueError):
    pass


class LocalAttachmentStorage:
    def __init__(self, directory: str, archive: str) -> None:
        self.directory, self.archive = Path(directory), Path(archive)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.archive.mkdir(parents=True, exist_ok=True)

    def _case_dir(self, case_id: int) -> Path:
        return self.directory / str(case_id)

    def save(self, case_id: int, filename: str, content: bytes, content_type: str) -> dict:
        if not _SAFE_NAME.match(filename or ""):
            raise AttachmentError("filename must be 1-128 characters of letters, digits, '.', '_' or '-'")
        if len(content) > MAX_BYTES:
            raise AttachmentError(f"attachment larger than {MAX_BYTES} bytes")
        path = self._case_dir(case_id) / filename
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            path.write_bytes(content)
        except OSError as exc:
            path.unlink(missing_ok=True)
            raise AttachmentError(f"cannot store attachment: {exc.strerror}") from None
        ATTACHMENT_STORED.labels(content_type=content_type or "application/octet-stream").inc()
        return {"name": filename, "bytes": len(content)}

    def list(self, case_id: int) -> list[dict]:
        folder = self._case_dir(case_id)
        if not folder.is_dir():
            return []
        return [{"name": p.name, "bytes": p.stat().st_size, "modified": p.stat().st_mtime}
                for p in sorted(folder.iterdir()) if p.is_file()]

    def delete_case(self, case_id: int) -> int:
        """Remove a case's attachments from the backlog and the archive; returns files removed."""
        removed = 0
        for base in (self.directory, self.archive):
            folder = base / str(case_id)
            if folder.is_dir():
                removed += sum(1 for p in folder.iterdir() if p.is_file())
                shutil.rmtree(folder, ignore_errors=True)
        return removed

    def offload(self, age_days: float, dry_run: bool) -> dict:
        """Move attachments older than age_days to the archive directory (or only list them)."""
        cutoff = time.time() - age_days * 86400
        moved, total = [], 0
        for root, _dirs, names in os.walk(self.directory):
            for name in sorted(names):
                src = Path(root) / name
                stat = src.stat()
                if stat.st_mtime > cutoff:
                    continue
                rel = src.relative_to(self.directory)
                moved.append({"path": str(rel), "bytes": stat.st_size})
                total += stat.st_size
                if not dry_run:
                    dst = self.archive / rel
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    shutil.move(str(src), str(dst))
        return {"dryRun": dry_run, "ageDays": age_days, "files": len(moved), "bytes": total, "moved": moved[:50]}
