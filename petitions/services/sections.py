"""Petition sections: issued blank and numbered, returned with the circulator's
declaration, keyed, verified, filed; and the lines volunteers key from them,
once or (double entry) twice blind with a third volunteer deciding where the
two keyings differ. Every change writes an audit row."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BigIntegerField, Max
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from petitions.models import AuditLog, Circulator, County, KeyedLine, Petition, PetitionSection, Signature
from petitions.services.audit import audit_record
from petitions.services.paper import KeyedLineInput, paper_lines_create
from petitions.validation.engine import decide

Status = PetitionSection.Status
# list[str]: looked up with a status as stored (a str); the members are str too
FLOW: list[str] = [Status.ISSUED, Status.RETURNED, Status.KEYED, Status.VERIFIED, Status.FILED]
KEYABLE = (Status.RETURNED, Status.KEYED)  # lines are keyed once the declaration is in, until verified
ISSUE_MAX = 200  # sections one request prints
NUMBER_DIGITS = 5
KEYED_FIELDS = ("name", "address", "city", "zip", "date_signed")


def _day(value: date) -> str:
    return f"{value:%b} {value.day}, {value.year}"


# --- Issuing and returning ------------------------------------------------------


def _last_running_number(petition: Petition) -> int:
    """The highest running number among the petition's `<county code>-<number>` sections."""
    last = PetitionSection.objects.filter(petition=petition, number__regex=r"^[0-9]{2}-[0-9]+$").aggregate(
        last=Max(Cast(Substr("number", 4), BigIntegerField()))
    )["last"]
    return last or 0


def sections_issue(
    *, petition: Petition, county: County, count: int, user: User, double_entry: bool = False
) -> list[PetitionSection]:
    """Create `count` blank sections for one county, numbered `<county code>-<running number>`
    (34-00017), the running number counted per petition across counties. The
    petition's row is locked while the numbers are taken, so two staff issuing
    at once get different numbers (the unique (petition, number) constraint
    would refuse a repeat anyway)."""
    if not 1 <= count <= ISSUE_MAX:
        raise ValidationError({"count": f"Issue between 1 and {ISSUE_MAX} sections at a time."})
    now = timezone.now()
    with transaction.atomic():
        list(Petition.objects.select_for_update(no_key=True).filter(pk=petition.pk).values_list("pk", flat=True))
        first = _last_running_number(petition) + 1
        sections = PetitionSection.objects.bulk_create(
            [
                PetitionSection(
                    petition=petition,
                    county=county,
                    number=f"{county.code}-{n:0{NUMBER_DIGITS}d}",
                    double_entry=double_entry,
                    status=Status.ISSUED,
                    status_changed_at=now,
                    status_changed_by=user,
                )
                for n in range(first, first + count)
            ]
        )
        audit_record(
            action="sections.issue",
            user=user,
            target=petition,
            detail={
                "county": county.code,
                "count": count,
                "double_entry": double_entry,
                "numbers": [sections[0].number, sections[-1].number],
                "section_ids": [s.pk for s in sections],
            },
        )
    return sections


@dataclass(frozen=True)
class CirculatorInput:
    """A circulator not yet on file, as printed on the declaration."""

    name: str
    address: str = ""
    city: str = ""
    zip: str = ""
    phone: str = ""
    email: str = ""


def _declaration_refusals(*, signed_from: date, signed_to: date, declaration_date: date) -> dict[str, str]:
    today = timezone.localdate()
    errors = {}
    if signed_from > signed_to:
        errors["signed_to"] = (
            f"The last day signatures were obtained ({_day(signed_to)}) is before the first ({_day(signed_from)})."
        )
    elif declaration_date < signed_to:
        errors["declaration_date"] = (
            f"The declaration is dated {_day(declaration_date)}, before the last signature "
            f"was obtained ({_day(signed_to)}): it is signed after the signatures."
        )
    for name, value in (("signed_from", signed_from), ("signed_to", signed_to), ("declaration_date", declaration_date)):
        if value > today and name not in errors:
            errors[name] = f"{_day(value)} is in the future."
    return errors


