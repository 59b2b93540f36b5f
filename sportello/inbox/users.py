"""Staff accounts from the command line: ``python -m sportello.inbox.users``.

create-admin NAME        the first administrator (password asked twice)
add NAME --role ROLE     another account (operator, supervisor, administrator)
ensure-admin             on the embedded default: if there is no account yet, creates
                         "admin" with a random password, kept in var/secrets/inbox_admin
                         (``make run`` calls this and prints how to log in)
list                     the accounts
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import List, Optional

from sportello.inbox.store import ROLES, InboxStore, database_url
from sportello.runtime import load_secret


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password (at least 12 characters): ")
    if getpass.getpass("Again: ") != first:
        raise ValueError("the two passwords differ")
    return first


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the command; returns the exit code."""
    parser = argparse.ArgumentParser(description="Staff accounts of the Sportello inbox.")
    commands = parser.add_subparsers(dest="command", required=True)
    admin = commands.add_parser("create-admin")
    admin.add_argument("name")
    admin.add_argument("--password-stdin", action="store_true")
    add = commands.add_parser("add")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, default="operator")
    add.add_argument("--password-stdin", action="store_true")
    commands.add_parser("ensure-admin")
    commands.add_parser("list")
    args = parser.parse_args(argv)
    store = InboxStore(database_url())
    try:
        if args.command == "list":
            for user in store.users():
                print(f"{user.username}\t{user.role}\t{'active' if user.active else 'disabled'}")
        elif args.command == "ensure-admin":
            if not store.users():
                store.create_user("admin", load_secret("inbox_admin"), "administrator")
                store.audit("system", "create_user", "admin", "administrator (first start)")
            print("admin")
        else:
            role = "administrator" if args.command == "create-admin" else args.role
            user = store.create_user(args.name, _password(args), role)
            store.audit("system", "create_user", user.username, role)
            print(f"created {user.username} ({user.role})")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
