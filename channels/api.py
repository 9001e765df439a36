"""The integrator API's routes (DESIGN.md §5): published channels, their assets, the
change feed, and payment slips with their barcode and eL-QR images. Drafts, reviews and
scheduled changes never appear: every channel read starts from
:func:`channels.selectors.published_channels`, and a slip's barcode was made from its
service's published channel."""

from django.http import Http404
from django.urls import reverse
from ninja import Path, Query, Router

from channels import selectors
from channels.api_auth import ScopedTokenAuth, TokenRateThrottle
from channels.api_schemas import (
    ChangeFeed,
    ChannelOut,
    ErrorOut,
    MethodOut,
    ServiceFilters,
    ServiceOut,
    ServicePage,
    SlipOut,
)
from channels.channel_assets import FORMATS, asset_labels, asset_response
from channels.models import CHANNEL_METHODS, IntegratorAccess, PaymentMethod
from channels.slip_codes import slip_asset_response, slip_assets

CHANNELS_READ = ScopedTokenAuth(IntegratorAccess.Scope.CHANNELS_READ)
ASSETS_READ = ScopedTokenAuth(IntegratorAccess.Scope.ASSETS_READ)
# Every route may answer these; 304 (no body) when If-None-Match carries the ETag.
# Path parameters are checked against the codes' formats before any lookup, so a value no
# code can have (a NUL byte, which PostgreSQL refuses outright) answers 422, not 500.
SERVICE_CODE = Path(..., pattern=r"^[0-9]{5}$", description="Service code (5 digits).")
METHOD_CODE = Path(..., pattern=r"^[-a-zA-Z0-9_]{1,30}$", description="Payment method code.")
SLIP_NUMBER = Path(..., pattern=r"^[0-9]{1,20}$", description="Slip number (納付番号).")
ERRORS = {304: None, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
CHANGES_LIMIT_MAX = 500

# One pattern for the asset route and for the asset URLs the other answers list.
ASSET_PATH = "services/{code}/channels/{method}/assets/{name}.{fmt}"
SLIP_ASSET_PATH = "slips/{slip_number}/assets/{name}.{fmt}"
# An image answer, as the OpenAPI schema declares it.
IMAGE_RESPONSES = {
    "responses": {
        200: {
            "description": "The image",
            "content": {
                content_type: {"schema": {"type": "string", "format": "binary"}}
                for content_type in FORMATS.values()
            },
        }
    }
}

router = Router(throttle=[TokenRateThrottle()])


def _api_root(request):
    """The API's absolute base URL (ending in /), once per request."""
    return request.build_absolute_uri(reverse("api-1.0:api-root"))


def _asset_out(api_root, channel):
    service_code, method_code = channel.service.code, channel.method.code
    return [
        {
            "name": name,
            "label": str(label),
            **{
                f"{fmt}_url": api_root
                + ASSET_PATH.format(code=service_code, method=method_code, name=name, fmt=fmt)
                for fmt in FORMATS
            },
        }
        for name, label in asset_labels(channel).items()
    ]


def _channel_out(api_root, channel):
    return {
        "method": channel.method.code,
        "method_name": channel.method.name,
        "config_kind": channel.method.config_kind,
        "first_published_at": channel.first_published_at,
        "published_at": channel.last_published_at,
        "expire_at": channel.expire_at,
        "configuration": channel.configuration(),
        "assets": _asset_out(api_root, channel),
    }


def _service_out(api_root, service):
    facility = service.facility
    return {
        "code": service.code,
        "name": service.name,
        "kind": service.kind,
        "route": service.route,
        "department": {"code": service.department.code, "name": service.department.name},
        "facility": facility
        and {
            "code": facility.code,
            "name": facility.name,
            "operation_type": facility.operation_type,
        },
        "standard_amount": service.standard_amount,
        "updated_at": service.updated_at,
        "channels": [_channel_out(api_root, channel) for channel in service.published],
    }


def _service(code):
    service = selectors.api_service(code)
    if service is None:
        raise Http404
    return service


@router.get(
    "/methods",
    response={200: list[MethodOut], **ERRORS},
    auth=CHANNELS_READ,
    summary="Payment methods and the routes they fit",
)
def list_methods(request):
    return [
        {
            "code": method.code,
            "name": method.name,
            "config_kind": method.config_kind,
            "routes": method.routes,
        }
        for method in PaymentMethod.objects.filter(CHANNEL_METHODS)
    ]


@router.get(
    "/services",
    response={200: ServicePage, **ERRORS},
    auth=CHANNELS_READ,
    summary="Services with their published channels",
)
def list_services(request, filters: Query[ServiceFilters]):
    services = selectors.api_services(
        department=filters.department,
        method=filters.method,
        status=filters.status,
        updated_since=filters.updated_since,
    )
    api_root = _api_root(request)
    start = (filters.page - 1) * filters.page_size
    page = selectors.with_published_channels(services)[start : start + filters.page_size]
    return {
        "count": services.count(),
        "page": filters.page,
        "page_size": filters.page_size,
        "items": [_service_out(api_root, service) for service in page],
    }


@router.get(
    "/services/{code}",
    response={200: ServiceOut, **ERRORS},
    auth=CHANNELS_READ,
    summary="One service with its published channels",
)
def get_service(request, code: str = SERVICE_CODE):
    return _service_out(_api_root(request), _service(code))


@router.get(
    "/services/{code}/channels/{method}",
    response={200: ChannelOut, **ERRORS},
    auth=CHANNELS_READ,
    summary="One published channel's configuration",
)
def get_channel(request, code: str = SERVICE_CODE, method: str = METHOD_CODE):
    channel = selectors.published_channel(code, method)
    if channel is None:
        raise Http404
    return _channel_out(_api_root(request), channel)


@router.get(
    "/" + ASSET_PATH,
    response={**ERRORS},
    auth=ASSETS_READ,
    url_name="asset",
    summary="A published channel's asset as SVG or PNG",
    openapi_extra=IMAGE_RESPONSES,
)
def get_asset(request, name: str, fmt: str, code: str = SERVICE_CODE, method: str = METHOD_CODE):
    channel = selectors.published_channel(code, method)
    if channel is None:
        raise Http404
    return asset_response(channel, name, fmt)


@router.get(
    "/changes",
    response={200: ChangeFeed, **ERRORS},
    auth=CHANNELS_READ,
    summary="Every publish, unpublish and expiry, in order",
)
def list_changes(
    request, since: int = Query(0, ge=0), limit: int = Query(100, ge=1, le=CHANGES_LIMIT_MAX)
):
    events = selectors.channel_events_after(since, limit + 1)
    has_more = len(events) > limit
    events = events[:limit]
    return {
        "items": [
            {
                "cursor": event.cursor,
                "action": event.action,
                "occurred_at": event.occurred_at,
                "service_code": event.service_code,
                "method": event.method_code,
            }
            for event in events
        ],
        "next_cursor": events[-1].cursor if events else since,
        "has_more": has_more,
    }


def _slip(slip_number):
    slip = selectors.api_slip(slip_number)
    if slip is None:
        raise Http404
    return slip


def _slip_out(api_root, slip):
    return {
        "slip_number": slip.slip_number,
        "service_code": slip.service.code,
        "payer_number": slip.payer_number,
        "amount": slip.amount,
        "due_date": slip.due_date,
        "reissue_count": slip.reissue_count,
        "confirmation_number": slip.confirmation_number,
        "barcode_data": slip.barcode_data or None,
        "barcode_note": slip.barcode_note,
        "assets": [
            {
                "name": name,
                "label": str(asset.label),
                **{
                    f"{fmt}_url": api_root
                    + SLIP_ASSET_PATH.format(slip_number=slip.slip_number, name=name, fmt=fmt)
                    for fmt in FORMATS
                },
            }
            for name, asset in slip_assets(slip).items()
        ],
    }


@router.get(
    "/slips/{slip_number}",
    response={200: SlipOut, **ERRORS},
    auth=CHANNELS_READ,
    summary="One payment slip with its barcode digits and images",
)
def get_slip(request, slip_number: str = SLIP_NUMBER):
    return _slip_out(_api_root(request), _slip(slip_number))


@router.get(
    "/" + SLIP_ASSET_PATH,
    response={**ERRORS},
    auth=ASSETS_READ,
    url_name="slip-asset",
    summary="A payment slip's barcode or eL-QR code as SVG or PNG",
    openapi_extra=IMAGE_RESPONSES,
)
def get_slip_asset(request, name: str, fmt: str, slip_number: str = SLIP_NUMBER):
    return slip_asset_response(_slip(slip_number), name, fmt)
