"""Build-time generated content for the documentation (a small Sphinx extension).

Narrative pages never contain a derived equation, a computed number or a
command's output typed by hand. They hold *blocks* that this module expands
when Sphinx reads the page (``source-read`` event), so a page cannot drift
from the code:

``{derived}``
    An equation from the symbolic core: ``sympy.latex`` of a ``derive_*``
    function of :mod:`theory`, called at build time::

        ```{derived} theory.rem.derive_phi_kl
        :lhs: \\varphi
        :args: "vp"
        :subs: g=0
        :item: 1
        :label: eq-phi-kl
        ```

    ``args`` are Python literals passed to the function; ``item`` picks one
    element of a tuple result; ``subs`` substitutes values for symbols of
    :mod:`theory.symbols` (by their Python name); ``lhs`` is a LaTeX left-hand
    side (omitted for relations).

``{evaluated}``
    Python statements executed at build time and shown as an interactive
    session with their real output (a page's blocks share one namespace).

``{lostdim}``
    A ``lostdim`` command run in-process at build time; its stdout (JSON is
    pretty-printed) is shown under the command.

``{lostdim-help}``
    The ``--help`` text of ``lostdim`` and of every registered subcommand.

Everything here is plain Python (no Sphinx import at module level) so that the
tests can expand a page without Sphinx. Errors are loud: an unknown target, a
failing statement or a failing command raises :class:`DerivedError`, which
stops the build.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import io
import json
import os
import re
import shlex
import traceback

__all__ = [
    "DerivedError", "resolve", "derived_latex", "expand_source", "build_cli_parser",
    "cli_help_markdown", "run_lostdim", "pretty_json", "setup",
]

BLOCK_NAMES = ("derived", "evaluated", "lostdim", "lostdim-help")
_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\{(?P<name>[a-z-]+)\}[ \t]*(?P<arg>.*?)\s*$")
_OPTION = re.compile(r"^:(?P<key>[a-z-]+):[ \t]*(?P<value>.*?)\s*$")
_DERIVED_OPTIONS = {"lhs", "args", "subs", "item", "label"}


class DerivedError(RuntimeError):
    """A block of a documentation page could not be expanded."""


# -- {derived}: equations from the symbolic core --------------------------------
def resolve(target: str):
    """Return the ``derive_*`` function named by a dotted path under :mod:`theory`.

    Raises
    ------
    DerivedError
        If the path is not ``theory.<module>.derive_<name>``, the module does
        not import, or the function does not exist or is not callable.
    """
    module_name, _, func_name = str(target).strip().rpartition(".")
    if not module_name.startswith("theory") or not func_name.startswith("derive_"):
        raise DerivedError(
            f"derived target must look like theory.<module>.derive_<name>, got {target!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise DerivedError(f"cannot import {module_name!r} for derived target {target!r}: {exc}") from exc
    func = getattr(module, func_name, None)
    if func is None or not callable(func):
        available = sorted(n for n in dir(module) if n.startswith("derive_"))
        raise DerivedError(
            f"unknown derive function {target!r}; {module_name} offers {available}")
    return func


def _parse_call_args(text: str):
    text = (text or "").strip()
    if not text:
        return (), {}
    try:
        call = ast.parse(f"f({text})", mode="eval").body
        args = tuple(ast.literal_eval(a) for a in call.args)
        kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    except (SyntaxError, ValueError) as exc:
        raise DerivedError(f":args: must be Python literals such as \"vp\", got {text!r}") from exc
    return args, kwargs


def _parse_subs(text: str) -> dict:
    import sympy as sp

    from theory import symbols

    subs = {}
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        name, sep, value = item.partition("=")
        symbol = getattr(symbols, name.strip(), None)
        if not sep or not isinstance(symbol, sp.Symbol):
            raise DerivedError(
                f":subs: entries must be <symbol>=<value> with a symbol of theory.symbols, got {item!r}")
        subs[symbol] = sp.sympify(value.strip())
    return subs


def derived_expr(target: str, args: str = "", subs: str = "", item: str = ""):
    """The SymPy object a ``{derived}`` block shows (before ``sympy.latex``)."""
    func = resolve(target)
    call_args, call_kwargs = _parse_call_args(args)
    try:
        expr = func(*call_args, **call_kwargs)
    except Exception as exc:
        raise DerivedError(f"{target}({args}) failed: {exc!r}") from exc
    if str(item).strip():
        try:
            expr = expr[int(item)]
        except (TypeError, ValueError, IndexError) as exc:
            raise DerivedError(f":item: {item!r} does not index the result of {target}") from exc
    if subs:
        expr = expr.subs(_parse_subs(subs))
    return expr


def derived_latex(target: str, args: str = "", subs: str = "", item: str = "") -> str:
    """``sympy.latex`` of the core's expression named ``target``.

    Examples
    --------
    >>> derived_latex("theory.processes.derive_time_map")
    'e^{2 t} - 1'
    """
    import sympy as sp

    return sp.latex(derived_expr(target, args, subs, item))


def _expand_derived(arg: str, options: dict) -> str:
    unknown = set(options) - _DERIVED_OPTIONS
    if unknown:
        raise DerivedError(f"unknown option(s) {sorted(unknown)} in derived block {arg!r}")
    latex = derived_latex(arg, options.get("args", ""), options.get("subs", ""),
                          options.get("item", ""))
    lhs = options.get("lhs", "").strip()
    body = f"{lhs} = {latex}" if lhs else latex
    label = f":label: {options['label']}\n" if options.get("label") else ""
    return f"```{{math}}\n{label}{body}\n```"


# -- {evaluated}: statements run at build time ---------------------------------
def _run_statements(code: str, namespace: dict) -> str:
    """Run ``code`` statement by statement; return a doctest-looking transcript."""
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise DerivedError(f"syntax error in evaluated block: {exc}\n{code}") from exc
    lines = code.splitlines()
    transcript = []
    for stmt in tree.body:
        source = "\n".join(lines[stmt.lineno - 1:stmt.end_lineno])
        shown = source.splitlines()
        transcript.append(">>> " + shown[0])
        transcript.extend("... " + line for line in shown[1:])
        if len(shown) > 1:
            transcript.append("...")
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                if isinstance(stmt, ast.Expr):
                    value = eval(compile(ast.Expression(stmt.value), "<docs>", "eval"), namespace)
                    if value is not None:
                        print(repr(value))
                else:
                    exec(compile(ast.Module([stmt], []), "<docs>", "exec"), namespace)
        except Exception as exc:
            raise DerivedError(
                f"evaluated block failed at {source!r}:\n{traceback.format_exc()}") from exc
        text = out.getvalue().rstrip("\n")
        if text:
            transcript.append(text)
    return "\n".join(transcript)


# -- {lostdim}: the command line at build time ---------------------------------
def build_cli_parser():
    """The ``lostdim`` parser and the subcommand modules not (yet) in this build.

    Uses :func:`numerics.cli.build_parser`; if one of its subcommand modules
    does not exist yet, builds the same parser from the modules that do and
    reports the others, so the documentation builds while the command line is
    being completed.

    Returns
    -------
    (argparse.ArgumentParser, list of str)
    """
    cli = importlib.import_module("numerics.cli")
    try:
        return cli.build_parser(), []
    except ModuleNotFoundError as exc:
        if not str(exc.name or "").startswith("numerics.cli."):
            raise
    from numerics.cli.common import CliParser

    parser = CliParser(prog="lostdim", description=None)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    missing = []
    for name in cli.COMMAND_MODULES:
        try:
            module = importlib.import_module(f"numerics.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"numerics.cli.{name}":
                raise
            missing.append(name)
            continue
        module.register(subparsers)
    return parser, missing


def _subcommands(parser) -> dict:
    import argparse

    for action in parser._actions:  # argparse keeps subparsers only here
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _missing_commands(missing) -> list:
    return [m[:-len("_cmd")] if m.endswith("_cmd") else m for m in missing]


def run_lostdim(argv) -> str:
    """Run ``lostdim argv`` in-process and return its stdout.

    Raises
    ------
    DerivedError
        If the command exits with a non-zero status or raises.
    """
    parser, _ = build_cli_parser()
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(list(argv))
            status = int(args.run(args) or 0)
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    except Exception as exc:
        raise DerivedError(f"lostdim {shlex.join(argv)} raised:\n{traceback.format_exc()}") from exc
    if status != 0:
        raise DerivedError(f"lostdim {shlex.join(argv)} exited with status {status}: {err.getvalue()}")
    return out.getvalue()


def _expand_lostdim(arg: str) -> str:
    argv = shlex.split(arg)
    if not argv:
        raise DerivedError("a lostdim block needs a subcommand, e.g. {lostdim} theory --json")
    parser, missing = build_cli_parser()
    command = f"$ lostdim {shlex.join(argv)}"
    if argv[0] in _missing_commands(missing):
        return (f"```console\n{command}\n```\n\n"
                f":::{{note}}\n`lostdim {argv[0]}` is not part of this build yet; its output "
                "will appear here, generated at build time, once it is.\n:::")
    if argv[0] not in _subcommands(parser):
        raise DerivedError(f"unknown lostdim subcommand {argv[0]!r} in a lostdim block")
    output = _with_columns(lambda: run_lostdim(argv)).rstrip("\n")
    if "--json" in argv:
        output = pretty_json(json.loads(output))
        return f"```console\n{command}\n```\n\n```json\n{output}\n```"
    return f"```console\n{command}\n{output}\n```"


def pretty_json(obj, indent: int = 0) -> str:
    """JSON indented by 2, but with lists of numbers or strings on one line.

    >>> print(pretty_json({"times": [1.0, 0.1], "sub": [{"dim": 2}]}))
    {
      "times": [1.0, 0.1],
      "sub": [
        {
          "dim": 2
        }
      ]
    }
    """
    pad, inner = " " * indent, " " * (indent + 2)
    if isinstance(obj, dict) and obj:
        items = [f"{inner}{json.dumps(k)}: {pretty_json(v, indent + 2)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(obj, list) and any(isinstance(v, (dict, list)) for v in obj):
        items = [f"{inner}{pretty_json(v, indent + 2)}" for v in obj]
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    return json.dumps(obj)


def _with_columns(func):
    # argparse wraps help text to $COLUMNS: fix it so the pages are reproducible
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "88"
    try:
        return func()
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous


def cli_help_markdown(level: int = 2) -> str:
    """Markdown with the ``--help`` text of ``lostdim`` and each subcommand."""
    parser, missing = build_cli_parser()
    hashes = "#" * level
    parts = [f"{hashes} `lostdim --help`\n\n```text\n{_with_columns(parser.format_help).rstrip()}\n```"]
    for name, sub in _subcommands(parser).items():
        text = _with_columns(sub.format_help).rstrip()
        parts.append(f"{hashes} `lostdim {name} --help`\n\n```text\n{text}\n```")
    for name in _missing_commands(missing):
        parts.append(f"{hashes} `lostdim {name} --help`\n\n:::{{note}}\n`lostdim {name}` is listed by "
                     "the command line but not part of this build yet; its `--help` text "
                     "will appear here, generated at build time, once it is.\n:::")
    return "\n\n".join(parts)


# -- page expansion --------------------------------------------------------------
def expand_source(text: str, namespace: dict | None = None) -> str:
    """Expand every build-time block of a MyST page's source.

    Parameters
    ----------
    text : str
        The page's source.
    namespace : dict, optional
        Globals shared by the page's ``{evaluated}`` blocks (a fresh one by
        default).

    Returns
    -------
    str
        The source with each block replaced by plain MyST (math, code, notes).

    Raises
    ------
    DerivedError
        On an unknown block, option or derive function, or a failing statement
        or command. Unclosed blocks are errors too.
    """
    namespace = {"__name__": "__docs__"} if namespace is None else namespace
    lines = text.splitlines()
    result = []
    i = 0
    while i < len(lines):
        match = _OPEN.match(lines[i])
        if not match or match["name"] not in BLOCK_NAMES:
            result.append(lines[i])
            i += 1
            continue
        indent, fence, name, arg = match["indent"], match["fence"], match["name"], match["arg"]
        end = i + 1
        while end < len(lines) and lines[end].strip() != fence:
            end += 1
        if end == len(lines):
            raise DerivedError(f"unclosed {{{name}}} block opened at line {i + 1}")
        body = [line[len(indent):] if line.startswith(indent) else line.lstrip()
                for line in lines[i + 1:end]]
        options = {}
        while body and _OPTION.match(body[0]) and name == "derived":
            option = _OPTION.match(body.pop(0))
            options[option["key"]] = option["value"]
        if name == "derived":
            if any(line.strip() for line in body):
                raise DerivedError(f"derived block {arg!r} takes options only, got {body!r}")
            expanded = _expand_derived(arg, options)
        elif name == "evaluated":
            transcript = _run_statements("\n".join(body), namespace)
            expanded = f"```pycon\n{transcript}\n```"
        elif name == "lostdim":
            expanded = _expand_lostdim(arg)
        else:
            expanded = cli_help_markdown(int(arg) if arg else 2)
        result.extend((indent + line) if line else line for line in expanded.splitlines())
        i = end + 1
    return "\n".join(result) + ("\n" if text.endswith("\n") else "")


# -- Sphinx glue -------------------------------------------------------------------
def _on_source_read(app, docname, source):
    if not any(f"{{{name}}}" in source[0] for name in BLOCK_NAMES):
        return
    try:
        source[0] = expand_source(source[0])
    except DerivedError as exc:
        from sphinx.errors import ExtensionError

        raise ExtensionError(f"{docname}: {exc}") from exc


def setup(app):
    """Register the ``source-read`` hook that expands the blocks."""
    app.connect("source-read", _on_source_read)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
