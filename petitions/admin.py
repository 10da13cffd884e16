"""Django admin: search and filters a volunteer would use. Signatures and voters
carry personal data: listing, opening or searching them leaves an audit row.
Nothing here can move a count: the fields a tally reads are read-only, signatures
cannot be deleted, and a change of a petition's counting rule recounts."""

from django import forms
from django.contrib import admin
from django.db import transaction

from petitions.models import (
    AuditLog,
    Circulator,
    CountingRun,
    County,
    CountyProjection,
    Notification,
    Petition,
    PetitionSection,
    PetitionText,
    Signature,
    Tally,
    TallyChange,
    Voter,
)
from petitions.services.audit import audit_record
from petitions.services.tallies import tallies_recount


class PersonalDataAdmin(admin.ModelAdmin):
    """Audits every listing, opening and search of records holding personal data."""

    def changelist_view(self, request, extra_context=None):
        audit_record(
            action=f"{self.model._meta.model_name}.list",
            user=request.user,
            detail={"query": request.GET.urlencode(), "via": "admin"},
        )
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        audit_record(
            action=f"{self.model._meta.model_name}.view",
            user=request.user,
            detail={"object_id": object_id, "via": "admin"},
        )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_search_results(self, request, queryset, search_term):
        if search_term:
            audit_record(
                action=f"{self.model._meta.model_name}.search",
                user=request.user,
                detail={"term": search_term, "via": "admin"},
            )
        return super().get_search_results(request, queryset, search_term)


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "fips"]
    search_fields = ["code", "name"]


class PetitionAdminForm(forms.ModelForm):
    """The notifications switched off, as checkboxes (stored as a list of Notification.Kind values).
    No Meta: the admin builds it for Petition with every editable field."""

    notifications_off = forms.TypedMultipleChoiceField(
        choices=Notification.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Notifications switched off",
        help_text="The organizers get no email of a kind ticked here; what falls due meanwhile is not sent later.",
    )


class PetitionTextInline(admin.StackedInline):
    """The measure's filed translations (docs/i18n.md): a blank field shows in English with a note."""

    model = PetitionText
    extra = 0


@admin.register(Petition)
class PetitionAdmin(admin.ModelAdmin):
    form = PetitionAdminForm
    inlines = [PetitionTextInline]
    list_display = [
        "slug",
        "title",
        "kind",
        "required_signatures",
        "deadline",
        "online_counts_directly",
        "is_open",
        "featured",
    ]
    list_filter = ["kind", "is_open", "online_counts_directly"]
    search_fields = ["slug", "title"]

    def has_delete_permission(self, request, obj=None):
        return False  # its signatures and tallies hang on it

    def save_model(self, request, obj, form, change):
        """A change of the counting rule moves every online signature between filed and
        pledged: the tallies are rebuilt from the rows once it commits, and it is audited."""
        super().save_model(request, obj, form, change)
        if change and "online_counts_directly" in form.changed_data:
            audit_record(
                action="petition.counting_rule_change",
                user=request.user,
                target=obj,
                detail={"online_counts_directly": obj.online_counts_directly, "via": "admin"},
            )
            transaction.on_commit(tallies_recount)
        if change and "notifications_off" in form.changed_data:
            audit_record(
                action="petition.notifications_change",
                user=request.user,
                target=obj,
                detail={"notifications_off": obj.notifications_off, "via": "admin"},
            )


@admin.register(PetitionSection)
class PetitionSectionAdmin(admin.ModelAdmin):
    list_display = ["number", "petition", "county", "circulator", "status", "created_at"]
    list_filter = ["petition", "status", "county"]
    search_fields = ["number", "circulator__name"]
    raw_id_fields = ["circulator"]
    readonly_fields = ["status", "status_changed_at", "status_changed_by"]  # moved on the dashboard, audited


@admin.register(Circulator)
class CirculatorAdmin(PersonalDataAdmin):
    list_display = ["name", "petition", "city", "created_at"]
    list_filter = ["petition"]
    search_fields = ["name"]


@admin.register(Voter)
class VoterAdmin(PersonalDataAdmin):
    list_display = ["registrant_id", "last_name", "first_name", "county", "city", "registered"]
    list_filter = ["registered", "county", "voter_status"]
    search_fields = ["registrant_id", "last_name", "first_name", "street_name", "zip"]
    readonly_fields = ["key_last", "key_first", "key_house", "key_street", "updated_at"]
    show_full_result_count = False  # no COUNT(*) over 22 million rows per page


@admin.register(Signature)
class SignatureAdmin(PersonalDataAdmin):
    list_display = ["id", "petition", "channel", "county", "status", "reason", "created_at"]
    list_filter = ["petition", "status", "reason", "channel", "county"]
    search_fields = ["=id", "email", "last_name", "name_as_written", "voter__registrant_id", "section__number"]
    # Everything a tally bucket or the choice of the counted signature reads (tallies.bucket_of,
    # filing_rank) and every outcome: these move only through the services.
    TALLY_FIELDS = [
        "petition",
        "channel",
        "county",
        "section",
        "line",
        "status",
        "reason",
        "voter",
        "duplicate_of",
        "hold",
        "decided_by",
        "wet_ink_received_at",
        "wet_ink_received_by",
        "created_at",
    ]
    readonly_fields = [
        *TALLY_FIELDS,
        "match_score",
        "match_candidates",
        "person_key",
        "purged_at",
        "confirm_nonce",
        "ip_hash",
        "confirmation_sent_at",
        "confirmed_at",
        "validated_at",
        "form_email_sent_at",
        "updated_at",
    ]
    show_full_result_count = False
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False  # signatures arrive through the site or the paper import

    def has_delete_permission(self, request, obj=None):
        return False  # a deleted row would leave its tally counted; a signature is withdrawn, never deleted


@admin.register(Tally)
class TallyAdmin(admin.ModelAdmin):
    list_display = ["petition", "county", "filed", "status", "count"]
    list_filter = ["petition", "filed", "status", "county"]

    def has_change_permission(self, request, obj=None):
        return False  # only the counting task writes tallies


@admin.register(TallyChange)
class TallyChangeAdmin(admin.ModelAdmin):
    list_display = ["id", "petition", "county", "filed", "status", "delta", "created_at"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CountingRun)
class CountingRunAdmin(admin.ModelAdmin):
    list_display = ["kind", "started_at", "finished_at", "changes_applied"]
    list_filter = ["kind"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CountyProjection)
class CountyProjectionAdmin(admin.ModelAdmin):
    """Read-only: only the projection task writes these rows."""

    list_display = [
        "petition",
        "county",
        "raw",
        "sample",
        "validity_rate",
        "duplicate_rate",
        "projected_valid",
        "computed_at",
    ]
    list_filter = ["petition"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor", "action", "object_id"]
    date_hierarchy = "created_at"

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The organizers' notifications, read-only: what was sent, skipped or is waiting to be retried."""

    list_display = ["key", "petition", "kind", "created_at", "sent_at", "skipped", "recipients", "attempts"]
    list_filter = ["kind", "skipped", "petition"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
