"""Petition sections on the dashboard: issue and print blank ones, record a
returned section's declaration, key its lines from the keyboard (once, or
twice blind with a third volunteer reconciling), and move it along to filing.

The pages show what was keyed from the paper (names and addresses), so
showing saved lines writes an audit row; the per-line check says only what a
line would get, never who the voter is."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.forms import BaseFormSet, formset_factory
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from petitions.codes import section_code
from petitions.documents.sections import blank_sections_pdf
from petitions.http import StaffRequest
from petitions.models import AuditLog, Circulator, County, KeyedLine, PetitionSection, Signature
from petitions.services.audit import audit_record
from petitions.services.paper import KeyedLineInput
from petitions.services.sections import (
    FLOW,
    ISSUE_MAX,
    KEYABLE,
    KEYED_FIELDS,
    REASON_WORDS,
    CirculatorInput,
    keyed_line_input,
    keyed_line_reconcile,
    keyed_lines_by_line,
    keyed_lines_differing_fields,
    keyer_entry,
    keyers,
    line_check,
    line_date_flag,
    lines_unresolved,
    section_lines_key,
    section_return,
    section_status_move,
    sections_issue,
)
from petitions.views.dashboard import dashboard_view, petition_from_request

Status = PetitionSection.Status
DEFAULT_LINES = 10  # signer lines on a printed section
MAX_LINES = 100
DATE_FORMATS = ["%m/%d/%Y", "%m/%d/%y", "%Y-%m-%d"]
PER_PAGE = 50


# --- Forms (field validation only) ---------------------------------------------------


def _text(max_length: int, **kwargs) -> forms.CharField:
    return forms.CharField(max_length=max_length, required=False, **kwargs)


def _day_field(**kwargs) -> forms.DateField:
    return forms.DateField(
        input_formats=DATE_FORMATS,
        error_messages={"invalid": gettext_lazy("Write the date as MM/DD/YYYY.")},
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("MM/DD/YYYY"), "autocomplete": "off"}),
        **kwargs,
    )


class IssueForm(forms.Form):
    county = forms.ModelChoiceField(
        queryset=County.objects.order_by("name"),
        empty_label=gettext_lazy("Choose a county"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    count = forms.IntegerField(min_value=1, max_value=ISSUE_MAX, initial=10, label=gettext_lazy("How many"))
    double_entry = forms.BooleanField(
        required=False,
        label=gettext_lazy("Double entry"),
        help_text=gettext_lazy("Two volunteers key the lines blind; a third decides differences."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].label_from_instance = lambda county: f"{county.name} ({county.code})"


class SectionFilterForm(forms.Form):
    county = forms.ModelChoiceField(
        queryset=County.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("Every county"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    status = forms.ChoiceField(
        choices=[("", gettext_lazy("Any status")), *Status.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].label_from_instance = lambda county: f"{county.name} ({county.code})"


class DeclarationForm(forms.Form):
    """The circulator's declaration as printed on a returned section."""

    circulator = forms.ModelChoiceField(
        queryset=Circulator.objects.none(),
        required=False,
        empty_label=gettext_lazy("A new circulator (give their details)"),
    )
    name = _text(200, label=gettext_lazy("Printed name"))
    address = _text(200, label=gettext_lazy("Residence address"))
    city = _text(100, label=gettext_lazy("City"))
    zip = _text(10, label=gettext_lazy("ZIP"))
    phone = _text(40, label=gettext_lazy("Phone"))
    email = forms.EmailField(required=False, label=gettext_lazy("Email"))
    signed_from = _day_field(label=gettext_lazy("Signatures obtained from"))
    signed_to = _day_field(label=gettext_lazy("to"))
    declaration_date = _day_field(label=gettext_lazy("Declaration signed on"))
    declaration_place = forms.CharField(max_length=100, label=gettext_lazy("at (city, state)"))

    def __init__(self, *args, section: PetitionSection, **kwargs):
        super().__init__(*args, **kwargs)
        circulator = self.fields["circulator"]
        if not isinstance(circulator, forms.ModelChoiceField):  # declared above: narrows Field for the type checker
            raise TypeError("DeclarationForm.circulator is a ModelChoiceField")
        circulator.queryset = Circulator.objects.filter(petition_id=section.petition_id)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("circulator") and not cleaned.get("name"):
            self.add_error("name", _("Choose a circulator on file, or give the new circulator's printed name."))
        return cleaned

    def circulator_given(self) -> Circulator | CirculatorInput:
        data = self.cleaned_data
        if data["circulator"]:
            return data["circulator"]
        return CirculatorInput(
            name=data["name"],
            address=data["address"],
            city=data["city"],
            zip=data["zip"],
            phone=data["phone"],
            email=data["email"],
        )


