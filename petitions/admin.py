"""Django admin: search and filters a volunteer would use. Signatures and voters
carry personal data: opening or searching them leaves an audit row, and status
changes go through the services (the review queue), not through edit forms."""

from django.contrib import admin

from petitions.models import (
    AuditLog, Circulator, County, CountingRun, CountyProjection, Petition, PetitionSection, Signature, Tally, TallyChange,
    Voter,
)
from petitions.services.audit import audit_record


class PersonalDataAdmin(admin.ModelAdmin):
    """Audits every opening and search of records holding personal data."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        audit_record(action=f"{self.model._meta.model_name}.view", user=request.user,
                     detail={"object_id": object_id, "via": "admin"})
        return super().change_view(request, object_id, form_url, extra_context)

    def get_search_results(self, request, queryset, search_term):
        if search_term:
            audit_record(action=f"{self.model._meta.model_name}.search", user=request.user,
                         detail={"term": search_term, "via": "admin"})
        return super().get_search_results(request, queryset, search_term)


@admin.register(County)
class CountyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "fips"]
    search_fields = ["code", "name"]


@admin.register(Petition)
class PetitionAdmin(admin.ModelAdmin):
    list_display = ["slug", "title", "kind", "required_signatures", "deadline", "online_counts_directly", "is_open", "featured"]
    list_filter = ["kind", "is_open", "online_counts_directly"]
    search_fields = ["slug", "title"]


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
    raw_id_fields = ["voter", "duplicate_of", "section"]
    readonly_fields = [
        "status", "reason", "voter", "duplicate_of", "decided_by", "confirm_nonce", "ip_hash", "created_at",
        "confirmation_sent_at", "confirmed_at", "validated_at", "form_email_sent_at", "wet_ink_received_at",
        "wet_ink_received_by", "updated_at",
    ]
    show_full_result_count = False
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False  # signatures arrive through the site or the paper import


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

    list_display = ["petition", "county", "raw", "sample", "validity_rate", "duplicate_rate", "projected_valid", "computed_at"]
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
