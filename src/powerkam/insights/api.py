"""/api/v1/insights: tariff advice for one account and the opportunities across the key accounts
the caller sees (docs/rules.md §5). Domain errors answer 400 in the API's error
shape (docs/api.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from powerkam.accounts import selectors as account_selectors
from powerkam.accounts.models import Account
from powerkam.analytics.tariff import Advice
from powerkam.api.errors import ErrorOut
from powerkam.api.fields import ApiDate, length
from powerkam.api.versioning import VERSIONED, expected_version, set_etag
from powerkam.core.errors import ApplicationError
from powerkam.insights import campaigns, churn, health, offers, selectors, services
from powerkam.insights.models import OfferOutcome, RetentionOffer, SatisfactionSurvey, SurveyChannel
from powerkam.staff import permissions
from powerkam.staff.scope import Scope
from powerkam.web import dashboard

router = Router(tags=["insights"])


class BasicChargeOut(Schema):
    current_mode: str
    months: int
    capacity_cost_yuan: float
    contract_demand_kw: int
    demand_cost_yuan: float
    current_cost_yuan: float
    advised_mode: str
    saving_yuan: float
    annual_saving_yuan: float
    peak_demand_kw: float
    mode_effective: dt.date | None
    mode_apply_by: dt.date | None
    demand_effective: dt.date | None
    demand_apply_by: dt.date | None


class TouOut(Schema):
    months: int
    kwh: dict[str, float]
    peak_share: float
    flat_price: float
    energy_cost_yuan: float
    shift_share: float
    annual_saving_yuan: float


class PowerFactorOut(Schema):
    standard: Decimal
    months: int
    lowest: Decimal
    average: Decimal
    adjustment_yuan: float
    target: Decimal
    annual_saving_yuan: float


class SavingOut(Schema):
    kind: str
    annual_saving_yuan: float


class AdviceOut(Schema):
    customer_id: str
    period: str
    annual_saving_yuan: float
    advice: list[SavingOut]
    basic_charge: BasicChargeOut | None
    time_of_use: TouOut | None
    power_factor: PowerFactorOut | None


def advice_out(advice: Advice) -> dict[str, Any]:
    def plain(part: Any) -> dict[str, Any] | None:
        return None if part is None else dataclasses.asdict(part)

    return {
        "customer_id": advice.customer_id,
        "period": advice.period,
        "annual_saving_yuan": advice.annual_saving_yuan,
        "advice": [{"kind": k, "annual_saving_yuan": y} for k, y in advice.items],
        "basic_charge": plain(advice.basic),
        "time_of_use": plain(advice.tou),
        "power_factor": plain(advice.power_factor),
    }


@router.get("/tariff/{customer_id}", response=AdviceOut, summary="Tariff advice for one account")
def account_tariff(request: HttpRequest, customer_id: str, period: str | None = None) -> dict[str, Any]:
    try:
        account = account_selectors.account_get(user=request.user, customer_id=customer_id)
    except Account.DoesNotExist:
        raise HttpError(404, _("No account with this customer id.")) from None
    except account_selectors.AccountNotVisible as exc:
        raise HttpError(403, str(exc)) from None
    return advice_out(selectors.account_tariff_advice(account=account, period=period))


class KindTotalOut(Schema):
    kind: str
    accounts: int
    annual_saving_yuan: float


class OpportunityOut(Schema):
    customer_id: str
    name: str
    district: str
    grade: str
    manager: str
    annual_saving_yuan: float
    advice: list[SavingOut]


class OpportunitiesOut(Schema):
    period: str
    evaluated: int
    annual_saving_yuan: float
    by_kind: list[KindTotalOut]
    accounts: list[OpportunityOut]


@router.get("/tariff", response=OpportunitiesOut, summary="Key accounts with tariff advice, largest saving first")
def tariff_opportunities(
    request: HttpRequest, period: str | None = None, district: str = "", kind: str = ""
) -> dict[str, Any]:
    found = selectors.tariff_opportunities(user=request.user, period=period, district=district, kind=kind)
    return {
        "period": found.period,
        "evaluated": found.evaluated,
        "annual_saving_yuan": found.total_yuan,
        "by_kind": [{"kind": k, "accounts": n, "annual_saving_yuan": y} for k, n, y in found.by_kind()],
        "accounts": [
            {
                "customer_id": r.customer_id,
                "name": r.name,
                "district": r.district,
                "grade": r.grade,
                "manager": r.manager,
                "annual_saving_yuan": r.advice.annual_saving_yuan,
                "advice": [{"kind": k, "annual_saving_yuan": y} for k, y in r.advice.items],
            }
            for r in found.rows
        ],
    }


class InsightsReasonOut(Schema):
    part: str
    code: str
    points: float
    figures: dict[str, Any]
    action: str


class HealthOut(Schema):
    customer_id: str
    name: str
    score: float
    risk: str
    parts: dict[str, float | None]
    consumption_change: float | None
    reasons: list[InsightsReasonOut]
    #: the churn model's probability of loss of this morning's snapshot (None: no model in use, or none for it)
    probability: float | None = None
    model_version: str = ""


def health_out(
    account: Account, found: Any, *, probability: float | None = None, model_version: str = ""
) -> dict[str, Any]:
    return {
        "customer_id": account.customer_id,
        "name": account.name,
        "score": found.score,
        "risk": found.risk,
        "parts": found.parts,
        "consumption_change": found.consumption_change,
        "reasons": [dataclasses.asdict(r) for r in found.reasons],
        "probability": probability,
        "model_version": model_version,
    }


def health_row_out(row: health.HealthRow) -> dict[str, Any]:
    return health_out(row.account, row.health, probability=row.probability, model_version=row.model_version)


class RankingOut(Schema):
    #: "probability" (the model's, highest first; accounts without one after, by rule score) or "score"
    by: str
    #: the model whose probabilities today's snapshot keeps; "" when the rules are in use
    model_version: str


class HealthReportOut(Schema):
    period: str | None
    counts: dict[str, int]
    ranking: RankingOut
    accounts: list[HealthOut]


@router.get(
    "/overview",
    response=dict[str, dict[str, Any]],
    summary="The overview's figures, one object per tile (portfolio, arrears, service, visits, prospects …)",
)
def overview(request: HttpRequest, tiles: str = "") -> dict[str, dict[str, Any]]:
    """Each area's headline figures in the caller's scope (a manager: their accounts), as the Insights
    overview shows them; ``tiles`` (comma-separated keys) picks some. docs/overview.md lists the figures."""
    keys = [k.strip() for k in tiles.split(",") if k.strip()] or None
    return dashboard.figures_for(Scope.of_user(request.user), timezone.localdate(), keys=keys)


@router.get(
    "/campaigns",
    response=list[dict[str, Any]],
    summary="Satisfaction survey campaigns with their progress (in the caller's scope)",
)
def survey_campaigns(request: HttpRequest, archived: bool = False) -> list[dict[str, Any]]:
    """Each campaign: its dates and grades, accounts asked and surveyed, the average score, the score
    distribution, the dissatisfied (1–2) and the accounts not surveyed yet (docs/health.md)."""
    return [
        campaigns.progress_out(campaigns.campaign_progress(campaign=c, user=request.user))
        for c in campaigns.campaigns(include_archived=archived)
    ]


@router.get("/health", response=HealthReportOut, summary="Health and churn risk of the key accounts, riskiest first")
def health_report(
    request: HttpRequest,
    risk: str = "",
    district: str = "",
    manager: str = "",
    grade: str = "",
    reason: str = "",
    strategy: str = "",
    sort: str = "",
) -> dict[str, Any]:
    """The key accounts the caller sees, computed now; the health page's filters (``manager`` a user
    id, ``grade`` A/B/C, ``reason`` any of the account's reason codes, ``strategy`` the best-ranked
    strategy's code). Ranked by the churn model's probability when this morning's snapshot has one
    (``sort=score``: by the rule score); ``ranking`` says which. An unknown value: 400 naming it."""
    filters = health.HealthFilters.from_query(
        {
            "risk": risk,
            "district": district,
            "manager": manager,
            "grade": grade,
            "reason": reason,
            "strategy": strategy,
            "sort": sort,
        }
    )
    report = health.key_account_health(user=request.user, filters=filters)
    return {
        "period": report.period,
        "counts": dict(report.counts),
        "ranking": {"by": report.ranking.by, "model_version": report.ranking.model_version},
        "accounts": [health_row_out(r) for r in report.rows],
    }


@router.get("/health/{customer_id}", response=HealthOut, summary="Health and churn risk of one account")
def account_health(request: HttpRequest, customer_id: str) -> dict[str, Any]:
    try:
        account = account_selectors.account_get(user=request.user, customer_id=customer_id)
    except Account.DoesNotExist:
        raise HttpError(404, _("No account with this customer id.")) from None
    except account_selectors.AccountNotVisible as exc:
        raise HttpError(403, str(exc)) from None
    return health_out(account, health.account_health(account=account))


class SurveyIn(Schema):
    customer_id: Annotated[str, length(Account, "customer_id", required=True)]
    surveyed_on: ApiDate
    score: int = Field(ge=1, le=5, description="1 (very dissatisfied) … 5 (very satisfied)")
    channel: SurveyChannel = SurveyChannel.VISIT
    respondent: Annotated[str, length(SatisfactionSurvey, "respondent")] = ""
    comments: Annotated[str, length(SatisfactionSurvey, "comments")] = ""


class SurveyOut(Schema):
    id: int
    customer_id: str
    surveyed_on: dt.date
    score: int
    channel: str
    respondent: str
    comments: str
    recorded_by: str


def survey_out(survey: SatisfactionSurvey) -> dict[str, Any]:
    return {
        "id": survey.pk,
        "customer_id": survey.account.customer_id,
        "surveyed_on": survey.surveyed_on,
        "score": survey.score,
        "channel": survey.channel,
        "respondent": survey.respondent,
        "comments": survey.comments,
        "recorded_by": survey.recorded_by.get_username(),
    }


@router.post("/surveys", response={201: SurveyOut, 400: ErrorOut}, summary="Record a satisfaction survey (1–5)")
def survey_add(request: HttpRequest, payload: SurveyIn) -> Status:
    try:
        account = account_selectors.account_get(user=request.user, customer_id=payload.customer_id)
    except Account.DoesNotExist:
        raise HttpError(404, _("No account with this customer id.")) from None
    except account_selectors.AccountNotVisible as exc:
        raise HttpError(403, str(exc)) from None
    survey = services.survey_record(
        account=account,
        by=request.user,  # type: ignore[arg-type]
        surveyed_on=payload.surveyed_on,
        score=payload.score,
        channel=payload.channel,
        respondent=payload.respondent,
        comments=payload.comments,
    )
    return Status(201, survey_out(survey))


@router.get("/surveys", response=list[SurveyOut], summary="Satisfaction surveys of the accounts the caller sees")
def survey_list(request: HttpRequest, customer_id: str = "") -> list[dict[str, Any]]:
    surveys = SatisfactionSurvey.objects.filter(
        archived=False, account__in=account_selectors.accounts_visible_to(request.user)
    ).select_related("account", "recorded_by")
    if customer_id:
        surveys = surveys.filter(account__customer_id=customer_id)
    return [survey_out(s) for s in surveys[:500]]


# ---- retention offers and what worked (docs/health.md, "Offers and outcomes") ------------------------


class OfferIn(Schema):
    customer_id: Annotated[str, length(Account, "customer_id", required=True)]
    strategy: str = Field(description="A strategy code of the table (docs/health.md), e.g. payment_plan")
    offered_what: Annotated[str, length(RetentionOffer, "offered_what")] = ""
    offered_on: ApiDate
    offered_by: str = Field("", description="User name of the account's manager who made it; empty: you")
    expected_yuan: Decimal = Field(ge=0, max_digits=16, decimal_places=2)
    follow_up_on: ApiDate | None = Field(None, description="The day the answer is due; empty: 30 days after the offer")
    notes: str = ""


class OfferAnswerIn(Schema):
    outcome: Literal["accepted", "declined"]
    outcome_on: ApiDate
    saved_yuan: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    version: int | None = Field(None, ge=1, description="The version you edited (or If-Match: the ETag)")


class OfferOut(Schema):
    id: int
    customer_id: str
    strategy: str
    offered_what: str
    offered_on: dt.date
    offered_by: str
    expected_yuan: Decimal
    follow_up_on: dt.date | None
    outcome: str
    outcome_on: dt.date | None
    saved_yuan: Decimal | None
    notes: str
    version: int = Field(description="Send it back when you record the answer (or If-Match: the ETag)")


def offer_out(offer: RetentionOffer) -> dict[str, Any]:
    return {
        "id": offer.pk,
        "customer_id": offer.account.customer_id,
        "strategy": offer.strategy,
        "offered_what": offer.offered_what,
        "offered_on": offer.offered_on,
        "offered_by": offer.offered_by.get_username(),
        "expected_yuan": offer.expected_yuan,
        "follow_up_on": offer.follow_up_on,
        "outcome": offer.outcome,
        "outcome_on": offer.outcome_on,
        "saved_yuan": offer.saved_yuan,
        "notes": offer.notes,
        "version": offer.version,
    }


def _visible_account(request: HttpRequest, customer_id: str) -> Account:
    try:
        return account_selectors.account_get(user=request.user, customer_id=customer_id)
    except Account.DoesNotExist:
        raise HttpError(404, _("No account with this customer id.")) from None
    except account_selectors.AccountNotVisible as exc:
        raise HttpError(403, str(exc)) from None


def _visible_offer(request: HttpRequest, offer_id: int) -> RetentionOffer:
    offer = offers.offers_visible_to(request.user).filter(pk=offer_id).first()
    if offer is None:
        raise HttpError(404, _("No retention offer %(id)s.") % {"id": offer_id})
    return offer


@router.get(
    "/offers", response=list[OfferOut], summary="Retention offers on the accounts the caller sees, newest first"
)
def offer_list(request: HttpRequest, customer_id: str = "", outcome: str = "") -> list[dict[str, Any]]:
    found = offers.offers_visible_to(request.user)
    if customer_id:
        found = found.filter(account__customer_id=customer_id)
    if outcome:
        if outcome not in OfferOutcome.values:
            raise ApplicationError(
                _("Unknown outcome %(v)r: pending, accepted or declined.") % {"v": outcome}, {"field": "outcome"}
            )
        found = found.filter(outcome=outcome)
    return [offer_out(o) for o in found[:500]]


@router.post(
    "/offers",
    response={201: OfferOut, 400: ErrorOut, 404: ErrorOut},
    summary="Record a retention offer (the account's managers, supervisors)",
)
def offer_add(request: HttpRequest, payload: OfferIn, response: HttpResponse) -> Status:
    account = _visible_account(request, payload.customer_id)
    maker = None
    if payload.offered_by:
        maker = User.objects.filter(username=payload.offered_by).first()
        if maker is None:
            raise ApplicationError(_("There is no user %(v)r.") % {"v": payload.offered_by}, {"field": "offered_by"})
    offer = services.offer_record(
        account=account,
        by=request.user,  # type: ignore[arg-type]
        strategy=payload.strategy,
        offered_what=payload.offered_what,
        offered_on=payload.offered_on,
        offered_by=maker,
        expected_yuan=payload.expected_yuan,
        follow_up_on=payload.follow_up_on,
        notes=payload.notes,
    )
    set_etag(response, offer)
    return Status(201, offer_out(offer))


@router.get(
    "/offers/{offer_id}", response={200: OfferOut, 404: ErrorOut}, summary="One retention offer (ETag: its version)"
)
def offer_get(request: HttpRequest, offer_id: int, response: HttpResponse) -> dict[str, Any]:
    offer = _visible_offer(request, offer_id)
    set_etag(response, offer)
    return offer_out(offer)


@router.put(
    "/offers/{offer_id}/outcome",
    response={200: OfferOut, 400: ErrorOut, 404: ErrorOut, **VERSIONED},
    summary="Record or correct the customer's answer to an offer (send the version you edited)",
)
def offer_outcome(
    request: HttpRequest, offer_id: int, payload: OfferAnswerIn, response: HttpResponse
) -> dict[str, Any]:
    """``version`` (or ``If-Match``) is required; a stale one answers 409 with the offer as it is now."""
    offer = _visible_offer(request, offer_id)
    version = expected_version(request, payload.version)
    saved = services.offer_answer(
        offer=offer,
        by=request.user,  # type: ignore[arg-type]
        outcome=payload.outcome,
        answered_on=payload.outcome_on,
        saved_yuan=payload.saved_yuan,
        version=version,
    )
    set_etag(response, saved)
    return offer_out(saved)


class HorizonOut(Schema):
    months: int = Field(description="months after the offer")
    kept: int
    lost: int
    pending: int
    keep_rate: float | None
    comparable_keep_rate: float | None
    compared: int


class StrategyWorkedOut(Schema):
    strategy: str
    offers: int
    accepted: int
    declined: int
    kept: int
    lost: int
    pending: int = Field(description="Offers whose months are not over yet (or with no history)")
    keep_rate: float | None = Field(description="kept ÷ (kept + lost); null before any offer's outcome is known")
    comparable_keep_rate: float | None = Field(
        description="share of comparable accounts never offered anything (same month, same rule risk level) "
        "still served 12 months later, averaged over the offers compared; null: none to compare. "
        "Narrowed to the same grade, industry and district while at least 20 remain (docs/health.md)"
    )
    compared: int = Field(description="offers with comparable accounts")
    expected_yuan: float
    saved_yuan: float
    after: list[HorizonOut] = Field(description="the same figures 6 and 12 months after the offers")


class WhatWorkedOut(Schema):
    months: int
    horizons: list[int]
    strategies: list[StrategyWorkedOut]
    total: StrategyWorkedOut


@router.get(
    "/what-worked",
    response={200: WhatWorkedOut},
    summary="By strategy: offers, accounts still served 12 months later, lost, keep rate (supervisors, viewers)",
)
def what_worked(request: HttpRequest) -> dict[str, Any]:
    permissions.require(request.user, "insights.view_what_worked")
    return churn.what_worked_out(churn.what_worked())
