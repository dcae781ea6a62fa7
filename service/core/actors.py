"""Who acts: passed to every operation (operations never read the login session)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    kind: str  # user / client / cli / system / import
    id: int | None = None
    name: str = ""
    authority_id: int | None = None
    role: str | None = None

    @classmethod
    def user(cls, user) -> Actor:
        return cls("user", user.id, user.username, user.authority_id, user.role)

    @classmethod
    def client(cls, client) -> Actor:
        return cls("client", client.id, client.name, client.authority_id)

    @classmethod
    def cli(cls, name: str = "cli") -> Actor:
        return cls("cli", None, name)

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls("system", None, name)

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}" if self.id is not None else f"{self.kind}:{self.name}"
