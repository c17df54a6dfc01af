"""`tsr user add|list|disable|enable|grant|password|token`: the workspace's accounts.

They live in the workspace folder's SQLite file (beside the store; see
api/workspace/accounts.py), which these commands may change while `tsr serve` runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .errors import one_line_errors
from .options import settings_for, store_options

if TYPE_CHECKING:
    from api.workspace.accounts import Account, Accounts


def _accounts(store_location: str | None, config_file: str | None) -> Accounts:
    from api.workspace.accounts import open_accounts

    return open_accounts(settings_for(store_location, config_file))


def _password(from_stdin: bool) -> str:
    if from_stdin:
        import sys

        return sys.stdin.readline().rstrip("\r\n")
    entered: str = click.prompt("Password", hide_input=True, confirmation_prompt=True,
                                err=True)
    return entered


@click.group()
def user() -> None:
    """Manage the coordinators' accounts of the workspace (/workspace)."""


@user.command("add")
@click.argument("name")
@click.option("--admin", is_flag=True, help="Every right on every source, and the accounts.")
@click.option("--grant", "grants", multiple=True, metavar="PREFIX[=RIGHTS]",
              help="Rights on a source name or prefix, e.g. reseau-a/=load,replace "
                   "(rights: load, replace, withdraw, restrict; none listed: all). Repeatable.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@store_options
@one_line_errors
def add(name: str, admin: bool, grants: tuple[str, ...], password_stdin: bool,
        store_location: str | None, config_file: str | None) -> None:
    """Add an account (the password is asked twice, or read from stdin)."""
    from api.workspace.accounts import parse_grant

    parsed = dict(parse_grant(g) for g in grants)
    accounts = _accounts(store_location, config_file)
    try:
        account = accounts.add(name, _password(password_stdin), admin=admin, grants=parsed)
    finally:
        accounts.close()
    click.echo(f"{account.name}: account added ({_rights(account)})", err=True)


@user.command("list")
@store_options
@one_line_errors
def list_accounts(store_location: str | None, config_file: str | None) -> None:
    """List the accounts: name, state, rights."""
    accounts = _accounts(store_location, config_file)
    try:
        for account in accounts.all():
            state = "active" if account.active else "disabled"
            click.echo(f"{account.name}\t{state}\t{_rights(account)}")
    finally:
        accounts.close()


def _rights(account: Account) -> str:
    if account.admin:
        return "admin"
    return "; ".join(f"{prefix}={','.join(sorted(r.value for r in rights))}"
                     for prefix, rights in sorted(account.grants.items())) or "no rights"


def _set_active(name: str, active: bool, store_location: str | None,
                config_file: str | None) -> None:
    accounts = _accounts(store_location, config_file)
    try:
        accounts.set_active(name, active)
    finally:
        accounts.close()
    click.echo(f"{name}: {'enabled' if active else 'disabled (its sessions end now)'}",
               err=True)


@user.command("disable")
@click.argument("name")
@store_options
@one_line_errors
def disable(name: str, store_location: str | None, config_file: str | None) -> None:
    """Disable an account: it cannot sign in, its sessions and tokens stop working."""
    _set_active(name, False, store_location, config_file)


@user.command("enable")
@click.argument("name")
@store_options
@one_line_errors
def enable(name: str, store_location: str | None, config_file: str | None) -> None:
    """Enable a disabled account again."""
    _set_active(name, True, store_location, config_file)


@user.command("grant")
@click.argument("name")
@click.argument("grant", metavar="PREFIX[=RIGHTS]")
@store_options
@one_line_errors
def grant(name: str, grant: str, store_location: str | None, config_file: str | None) -> None:
    """Set an account's rights on a source prefix (PREFIX= with no rights removes them)."""
    from api.workspace.accounts import parse_grant

    prefix, rights = parse_grant(grant)
    if grant.endswith("="):
        rights = frozenset()
    accounts = _accounts(store_location, config_file)
    try:
        account = accounts.grant(name, prefix, rights)
    finally:
        accounts.close()
    click.echo(f"{name}: {_rights(account)}", err=True)


@user.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@store_options
@one_line_errors
def password(name: str, password_stdin: bool, store_location: str | None,
             config_file: str | None) -> None:
    """Set an account's password (its sessions end)."""
    accounts = _accounts(store_location, config_file)
    try:
        accounts.set_password(name, _password(password_stdin))
    finally:
        accounts.close()
    click.echo(f"{name}: password changed", err=True)


@user.command("token")
@click.argument("name")
@click.option("--label", default="", help="What the token is for (shown in the list).")
@store_options
@one_line_errors
def token(name: str, label: str, store_location: str | None, config_file: str | None) -> None:
    """Print a new API token for NAME (shown once; send it as 'Authorization: Bearer')."""
    accounts = _accounts(store_location, config_file)
    try:
        click.echo(accounts.new_token(name, label))
    finally:
        accounts.close()