class LineForm(forms.Form):
    """One signer line as printed on the paper. Nothing is required: a line
    missing an item is keyed as written and the county's rules judge it."""

    line = forms.IntegerField(min_value=1, max_value=MAX_LINES, widget=forms.HiddenInput)
    name = _text(250, label=gettext_lazy("Printed name"))
    address = _text(200, label=gettext_lazy("Address"))
    city = _text(100, label=gettext_lazy("City"))
    zip = _text(10, label=gettext_lazy("ZIP"))
    date_signed = _day_field(required=False, label=gettext_lazy("Date signed"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, spec in self.fields.items():
            if name != "line":
                spec.widget.attrs.update({"autocomplete": "off", "data-field": name, "spellcheck": "false"})
        self.fields["zip"].widget.attrs["inputmode"] = "numeric"

    def has_changed(self) -> bool:
        """A row counts once something is typed in it; its line number is not typing."""
        return bool(set(self.changed_data) - {"line"})

    def clean_zip(self) -> str:
        value = self.cleaned_data["zip"]
        if value and not re.fullmatch(r"\d{5}(?:-?\d{4})?", value):
            raise ValidationError(_("A ZIP code has 5 digits, e.g. 95814."))
        return value

    def clean_date_signed(self) -> date | None:
        value = self.cleaned_data["date_signed"]
        if value and value.year < 2000:
            raise ValidationError(_("Check the year: write the date as MM/DD/YYYY."))
        return value


class BaseLineFormSet(BaseFormSet):
    def clean(self):
        seen: set[int] = set()
        for form in self.forms:
            line = form.cleaned_data.get("line") if form.has_changed() else None
            if line in seen:
                raise ValidationError(_("Line %(line)s appears twice.") % {"line": line})
            if line:
                seen.add(line)


LineFormSet = formset_factory(LineForm, formset=BaseLineFormSet, extra=0, max_num=MAX_LINES, validate_max=True)


def _line_formset(*, data=None, lines: Sequence[int] = ()) -> BaseFormSet[LineForm]:
    return LineFormSet(
        data,
        prefix="lines",
        initial=None if data else [{"line": n} for n in lines],
        form_kwargs={"empty_permitted": True},
    )


# --- Reading a section for its page -------------------------------------------------


def _section(pk: int) -> PetitionSection:
    return get_object_or_404(
        PetitionSection.objects.select_related("petition", "county", "circulator", "status_changed_by"), pk=pk
    )


def signature_state(signature: Signature) -> str:
    """A signature's status in plain words, for the volunteer who keyed it."""
    if signature.status == Signature.Status.INVALID:
        return f"invalid: {REASON_WORDS.get(signature.reason, signature.reason)}"
    states: dict[str, str] = {
        Signature.Status.PENDING: "being checked",
        Signature.Status.VALID: "valid",
        Signature.Status.DUPLICATE: "duplicate: this voter already signed",
        Signature.Status.REVIEW: "in review",
    }
    return states.get(signature.status, signature.status)


def _saved_rows(section: PetitionSection, entry: int | None) -> list[dict]:
    """The lines already saved: the signatures (single entry), or this
    volunteer's own keying (double entry: never the other keyer's values)."""
    signatures = {s.line: s for s in Signature.objects.filter(section=section)}
    rows = []
    if not section.double_entry:
        for line, signature in sorted(signatures.items()):
            rows.append(
                {
                    "line": line,
                    "name": signature.name_as_written,
                    "address": signature.address,
                    "city": signature.city,
                    "zip": signature.zip,
                    "date_signed": signature.date_signed,
                    "outcome": signature.status,
                    "state": signature_state(signature),
                    "flag": line_date_flag(
                        date_signed=signature.date_signed, section=section, petition=section.petition
                    ),
                }
            )
        return rows
    if entry is None:
        return rows
    by_line = keyed_lines_by_line(section=section)
    for keyed in KeyedLine.objects.filter(section=section, entry=entry).order_by("line"):
        other = by_line[keyed.line].get(3 - entry)
        saved = signatures.get(keyed.line)
        if saved is not None:
            outcome, state = saved.status, signature_state(saved)
        elif other is None:
            outcome, state = "waiting", "waits for the other keying"
        else:
            outcome, state = "differs", "the keyings differ: a third volunteer decides"
        rows.append(
            {
                "line": keyed.line,
                "name": keyed.name,
                "address": keyed.address,
                "city": keyed.city,
                "zip": keyed.zip,
                "date_signed": keyed.date_signed,
                "outcome": outcome,
                "state": state,
                "flag": line_date_flag(date_signed=keyed.date_signed, section=section, petition=section.petition),
            }
        )
    return rows


def _open_lines(saved: list[dict]) -> list[int]:
    """Line numbers still to key: the printed lines (and any added beyond them) not saved yet."""
    done = {row["line"] for row in saved}
    last = max([DEFAULT_LINES, *done])
    return [n for n in range(1, last + 1) if n not in done]


def _keying(section: PetitionSection, user) -> dict:
    """Whether this volunteer may key the section now, and which keying is theirs."""
    if section.status not in KEYABLE:
        return {"can_key": False, "entry": None}
    if not section.double_entry:
        return {"can_key": True, "entry": None}
    entry = keyer_entry(section=section, user=user)
    return {"can_key": entry is not None, "entry": entry}


def _render_detail(
    request: StaffRequest,
    section: PetitionSection,
    *,
    formset=None,
    declaration=None,
    refusal: str = "",
    status: int = 200,
) -> HttpResponse:
    keying = _keying(section, request.user)
    saved = _saved_rows(section, keying["entry"])
    # What was keyed from the paper is personal data: a Volunteer keys new lines and sees
    # the saved ones' numbers, status and checks, not their names and addresses.
    show_personal = request.user.has_perm("petitions.view_personal_data")
    if not show_personal:
        saved = [{**row, "name": "", "address": "", "city": "", "zip": ""} for row in saved]
    elif saved:
        audit_record(
            action="section.lines_view",
            user=request.user,
            target=section,
            detail={"lines": [row["line"] for row in saved], "entry": keying["entry"]},
        )
    if formset is None and keying["can_key"]:
        formset = _line_formset(lines=_open_lines(saved))
    if declaration is None and section.status in (Status.ISSUED, *KEYABLE):
        initial = {}
        if section.circulator_id:
            initial = {
                "circulator": section.circulator,
                "signed_from": section.signed_from,
                "signed_to": section.signed_to,
                "declaration_date": section.declaration_date,
                "declaration_place": section.declaration_place,
            }
        declaration = DeclarationForm(section=section, initial=initial)
    grid = [{"line": row["line"], "saved": row} for row in saved]
    if keying["can_key"]:
        grid += [{"line": _form_line(form), "form": form} for form in formset]
    grid.sort(key=lambda item: item["line"])
    at = FLOW.index(section.status)
    taken = keyers(section=section) if section.double_entry else {}
    return render(
        request,
        "dashboard/sections/detail.html",
        {
            "petition": section.petition,
            "section": section,
            "show_personal": show_personal,
            "code": section_code(section.pk),
            "formset": formset if keying["can_key"] else None,
            "keying": keying,
            "refusal": refusal,
            "third_volunteer": set(taken) == {1, 2} and request.user.pk not in taken.values(),
            "unresolved": lines_unresolved(section=section) if section.double_entry else [],
            "saved": saved,
            "grid": grid,
            "last_line": max([0, *(item["line"] for item in grid)]),
            "flagged": sum(1 for row in saved if row["flag"]),
            "declaration": declaration,
            "forward": FLOW[at + 1] if at + 1 < len(FLOW) else None,
            "back": FLOW[at - 1] if at else None,
            "history": _history(section),
        },
        status=status,
    )


def _form_line(form: LineForm) -> int:
    value = str(form["line"].value() or "")
    return int(value) if value.isdigit() else 0


def _history(section: PetitionSection) -> list[AuditLog]:
    return list(
        AuditLog.objects.filter(
            object_type="petitions.petitionsection",
            object_id=str(section.pk),
            action__in=[
                "section.return",
                "section.declaration_correct",
                "section.status_move",
                "section.lines_key",
                "section.line_reconcile",
            ],
        ).order_by("-created_at", "-id")[:20]
    )


# --- Views ------------------------------------------------------------------------------


@dashboard_view
@never_cache
def section_list(request: HttpRequest) -> HttpResponse:
    petition = petition_from_request(request)
    filters = SectionFilterForm(request.GET or None)
    sections = (
        PetitionSection.objects.filter(petition=petition)
        .select_related("county", "circulator", "status_changed_by")
        .annotate(lines=Count("signature"))
        .order_by("-created_at", "-number")
    )
    filtered = filters.is_valid() and any(filters.cleaned_data.values())
    if filtered:
        if filters.cleaned_data["county"]:
            sections = sections.filter(county=filters.cleaned_data["county"])
        if filters.cleaned_data["status"]:
            sections = sections.filter(status=filters.cleaned_data["status"])
    page = Paginator(sections, PER_PAGE).get_page(request.GET.get("page"))
    issued = [int(pk) for pk in request.GET.get("issued", "").split(",") if pk.isdigit()]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dashboard/sections/list.html",
        {
            "petition": petition,
            "filters": filters,
            "filtered": filtered,
            "page": page,
            "query": query.urlencode(),
            "issue_form": IssueForm(
                initial={"county": filters.cleaned_data.get("county")} if filters.is_valid() else None
            ),
            "issued": PetitionSection.objects.filter(pk__in=issued, petition=petition).order_by("number")
            if issued
            else [],
            "issued_ids": ",".join(str(pk) for pk in issued),
        },
    )


@dashboard_view
@require_POST
def section_issue(request: StaffRequest) -> HttpResponse:
    petition = petition_from_request(request)
    form = IssueForm(request.POST)
    back = f"{reverse('petitions:sections')}?petition={petition.slug}"
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request, f"{form.fields[field].label if field in form.fields else ''}: {' '.join(map(str, errors))}"
            )
        return redirect(back)
    data = form.cleaned_data
    try:
        issued = sections_issue(
            petition=petition,
            county=data["county"],
            count=data["count"],
            user=request.user,
            double_entry=data["double_entry"],
        )
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
        return redirect(back)
    ids = ",".join(str(section.pk) for section in issued)
    return redirect(f"{back}&county={data['county'].code}&issued={ids}")


