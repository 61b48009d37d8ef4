"""Whose figures: the whole base, or one person's own accounts (docs/architecture.md, "Scope").

The overview's tiles, ``powerkam overview`` and the monthly report read their figures in a
:class:`Scope`, not for a user: the command line and the report ask for the whole base
(:meth:`Scope.whole_base`) without pretending to be anyone, and a person's scope is what their role
sees (:meth:`Scope.of_user`, docs/permissions.md): supervisors, planners, viewers and administrators
the whole base, a manager the accounts they manage, someone without a role nothing. Two people with
the same scope see the same figures, so what is kept for a scope (:attr:`Scope.key`) is shared.
"""

from __future__ import annotations

from dataclasses import dataclass

from powerkam.staff import permissions


@dataclass(frozen=True)
class Scope:
    #: which accounts (the kinds of docs/permissions.md)
    kind: permissions.Scope
    #: whose own accounts (``OWN_ACCOUNTS`` only)
    user_id: int | None = None

    def __post_init__(self) -> None:
        if (self.kind is permissions.Scope.OWN_ACCOUNTS) != (self.user_id is not None):
            raise ValueError("A scope of own accounts names whose, and only it does.")

    @classmethod
    def whole_base(cls) -> Scope:
        return cls(permissions.Scope.WHOLE_BASE)

    @classmethod
    def nothing(cls) -> Scope:
        return cls(permissions.Scope.NONE)

    @classmethod
    def own_accounts(cls, user_id: int) -> Scope:
        return cls(permissions.Scope.OWN_ACCOUNTS, user_id)

    @classmethod
    def of_user(cls, user: permissions.AnyUser | None) -> Scope:
        """What ``user``'s role sees (:func:`powerkam.staff.permissions.scope_of`)."""
        kind = permissions.scope_of(user)
        if kind is not permissions.Scope.OWN_ACCOUNTS:
            return cls(kind)
        pk = getattr(user, "pk", None)  # a manager is a saved, active user (scope_of)
        return cls.nothing() if pk is None else cls.own_accounts(int(pk))

    @property
    def is_whole_base(self) -> bool:
        return self.kind is permissions.Scope.WHOLE_BASE

    @property
    def is_nothing(self) -> bool:
        return self.kind is permissions.Scope.NONE

    @property
    def key(self) -> str:
        """This scope in a cache key: "all" for the whole base (shared by everyone who sees it),
        "user:ID" for someone's own accounts, "none"."""
        if self.kind is permissions.Scope.OWN_ACCOUNTS:
            return f"user:{self.user_id}"
        return "all" if self.is_whole_base else "none"


#: Whose view a selector reads: a person, or a scope (the overview's figures, the report).
Viewer = permissions.AnyUser | Scope


def scope_of(viewer: Viewer | None) -> Scope:
    """The scope of a person (:meth:`Scope.of_user`), or the scope itself."""
    return viewer if isinstance(viewer, Scope) else Scope.of_user(viewer)
