"""Pure engines: ATP (`atp`, `rules`), the oversell replay (`replay/`), order routing (`routing/`) and customer
identity resolution (`identity/`, with the generator `identity_synth`): typed inputs (numpy arrays, frozen
dataclasses) in, frozen dataclasses out; no Flask, no ORM, no models."""
