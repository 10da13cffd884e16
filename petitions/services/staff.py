"""Staff accounts: who must prove a second factor (TOTP), setting one up, and
creating a staff user in a role. Every change writes an audit row."""

from __future__ import annotations

from base64 import b32encode

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from petitions.http import StaffRequest
from petitions.services.audit import audit_record
from petitions.services.roles import ROLES, SECOND_FACTOR_ROLES, roles_ensure

DEVICE_NAME = "authenticator"


def staff_needs_second_factor(user: User | AnonymousUser) -> bool:
    """Reviewers, Organizers, Admins, staff and superusers must; anyone who set up a device does too."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.is_staff:
        return True
    if user.groups.filter(name__in=SECOND_FACTOR_ROLES).exists():
        return True
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def staff_second_factor_pending(request: HttpRequest) -> bool:
    """Signed in with a password, but the TOTP step this user needs is not done in this session."""
    user = request.user
    # is_verified() is added to request.user by django_otp's OTPMiddleware, unknown to the stubs
    return user.is_authenticated and not user.is_verified() and staff_needs_second_factor(user)  # type: ignore[attr-defined]


def staff_device_confirmed(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def staff_device_start(*, user: User) -> TOTPDevice:
    """The user's device being set up (unconfirmed until a code from it is typed): the same one until then."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=DEVICE_NAME).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def totp_secret(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed: base32, no padding."""
    return b32encode(device.bin_key).decode().rstrip("=")


def staff_device_confirm(*, request: StaffRequest, device: TOTPDevice, token: str) -> bool:
    """Confirm a new device with a code from it; the session is then verified."""
    if device.user_id != request.user.pk or not device.verify_token(token.strip()):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)
    audit_record(
        action="staff.otp_device_confirm",
        user=request.user,
        target=request.user,
        detail={"device": device.persistent_id},
    )
    return True


def staff_verify(*, request: StaffRequest, token: str) -> bool:
    """Check a code against the user's confirmed devices; mark the session verified when one accepts it."""
    token = token.strip()
    for device in TOTPDevice.objects.filter(user=request.user, confirmed=True):
        if device.verify_token(token):
            otp_login(request, device)
            return True
    audit_record(action="staff.otp_failure", user=request.user, target=request.user)
    return False


class WeakPassword(ValueError):
    def __init__(self, messages: list[str]):
        super().__init__(" ".join(messages))
        self.messages = messages


@transaction.atomic
def staff_create(*, username: str, role: str, password: str, actor: str = "") -> User:
    """A staff user in one role (or that user moved to it, with a new password).
    Only Admin gets is_staff (the Django admin). Refuses a password Django's validators refuse."""
    role_name = {name.lower(): name for name in ROLES}[role.lower()]
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first() or user_model(username=username)
    try:
        validate_password(password, user)
    except ValidationError as refused:
        raise WeakPassword(refused.messages) from None
    created = user.pk is None
    user.set_password(password)
    user.is_staff = role_name == "Admin"
    user.is_superuser = False
    user.save()
    groups = roles_ensure()
    user.groups.remove(*[groups[name] for name in ROLES if name != role_name])
    user.groups.add(groups[role_name])
    audit_record(
        action="staff.create" if created else "staff.role_set",
        actor=actor,
        target=user,
        detail={"username": username, "role": role_name},
    )
    return user
