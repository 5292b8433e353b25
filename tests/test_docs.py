"""The documentation's build-time blocks (docs/_ext/derived.py).

The derivation pages hold no typed equations: a ``{derived}`` block is
replaced, when Sphinx reads the page, by ``sympy.latex`` of a ``derive_*``
function of the symbolic core. These tests expand pages with the extension's
own Python function (no Sphinx needed) and check that the equations are the
core's, that they follow the core when it changes, and that a wrong target
stops the build. Only the full Sphinx build needs Sphinx.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import sympy as sp

import theory.rem
from theory.paper import derive_fixed_point
from theory.rem import derive_isotropic_collapse_time, derive_phi_kl, derive_phi_log_weights

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _load_extension():
    spec = importlib.util.spec_from_file_location("lostdim_docs_derived", DOCS / "_ext" / "derived.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


derived = _load_extension()


def _math_blocks(text: str) -> list:
    """Bodies of the ``{math}`` blocks of an expanded page, without options."""
    blocks = re.findall(r"```\{math\}\n(.*?)\n```", text, flags=re.S)
    return ["\n".join(line for line in block.splitlines() if not line.startswith(":"))
            for block in blocks]


def test_rem_page_equations_are_the_cores_latex():
    source = (DOCS / "derivations" / "rem-joint.md").read_text(encoding="utf-8")
    assert "{derived}" in source and "\\frac" not in source  # nothing typed by hand
    equations = _math_blocks(derived.expand_source(source))
    assert f"\\varphi_{{\\mathrm{{(a)}}}} = {sp.latex(derive_phi_log_weights())}" in equations
    assert f"\\varphi_{{\\mathrm{{(b)}}}} = {sp.latex(derive_phi_kl())}" in equations
    assert f"t_C^{{\\mathrm{{VE}}}} = {sp.latex(derive_isotropic_collapse_time('ve'))}" in equations
    assert f"t_C^{{\\mathrm{{VP}}}} = {sp.latex(derive_isotropic_collapse_time('vp'))}" in equations


def test_block_options_args_item_subs_lhs_label():
    page = "\n".join([
        "```{derived} theory.paper.derive_fixed_point",
        ":subs: g=0",
        ":lhs: t^*",
        ":label: eq-star",
        "```",
        "  ```{derived} theory.gaussian.derive_posterior",
        "  :item: 1",
        "  ```",
    ])
    from theory import symbols as sy
    from theory.gaussian import derive_posterior

    expanded = derived.expand_source(page)
    assert ":label: eq-star" in expanded
    assert f"t^* = {sp.latex(derive_fixed_point().subs(sy.g, 0))}" in expanded
    assert f"  {sp.latex(derive_posterior()[1])}" in expanded.splitlines()  # indent kept
    assert derived.derived_latex("theory.gaussian.derive_jacobian_eigenvalue", '"vp"') == sp.latex(
        theory.gaussian.derive_jacobian_eigenvalue("vp"))


def test_page_changes_when_the_core_changes(monkeypatch):
    page = "```{derived} theory.rem.derive_phi_kl\n:lhs: \\varphi\n```\n"
    before = derived.expand_source(page)
    changed = sp.Symbol("kappa") ** 3
    monkeypatch.setattr(theory.rem, "derive_phi_kl", lambda: changed)
    after = derived.expand_source(page)
    assert after != before
    assert _math_blocks(after) == [f"\\varphi = {sp.latex(changed)}"]


@pytest.mark.parametrize("target, message", [
    ("theory.rem.derive_no_such_thing", "unknown derive function 'theory.rem.derive_no_such_thing'"),
    ("theory.no_such_module.derive_phi", "cannot import 'theory.no_such_module'"),
    ("theory.rem.collapse_time", "must look like theory.<module>.derive_<name>"),
    ("numpy.derive_x", "must look like theory.<module>.derive_<name>"),
])
def test_unknown_derive_function_fails_loudly(target, message):
    with pytest.raises(derived.DerivedError, match=re.escape(message)):
        derived.expand_source(f"# page\n\n```{{derived}} {target}\n```\n")


@pytest.mark.parametrize("page, message", [
    ("```{derived} theory.rem.derive_phi\n:colour: red\n```", "unknown option"),
    ("```{derived} theory.rem.derive_phi\n", "unclosed {derived} block"),
    ("```{derived} theory.rem.derive_phi\n:item: 3\n```", ":item: '3' does not index"),
    ("```{derived} theory.paper.derive_fixed_point\n:subs: nosuch=0\n```", ":subs: entries"),
    ("```{derived} theory.rem.derive_isotropic_collapse_time\n:args: \"ddpm\"\n```", "failed"),
    ("```{evaluated}\n1 / 0\n```", "ZeroDivisionError"),
    ("```{lostdim} nosuchcommand\n```", "unknown lostdim subcommand"),
])
def test_malformed_blocks_fail_loudly(page, message):
    with pytest.raises(derived.DerivedError, match=re.escape(message)):
        derived.expand_source(page)


def test_evaluated_block_shows_real_output():
    expanded = derived.expand_source("```{evaluated}\nx = 2 + 3\nx * 2\nprint('hi')\n```\n")
    assert expanded == "```pycon\n>>> x = 2 + 3\n>>> x * 2\n10\n>>> print('hi')\nhi\n```\n"


def test_cli_help_lists_registered_and_missing_subcommands(monkeypatch):
    import numerics.cli

    text = derived.cli_help_markdown()
    assert "## `lostdim theory --help`" in text and "--variances SPEC" in text
    monkeypatch.setattr(numerics.cli, "COMMAND_MODULES",
                        tuple(numerics.cli.COMMAND_MODULES) + ("not_written_yet_cmd",))
    parser, missing = derived.build_cli_parser()
    assert missing == ["not_written_yet_cmd"]
    assert "theory" in derived._subcommands(parser)
    assert "`lostdim not_written_yet` is listed by the command line but not part" in (
        derived.cli_help_markdown())


def test_lostdim_block_runs_the_command():
    expanded = derived.expand_source("```{lostdim} theory --variances 1:20 --n 1000 --json\n```\n")
    assert "$ lostdim theory --variances 1:20 --n 1000 --json" in expanded
    assert '"collapse_time": 1.00476' in expanded


@pytest.mark.parametrize("page", sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")
                                        if "_build" not in p.parts))
def test_every_page_expands(page):
    # Runs each page's build-time code (worked examples, commands, small
    # simulations) without Sphinx, so an API change that breaks a page fails here.
    source = (DOCS / page).read_text(encoding="utf-8")
    expanded = derived.expand_source(source)
    # every build-time block was replaced by its output
    for directive in ("{derived}", "{evaluated}", "{lostdim}", "{lostdim-help}"):
        assert f"```{directive}" not in expanded, (page, directive)
    assert expanded.strip()