@dashboard_view
@never_cache
def sections_pdf(request: HttpRequest) -> HttpResponse:
    """The blank sections to print (ids=1,2,3), each with its number and code."""
    ids = [int(pk) for pk in request.GET.get("ids", "").split(",") if pk.isdigit()][:ISSUE_MAX]
    sections = list(
        PetitionSection.objects.filter(pk__in=ids).select_related("petition", "county", "circulator").order_by("number")
    )
    if not sections:
        return HttpResponseBadRequest(_("Name the sections to print: ?ids=1,2,3"))
    if len({section.petition_id for section in sections}) > 1:
        return HttpResponseBadRequest(_("Print the sections of one petition at a time."))
    pdf = blank_sections_pdf(sections, lines=DEFAULT_LINES)
    name = sections[0].number if len(sections) == 1 else f"{sections[0].number}_to_{sections[-1].number}"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="sections-{name}.pdf"'
    return response


@dashboard_view
@never_cache
@require_http_methods(["GET", "POST"])
def section_detail(request: StaffRequest, pk: int) -> HttpResponse:
    """The section and its lines; a POST saves the keyed lines, all or none."""
    section = _section(pk)
    if request.method == "GET":
        return _render_detail(request, section)
    formset = _line_formset(data=request.POST)
    if not formset.is_valid():
        return _render_detail(request, section, formset=formset, status=400)
    typed = [KeyedLineInput(section=section, **form.cleaned_data) for form in formset if form.has_changed()]
    if not typed:
        messages.info(request, _("Nothing to save: no line was typed."))
        return redirect("petitions:section", pk=section.pk)
    try:
        result = section_lines_key(section=section, lines=typed, user=request.user)
    except ValidationError as refused:
        return _render_detail(request, section, formset=formset, refusal=" ".join(refused.messages), status=400)
    saved = len(result.created) if not section.double_entry else len(typed) - len(result.already_present)
    if result.entry:
        parts = [
            ngettext("Saved %(saved)s line as keying %(entry)s", "Saved %(saved)s lines as keying %(entry)s", saved)
            % {"saved": saved, "entry": result.entry}
        ]
        if result.created:
            parts.append(
                _("%(agreeing)s agree with the other keying and are being checked") % {"agreeing": len(result.created)}
            )
        if result.differing:
            parts.append(
                _("line(s) %(lines)s differ and wait for a third volunteer")
                % {"lines": ", ".join(map(str, result.differing))}
            )
    elif result.created:
        parts = [
            ngettext(
                "Saved %(saved)s line: they are being checked against the voter file",
                "Saved %(saved)s lines: they are being checked against the voter file",
                saved,
            )
            % {"saved": saved}
        ]
    else:
        parts = [ngettext("Saved %(saved)s line", "Saved %(saved)s lines", saved) % {"saved": saved}]
    if result.already_present:
        lines = ", ".join(map(str, result.already_present))
        parts.append(_("line(s) %(lines)s were saved before and were left as they were") % {"lines": lines})
    messages.success(request, _("%(parts)s.") % {"parts": "; ".join(parts)})
    return redirect("petitions:section", pk=section.pk)


