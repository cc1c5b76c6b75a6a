"""The dataset kinds and their columns: type, required, allowed values, references, unique keys."""

from __future__ import annotations

from dataclasses import dataclass

LOCATION_TYPES = ("store", "dc", "3pl", "dark_store")
FULFILMENT_METHODS = ("ship", "pickup")
REFUND_METHODS = ("original_tender", "store_credit", "exchange")


@dataclass(frozen=True)
class Column:
    """One column of a kind: `type` is str, int, float, bool, date, datetime or choice."""

    name: str
    type: str
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    references: str | None = None  # "locations": the value must be a location_id of the latest locations
    description: str = ""
    example: str = ""


@dataclass(frozen=True)
class Kind:
    """A dataset kind: its columns and the columns that together must be unique."""

    name: str
    label: str
    columns: tuple[Column, ...]
    unique: tuple[str, ...] = ()
    description: str = ""

    def column(self, name: str) -> Column:
        """The column called `name`."""
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the required columns."""
        return tuple(c.name for c in self.columns if c.required)


KINDS: dict[str, Kind] = {
    "locations": Kind(
        "locations",
        "Locations",
        (
            Column("location_id", "str", True, description="The location's code", example="LON-OXF"),
            Column("name", "str", example="London Oxford Street"),
            Column("type", "choice", True, LOCATION_TYPES, example="store"),
            Column("latitude", "float", True, minimum=-90, maximum=90, example="51.5154"),
            Column("longitude", "float", True, minimum=-180, maximum=180, example="-0.1419"),
            Column("ship_from", "bool", description="Ships web orders (ship-from-store)", example="true"),
            Column("pickup", "bool", description="Offers click & collect", example="true"),
            Column("daily_capacity", "int", minimum=0, description="Ship orders dispatched per day", example="120"),
            Column("pickup_capacity", "int", minimum=0,
                   description="Click & collect orders handed over per day (empty: unlimited)", example="40"),
            Column("handling_cost", "float", minimum=0, example="2.50"),
        ),
        unique=("location_id",),
        description="Stores, distribution centres, 3PL sites and dark stores.",
    ),
    "inventory": Kind(
        "inventory",
        "Inventory",
        (
            Column("sku", "str", True, example="NW-100234"),
            Column("location_id", "str", True, references="locations", example="LON-OXF"),
            # Negative on-hand happens in real extracts; it is accepted and flagged by the profile.
            Column("on_hand", "int", True, example="12"),
            Column("allocated", "int", minimum=0, description="Reserved for open orders", example="1"),
            Column("safety_stock", "int", minimum=0, example="2"),
            Column("in_transit", "int", minimum=0, example="0"),
            Column("in_transit_eta", "date", example="2025-03-10"),
            Column("in_transit_type", "str", description="Supply type of the in-transit units (po, transfer…): "
                   "the rules may discount each type", example="po"),
        ),
        unique=("sku", "location_id"),
        description="A stock snapshot: one row per SKU per location.",
    ),
    "orders": Kind(
        "orders",
        "Orders",
        (
            Column("order_id", "str", True, example="W-1000231"),
            Column("created_at", "datetime", True, description="ISO timestamp (UTC unless an offset is given)",
                   example="2025-03-03T09:14:05Z"),
            Column("channel", "str", True, example="web"),
            Column("customer_id", "str", example="C-88213"),
            Column("fulfillment", "choice", True, FULFILMENT_METHODS, example="ship"),
            Column("pickup_location_id", "str", references="locations", description="Required for pickup lines",
                   example=""),
            Column("ship_latitude", "float", minimum=-90, maximum=90, example="53.4808"),
            Column("ship_longitude", "float", minimum=-180, maximum=180, example="-2.2426"),
            Column("sku", "str", True, example="NW-100234"),
            Column("quantity", "int", True, minimum=1, example="1"),
            Column("unit_price", "float", minimum=0, description="Optional: gives oversell value", example="49.00"),
            Column("promised_date", "date", description="Optional: the delivery date promised or requested "
                                                        "(routing promise dates; else the channel's standard "
                                                        "promise)", example="2025-03-05"),
        ),
        description="One row per order line.",
    ),
    "receipts": Kind(
        "receipts",
        "Receipts",
        (
            Column("sku", "str", True, example="NW-100234"),
            Column("location_id", "str", True, references="locations", example="DAV-DC"),
            Column("arrived_at", "datetime", True, example="2025-03-05T06:00:00Z"),
            Column("quantity", "int", True, minimum=1, example="48"),
        ),
        description="Stock arrivals over time (optional).",
    ),
    # Customer extracts keep every field as text: dates, phones and emails arrive in many formats and are
    # normalised (and judged valid or not) by the identity engine's preparation, not rejected at upload.
    "customers": Kind(
        "customers",
        "Customers",
        (
            Column("source_record_id", "str", True, description="The record's id in its system", example="C-1001"),
            Column("first_name", "str", example="Jonathan"),
            Column("last_name", "str", example="Smith"),
            Column("full_name", "str", description="When first/last are not separate", example=""),
            Column("email", "str", example="jon.smith@example.com"),
            Column("phone", "str", description="Any format; normalised to E.164", example="07700 900123"),
            Column("birth_date", "str", description="ISO, DD/MM/YYYY, DD.MM.YYYY…", example="1985-03-12"),
            Column("street", "str", example="High Street"),
            Column("house_number", "str", example="12"),
            Column("city", "str", example="Leeds"),
            Column("postal_code", "str", example="LS1 4AB"),
            Column("country", "str", description="ISO code or name", example="GB"),
            Column("loyalty_id", "str", example="L-778812"),
            Column("created_at", "str", description="When the record was created", example="2023-05-01"),
            Column("updated_at", "str", description="When the record last changed", example="2025-02-11"),
        ),
        unique=("source_record_id",),
        description="Customer records from one system (e-commerce, POS/loyalty, CRM, call centre).",
    ),
    # Order ids missing from the orders dataset are not an upload error: the returns replay reports them.
    "returns": Kind(
        "returns",
        "Returns",
        (
            Column("return_id", "str", True, example="R-20011"),
            Column("order_id", "str", True, description="The original order (looked up in the orders dataset)",
                   example="W-1000231"),
            Column("sku", "str", True, example="NW-100234"),
            Column("quantity", "int", True, minimum=1, example="1"),
            Column("returned_at", "datetime", True, example="2025-03-12T14:20:00Z"),
            Column("return_channel", "str", True, description="Where the customer brought it back", example="store"),
            Column("return_location_id", "str", references="locations", description="The store or DC receiving it",
                   example="LON-OXF"),
            Column("original_channel", "str", description="Empty: looked up from the order", example="web"),
            Column("reason", "str", example="too small"),
            Column("condition", "str", description="sellable, damaged… (empty counts as sellable)",
                   example="sellable"),
            Column("refund_method", "choice", choices=REFUND_METHODS,
                   description="What the customer asked for (exchange: a replacement, no refund)",
                   example="original_tender"),
        ),
        unique=("return_id", "sku"),
        description="Returned lines: where and when each was brought back, and the order it came from.",
    ),
}


def template_csv(kind: str) -> str:
    """A CSV template for a kind: the header row and one example row."""
    spec = KINDS[kind]
    header = ",".join(c.name for c in spec.columns)
    example = ",".join(c.example for c in spec.columns)
    return f"{header}\r\n{example}\r\n"
