"""What every form shares: the API's 422 field paths put beside the fields they belong to, in plain words.

The services validate; the web shows. A form maps each contract path ("volunteer.email",
"availability[1].end_time") to its own field and a message a person understands; a path it does not
know lands in the error summary at the top with a general message, never the raw API text.
"""
from __future__ import annotations

from typing import Callable, Iterator

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.fields import FieldList, FormField

from services.web.apiclient import ApiError
from services.web.texts import tr

# where(path) -> (field name as the form renders it, message), or None when the form has no such field
Where = Callable[[str], "tuple[str, str] | None"]


class Section(Field):
    """A group of questions with no input of its own, holding what is wrong with the group as a whole; the page
    shows it as the group's fieldset (the `section` macro), and the error summary links there."""

    def process_formdata(self, valuelist: list) -> None:
        self.data = None


def all_fields(form: FlaskForm) -> Iterator[Field]:
    """Every input field of a form, those inside lists and sub-forms included, in page order."""
    for field in form:
        if isinstance(field, FieldList):
            for entry in field.entries:
                yield from (all_fields(entry.form) if isinstance(entry, FormField) else [entry])
        elif isinstance(field, FormField):
            yield from all_fields(field.form)
        elif field.type not in ("CSRFTokenField", "HiddenField", "SubmitField"):
            yield field


def add_error(field: Field, message: str) -> None:
    """Put a message beside a field (WTForms keeps a tuple until a form is validated)."""
    field.errors = [*field.errors, message] if not isinstance(field.errors, dict) else [message]


def show_api_errors(form: FlaskForm, error: ApiError, where: Where) -> None:
    """Put each field error of a 422 beside its field; what the form cannot place goes to the summary."""
    by_name = {field.name: field for field in all_fields(form)}
    unplaced = False
    for path in error.fields or {"_body": []}:
        placed = where(path)
        if placed and placed[0] in by_name:
            if placed[1] not in by_name[placed[0]].errors:
                add_error(by_name[placed[0]], placed[1])
        else:
            unplaced = True
    if unplaced:
        form.form_errors.append(tr("Noe i skjemaet kunne ikke tas imot. Se over og prøv igjen.",
                                   "Something in the form could not be accepted. Please check it and try again."))


def summary(form: FlaskForm) -> list[tuple[str | None, str]]:
    """The error summary: (field id to link to, message), form-level messages first."""
    items: list[tuple[str | None, str]] = [(None, message) for message in form.form_errors]
    for field in all_fields(form):
        items.extend((field.id, message) for message in field.errors)
    return items


def described_by(field: Field, hint: object = None) -> str:
    """The ids of a field's hint and error message, for aria-describedby."""
    return " ".join(([f"{field.id}-hint"] if hint else []) + ([f"{field.id}-error"] if field.errors else []))


def input_attrs(field: Field, hint: object, classes: str, extra: dict) -> dict:
    """The attributes of an input: its class, what describes it, whether it is in error, and the page's own."""
    attrs = {"class": classes, **extra}
    if field.errors:
        attrs["aria-invalid"] = "true"
    if described_by(field, hint):
        attrs["aria-describedby"] = described_by(field, hint)
    return attrs
