"""Reads. Public numbers come from the tallies only, never from counting rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Max

from petitions.models import County, CountingRun, Petition, Tally

COUNT_FIELDS = ("raw", "valid", "invalid", "duplicate", "review", "pending", "pledged")


@dataclass
class CountyCounts:
    code: str
    name: str
    raw: int = 0
    valid: int = 0
    invalid: int = 0
    duplicate: int = 0
    review: int = 0
    pending: int = 0
    pledged: int = 0

    def as_dict(self) -> dict[str, int | str]:
        return {"code": self.code, "name": self.name, **{f: getattr(self, f) for f in COUNT_FIELDS}}


@dataclass
class PetitionCounts:
    petition: Petition
    statewide: CountyCounts
    by_county: list[CountyCounts] = field(default_factory=list)
    updated_at: datetime | None = None
    # Online signatures not (yet) filed, by status: the campaign's own pipeline.
    online: dict[str, int] = field(default_factory=dict)

    @property
    def progress_percent(self) -> float:
        required = self.petition.required_signatures
        return min(100.0, 100.0 * self.statewide.valid / required) if required else 0.0

    @property
    def notice_reached(self) -> bool:
        """Proponents hold 25 % of the requirement (EC 9034): they must certify it."""
        return self.statewide.raw >= self.petition.notice_threshold


def petition_featured() -> Petition | None:
    return Petition.objects.filter(featured=True).order_by("pk").first() or Petition.objects.order_by("pk").first()


def petition_counts(petition: Petition) -> PetitionCounts:
    """Per county and statewide, in the shape of the public API.

    raw: signatures that would be filed (paper, returned wet-ink forms, online
    where it counts directly); valid..pending break raw down; pledged: valid
    online signatures still waiting for their wet-ink form."""
    rows = {c.code: CountyCounts(code=c.code, name=c.name) for c in County.objects.all()}
    statewide = CountyCounts(code="00", name="Statewide")
    online: dict[str, int] = {"pending": 0, "valid": 0, "review": 0, "invalid": 0, "duplicate": 0}
    for county_id, filed, status, count in Tally.objects.filter(petition=petition).values_list(
        "county_id", "filed", "status", "count"
    ):
        targets = (rows[county_id], statewide)
        for target in targets:
            if filed:
                target.raw += count
                setattr(target, status, getattr(target, status) + count)
            elif status == "valid":
                target.pledged += count
        if not filed:
            online[status] = online.get(status, 0) + count
    updated_at = CountingRun.objects.aggregate(last=Max("finished_at"))["last"]
    return PetitionCounts(
        petition=petition, statewide=statewide, by_county=list(rows.values()), updated_at=updated_at, online=online
    )


def petition_counts_json(petition: Petition) -> dict:
    counts = petition_counts(petition)
    return {
        "slug": petition.slug,
        "title": petition.title,
        "required": petition.required_signatures,
        "deadline": petition.deadline.isoformat() if petition.deadline else None,
        "counts": {f: getattr(counts.statewide, f) for f in COUNT_FIELDS},
        "by_county": [row.as_dict() for row in counts.by_county],
        "updated_at": counts.updated_at.isoformat() if counts.updated_at else None,
    }