@dashboard_view
@require_POST
def section_check(request: StaffRequest, pk: int) -> JsonResponse:
    """What one typed line would get: outcome, reason and date flag, nothing about the voter.

    It still tells whether someone is registered at an address, so it answers
    only for a section that came back (its lines are on the desk), and each
    check leaves an audit row."""
    section = _section(pk)
    if section.status == PetitionSection.Status.ISSUED:
        return JsonResponse({"errors": {"__all__": [_("Record the circulator's declaration first.")]}}, status=409)
    form = LineForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": {name: list(errors) for name, errors in form.errors.items()}}, status=400)
    audit_record(
        action="section.line_check", user=request.user, target=section, detail={"line": form.cleaned_data["line"]}
    )
    return JsonResponse(line_check(keyed=KeyedLineInput(section=section, **form.cleaned_data)).as_json())


@dashboard_view
@require_POST
def section_declaration(request: StaffRequest, pk: int) -> HttpResponse:
    section = _section(pk)
    form = DeclarationForm(request.POST, section=section)
    if not form.is_valid():
        return _render_detail(request, section, declaration=form, status=400)
    data = form.cleaned_data
    try:
        section_return(
            section=section,
            circulator=form.circulator_given(),
            signed_from=data["signed_from"],
            signed_to=data["signed_to"],
            declaration_date=data["declaration_date"],
            declaration_place=data["declaration_place"],
            user=request.user,
        )
    except ValidationError as refused:
        form.add_error(None, refused)
        return _render_detail(request, section, declaration=form, status=400)
    messages.success(
        request, _("Section %(number)s: the circulator's declaration is recorded.") % {"number": section.number}
    )
    return redirect("petitions:section", pk=section.pk)


