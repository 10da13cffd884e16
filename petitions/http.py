"""Request types for the type checker."""

from django.contrib.auth.models import User
from django.http import HttpRequest


class StaffRequest(HttpRequest):
    """A request to a staff view (login_required, dashboard_view, reviewer_view, ...):
    its user is signed in, a User and never AnonymousUser. For annotations only;
    Django builds plain HttpRequests."""

    user: User
