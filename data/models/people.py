"""Staff accounts, sign-in throttles and browser sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from data.models._base import utcnow


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(default="", max_length=128)
    email: str | None = Field(default=None, max_length=254)
    role: str = Field(max_length=16)  # viewer | operator | approver | admin
    password_hash: str | None = Field(default=None, max_length=255)
    # Fernet token (services.identity.secret_box), never the base32 secret itself.
    totp_secret: str | None = Field(default=None, max_length=512)
    totp_required: bool = False
    # Last accepted TOTP time step: a code is good once, so a shoulder-surfed code cannot replay.
    totp_last_step: int | None = None
    disabled: bool = False
    failed_attempts: int = 0
    locked_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    last_sign_in_at: datetime | None = None


class SignInThrottle(SQLModel, table=True):
    """Failed sign-ins per key (a hash of name+source, or of the source): the wait grows with
    each failure. Keys are hashes, so a password typed into the username box is never stored."""

    __tablename__ = "sign_in_throttles"

    key: str = Field(primary_key=True, max_length=80)
    failures: int = 0
    last_failure_at: datetime = Field(default_factory=utcnow)
    blocked_until: datetime | None = None


class UserSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random token, the store only its SHA-256."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    # Set when the browser trades its one-time ticket for the cookie (services.identity.sessions).
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    ticket_hash: str | None = Field(default=None, max_length=64, unique=True)
    user_id: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: str | None = Field(default=None, max_length=32)
