"""What the workspace keeps while the server runs: accounts, jobs, published versions.

Made at the first workspace request (a server nobody signs in to never creates the
workspace folder), kept on the main app's state.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI

from ingest.history import History
from store import Settings, Store

from ..services import show_writes
from .accounts import Accounts, open_accounts, workspace_folder
from .jobs import Jobs

_LOCK = threading.Lock()


@dataclass
class Workspace:
    main: FastAPI
    settings: Settings
    folder: Path
    accounts: Accounts
    jobs: Jobs
    history: History
    # one publication (publish, restore, withdraw) at a time: the store has one writer,
    # and two replacements of one source must not interleave their checks and writes
    writing: threading.Lock = field(default_factory=threading.Lock)

    @property
    def store(self) -> Store:
        store: Store = self.main.state.store
        return store

    def shown(self) -> None:
        """After a publication, a restore or a withdrawal: returns once every public
        reader of this server sees it (api/services.py: show_writes). The write is done
        either way: a failure here is logged, not the job's."""
        try:
            show_writes(self.main.state.services, self.store, self.settings)
        except Exception:  # noqa: BLE001 - the readers then catch up on their own
            logging.getLogger(__name__).warning("readers not brought up to date after a "
                                                "publication", exc_info=True)


def workspace_of(main: FastAPI) -> Workspace:
    found: Workspace | None = getattr(main.state, "workspace", None)
    if found is None:
        with _LOCK:
            found = getattr(main.state, "workspace", None)
            if found is None:
                settings: Settings = main.state.settings
                folder = workspace_folder(settings)
                found = Workspace(main, settings, folder, open_accounts(settings),
                                  Jobs(folder / "uploads"),
                                  History(folder / "history", settings.history_versions))
                main.state.workspace = found
    return found


def admin_token(main: FastAPI, token: str | None) -> bool:
    """Is `token` the API token of an active admin account? (They act as the write and
    read tokens of the settings do.) Only tokens of the workspace's form are looked up."""
    if token is None or not token.startswith("tsr_"):
        return False
    account = workspace_of(main).accounts.token_account(token)
    return account is not None and account.admin
