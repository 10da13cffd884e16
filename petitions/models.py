"""The data model. Signature rows are the truth; tallies are derived from them."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from petitions.matching.keys import KeyHash


class County(models.Model):
    """One of California's 58 counties, numbered as the Secretary of State does."""

    code = models.CharField(max_length=2, primary_key=True)
    name = models.CharField(max_length=40, unique=True)
    fips = models.CharField(max_length=5, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "counties"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Petition(models.Model):
    class Kind(models.TextChoices):
        STATUTE = "statute", _("Initiative statute")
        CONSTITUTIONAL_AMENDMENT = "amendment", _("Initiative constitutional amendment")
        REFERENDUM = "referendum", _("Referendum")

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    question = models.TextField()
    summary = models.TextField(blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.STATUTE)
    required_signatures = models.PositiveIntegerField(
        default=546_651,
        help_text="Valid signatures required: 5 % (statute) or 8 % (constitutional amendment) of the votes for "
        "governor at the last election (EC 9035). 546,651 for an initiative statute this cycle.",
    )
    # The legal constants, with California's values (Elections Code): the odds of qualifying
    # (services.projections.odds_compute) and the 25 % notice read them from here. Not in the admin's
    # form (editable=False): the law sets them; a data migration or the shell changes them.
    notice_percent = models.PositiveSmallIntegerField(
        default=25,
        editable=False,
        help_text="Share of the requirement at which the proponents must certify it (EC 9034), in %.",
    )
    sample_minimum = models.PositiveIntegerField(
        default=500,
        editable=False,
        help_text="A county samples at least this many signatures and checks them all at or below it (EC 9030(d)).",
    )
    sample_percent = models.PositiveSmallIntegerField(
        default=3,
        editable=False,
        help_text="...or this percentage of its raw count, whichever is greater (EC 9030(d)).",
    )
    full_count_percent = models.PositiveSmallIntegerField(
        default=95,
        editable=False,
        help_text="From this % of the requirement the projection orders a full count (EC 9030(g)).",
    )
    qualify_percent = models.PositiveSmallIntegerField(
        default=110,
        editable=False,
        help_text="More than this % of the requirement qualifies without a full count (EC 9030(f)).",
    )
    circulation_days = models.PositiveSmallIntegerField(
        default=180, editable=False, help_text="Days from the official summary date to file the petition (EC 9014(b))."
    )
    summary_date = models.DateField(null=True, blank=True, help_text="Official summary date: circulation starts.")
    deadline = models.DateField(null=True, blank=True, help_text="Last day of circulation.")
    # The Secretary of State publishes, per election, the last days it suggests for filing with the
    # counties so that the measure makes that ballot: earlier when a full count may be needed.
    suggested_filing_full_count = models.DateField(
        null=True,
        blank=True,
        help_text="The Secretary of State's suggested last day to file with the counties for the targeted "
        "election should a full count be needed.",
    )
    suggested_filing_random_sample = models.DateField(
        null=True,
        blank=True,
        help_text="The Secretary of State's suggested last day to file with the counties for the targeted "
        "election when the random sample qualifies the measure.",
    )
    online_counts_directly = models.BooleanField(
        default=False,
        help_text="Whether an online signature counts by itself. Off for California "
        "(wet-ink rule): online signatures are pledged until their signed form returns.",
    )
    measure_text = models.TextField(
        blank=True, help_text="The full text of the measure, printed on every petition section and wet-ink form."
    )
    return_address = models.TextField(
        blank=True, help_text="Where signers mail their signed wet-ink forms (printed on the form)."
    )
    retention_days = models.PositiveIntegerField(
        default=240,
        help_text="Days after the deadline (or after closing, without one) that signers' personal data is kept "
        "before purge_personal_data may remove it; the counts stay.",
    )
    featured = models.BooleanField(default=False)
    is_open = models.BooleanField(default=True, help_text="Accepting signatures online.")
    notifications_off = models.JSONField(
        default=list,
        blank=True,
        help_text="The organizers' email notifications switched off (Notification.Kind values).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]
        permissions = [
            ("view_dashboard", "Can see the volunteer dashboard"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def notice_threshold(self) -> int:
        """25 % (notice_percent) of the requirement (Elections Code 9034), rounded up."""
        return -(-self.required_signatures * self.notice_percent // 100)

    @property
    def sample_rules(self) -> dict[str, int]:
        """The legal constants as petitions.projection.qualification_odds takes them."""
        return {
            "sample_minimum": self.sample_minimum,
            "sample_percent": self.sample_percent,
            "full_count_percent": self.full_count_percent,
            "qualify_percent": self.qualify_percent,
        }

    def in_circulation(self, day) -> bool:
        """Whether signatures may be gathered on `day` (EC 9014: from the summary date to the deadline)."""
        return (self.summary_date is None or day >= self.summary_date) and (
            self.deadline is None or day <= self.deadline
        )


class PetitionText(models.Model):
    """The measure's legally required words in one language other than English: the
    Attorney General's title and summary, the question and the text of the measure, as
    the campaign's translators filed them. The software never translates these; a field
    left blank is shown in English with a note (selectors.petition_legal_text)."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=10, choices=[c for c in settings.LANGUAGES if c[0] != "en"])
    title = models.CharField(max_length=200, blank=True)
    question = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    measure_text = models.TextField(blank=True)

    class Meta:
        ordering = ["petition", "language"]
        constraints = [
            models.UniqueConstraint(fields=["petition", "language"], name="one_petition_text_per_language"),
        ]

    def __str__(self) -> str:
        return f"{self.petition.slug} ({self.language})"


class Circulator(models.Model):
    """A person who circulates petition sections and signs their declarations (EC 104, 9022)."""

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="circulators")
    name = models.CharField(max_length=200, help_text="Printed name, as on the declaration.")
    address = models.CharField(max_length=200, blank=True, help_text="Residence address (street and number).")
    city = models.CharField(max_length=100, blank=True)
    zip = models.CharField(max_length=10, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["petition", "name", "id"]

    def __str__(self) -> str:
        return self.name


class PetitionSection(models.Model):
    """A petition section: one physical document that circulates in one county only (EC 9021)."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")  # printed and handed to a circulator
        RETURNED = "returned", _("Returned")  # back with the circulator's declaration
        KEYED = "keyed", _("Keyed")  # its lines are entered
        VERIFIED = "verified", _("Verified")  # its lines are checked (double entry reconciled, or by staff)
        FILED = "filed", _("Filed")  # filed with the county's elections official

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="sections")
    number = models.CharField(max_length=40)
    county = models.ForeignKey(County, on_delete=models.PROTECT)
    circulator = models.ForeignKey(Circulator, null=True, blank=True, on_delete=models.PROTECT, related_name="sections")
    # The circulator's declaration (EC 104): the dates between which the
    # signatures were obtained, and the date and place it was signed.
    signed_from = models.DateField(null=True, blank=True)
    signed_to = models.DateField(null=True, blank=True)
    declaration_date = models.DateField(null=True, blank=True)
    declaration_place = models.CharField(max_length=100, blank=True)
    double_entry = models.BooleanField(
        default=False, help_text="Two volunteers key the lines blind; a third decides where they differ."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ISSUED)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["petition", "number"]
        constraints = [
            models.UniqueConstraint(fields=["petition", "number"], name="section_number_unique"),
            models.CheckConstraint(
                condition=Q(signed_from__isnull=True) | Q(signed_to__isnull=True) | Q(signed_from__lte=F("signed_to")),
                name="section_declared_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.petition.slug} section {self.number}"


class Voter(models.Model):
    """A row of the Secretary of State's voter file, plus matching keys computed at import."""

    # Unique through Meta.constraints, not unique=True: on PostgreSQL a unique
    # CharField also gets a varchar_pattern_ops (LIKE) index nobody uses.
    registrant_id = models.CharField(max_length=20)
    # No index of its own: the composite indexes below begin with county.
    county = models.ForeignKey(County, on_delete=models.PROTECT, db_index=False)
    last_name = models.CharField(max_length=100)
    first_name = models.CharField(max_length=100)
    middle_name = models.CharField(max_length=100, blank=True)
    suffix = models.CharField(max_length=20, blank=True)
    address_number = models.CharField(max_length=20, blank=True)
    house_fraction = models.CharField(max_length=10, blank=True)
    address_number_suffix = models.CharField(max_length=10, blank=True)
    street_dir_prefix = models.CharField(max_length=10, blank=True)
    street_name = models.CharField(max_length=100, blank=True)
    street_type = models.CharField(max_length=20, blank=True)
    street_dir_suffix = models.CharField(max_length=10, blank=True)
    unit_type = models.CharField(max_length=20, blank=True)
    unit_number = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    zip = models.CharField(max_length=10, blank=True)
    dob = models.DateField(null=True, blank=True)
    voter_status = models.CharField(max_length=20, blank=True, help_text="Status column of the voter file.")
    registration_date = models.DateField(null=True, blank=True)
    registered = models.BooleanField(default=True, help_text="False once a newer file no longer lists the voter.")
    # Normalised keys for matching (petitions.matching.keys), computed once at import.
    key_last = models.CharField(max_length=100, blank=True)
    key_first = models.CharField(max_length=100, blank=True)
    key_house = models.CharField(max_length=20, blank=True)
    key_street = models.CharField(max_length=100, blank=True)
    # Blocking keys for fuzzy candidate search (petitions.matching): a phonetic
    # code of the surname, the given name's initial, the 5-digit ZIP.
    key_last_phonetic = models.CharField(max_length=20, blank=True, default="", db_default="")
    key_first_initial = models.CharField(max_length=1, blank=True, default="", db_default="")
    key_zip = models.CharField(max_length=5, blank=True, default="", db_default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # The voter import's upsert is ON CONFLICT (registrant_id): it needs this.
            models.UniqueConstraint(fields=["registrant_id"], name="voter_registrant_id_unique"),
        ]
        # Each index serves validation's candidate searches (validation/blocks.py, by_address.py); no
        # other query reads one. The county stays first where a block has it: a text key first would
        # let the planner take that index for the statewide block and filter (measured: 807 instead
        # of 1,171 signatures/s). Where a block looks its leading keys up only as equal, they are
        # one 64-bit KeyHash: a third of the size, built three times faster (BENCHMARKS.md).
        indexes = [
            models.Index(KeyHash("county_id", "key_house"), F("key_street"), name="voter_address_key"),
            models.Index(KeyHash("key_last", "key_first", "key_house"), name="voter_statewide_key"),
            # Read by its leading key alone too (by_address.py): not hashed.
            models.Index(
                fields=["key_last_phonetic", "key_zip", "key_first_initial"], name="voter_phonetic_zip_initial_key"
            ),
            models.Index(KeyHash("county_id", "key_last"), F("key_first_initial"), name="voter_surname_initial_key"),
            # A street written so differently that its key differs: the house
            # number with the surname's sound, or with the ZIP.
            models.Index(KeyHash("county_id", "key_house", "key_last_phonetic"), name="voter_house_phonetic_key"),
            # Read by the ZIP alone too (by_address.py): not hashed.
            models.Index(fields=["key_zip", "key_house"], name="voter_zip_house_key"),
        ]

    def __str__(self) -> str:
        return f"{self.registrant_id} {self.first_name} {self.last_name}"

    @property
    def street_address(self) -> str:
        parts = [
            self.address_number,
            self.house_fraction,
            self.address_number_suffix,
            self.street_dir_prefix,
            self.street_name,
            self.street_type,
            self.street_dir_suffix,
        ]
        line = " ".join(p for p in parts if p)
        if self.unit_number:
            line += f" {self.unit_type or '#'} {self.unit_number}"
        return line


class VoterFileShape(models.Model):
    """What a voter import found about how people live, measured on the voter
    table after the import (petitions.validation.by_address): the share of
    registered voters who share their address with another registered voter.
    A real voter file is full of households (most voters share an address);
    a file where nobody does tells the matcher that the address alone
    identifies a person."""

    measured_at = models.DateTimeField()
    file_name = models.CharField(max_length=255, blank=True)
    voters = models.PositiveIntegerField(help_text="Registered voters with a house number and street.")
    sampled = models.PositiveIntegerField(help_text="How many of them the share was measured on.")
    shared_address_share = models.FloatField()

    class Meta:
        ordering = ["-measured_at", "-id"]
        get_latest_by = ["measured_at", "id"]

    def __str__(self) -> str:
        return f"{self.file_name}: {self.shared_address_share:.1%} of {self.voters:,} voters share an address"


class Signature(models.Model):
    class Channel(models.TextChoices):
        ONLINE = "online", _("Online")
        PAPER = "paper", _("Paper")

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("Unconfirmed")
        PENDING = "pending", _("Pending")
        VALID = "valid", _("Valid")
        INVALID = "invalid", _("Invalid")
        DUPLICATE = "duplicate", _("Duplicate")
        REVIEW = "review", _("Review")

    class Reason(models.TextChoices):
        NONE = "", "-"
        NOT_REGISTERED = "not_registered", _("Not Registered")
        WRONG_COUNTY = "wrong_county", _("Wrong County")
        ADDRESS_MISMATCH = "address_mismatch", _("Address Mismatch")
        INCOMPLETE = "incomplete", _("Incomplete")
        FRAUD = "fraud", _("Fraud")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="signatures")
    channel = models.CharField(max_length=6, choices=Channel.choices)
    section = models.ForeignKey(PetitionSection, null=True, blank=True, on_delete=models.PROTECT)
    line = models.PositiveIntegerField(null=True, blank=True)
    county = models.ForeignKey(County, on_delete=models.PROTECT)
    first_name = models.CharField(max_length=100, blank=True)
    middle_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    suffix = models.CharField(max_length=20, blank=True)
    name_as_written = models.CharField(max_length=250, blank=True, help_text="Paper: the printed name as keyed.")
    address = models.CharField(max_length=200, blank=True)
    unit = models.CharField(max_length=30, blank=True)
    city = models.CharField(max_length=100, blank=True)
    zip = models.CharField(max_length=10, blank=True)
    dob = models.DateField(null=True, blank=True)
    email = models.EmailField(blank=True)
    date_signed = models.DateField(null=True, blank=True)
    language = models.CharField(
        max_length=10,
        default="en",
        help_text="Online: the language the signer signed in; their emails and wet-ink form use it.",
    )

    status = models.CharField(max_length=12, choices=Status.choices, db_index=True)
    reason = models.CharField(max_length=20, choices=Reason.choices, blank=True, default="")
    voter = models.ForeignKey(Voter, null=True, blank=True, on_delete=models.PROTECT, related_name="signatures")
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Set when a person decided the status; the machine never overrides it.",
    )

    match_score = models.FloatField(null=True, blank=True, help_text="Confidence of the match to `voter`, 0-1.")
    match_candidates = models.JSONField(
        default=list, blank=True, help_text="Review: the plausible voters, [{'voter': id, 'score': 0-1}], best first."
    )
    person_key = models.CharField(
        max_length=200,
        blank=True,
        db_index=True,
        help_text="Normalised name and address: links signatures of one unregistered person as duplicates.",
    )

    class Hold(models.TextChoices):
        NONE = "", "-"
        ADDRESS_RATE = "address_rate", _("Over the limit for its client address")
        EMAIL_RATE = "email_rate", _("Over the limit for its email address")

    hold = models.CharField(
        max_length=20,
        choices=Hold.choices,
        blank=True,
        default="",
        help_text="Quietly held for fraud review: it does not count until a person clears it.",
    )
    purged_at = models.DateTimeField(null=True, blank=True, help_text="When its personal data was removed.")
    confirm_nonce = models.CharField(
        max_length=32, blank=True, help_text="Online: input of the keyed confirmation token."
    )
    ip_hash = models.CharField(max_length=64, blank=True, help_text="Keyed hash of the client IP.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    # An email's lease and back-off (services.outbox): not tried again before this time.
    confirmation_retry_at = models.DateTimeField(null=True, blank=True)
    confirmation_attempts = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    form_email_sent_at = models.DateTimeField(
        null=True, blank=True, help_text='Online: when the "Your petition form" email went out (sent once).'
    )
    form_email_retry_at = models.DateTimeField(null=True, blank=True)
    form_email_attempts = models.PositiveSmallIntegerField(default=0)
    wet_ink_received_at = models.DateTimeField(null=True, blank=True, help_text="Online: when its signed form arrived.")
    wet_ink_received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Online: who recorded the signed form at intake.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        permissions = [
            ("view_personal_data", "Can see signers' names, addresses and emails"),
            ("export_personal_data", "Can export signatures with personal data"),
            ("review_signature", "Can decide signatures in the review queue"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "section", "line"],
                condition=Q(section__isnull=False),
                name="signature_one_per_section_line",
            ),
            # One voter counts at most once per petition: a replayed task or two
            # workers racing cannot keep two valid signatures for one voter.
            models.UniqueConstraint(
                fields=["petition", "voter"],
                condition=Q(status="valid"),
                name="signature_one_valid_per_voter",
            ),
            # One unregistered person's signatures: the first the machine finds
            # not registered stands for them; later ones become its duplicates.
            models.UniqueConstraint(
                fields=["petition", "person_key"],
                condition=Q(status="invalid", reason="not_registered", decided_by__isnull=True) & ~Q(person_key=""),
                name="signature_one_unregistered_original_per_person",
            ),
            models.CheckConstraint(
                condition=Q(status="invalid", reason__gt="") | (~Q(status="invalid") & Q(reason="")),
                name="signature_reason_iff_invalid",
            ),
            models.CheckConstraint(
                condition=Q(status="duplicate", duplicate_of__isnull=False)
                | (~Q(status="duplicate") & Q(duplicate_of__isnull=True)),
                name="signature_duplicate_points_at_original",
            ),
            models.CheckConstraint(
                condition=Q(channel="paper", section__isnull=False, line__isnull=False) | Q(channel="online"),
                name="signature_paper_has_section_line",
            ),
        ]
        indexes = [
            models.Index(fields=["petition", "status"], name="signature_petition_status"),
            models.Index(fields=["petition", "voter"], name="signature_petition_voter"),
            # The sweep's question: decided online signatures whose form email never went out.
            models.Index(
                fields=["validated_at"],
                name="signature_form_email_unsent",
                condition=Q(channel="online", form_email_sent_at__isnull=True),
            ),
            # The sweep's other question: online signatures whose confirmation email never went out.
            models.Index(
                fields=["created_at"],
                name="signature_confirmation_unsent",
                condition=Q(channel="online", confirmation_sent_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"signature {self.pk} ({self.channel}, {self.status})"

    @property
    def printed_name(self) -> str:
        if self.name_as_written:
            return self.name_as_written
        return " ".join(p for p in [self.first_name, self.middle_name, self.last_name, self.suffix] if p)

    # The reasons for which "we could not find you" is the right form email: the signer may not be
    # registered, or registered elsewhere, and can check and still sign.
    NOT_FOUND_REASONS = (Reason.NOT_REGISTERED, Reason.ADDRESS_MISMATCH, Reason.WRONG_COUNTY)

    @property
    def form_email_kind(self) -> str | None:
        """Which "Your petition form" email this online signature gets once decided, if any."""
        if self.channel != self.Channel.ONLINE or self.petition.online_counts_directly:
            return None
        if self.status == self.Status.VALID:
            return "found"
        if self.status == self.Status.DUPLICATE and self.voter_id is not None:
            return "already_signed"  # a second form mailed back would cost the campaign at the county's sample
        if self.status == self.Status.INVALID and self.reason in self.NOT_FOUND_REASONS:
            return "not_found"
        return None  # pending, in review, or rejected for fraud or withdrawn: nothing to say yet, or to send


class KeyedLine(models.Model):  # noqa: DJ008 - not shown by itself in the admin
    """One volunteer's keying of one line of a double-entry section. Two
    entries of a line that agree make its signature; where they differ a
    third volunteer decides, and the decision makes it."""

    section = models.ForeignKey(PetitionSection, on_delete=models.CASCADE, related_name="keyed_lines")
    line = models.PositiveIntegerField()
    entry = models.PositiveSmallIntegerField(help_text="1 or 2: the first or the second, blind, keying.")
    keyed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=250, blank=True)
    address = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    zip = models.CharField(max_length=10, blank=True)
    date_signed = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["section", "line", "entry"]
        constraints = [
            models.UniqueConstraint(fields=["section", "line", "entry"], name="keyed_line_one_per_entry"),
            models.CheckConstraint(condition=Q(entry__in=[1, 2]), name="keyed_line_entry_1_or_2"),
        ]


class Tally(models.Model):
    """How many signatures of a petition are in a status, per county.

    `filed` says whether these signatures would be filed with the county under
    the petition's rules (paper, a returned wet-ink form, or online where it
    counts directly). Only the counting task writes this table.
    """

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="tallies")
    county = models.ForeignKey(County, on_delete=models.PROTECT)
    filed = models.BooleanField()
    status = models.CharField(max_length=12, choices=Signature.Status.choices)
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["petition", "county", "filed", "status"], name="tally_unique_bucket"),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id}/{self.county_id}/{'filed' if self.filed else 'online'}/{self.status}={self.count}"


class TallyChange(models.Model):  # noqa: DJ008 - not shown by itself in the admin
    """A change to a tally bucket, written in the same transaction as the
    signature's change. The counting task folds these into `Tally` and deletes
    them, so every change is counted exactly once."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE)
    county = models.ForeignKey(County, on_delete=models.PROTECT)
    filed = models.BooleanField()
    status = models.CharField(max_length=12)
    delta = models.SmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)


class CountingRun(models.Model):  # noqa: DJ008 - not shown by itself in the admin
    class Kind(models.TextChoices):
        COUNT = "count", _("Count")
        RECOUNT = "recount", _("Recount")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    changes_applied = models.PositiveIntegerField(default=0)
    drift = models.JSONField(default=list, blank=True, help_text="Recount: buckets whose tally differed from the rows.")

    class Meta:
        ordering = ["-finished_at"]
        get_latest_by = "finished_at"
        indexes = [
            # What is read: the last run (the counts' updated_at) and the last recount (the dashboard);
            # the pruning (services.tallies.counting_runs_prune) deletes old `count` runs by finished_at.
            models.Index(fields=["finished_at"], name="countingrun_finished"),
            models.Index(fields=["kind", "finished_at"], name="countingrun_kind_finished"),
        ]


class CountyProjection(models.Model):  # noqa: DJ008 - not shown by itself in the admin
    """The random-sample projection (EC 9030(d), 2 CCR 20530-20532) we expect the
    county to reach, from our own validation results. Written by a periodic task."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="projections")
    county = models.ForeignKey(County, on_delete=models.PROTECT)
    raw = models.PositiveIntegerField()
    sample = models.PositiveIntegerField()
    validity_rate = models.FloatField()
    duplicate_rate = models.FloatField()
    projected_valid = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["petition", "county"]
        constraints = [models.UniqueConstraint(fields=["petition", "county"], name="projection_one_per_county")]


class QualificationOdds(models.Model):  # noqa: DJ008 - not shown by itself in the admin
    """The chances that the counties' random samples qualify the petition
    (petitions.projection.qualification_odds) and the raw signatures still
    needed for a 90 % chance, from our own rates. One row per petition,
    rewritten by the periodic task compute_qualification_odds."""

    petition = models.OneToOneField(Petition, on_delete=models.CASCADE, related_name="odds")
    raw = models.PositiveIntegerField(help_text="Statewide raw count the odds were computed at.")
    runs = models.PositiveIntegerField()
    qualifies = models.FloatField()
    full_count = models.FloatField()
    fails = models.FloatField()
    target = models.FloatField(default=0.9, help_text="The chance of qualifying raw_needed is for.")
    raw_needed = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Extra raw signatures at current rates for the target chance; null: none known.",
    )
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "qualification odds"


class AuditLog(models.Model):
    """Who did what to which record, and who saw or exported personal data."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor = models.CharField(max_length=150, help_text="User name, or the command or task that acted.")
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type}:{self.object_id}"


class ExportJob(models.Model):
    """An export that runs in the background (services/exports.py, task `export_run`): its progress, and
    its file under EXPORT_ROOT (never served as a static file: downloads go through a view that checks
    the role and the expiry), deleted at `expires_at` by the periodic `export_expire`."""

    class Kind(models.TextChoices):
        COUNTS = "counts", _("Counts per county")
        FILING = "filing", _("Filing list")
        SECTIONS = "sections", _("Petition sections")
        SIGNATURES = "signatures", _("Signatures (personal data)")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", _("Excel (XLSX)")
        JSON = "json", "JSON"

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who asked for it; only they may download it.",
    )
    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    format = models.CharField(max_length=4, choices=Format.choices)
    filters = models.JSONField(default=dict, blank=True, help_text='{"county": "34", "section": <section id>}')
    label = models.CharField(max_length=200, help_text="What it holds, as the exports page shows it.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True, help_text="Known once the export starts.")
    file_name = models.CharField(max_length=100, blank=True, help_text="Under EXPORT_ROOT; empty once deleted.")
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(db_index=True, help_text="The file is deleted then (EXPORT_KEEP_HOURS).")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="exportjob_user_recent")]

    def __str__(self) -> str:
        return f"export {self.pk}: {self.label} ({self.format}, {self.status})"


class DailySnapshot(models.Model):  # noqa: DJ008 - not shown by itself in the admin
    """One county's counts for a petition at the end of a day, as the tallies had them: the campaign's
    history (the pace, the chart). The counting run writes today's row of each county
    (services.history.snapshots_record, an upsert), so the last run of a day leaves its final values;
    a day without a row had no change since the row before."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="snapshots")
    county = models.ForeignKey(County, on_delete=models.PROTECT)
    day = models.DateField()
    # The dashboard's numbers (selectors.COUNT_FIELDS): raw and its statuses, and pledged.
    raw = models.IntegerField(default=0)
    valid = models.IntegerField(default=0)
    invalid = models.IntegerField(default=0)
    duplicate = models.IntegerField(default=0)
    review = models.IntegerField(default=0)
    pending = models.IntegerField(default=0)
    pledged = models.IntegerField(default=0)
    recorded_at = models.DateTimeField(help_text="When these numbers were last written.")

    class Meta:
        ordering = ["petition", "day", "county"]
        constraints = [
            models.UniqueConstraint(fields=["petition", "day", "county"], name="daily_snapshot_one_per_county_day")
        ]


class BulkInvalidation(models.Model):
    """An Organizer's bulk invalidation (services/bulk.py, task `bulk_invalidation_run`): the signatures a
    set of criteria selects are made `invalid` with one reason, in batches with their tally changes, and
    each one changed is recorded (BulkInvalidationItem) so that the whole run can be undone."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Previewed")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        CANCELLED = "cancelled", _("Cancelled")
        DONE = "done", _("Done")
        UNDOING = "undoing", _("Undoing")
        UNDONE = "undone", _("Undone")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="+")
    criteria = models.JSONField(default=dict, help_text="What selects the signatures (services.bulk.criteria_*).")
    reason = models.CharField(max_length=20, choices=Signature.Reason.choices)
    note = models.CharField(max_length=300, blank=True, help_text="Why, as the organizer wrote it.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEW)
    previewed = models.PositiveIntegerField(default=0, help_text="How many the preview selected.")
    done = models.PositiveIntegerField(default=0, help_text="Signatures changed (or, undoing, restored) so far.")
    total = models.PositiveIntegerField(null=True, blank=True, help_text="Known once the run starts.")
    cancel_requested = models.BooleanField(default=False)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"bulk invalidation {self.pk} ({self.status})"


class BulkInvalidationItem(models.Model):  # noqa: DJ008 - not shown by itself
    """One signature a bulk invalidation changed, and what it was before (what undo restores)."""

    run = models.ForeignKey(BulkInvalidation, on_delete=models.CASCADE, related_name="items")
    signature = models.ForeignKey(Signature, on_delete=models.PROTECT, related_name="+")
    previous_status = models.CharField(max_length=12, choices=Signature.Status.choices)
    previous_reason = models.CharField(max_length=20, blank=True)
    previous_duplicate_of = models.ForeignKey(
        Signature, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    previous_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    restored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "signature"], name="bulk_item_one_per_signature"),
        ]


class Notification(models.Model):
    """One email to the organizers, sent once. The row is the claim: notifications_check inserts it
    (unique on petition, kind and key, so two racing checks insert one) and then sends it under a
    lease, as services.outbox does for signers' emails; a failed send keeps the row unsent with a
    back-off and a later check sends it. `detail` holds the numbers the email carries (no names)."""

    class Kind(models.TextChoices):
        NOTICE = "notice", _("25 % notice due (EC 9034)")
        # xgettext:no-python-format
        MILESTONE = "milestone", _("Milestones (50, 75, 100, 110 % of the requirement)")
        PACE = "pace", _("Pace behind (at most once a day)")
        DAILY = "daily", _("Daily summary")

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=40, help_text='Which one: "notice-25", "milestone-50", "daily-2026-12-05".')
    detail = models.JSONField(default=dict, blank=True, help_text="The numbers the email carries.")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="Sent, or settled without an email (skipped).")
    skipped = models.CharField(
        max_length=20, blank=True, help_text="Why no email went: switched_off, superseded, no_recipients."
    )
    recipients = models.PositiveIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True, help_text="Leased or backing off until then.")
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["petition", "kind", "key"], name="notification_once"),
        ]
        indexes = [
            models.Index(
                fields=["petition", "created_at"], condition=models.Q(sent_at__isnull=True), name="notification_unsent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.key} ({'sent' if self.sent_at else 'unsent'})"


class ZipCounty(models.Model):  # noqa: DJ008 - not shown by itself in the admin
    """A 5-digit ZIP code whose registered voters all live in one county, as the last voter
    import had them (services.voter_import.zip_counties_refresh): the sign form suggests that
    county when the signer types the ZIP. A ZIP that straddles counties has no row."""

    zip = models.CharField(max_length=5, primary_key=True)
    county = models.ForeignKey(County, on_delete=models.CASCADE, db_index=False)

    class Meta:
        ordering = ["zip"]
