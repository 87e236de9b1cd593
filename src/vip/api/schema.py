"""How the token authentication appears in the OpenAPI schema (imported by vip.api.urls, beside
the schema's view, so that commands which never make a schema do not load drf-spectacular)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "vip.accounts.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "A token issued with `vip token create`."}


def no_null_characters(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Text fields refuse NUL characters (PostgreSQL cannot store them): say so in the schema."""

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "string" and not {"format", "enum", "pattern"} & set(node):
                # Surrounding spaces are trimmed, so a required text needs one non-space character.
                required = node.get("minLength", 0) >= 1
                node["pattern"] = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$" if required else "^[^\\u0000]*$"
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result.get("components", {}).get("schemas", {}))
    return result