def section_return(
    *,
    section: PetitionSection,
    circulator: Circulator | CirculatorInput,
    signed_from: date,
    signed_to: date,
    declaration_date: date,
    declaration_place: str,
    user: User,
) -> PetitionSection:
    """Record the circulator's declaration (EC 104) of a section that came back:
    who circulated it, between which dates the signatures were obtained, when
    and where the declaration was signed. An issued section becomes returned;
    until it is verified the declaration can be corrected."""
    errors = _declaration_refusals(signed_from=signed_from, signed_to=signed_to, declaration_date=declaration_date)
    if isinstance(circulator, CirculatorInput) and not circulator.name.strip():
        errors["circulator"] = "Give the circulator's printed name."
    if isinstance(circulator, Circulator) and circulator.petition_id != section.petition_id:
        errors["circulator"] = "That circulator circulates another petition."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        section = PetitionSection.objects.select_for_update(of=("self",)).select_related("petition").get(pk=section.pk)
        if section.status not in (Status.ISSUED, *KEYABLE):
            raise ValidationError(
                f"Section {section.number} is {section.get_status_display().lower()}: "
                "its declaration can no longer be changed."
            )
        if isinstance(circulator, CirculatorInput):
            circulator = Circulator.objects.create(petition=section.petition, **asdict(circulator))
        returning = section.status == Status.ISSUED
        section.circulator = circulator
        section.signed_from, section.signed_to = signed_from, signed_to
        section.declaration_date, section.declaration_place = declaration_date, declaration_place.strip()
        fields = ["circulator", "signed_from", "signed_to", "declaration_date", "declaration_place"]
        if returning:
            section.status, section.status_changed_at, section.status_changed_by = Status.RETURNED, timezone.now(), user
            fields += ["status", "status_changed_at", "status_changed_by"]
        section.save(update_fields=fields)
        audit_record(
            action="section.return" if returning else "section.declaration_correct",
            user=user,
            target=section,
            detail={
                "circulator": circulator.pk,
                "signed_from": signed_from.isoformat(),
                "signed_to": signed_to.isoformat(),
                "declaration_date": declaration_date.isoformat(),
                "declaration_place": section.declaration_place,
            },
        )
    return section


# --- Status ----------------------------------------------------------------------


def _keyed_by(section: PetitionSection, user: User) -> bool:
    return AuditLog.objects.filter(
        action="section.lines_key", object_type="petitions.petitionsection", object_id=str(section.pk), user=user
    ).exists()


def _forward_refusal(section: PetitionSection, target: str, user: User) -> str | None:
    if target == Status.RETURNED and (section.circulator_id is None or section.signed_from is None):
        return "Record the circulator's declaration first: that is what returns a section."
    if target == Status.KEYED and not (section.signature_set.exists() or section.keyed_lines.exists()):
        return "No line of this section is keyed yet."
    if target == Status.VERIFIED:
        if section.double_entry:
            if set(keyers(section=section)) != {1, 2}:
                return "The second keying is not in yet."
            if left := len(lines_unresolved(section=section)):
                return f"{left} line(s) still wait for a third volunteer."
        elif _keyed_by(section, user):
            return "You keyed lines of this section: another volunteer checks them against the paper."
    return None


def section_status_move(*, section: PetitionSection, status: str, user: User, reason: str = "") -> PetitionSection:
    """Move a section one step along issued, returned, keyed, verified, filed.

    Forward one step when what the step means is true (a declaration, keyed
    lines, every line checked by someone other than its keyer); back one step
    only with a reason, say a section marked filed by mistake. Records who and
    when; a concurrent move makes this one fail rather than skip a step."""
    if status not in FLOW:
        raise ValidationError(f"{status!r} is not a section status.")
    current, target = FLOW.index(section.status), FLOW.index(status)
    if target == current + 1:
        refusal = _forward_refusal(section, status, user)
        if refusal:
            raise ValidationError(refusal)
    elif target == current - 1:
        if not reason.strip():
            raise ValidationError(f"Say why section {section.number} goes back to {status}.")
    else:
        raise ValidationError(
            f"Section {section.number} is {section.status}: a section moves one step at a time "
            "(issued, returned, keyed, verified, filed)."
        )
    now = timezone.now()
    with transaction.atomic():
        moved = PetitionSection.objects.filter(pk=section.pk, status=section.status).update(
            status=status, status_changed_at=now, status_changed_by=user
        )
        if moved != 1:
            raise ValidationError(f"Section {section.number} was moved by someone else meanwhile; reload the page.")
        audit_record(
            action="section.status_move",
            user=user,
            target=section,
            detail={
                "from": section.status,
                "to": status,
                "reason": reason.strip(),
            },
        )
    section.status, section.status_changed_at, section.status_changed_by = status, now, user
    return section


