"""The signing form: field validation only; the service does the rest."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import cache
from typing import TYPE_CHECKING

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout, Submit
from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from petitions.models import County

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

NAME_CHARS = RegexValidator(
    r"^[^\W\d_]+(?:[ '\u2019.\-][^\W\d_]*)*$",
    _("Use letters only (spaces, hyphens, apostrophes and periods are fine)."),
)
SUFFIX_CHOICES = [("", _("None")), ("Jr", "Jr"), ("Sr", "Sr"), ("II", "II"), ("III", "III"), ("IV", "IV"), ("V", "V")]


class NFCCharField(forms.CharField):
    """Text in Unicode's composed form (NFC) before its length and characters
    are checked: an accent typed as a separate mark ('Jose\u0301') is the same
    letter as the composed one ('Jos\u00e9'), and is stored as that."""

    def to_python(self, value):
        value = super().to_python(value)
        return unicodedata.normalize("NFC", value) if value else value


class NFCEmailField(forms.EmailField):
    def to_python(self, value):
        value = super().to_python(value)
        return unicodedata.normalize("NFC", value) if value else value


@cache
def _counties() -> dict[str, County]:
    """California's 58 counties by code, read once per process: they are the migrations' reference
    data and never change while the site runs (the form would otherwise read them on every request)."""
    return {county.code: county for county in County.objects.order_by("name")}


@cache
def _county_choices() -> tuple[tuple[str, StrOrPromise], ...]:
    """The choices once per process; the first one's words are translated when the form is rendered."""
    return (("", _("Choose your county")), *((c.code, f"{c.name}") for c in _counties().values()))


class SignatureForm(forms.Form):
    first_name = NFCCharField(max_length=100, validators=[NAME_CHARS], label=_("First name"))
    middle_name = NFCCharField(
        max_length=100, required=False, validators=[NAME_CHARS], label=_("Middle name or initial")
    )
    last_name = NFCCharField(max_length=100, validators=[NAME_CHARS], label=_("Last name"))
    suffix = forms.ChoiceField(choices=SUFFIX_CHOICES, required=False, label=_("Suffix"))
    address = NFCCharField(
        max_length=200,
        label=_("Street address"),
        help_text=_("The street number and name where you are registered to vote, e.g. 1200 J St."),
    )
    unit = NFCCharField(max_length=30, required=False, label=_("Apartment or unit"))
    city = NFCCharField(max_length=100, label=_("City or community"))
    zip = NFCCharField(max_length=10, label=_("ZIP code"))
    county = forms.ChoiceField(choices=(), label=_("County where you are registered"))
    email = NFCEmailField(
        max_length=254,
        label=_("Email"),
        help_text=_("We send you a link to confirm your signature."),
    )
    dob = forms.DateField(
        required=False,
        label=_("Date of birth (optional)"),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        help_text=_("Helps us find you in the voter file when someone shares your name and address."),
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD.")},
    )
    attest = forms.BooleanField(
        required=True,
        label=_("I am a registered California voter, the details above are mine, and I sign this petition myself."),
        error_messages={
            "required": _("Please confirm that you are a registered California voter signing for yourself.")
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = _county_choices()
        self.fields["county"].error_messages["invalid_choice"] = _("Choose your county from the list.")

    @cached_property
    def helper(self) -> FormHelper:
        """crispy-forms' layout, built when the form is rendered: a valid POST never is (saves ~1 ms of each)."""
        helper = FormHelper()
        helper.form_method = "post"
        helper.form_id = "sign-form"
        helper.layout = Layout(
            Fieldset(
                _("Your name as registered"),
                Div(
                    Div(Field("first_name", autocomplete="given-name"), css_class="col-md-4"),
                    Div(Field("middle_name", autocomplete="additional-name"), css_class="col-md-3"),
                    Div(Field("last_name", autocomplete="family-name"), css_class="col-md-3"),
                    Div(Field("suffix", autocomplete="honorific-suffix"), css_class="col-md-2"),
                    css_class="row",
                ),
            ),
            Fieldset(
                _("Your residence address as registered"),
                Div(
                    Div(Field("address", autocomplete="address-line1"), css_class="col-md-8"),
                    Div(Field("unit", autocomplete="address-line2"), css_class="col-md-4"),
                    css_class="row",
                ),
                Div(
                    Div(Field("city", autocomplete="address-level2"), css_class="col-md-5"),
                    Div(Field("zip", autocomplete="postal-code", inputmode="numeric"), css_class="col-md-3"),
                    Div("county", css_class="col-md-4"),
                    css_class="row",
                ),
            ),
            Fieldset(_("How we reach you"), Field("email", autocomplete="email"), "dob"),
            "attest",
            Submit("sign", _("Sign the petition"), css_class="btn-lg"),
        )
        return helper

    def clean_address(self) -> str:
        address = " ".join(self.cleaned_data["address"].split())
        if not re.match(r"^\d+[A-Za-z]?(?:\s+\d/\d)?\s+\S", address):
            raise forms.ValidationError(_("Start with the street number, then the street name, e.g. 1200 J St."))
        return address

    def clean_zip(self) -> str:
        value = self.cleaned_data["zip"].strip()
        if not re.fullmatch(r"\d{5}(?:-?\d{4})?", value):
            raise forms.ValidationError(_("Enter a 5-digit ZIP code, e.g. 95814."))
        if not ("90001" <= value[:5] <= "96162"):
            raise forms.ValidationError(_("That is not a California ZIP code (they run from 90001 to 96162)."))
        return value

    def clean_dob(self) -> date | None:
        dob = self.cleaned_data.get("dob")
        if dob is None:
            return None
        today = timezone.localdate()
        if dob > today:
            raise forms.ValidationError(_("Your date of birth cannot be in the future."))
        if dob.year < 1900:
            raise forms.ValidationError(_("Check the year of your date of birth."))
        eighteenth = date(dob.year + 18, dob.month, 28 if (dob.month, dob.day) == (2, 29) else dob.day)
        if eighteenth > today:
            raise forms.ValidationError(_("You must be 18 or older to sign: only registered voters can sign."))
        return dob

    def clean_county(self) -> County:
        return _counties()[self.cleaned_data["county"]]

    def clean_first_name(self) -> str:
        return " ".join(self.cleaned_data["first_name"].split())

    def clean_last_name(self) -> str:
        return " ".join(self.cleaned_data["last_name"].split())

    def clean_city(self) -> str:
        return " ".join(self.cleaned_data["city"].split())


class ConfirmForm(forms.Form):
    """An empty form: confirming is a POST with a CSRF token, nothing more."""
