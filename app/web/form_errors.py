"""Put a service's ValidationError onto a WTForms form, field by field."""

from __future__ import annotations

from flask_wtf import FlaskForm

from app.services.errors import ValidationError


def attach_errors(form: FlaskForm, exc: ValidationError) -> None:
    """Field errors go under their field; anything else (e.g. `__all__`) above the form."""
    for name, messages in exc.errors.items():
        field = form._fields.get(name)
        if field is not None:
            field.errors = [*field.errors, *messages]
        else:
            form.form_errors.extend(messages if name == "__all__" else [f"{name}: {m}" for m in messages])
