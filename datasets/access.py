"""Who may see what: the roles (declared in ``roles.yaml``) and the scope of a signed-in user.

A :class:`Scope` says which regions and indicators a user may see and what they may do. The
web app activates the scope of the request's user (:func:`activated`) before any page code
runs, and :meth:`datasets.warehouse.Warehouse.query` passes every result through
:meth:`Scope.restrict`: rows of another region (``region_code``) or of an indicator outside the
scope (``indicator``) never leave the warehouse layer. Pages, exports and callbacks cannot get
around it by asking with another city's code: the rows are not there.

Outside a request (the command line, the pipeline, a job started with the full view) no scope
is active and nothing is filtered; the web app activates :data:`NO_ACCESS` first, so a request
that is not signed in sees nothing.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import polars as pl
from pydantic import Field

from datasets.regions import PROVINCE_CODE, region_table
from datasets.specs import SpecError, SpecModel, load_spec

ROLES_FILE = Path(__file__).with_name("roles.yaml")
Permission = Literal["read", "export", "upload", "admin"]
RoleId = Literal[
    "province_leader",
    "province_analyst",
    "city_user",
    "department_user",
    "data_admin",
    "system_admin",
]


class RoleError(SpecError):
    subject = ("角色", "roles")


class Role(SpecModel):
    """A role: what it is called, which regions and indicators it sees and what it may do."""

    name_zh: str = Field(min_length=1)
    description: str = Field(min_length=1)
    regions: Literal["all", "own_city"] = Field(
        description="all：全部地区；own_city：本市及所辖县（市、区），另加全省合计"
    )
    indicators: Literal["all", "own_unit"] = Field(
        "all", description="all：全部指标；own_unit：本单位为责任单位的指标"
    )
    can: tuple[Permission, ...] = Field(min_length=1)


class RolesFile(SpecModel):
    roles: dict[RoleId, Role]


@lru_cache(maxsize=1)
def load_roles(path: Path = ROLES_FILE) -> dict[str, Role]:
    """The roles of ``roles.yaml`` by id; raises :class:`RoleError`."""
    return dict(load_spec(RolesFile, path, RoleError).roles)


def role_label(role: str) -> str:
    found = load_roles().get(role)
    return found.name_zh if found else role


@dataclass(frozen=True)
class Scope:
    """What one user may see and do. ``regions``/``indicators`` None: all of them."""

    user: str
    role: str
    permissions: frozenset[str]
    regions: frozenset[str] | None = None
    indicators: frozenset[str] | None = None
    city: str | None = None
    unit: str | None = None
    all_indicators: frozenset[str] = frozenset()  # every indicator code, to recognise one

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def sees_region(self, code: str | None) -> bool:
        return self.regions is None or (code is not None and code in self.regions)

    def sees_indicator(self, code: str | None) -> bool:
        return self.indicators is None or (code is not None and code in self.indicators)

    @property
    def everything(self) -> bool:
        return self.regions is None and self.indicators is None

    def to_dict(self) -> dict:
        """The scope as JSON-ready data (a job carries its requester's scope)."""
        return {
            "user": self.user,
            "role": self.role,
            "permissions": sorted(self.permissions),
            "regions": None if self.regions is None else sorted(self.regions),
            "indicators": None if self.indicators is None else sorted(self.indicators),
            "city": self.city,
            "unit": self.unit,
            "all_indicators": sorted(self.all_indicators),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Scope:
        def frozen(v):
            return None if v is None else frozenset(v)

        return cls(
            user=data["user"],
            role=data["role"],
            permissions=frozenset(data["permissions"]),
            regions=frozen(data["regions"]),
            indicators=frozen(data["indicators"]),
            city=data.get("city"),
            unit=data.get("unit"),
            all_indicators=frozenset(data.get("all_indicators") or ()),
        )

    def view_key(self) -> str:
        """What the scope lets one see, as text: equal for two users who see the same rows
        (a report rendered for one may be handed to the other)."""
        if self.everything:
            return ""
        regions = ",".join(sorted(self.regions)) if self.regions is not None else "*"
        indicators = ",".join(sorted(self.indicators)) if self.indicators is not None else "*"
        return f"regions={regions};indicators={indicators}"

    def refuses(self, sql: str, params: list | dict | None, columns: Iterable[str]) -> bool:
        """Whether a query whose answer has ``columns`` asks about a region or indicator outside
        the scope, by a bound parameter (``WHERE region_code = ?``) or a literal in its text,
        while its rows carry no ``region_code`` (or ``indicator``) to filter on: a series of
        another city's values read by its code. Such a query answers nothing."""
        if self.everything:
            return False
        columns = set(columns)
        values = list(params.values()) if isinstance(params, dict) else list(params or [])
        flat = [x for v in values for x in (v if isinstance(v, list | tuple | set) else [v])]
        texts = [x for x in flat if isinstance(x, str)] + _LITERAL.findall(sql)
        if (
            self.regions is not None
            and "region_code" not in columns
            and any(_REGION.fullmatch(t) and t not in self.regions for t in texts)
        ):
            return True
        return (
            self.indicators is not None
            and "indicator" not in columns
            and any(t in self.all_indicators and t not in self.indicators for t in texts)
        )

    def restrict(self, frame: pl.DataFrame) -> pl.DataFrame:
        """``frame`` without the rows this scope may not see."""
        if self.everything or frame.is_empty():
            return frame
        keep = pl.lit(True)
        if self.regions is not None and "region_code" in frame.columns:
            keep &= pl.col("region_code").is_null() | pl.col("region_code").is_in(
                sorted(self.regions)
            )
        if self.indicators is not None and "indicator" in frame.columns:
            keep &= pl.col("indicator").is_in(sorted(self.indicators))
        return frame.filter(keep)


_REGION = re.compile(r"32\d{4}")
_LITERAL = re.compile(r"'([^']*)'")

NO_ACCESS = Scope(
    user="", role="", permissions=frozenset(), regions=frozenset(), indicators=frozenset()
)


@lru_cache(maxsize=32)
def city_regions(city: str) -> frozenset[str]:
    """A city, its counties and the province (whose totals a city user may compare with)."""
    regions = region_table()
    own = regions.filter(pl.col("city_code") == city)["region_code"].to_list()
    return frozenset([*own, PROVINCE_CODE])


def scope_for(
    user: str,
    role: str,
    *,
    city: str | None = None,
    unit: str | None = None,
    unit_indicators: Iterable[str] | None = None,
    all_indicators: Iterable[str] = (),
) -> Scope:
    """The scope of a user with ``role``. A city role without a city, or a unit role without a
    unit, sees nothing (never everything). ``unit_indicators`` are the indicators the unit
    answers for (worked out from the catalog by the caller, which knows it)."""
    spec = load_roles().get(role)
    if spec is None:
        return NO_ACCESS
    regions = None
    if spec.regions == "own_city":
        regions = city_regions(city) if city else frozenset()
    indicators = None
    if spec.indicators == "own_unit":
        indicators = frozenset(unit_indicators or ()) if unit else frozenset()
    return Scope(
        user=user,
        role=role,
        permissions=frozenset(spec.can),
        regions=regions,
        indicators=indicators,
        city=city,
        unit=unit,
        all_indicators=frozenset(all_indicators),
    )


_current: contextvars.ContextVar[Scope | None] = contextvars.ContextVar(
    "databrain_scope", default=None
)


def current_scope() -> Scope | None:
    """The scope active in this context; None outside the web app (nothing filtered)."""
    return _current.get()


def restrict(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` as the active scope may see it (for frames built outside ``Warehouse.query``)."""
    scope = _current.get()
    return frame if scope is None else scope.restrict(frame)


def activate(scope: Scope | None) -> contextvars.Token:
    return _current.set(scope)


def deactivate(token: contextvars.Token) -> None:
    _current.reset(token)


@contextlib.contextmanager
def activated(scope: Scope | None) -> Iterator[Scope | None]:
    token = activate(scope)
    try:
        yield scope
    finally:
        deactivate(token)