# --- Lines -------------------------------------------------------------------------


def line_date_flag(*, date_signed: date | None, section: PetitionSection, petition: Petition) -> str | None:
    """A plain warning when a line's date is one the county would question:
    outside the petition's circulation (EC 9014) or the circulator's declared dates."""
    if date_signed is None:
        return None
    if date_signed > timezone.localdate():
        return f"Dated {_day(date_signed)}, in the future."
    if not petition.in_circulation(date_signed):
        if petition.summary_date and date_signed < petition.summary_date:
            return f"Dated {_day(date_signed)}, before circulation began ({_day(petition.summary_date)})."
        if petition.deadline:  # out of circulation and not before it: after the deadline
            return f"Dated {_day(date_signed)}, after circulation ended ({_day(petition.deadline)})."
    before = section.signed_from is not None and date_signed < section.signed_from
    if before or (section.signed_to is not None and date_signed > section.signed_to):
        declared = " to ".join(_day(d) for d in (section.signed_from, section.signed_to) if d)
        return f"Dated {_day(date_signed)}, outside the circulator's declared dates ({declared})."
    return None


REASON_WORDS: dict[str, str] = {
    Signature.Reason.NOT_REGISTERED: "no registered voter of this name at this address",
    Signature.Reason.WRONG_COUNTY: "registered in another county",
    Signature.Reason.ADDRESS_MISMATCH: "registered at another address",
    Signature.Reason.INCOMPLETE: "a required item is missing (printed name, house number and street, or city)",
}


@dataclass(frozen=True)
class LineCheck:
    outcome: str  # valid, invalid, review or duplicate
    reason: str
    message: str
    flag: str | None

    def as_json(self) -> dict:
        return {"outcome": self.outcome, "reason": self.reason, "message": self.message, "flag": self.flag}


def line_check(*, keyed: KeyedLineInput) -> LineCheck:
    """What a keyed line would get, decided by the validation engine on an
    unsaved signature, without writing anything. Says only the outcome, never
    who the voter is."""
    section = keyed.section
    signature = Signature(
        petition=section.petition,
        channel=Signature.Channel.PAPER,
        section=section,
        line=keyed.line,
        county_id=section.county_id,
        name_as_written=keyed.name,
        address=keyed.address,
        city=keyed.city,
        zip=keyed.zip,
        date_signed=keyed.date_signed,
    )
    decision = decide(signature)
    flag = line_date_flag(date_signed=keyed.date_signed, section=section, petition=section.petition)
    if decision.status == Signature.Status.VALID:
        if decision.voter is None:
            raise RuntimeError("The engine decided valid without naming the voter.")
        counted = Signature.objects.filter(
            petition=section.petition, voter_id=decision.voter.pk, status=Signature.Status.VALID
        ).exists()
        if counted:
            return LineCheck("duplicate", "", "duplicate: this voter already signed", flag)
        return LineCheck("valid", "", "matches a voter", flag)
    if decision.status == Signature.Status.INVALID:
        words = REASON_WORDS.get(decision.reason, decision.reason.replace("_", " "))
        return LineCheck("invalid", decision.reason, f"would fail: {words}", flag)
    return LineCheck("review", "", "needs review: more than one voter, or no sure match", flag)


@dataclass
class LinesKeyed:
    """What saving a volunteer's lines did."""

    entry: int | None = None  # double entry: the keying this volunteer's lines went into
    created: list[Signature] = field(default_factory=list)
    already_present: list[int] = field(default_factory=list)  # lines saved before: not added again
    differing: list[int] = field(default_factory=list)  # double entry: lines that wait for a third volunteer


