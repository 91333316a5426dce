"""The grammar of the modules a handler imports, at the runtime's Python, on real sources."""

from __future__ import annotations

import sys

import pytest

from checker.packages.python_imports import check_grammar
from checker.packages.tree import Tree
from tests.build.zips import File
from tests.unit.packages.conftest import Read

MATCH = b"def f(x):\n    match x:\n        case 1:\n            return 1\n"


def test_a_local_module_with_match_fails_on_3_9(read: Read) -> None:
    tree = Tree(read([File("app.py", b"import util\n\ndef handler(e, c):\n    return 1\n"),
                      File("util.py", MATCH), File("unused.py", MATCH)]))
    report = check_grammar(tree, "app", (3, 9))
    assert report.checked == ("/var/task/app.py", "/var/task/util.py")
    # the host's feature_version check reports the end of the match statement (line 4) and
    # names the feature; Python 3.9 itself says "invalid syntax" at line 2
    assert [(e.path, e.line, e.imported_by) for e in report.errors] == [
        ("/var/task/util.py", 4, "app")]
    assert report.errors[0].message == ("SyntaxError: Pattern matching is only supported in "
                                        "Python 3.10 and greater (util.py, line 4)")
    assert check_grammar(tree, "app", (3, 10)).errors == ()


def test_relative_imports_packages_and_from_imports(read: Read) -> None:
    tree = Tree(read([
        File("app.py", b"from pkg import sub\n"),
        File("pkg/__init__.py", b"from .inner import thing\n"),
        File("pkg/sub.py", b"from . import helper\nfrom ..nowhere import x\n"),
        File("pkg/inner/__init__.py", b"thing = 1\n"),
        File("pkg/helper.py", b"if (y := 1):\n    pass\n"),
    ]))
    report = check_grammar(tree, "app", (3, 9))
    assert set(report.checked) == {"/var/task/app.py", "/var/task/pkg/__init__.py",
                                   "/var/task/pkg/sub.py", "/var/task/pkg/inner/__init__.py",
                                   "/var/task/pkg/helper.py"}
    assert report.errors == ()
    assert [e.module for e in check_grammar(tree, "app", (3, 7)).errors] == ["pkg.helper"]


def test_guarded_imports_are_not_followed(read: Read) -> None:
    tree = Tree(read([
        File("app.py", b"import sys\nif sys.version_info >= (3, 10):\n    import new\n"
                       b"from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import new\n"),
        File("new.py", MATCH)]))
    assert check_grammar(tree, "app", (3, 9)).checked == ("/var/task/app.py",)


def test_site_packages_of_a_layer(read: Read) -> None:
    from checker.facts import ArtifactRole
    layer = read([File("python/lib/python3.9/site-packages/dep.py", MATCH)], ArtifactRole.LAYER)
    tree = Tree(read([File("app.py", b"import dep\n")]), [layer])
    assert [e.path for e in check_grammar(tree, "app", (3, 9)).errors] == [
        "/opt/python/lib/python3.9/site-packages/dep.py"]


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="the host parses PEP 695 itself")
def test_grammar_newer_than_this_python_is_undecided_not_an_error(read: Read) -> None:
    tree = Tree(read([File("app.py", b"type Alias = int\n")]))
    report = check_grammar(tree, "app", (3, 12))
    assert report.errors == ()
    assert [u.path for u in report.undecided] == ["/var/task/app.py"]
    # for a target no newer than this Python, the same failure is an error
    older = min((3, 11), (sys.version_info[0], sys.version_info[1]))
    assert len(check_grammar(tree, "app", older).errors) == 1
