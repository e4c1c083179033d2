"""The tenant boundary is visible in one place (issue 10): only platform_core.tenancy resolves a
tenant or switches the connection's schema. The exceptions are named: health answers before
host routing and sits below the platform layer; onboarding's schema DDL (tenants.models,
tenants.schema_clone); the log filter reads the schema name for every line."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ["platform_core", "health", "tenants", "offices", "scheduling", "videoconf", "billing"]
ALLOWED = {
    "platform_core/tenancy.py",
    "platform_core/logging.py",
    "health/selectors.py",
    "tenants/models.py",
    "tenants/schema_clone.py",
}
PATTERN = re.compile(
    r"\.set_tenant\(|\.set_schema_to_public\(|connection\.schema_name|connection\.tenant\b"
    r"|django_tenants\.utils import .*(schema_context|tenant_context|get_tenant_model)"
)


def test_only_the_tenancy_module_switches_schemas():
    offenders = []
    for app in PRODUCT:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel or rel in ALLOWED:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if PATTERN.search(line):
                    offenders.append(f"{rel}:{number}: {line.strip()}")
    assert offenders == [], "use platform_core.tenancy:\n" + "\n".join(offenders)
