"""The hash chain on the command line: ``verify``/``audit verify`` with ``--chain`` or
``--heads``, ``heads verify`` (any export: rounds, journal, provider lines), ``journal
export`` and ``provider export``, and ``heads keygen``, ``heads sign``, ``heads public-key``
for operators."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from casino_core._bounds import bounded_lines
from casino_core.chain import (
    ChainHead,
    ChainVerifier,
    HeadSigner,
    sign_heads,
    verify_signed_heads,
)
from casino_core.cli._args import input_file
from casino_core.errors import ConfigurationError, InvalidInput

__all__ = ["add_chain_arguments", "chain_check", "check_chain_arguments", "register"]

_SHOW = 20
_MAX_KEY_FILE = 4096
_MAX_HEADS_FILE = 1 << 30  # bytes; the document itself is bounded by MAX_HEADS_TEXT


def add_chain_arguments(parser: argparse.ArgumentParser) -> None:
    """``--chain``, ``--heads FILE``, ``--public-key KEY`` and ``--pending FILE``."""
    group = parser.add_argument_group("hash chain (docs/auditors.md)")
    group.add_argument(
        "--chain", action="store_true", help="also recompute every player's hash chain"
    )
    group.add_argument(
        "--heads",
        action="append",
        default=[],
        type=input_file,
        metavar="FILE",
        help="signed chain heads the export must reach (repeatable; implies --chain)",
    )
    group.add_argument(
        "--public-key", metavar="KEY", help="the operator's heads key: base64, or a file holding it"
    )
    group.add_argument(
        "--pending",
        action="append",
        default=[],
        type=input_file,
        metavar="FILE",
        help="pending rounds (not yet revealed) that belong to the chain (repeatable)",
    )


def _read(path: str, limit: int, what: str) -> str:
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InvalidInput(f"cannot read {what} {path}: {exc.strerror}") from None
    if len(data) > limit:
        raise InvalidInput(f"{what} {path}: larger than {limit:,} bytes")
    try:
        return data.decode()
    except UnicodeDecodeError:
        raise InvalidInput(f"{what} {path}: not UTF-8 text") from None


def _public_key(text: str | None) -> str:
    if not text:
        raise InvalidInput("--heads needs --public-key (the operator's heads key)")
    if Path(text).is_file():
        return _read(text, _MAX_KEY_FILE, "public key file").strip()
    return text.strip()


def _signed_heads(args: argparse.Namespace) -> list[ChainHead]:
    if not args.heads:
        return []
    key = _public_key(args.public_key)
    heads: list[ChainHead] = []
    for path in args.heads:
        heads.extend(verify_signed_heads(_read(path, _MAX_HEADS_FILE, "heads file"), key).heads)
    return heads


def check_chain_arguments(args: argparse.Namespace, files: list[str]) -> list[ChainHead]:
    """Before anything is read: refuse stdin for a chain check, verify the signed heads
    (a forged heads file, or one without ``--public-key``, fails here); their heads."""
    if not (args.chain or args.heads):
        return []
    if "-" in files:
        raise InvalidInput("the chain check reads files, not stdin")
    return _signed_heads(args)


def chain_check(args: argparse.Namespace, files: list[str], heads: list[ChainHead]) -> int | None:
    """Run the chain check the arguments ask for over ``files`` (and ``--pending``) against
    ``heads`` (:func:`check_chain_arguments`); print it; return 0 (chains intact, heads
    reached) or 1 (findings), None if not asked for."""
    if not (args.chain or args.heads):
        return None
    verifier = ChainVerifier()
    for path in [*files, *args.pending]:
        try:
            with open(path, "rb") as stream:
                for number, line in enumerate(bounded_lines(stream), 1):
                    verifier.add(number, line, path)
        except OSError as exc:
            raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    report = verifier.report(heads)
    if getattr(args, "json", False):
        print(json.dumps({"chain": report.as_dict()}, sort_keys=True))
    else:
        state = "intact" if report.ok else "BROKEN"
        print(
            f"chain {state}: {report.links} links in {len(report.heads)} chains, "
            f"{report.heads_checked} signed heads checked, {len(report.findings)} findings"
        )
        for finding in report.findings[:_SHOW]:
            print(f"  {finding}")
    return 0 if report.ok else 1


def _keygen(args: argparse.Namespace) -> int:
    signer = HeadSigner.generate(args.key_id)
    out = Path(args.out)
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise InvalidInput(f"{out} exists: a heads key is never overwritten") from None
    except OSError as exc:
        raise InvalidInput(f"cannot write {out}: {exc.strerror}") from None
    with os.fdopen(fd, "w") as handle:
        handle.write(signer.to_json() + "\n")
    print(signer.public_key())
    return 0


def _signer(path: str) -> HeadSigner:
    try:
        return HeadSigner.from_json(_read(path, _MAX_KEY_FILE, "heads key file"))
    except InvalidInput as exc:
        raise ConfigurationError(exc.message) from None


def _public(args: argparse.Namespace) -> int:
    print(_signer(args.key).public_key())
    return 0


def _sql_wallet(args: argparse.Namespace) -> Any:
    from casino_core.cli._args import existing_sqlite
    from casino_core.wallet.sql import SqlWallet, make_engine

    existing_sqlite(args.url, f"casino-core {args.command}")
    return SqlWallet(make_engine(args.url), schema=args.schema)


def _chain_heads(args: argparse.Namespace) -> list[ChainHead]:
    """The heads of the chains ``args.chain`` names, read from the SQL database."""
    wallet = _sql_wallet(args)
    try:
        if args.chain == "journal":
            heads: list[ChainHead] = wallet.journal_heads(args.operator)
            return heads
        if args.chain == "provider":
            from casino_core.provider.sql import SqlProviderStore

            return SqlProviderStore(wallet).chain_heads(args.operator)
        from casino_core.casino.sql import SqlCasinoStore

        return SqlCasinoStore(wallet).chain_heads(args.operator)
    finally:
        wallet.close()


def _sign(args: argparse.Namespace) -> int:
    signer = _signer(args.key)
    heads = _chain_heads(args)
    document = json.dumps(
        sign_heads(args.operator, heads, signer, chain=args.chain), sort_keys=True
    )
    if args.out:
        Path(args.out).write_text(document + "\n")
        print(f"signed {len(heads)} {args.chain} heads of {args.operator} with key {signer.key_id}")
    else:
        sys.stdout.write(document + "\n")
    return 0


def _export(args: argparse.Namespace) -> int:
    """Write the operator's journal or provider lines (JSON Lines) to --out or stdout, line
    by line as they are read (the journal in keyset pages: memory does not grow with it).
    --out is written beside the target and renamed at the end: a failed export leaves no
    partial file."""
    wallet = _sql_wallet(args)
    try:
        if args.what == "journal":
            lines: Iterable[str] = wallet.iter_journal_lines(args.operator)
        else:
            from casino_core.provider.sql import SqlProviderStore

            lines = SqlProviderStore(wallet).transaction_lines(args.operator)
        if not args.out:
            for line in lines:
                sys.stdout.write(line + "\n")
            return 0
        tmp = f"{args.out}.tmp"
        try:
            with open(tmp, "w", encoding="utf-8", newline="\n") as out:
                count = 0
                for line in lines:
                    out.write(line + "\n")
                    count += 1
            os.replace(tmp, args.out)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    finally:
        wallet.close()
    print(f"exported {count} {args.what} lines of {args.operator}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    args.chain, args.pending = True, []
    heads = check_chain_arguments(args, list(args.files))
    code = chain_check(args, list(args.files), heads)
    return 1 if code is None else code


def _url_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", help="the database URL (sqlite:///path.db, postgresql...)")
    parser.add_argument("--operator", required=True, help="the operator id")
    parser.add_argument("--schema", help="the PostgreSQL schema")


def register(sub: Any) -> None:
    """Add the ``heads`` command group."""
    heads = sub.add_parser("heads", help="signed chain heads (operators)")
    heads_sub = heads.add_subparsers(dest="heads_command", required=True, metavar="COMMAND")
    keygen = heads_sub.add_parser(
        "keygen", help="write a new Ed25519 heads key (mode 0600) and print its public key"
    )
    keygen.add_argument("--out", required=True, help="the key file to create (never replaced)")
    keygen.add_argument("--key-id", default="default", help="the key id signatures name")
    keygen.set_defaults(func=_keygen)

    public = heads_sub.add_parser("public-key", help="print the public key of a heads key")
    public.add_argument("--key", required=True, help="the key file")
    public.set_defaults(func=_public)

    sign = heads_sub.add_parser(
        "sign", help="sign the chain heads of an operator, read from a SQL casino database"
    )
    _url_arguments(sign)
    sign.add_argument(
        "--chain",
        choices=("rounds", "journal", "provider"),
        default="rounds",
        help="the chains to sign: rounds and crash bets (default), journal or provider",
    )
    sign.add_argument("--key", required=True, help="the heads key file (heads keygen)")
    sign.add_argument("--out", help="write the signed document here (default: stdout)")
    sign.set_defaults(func=_sign)

    for what, about in (
        ("journal", "journal transactions"),
        ("provider", "provider transactions"),
    ):
        group = sub.add_parser(what, help=f"{about}: export for auditors")
        group_sub = group.add_subparsers(dest=f"{what}_command", required=True, metavar="COMMAND")
        export = group_sub.add_parser(
            "export", help=f"write an operator's {about} as hash-chained JSON Lines"
        )
        _url_arguments(export)
        export.add_argument("--out", help="the file to write (default: stdout)")
        export.set_defaults(func=_export, what=what)

    verify = heads_sub.add_parser(
        "verify",
        help="recompute the hash chains of export files (rounds, journal or provider lines) "
        "and check them against signed heads; exit 0 intact, 1 broken",
    )
    verify.add_argument("files", nargs="+", type=input_file, help="JSON Lines exports")
    verify.add_argument(
        "--heads",
        action="append",
        default=[],
        type=input_file,
        metavar="FILE",
        help="signed heads (repeatable)",
    )
    verify.add_argument("--public-key", metavar="KEY", help="the heads key: base64, or a file")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.set_defaults(func=_verify)