@dashboard_view
@require_POST
def section_status(request: StaffRequest, pk: int) -> HttpResponse:
    section = _section(pk)
    try:
        section_status_move(
            section=section,
            status=request.POST.get("status", ""),
            user=request.user,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(
            request,
            _("Section %(number)s is now %(status)s.")
            % {"number": section.number, "status": section.get_status_display().lower()},
        )
    return redirect("petitions:section", pk=section.pk)


@dashboard_view
@never_cache
@require_http_methods(["GET", "POST"])
def section_reconcile(request: StaffRequest, pk: int) -> HttpResponse:
    """A third volunteer decides, line by line, where the two keyings differ."""
    section = _section(pk)
    if not section.double_entry:
        return redirect("petitions:section", pk=section.pk)
    if request.user.pk in keyers(section=section).values():
        return render(
            request,
            "dashboard/sections/reconcile.html",
            {
                "petition": section.petition,
                "section": section,
                "keyer": True,
            },
            status=403,
        )
    by_line = keyed_lines_by_line(section=section)
    if request.method == "POST":
        return _reconcile_decide(request, section, by_line)
    unresolved = lines_unresolved(section=section)
    wanted = request.GET.get("line", "")
    line = int(wanted) if wanted.isdigit() and int(wanted) in unresolved else next(iter(unresolved), None)
    return _render_reconcile(request, section, by_line, line=line)


def _reconcile_decide(
    request: StaffRequest, section: PetitionSection, by_line: dict[int, dict[int, KeyedLine]]
) -> HttpResponse:
    if not request.POST.get("line", "").isdigit():
        return HttpResponseBadRequest(_("Name the line to decide."))
    line, choice = int(request.POST["line"]), request.POST.get("use", "")
    entries = by_line.get(line, {})
    decided: KeyedLineInput | None = None
    if choice in ("1", "2") and int(choice) in entries:
        decided = keyed_line_input(section, entries[int(choice)])
    elif choice == "typed":
        form = LineForm({**{name: request.POST.get(name, "") for name in KEYED_FIELDS}, "line": line})
        if not form.is_valid():
            return _render_reconcile(request, section, by_line, line=line, typed=form, status=400)
        decided = KeyedLineInput(section=section, **form.cleaned_data)
    elif choice != "none":
        return HttpResponseBadRequest(_("Choose keying 1, keying 2, the values typed, or a blank line."))
    try:
        signature = keyed_line_reconcile(section=section, line=line, decided=decided, user=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        if signature is None:
            text = _("Line %(line)s: dropped, blank on the paper.") % {"line": line}
        else:
            text = _("Line %(line)s: decided; its signature is being checked.") % {"line": line}
        messages.success(request, text)
    return redirect("petitions:section_reconcile", pk=section.pk)


def _render_reconcile(
    request: StaffRequest,
    section: PetitionSection,
    by_line: dict[int, dict[int, KeyedLine]],
    *,
    line: int | None,
    typed: LineForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """One line's two keyings side by side, the differing fields marked; the
    fields they agree on filled in, the others left for the paper's values."""
    line = line if line in by_line else None
    context = {
        "petition": section.petition,
        "section": section,
        "unresolved": lines_unresolved(section=section),
        "line": line,
    }
    if line is not None:
        first, second = by_line[line].get(1), by_line[line].get(2)
        differing = keyed_lines_differing_fields(first, second)
        context["rows"] = [
            {
                "field": name,
                "label": LineForm.base_fields[name].label,
                "first": _shown(first, name),
                "second": _shown(second, name),
                "differs": name in differing,
                "value": typed.data[name] if typed else ("" if name in differing else _shown(first, name)),
                "error": " ".join(map(str, typed.errors.get(name, []))) if typed else "",
            }
            for name in KEYED_FIELDS
        ]
        context["first"], context["second"] = first, second
        audit_record(action="section.reconcile_view", user=request.user, target=section, detail={"line": line})
    return render(request, "dashboard/sections/reconcile.html", context, status=status)


def _shown(keyed: KeyedLine | None, name: str) -> str:
    if keyed is None:
        return ""
    value = getattr(keyed, name)
    if isinstance(value, date):
        return f"{value:%m/%d/%Y}"
    return " ".join((value or "").split())