def _refuse_keying(section: PetitionSection) -> None:
    if section.status == Status.ISSUED:
        raise ValidationError(f"Record the circulator's declaration of section {section.number} before keying it.")
    if section.status not in KEYABLE:
        raise ValidationError(
            f"Section {section.number} is {section.get_status_display().lower()}: move it back to keyed to add lines."
        )


def keyers(*, section: PetitionSection) -> dict[int, int]:
    """Double entry: {entry: user id} of the volunteers keying each entry so far."""
    return dict(KeyedLine.objects.filter(section=section).values_list("entry", "keyed_by").distinct())


def keyer_entry(*, section: PetitionSection, user: User) -> int | None:
    """The entry (1 or 2) this volunteer keys, or None when both are another's:
    one volunteer cannot key both entries of a section."""
    taken = keyers(section=section)
    for entry in (1, 2):
        if taken.get(entry) == user.pk:
            return entry
    for entry in (1, 2):
        if entry not in taken:
            return entry
    return None


def _normal(value: object) -> str:
    return " ".join(str(value or "").split()).casefold()


def keyed_lines_agree(first: KeyedLine, second: KeyedLine) -> bool:
    """Two keyings of a line agree when every field does, trimmed, case-insensitive, spaces collapsed."""
    return all(_normal(getattr(first, name)) == _normal(getattr(second, name)) for name in KEYED_FIELDS)


def keyed_lines_differing_fields(first: KeyedLine | None, second: KeyedLine | None) -> set[str]:
    if first is None or second is None:
        return set(KEYED_FIELDS)
    return {name for name in KEYED_FIELDS if _normal(getattr(first, name)) != _normal(getattr(second, name))}


def _tidy(value: str) -> str:
    return " ".join(value.split())


def keyed_line_input(section: PetitionSection, keyed: KeyedLine) -> KeyedLineInput:
    return KeyedLineInput(
        section=section,
        line=keyed.line,
        name=_tidy(keyed.name),
        address=_tidy(keyed.address),
        city=_tidy(keyed.city),
        zip=_tidy(keyed.zip),
        date_signed=keyed.date_signed,
    )


def keyed_lines_by_line(*, section: PetitionSection) -> dict[int, dict[int, KeyedLine]]:
    """{line: {entry: KeyedLine}} of a double-entry section."""
    by_line: dict[int, dict[int, KeyedLine]] = defaultdict(dict)
    for keyed in KeyedLine.objects.filter(section=section).order_by("line", "entry"):
        by_line[keyed.line][keyed.entry] = keyed
    return dict(by_line)


def lines_unresolved(*, section: PetitionSection) -> list[int]:
    """Double entry: keyed lines that have no signature yet."""
    made = set(Signature.objects.filter(section=section).values_list("line", flat=True))
    return sorted(set(KeyedLine.objects.filter(section=section).values_list("line", flat=True)) - made)


def _lines_key_double(section: PetitionSection, lines: list[KeyedLineInput], user: User) -> LinesKeyed:
    entry = keyer_entry(section=section, user=user)
    if entry is None:
        raise ValidationError(
            f"Both keyings of section {section.number} are other volunteers': a third volunteer reconciles them."
        )
    result = LinesKeyed(entry=entry)
    mine = set(KeyedLine.objects.filter(section=section, entry=entry).values_list("line", flat=True))
    new = []
    for keyed in lines:
        if keyed.line in mine:
            result.already_present.append(keyed.line)
            continue
        mine.add(keyed.line)
        new.append(
            KeyedLine(
                section=section,
                line=keyed.line,
                entry=entry,
                keyed_by=user,
                name=keyed.name,
                address=keyed.address,
                city=keyed.city,
                zip=keyed.zip,
                date_signed=keyed.date_signed,
            )
        )
    KeyedLine.objects.bulk_create(new)
    made = set(Signature.objects.filter(section=section).values_list("line", flat=True))
    agreeing = []
    for line, entries in keyed_lines_by_line(section=section).items():
        if line in made or len(entries) < 2:
            continue
        if keyed_lines_agree(entries[1], entries[2]):
            agreeing.append(keyed_line_input(section, entries[1]))
        else:
            result.differing.append(line)
    result.created = paper_lines_create(lines=agreeing).created
    return result


