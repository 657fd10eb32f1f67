"""Listings in pages: the APIs page by limit and offset, people by page number (?side=2), filters kept."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from flask import url_for

from services.web.form_values import is_whole_number

PAGE_PARAM = "side"
LAST_PAGE = 10_000  # far past any listing; keeps the offset inside what the APIs accept


def page_number(args: Mapping[str, str]) -> int:
    """The page asked for: a whole number from 1, and 1 for anything else."""
    raw = args.get(PAGE_PARAM, "")
    return min(int(raw), LAST_PAGE) if is_whole_number(raw) and int(raw) >= 1 else 1


def offset_of(page: int, limit: int) -> int:
    return (page - 1) * limit


@dataclass(frozen=True)
class Paging:
    """Where one page of a listing sits among all, and the links to its neighbours with the same filters."""

    total: int
    limit: int
    offset: int
    endpoint: str
    filters: dict[str, Any]

    @classmethod
    def of(cls, listing: dict[str, Any], endpoint: str, filters: dict[str, Any]) -> "Paging":
        return cls(int(listing.get("total", 0)), int(listing["limit"]), int(listing["offset"]), endpoint, filters)

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))

    @property
    def first_shown(self) -> int:
        return min(self.offset + 1, self.total)

    @property
    def last_shown(self) -> int:
        return min(self.offset + self.limit, self.total)

    def link(self, page: int) -> str:
        """The address of a page, with the filters that are set."""
        kept = {name: value for name, value in self.filters.items() if value not in (None, "")}
        return url_for(self.endpoint, **kept, **({PAGE_PARAM: page} if page > 1 else {}))

    @property
    def previous(self) -> str | None:
        return self.link(min(self.page - 1, self.pages)) if self.page > 1 else None

    @property
    def next(self) -> str | None:
        return self.link(self.page + 1) if self.page < self.pages else None
