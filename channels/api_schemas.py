"""The integrator API's request and response shapes (they make its OpenAPI schema)."""

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema


class ErrorDetail(Schema):
    code: str
    message: str


class ErrorOut(Schema):
    error: ErrorDetail


class DepartmentOut(Schema):
    code: str
    name: str


class FacilityOut(Schema):
    code: str
    name: str
    operation_type: str


class AssetOut(Schema):
    name: str
    label: str
    svg_url: str
    png_url: str


class ChannelOut(Schema):
    method: str = Field(description="Payment method code, e.g. qr_user_scan.")
    method_name: str
    config_kind: str
    first_published_at: dt.datetime | None
    published_at: dt.datetime | None
    expire_at: dt.datetime | None
    configuration: dict[str, Any]
    assets: list[AssetOut]


class ServiceOut(Schema):
    code: str
    name: str
    kind: str
    route: str
    department: DepartmentOut
    facility: FacilityOut | None
    standard_amount: int | None
    updated_at: dt.datetime
    channels: list[ChannelOut]


class ServicePage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ServiceOut]


class ServiceFilters(Schema):
    department: str | None = Field(None, pattern=r"^[0-9]{3}$", description="Department code.")
    method: str | None = Field(None, max_length=30, description="Payment method code.")
    status: Literal["published", "none"] | None = Field(
        None, description="published: with a published channel; none: without one."
    )
    updated_since: dt.datetime | None = Field(
        None, description="Only services changed, or whose channels changed, since then."
    )
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)


class ChangeOut(Schema):
    cursor: int
    action: Literal["published", "unpublished", "expired"]
    occurred_at: dt.datetime
    service_code: str
    method: str


class ChangeFeed(Schema):
    items: list[ChangeOut]
    next_cursor: int = Field(description="Pass it as `since` to get what comes next.")
    has_more: bool


class MethodOut(Schema):
    code: str
    name: str
    config_kind: str
    routes: list[str]
