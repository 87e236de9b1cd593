"""The nightly encrypted backup, as a job of the schedule (vip.jobs): written to the folder of
VIP_BACKUP_DIR with the key of VIP_BACKUP_KEY(_FILE); the newest VIP_BACKUP_KEEP are kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vip.backup.envelope import BackupError, key_from_environment
from vip.backup.services import backup_create
from vip.jobs.kinds import Progress, job_kind

PREFIX = "vip-scheduled-"
SUFFIX = ".vipbackup"


def rotate(folder: Path, keep: int) -> list[str]:
    """Remove the oldest scheduled backups beyond ``keep`` (only the schedule's own files, by name)."""
    ours = sorted(p for p in folder.glob(f"{PREFIX}*{SUFFIX}") if p.is_file())
    gone = ours[: max(0, len(ours) - keep)]
    for path in gone:
        path.unlink()
    return [p.name for p in gone]


@job_kind("backup.nightly", action=None, label=gettext_lazy("Encrypted backup"))
def nightly(*, actor: Any, params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    folder_name = params.get("folder") or settings.VIP_BACKUP_DIR
    if not folder_name:
        raise ValidationError(_("No backup folder: set VIP_BACKUP_DIR to the folder the nightly backups go to."))
    folder = Path(folder_name)
    if not folder.is_dir():
        raise ValidationError(_("The backup folder %(folder)s does not exist.") % {"folder": folder})
    keep = int(params.get("keep") or settings.VIP_BACKUP_KEEP)
    out = folder / f"{PREFIX}{timezone.now():%Y%m%dT%H%M%SZ}{SUFFIX}"
    progress(1, 2, _("Writing the encrypted backup"))
    try:
        manifest = backup_create(actor=actor, out=out, key=key_from_environment())
    except BackupError as exc:
        raise ValidationError(str(exc)) from exc
    progress(2, 2, _("Removing the oldest backups"))
    removed = rotate(folder, keep)
    return {"file": str(out), "tables": len(manifest["tables"]), "removed": removed}
