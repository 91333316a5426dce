"""The registry of static rules, in report order."""

from __future__ import annotations

from checker.rules.architecture import ArchitectureRule
from checker.rules.archive import ArchiveRule
from checker.rules.base import NotApplicable, Rule, RuleContext
from checker.rules.deprecation import DeprecationRule
from checker.rules.extensions import ExtensionsRule
from checker.rules.handler import HandlerRule
from checker.rules.image import ImageRule
from checker.rules.libc import LibcRule
from checker.rules.limits import LimitsRule
from checker.rules.native_format import NativeFormatRule
from checker.rules.needed import NeededLibrariesRule
from checker.rules.node_abi import NodeAbiRule
from checker.rules.node_handler import NodeHandlerRule
from checker.rules.permissions import PermissionsRule
from checker.rules.platform_binaries import PlatformBinariesRule
from checker.rules.python_abi import PythonAbiRule
from checker.rules.python_bytecode import PythonBytecodeRule
from checker.rules.python_grammar import PythonGrammarRule
from checker.rules.python_requires import PythonRequiresRule
from checker.rules.quotas import QuotasRule
from checker.rules.symbols import SymbolVersionsRule

ALL_RULES: tuple[Rule, ...] = (
    ArchiveRule(),
    QuotasRule(),
    LimitsRule(),
    ImageRule(),
    HandlerRule(),
    NodeHandlerRule(),
    PythonGrammarRule(),
    ExtensionsRule(),
    PermissionsRule(),
    ArchitectureRule(),
    LibcRule(),
    NativeFormatRule(),
    NeededLibrariesRule(),
    SymbolVersionsRule(),
    PlatformBinariesRule(),
    PythonAbiRule(),
    PythonRequiresRule(),
    PythonBytecodeRule(),
    NodeAbiRule(),
    DeprecationRule(),
)

__all__ = ["ALL_RULES", "NotApplicable", "Rule", "RuleContext"]