def section_lines_key(*, section: PetitionSection, lines: list[KeyedLineInput], user: User) -> LinesKeyed:
    """Save the lines a volunteer keyed from a returned section.

    Single entry: they become pending paper signatures (validated after commit).
    Double entry: they are this volunteer's keying (entry 1, or entry 2 blind);
    lines both keyings agree on become signatures, the others wait for a third
    volunteer. The section moves to keyed when its lines are in (both keyings,
    for double entry) and to verified once every double-entry line is resolved."""
    if any(keyed.section.pk != section.pk for keyed in lines):
        raise ValueError("every keyed line must belong to the section being keyed")
    with transaction.atomic():
        section = (
            PetitionSection.objects.select_for_update(no_key=True, of=("self",))
            .select_related("petition")
            .get(pk=section.pk)
        )
        _refuse_keying(section)
        lines = [replace(keyed, section=section) for keyed in lines]
        if section.double_entry:
            result = _lines_key_double(section, lines, user)
        else:
            created = paper_lines_create(lines=lines)
            result = LinesKeyed(created=created.created, already_present=[line for _, line in created.already_present])
        audit_record(
            action="section.lines_key",
            user=user,
            target=section,
            detail={
                "entry": result.entry,
                "lines": [keyed.line for keyed in lines],
                "signatures": [signature.pk for signature in result.created],
                "already_present": result.already_present,
                "differing": result.differing,
            },
        )
        both_keyed = not section.double_entry or set(keyers(section=section)) == {1, 2}
        if section.status == Status.RETURNED and both_keyed and _forward_refusal(section, Status.KEYED, user) is None:
            section_status_move(section=section, status=Status.KEYED, user=user)
        _verify_when_resolved(section, user)
    return result


def _verify_when_resolved(section: PetitionSection, user: User) -> None:
    if (
        section.double_entry
        and section.status == Status.KEYED
        and not lines_unresolved(section=section)
        and set(keyers(section=section)) == {1, 2}
    ):
        section_status_move(section=section, status=Status.VERIFIED, user=user)


def keyed_line_reconcile(
    *, section: PetitionSection, line: int, decided: KeyedLineInput | None, user: User
) -> Signature | None:
    """A third volunteer, neither of the keyers, decides a line of a double-entry
    section the two keyings disagree on (or only one keyed), from the paper:
    `decided` becomes its signature, or None says the line is blank on the paper
    and both keyings of it are dropped. Audited with both keyings."""
    with transaction.atomic():
        section = (
            PetitionSection.objects.select_for_update(no_key=True, of=("self",))
            .select_related("petition")
            .get(pk=section.pk)
        )
        if not section.double_entry:
            raise ValidationError(f"Section {section.number} is keyed once: there is nothing to reconcile.")
        if user.pk in keyers(section=section).values():
            raise ValidationError("You keyed this section: a third volunteer decides where the keyings differ.")
        entries = keyed_lines_by_line(section=section).get(line)
        if not entries:
            raise ValidationError(f"Line {line} of section {section.number} is not keyed.")
        if Signature.objects.filter(section=section, line=line).exists():
            raise ValidationError(f"Line {line} of section {section.number} is already decided.")
        versions = {
            str(entry): {name: str(getattr(keyed, name) or "") for name in KEYED_FIELDS}
            for entry, keyed in entries.items()
        }
        signature = None
        if decided is None:
            KeyedLine.objects.filter(section=section, line=line).delete()
        else:
            if decided.line != line:
                raise ValueError("the decided line must be the line reconciled")
            signature = paper_lines_create(lines=[replace(decided, section=section)]).created[0]
        audit_record(
            action="section.line_reconcile",
            user=user,
            target=section,
            detail={
                "line": line,
                "keyings": versions,
                "signature": signature.pk if signature else None,
                "decided": None
                if decided is None
                else {name: str(getattr(decided, name) or "") for name in KEYED_FIELDS},
            },
        )
        _verify_when_resolved(section, user)
    return signature
