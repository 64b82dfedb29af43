"""Request and response bodies of the JSON API that are not already plain dataclasses elsewhere
(patron_view's and search's results are returned as they are)."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from central.search import SearchField, SearchHit, SearchPage
from central.services.holds import ContactMethod
from central.services.patron_view import PatronSummary
from central.web.deps import MAX_ID


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. renewal_overdue.")
    message: str = Field(description="The message for patrons, in Japanese.")
    message_en: str
    details: list[dict[str, Any]] | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class SignInRequest(BaseModel):
    card_number: str = Field(max_length=64, description="Half-width or full-width digits (NFKC-normalised).")
    password: str = Field(max_length=128)


class SignInResponse(BaseModel):
    token: str = Field(description="Send as `Authorization: Bearer <token>`.")
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime
    patron: PatronSummary


class SessionInfo(BaseModel):
    patron: PatronSummary
    kind: Literal["cookie", "token"]
    csrf_token: str | None = Field(
        default=None, description="For cookie sessions: send as X-CSRF-Token with every write."
    )


class SearchResponse(BaseModel):
    text: str
    field: SearchField
    page: int
    per_page: int
    total: int
    pages: int
    hits: list[SearchHit]

    @classmethod
    def of(cls, found: SearchPage) -> "SearchResponse":
        query = found.query
        return cls(
            text=query.text,
            field=query.field,
            page=query.page,
            per_page=query.per_page,
            total=found.total,
            pages=found.pages,
            hits=list(found.hits),
        )


class HoldRequest(BaseModel):
    bib_id: int = Field(ge=1, le=MAX_ID)
    pickup_location_id: int = Field(ge=1, le=MAX_ID, description="One of GET /api/v1/pickup-places.")
    contact_method: ContactMethod


class EmailChange(BaseModel):
    email: str = Field(max_length=254)


class PasswordChange(BaseModel):
    current_password: str = Field(max_length=128)
    new_password: str = Field(max_length=128)
