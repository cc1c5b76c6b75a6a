"""Pure engines (ATP, oversell replay): numpy in, frozen dataclasses out; no Flask, no ORM, no models."""
