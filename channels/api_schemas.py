"""The integrator API's request and response shapes (they make its OpenAPI schema)."""

import datetime as dt
import re
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AwareDatetime, BeforeValidator
from pydantic_core import PydanticKnownError

RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})",
    re.IGNORECASE,
)


def _rfc3339(value):
    """Take only what the schema promises, an RFC 3339 date-time with its offset: pydantic
    alone would also read ``0.5`` as a Unix time, and a time without an offset is ambiguous
    (UTC or Japan?). Anything else is pydantic's own "not a valid datetime" (422)."""
    if isinstance(value, dt.datetime) or (isinstance(value, str) and RFC3339.fullmatch(value)):
        return value
    raise PydanticKnownError("datetime_type")


Rfc3339Datetime = Annotated[AwareDatetime, BeforeValidator(_rfc3339)]


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
    method: str | None = Field(
        None, pattern=r"^[-a-zA-Z0-9_]{1,30}$", description="Payment method code."
    )
    status: Literal["published", "none"] | None = Field(
        None, description="published: with a published channel; none: without one."
    )
    updated_since: Rfc3339Datetime | None = Field(
        None,
        description=(
            "Only services changed, or whose channels changed, since then "
            "(RFC 3339 with an offset, e.g. 2024-04-01T00:00:00+09:00)."
        ),
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


class SlipOut(Schema):
    slip_number: str
    service_code: str
    payer_number: str
    amount: int = Field(description="In yen.")
    due_date: dt.date
    reissue_count: int
    confirmation_number: str
    barcode_data: str | None = Field(
        description="The 44 digits of the convenience-store barcode (GS1-128, AI 91), or null."
    )
    barcode_note: str = Field(description="Why the slip has no barcode (empty when it has one).")
    assets: list[AssetOut]
