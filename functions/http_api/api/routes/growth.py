"""Growth: arrivals with a referral or UTM, my referral link, cohorts' signup gates, and
for admins campaigns, gates, waiting lists and where signups came from (docs/growth.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from roundtable_edge.web.cookies import (
    ARRIVAL_COOKIE,
    SESSION_COOKIE,
    VISITOR_COOKIE,
    remember_arrival,
    remember_visitor,
)

from api.deps import CurrentUser, Db, Id, Now, Writer, client_ip, web_actor
from api.schemas.common import StatusPublic, errors
from api.schemas.growth import (
    AdmissionPublic,
    AdmitCreate,
    ArrivalCreate,
    ArrivalPublic,
    CampaignCreate,
    CampaignsPublic,
    CampaignUpdate,
    GatePublic,
    GateUpdate,
    GateViewPublic,
    LinkLinePublic,
    LinkPublic,
    SourcesPublic,
    UtmLinePublic,
    WaitingListPublic,
)
from roundtable import ratelimit
from roundtable.auth import jwt_secret, read_access_claims
from roundtable.db.engine import get_engine
from roundtable.errors import AuthenticationError
from roundtable.growth import gates, links, report, visits, waitlist

router = APIRouter(prefix="/api/growth", tags=["growth"], responses=errors(400, 422))
admin_router = APIRouter(
    prefix="/api/admin/growth", tags=["growth"], responses=errors(400, 401, 403, 422)
)


def limit_clicks(request: Request, now: Now) -> None:
    # Before the request's connection is taken, like every limit (api.deps).
    ratelimit.hit(get_engine(), links.CLICKS, f"ip:{client_ip(request)}", now)


def signed_in_id(request: Request, now: Now) -> int | None:
    """Who is signed in, if anyone (the session cookie's claims; no database, no 401)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return read_access_claims(token, now, jwt_secret()).user_id
    except AuthenticationError:
        return None


def link_public(stats: links.LinkStats) -> LinkPublic:
    return LinkPublic.model_validate(
        {**vars(stats), "path": f"/r/{stats.code}", "conversion": stats.conversion}
    )


@router.post(
    "/arrivals",
    response_model=ArrivalPublic,
    dependencies=[Depends(limit_clicks)],
    responses=errors(429),
)
def record_arrival(
    body: ArrivalCreate,
    request: Request,
    response: Response,
    viewer_id: Annotated[int | None, Depends(signed_in_id)],
    conn: Db,
    now: Now,
) -> ArrivalPublic:
    """A visitor arrived with `?ref=`, /r/<code> or utm_* parameters: count the click
    (once a day per visitor; not bots, not your own link) and remember it until signup."""
    visitor = request.cookies.get(VISITOR_COOKIE)
    if not links.valid_visitor(visitor):
        visitor = links.new_visitor()
        remember_visitor(response, visitor)
    visit = visits.Visit(
        values=body.model_dump(),
        kept=request.cookies.get(ARRIVAL_COOKIE),
        visitor=visitor or "",
        viewer_id=viewer_id,
        user_agent=request.headers.get("user-agent"),
    )
    arrived = visits.arrive(conn, visit, now)
    if arrived.keep is not None:
        remember_arrival(response, arrived.keep)
    return ArrivalPublic(
        counted=arrived.counted, reason=arrived.reason, remembered=arrived.keep is not None
    )


@router.get("/my-link", response_model=LinkPublic, responses=errors(401))
def read_my_link(user: CurrentUser, conn: Db) -> LinkPublic:
    """My own referral link (made on first ask), with its clicks and the signups it brought."""
    return link_public(links.my_referral_link(conn, user.id))


@router.get("/cohorts/{cohort_id}/gate", response_model=GateViewPublic, responses=errors(401, 404))
def read_cohort_gate(cohort_id: Id, user: CurrentUser, conn: Db) -> gates.GateView:
    """How this cohort takes signups (open, invite-only, closed) and whether I am waiting."""
    return gates.gate_view(conn, user.id, cohort_id)


# -- admins -------------------------------------------------------------------------------------
@admin_router.get("/campaigns", response_model=CampaignsPublic)
def list_campaigns(user: CurrentUser, conn: Db) -> CampaignsPublic:
    """Every campaign with its clicks, signups and conversion."""
    found = links.list_campaigns(conn, web_actor(user))
    return CampaignsPublic(campaigns=[link_public(c) for c in found])


@admin_router.post(
    "/campaigns", response_model=LinkPublic, status_code=201, responses=errors(409, 429)
)
def create_campaign(body: CampaignCreate, user: Writer, conn: Db) -> LinkPublic:
    """A named campaign whose link is /r/<slug>."""
    return link_public(links.create_campaign(conn, web_actor(user), body.name, body.slug))


@admin_router.patch(
    "/campaigns/{campaign_id}", response_model=LinkPublic, responses=errors(404, 429)
)
def update_campaign(
    campaign_id: Id, body: CampaignUpdate, user: Writer, conn: Db, now: Now
) -> LinkPublic:
    """Rename a campaign, or archive it (its link stops counting) or restore it."""
    changed = links.update_campaign(
        conn, web_actor(user), campaign_id, name=body.name, archived=body.archived, now=now
    )
    return link_public(changed)


@admin_router.delete(
    "/campaigns/{campaign_id}", response_model=StatusPublic, responses=errors(404, 409, 429)
)
def delete_campaign(campaign_id: Id, user: Writer, conn: Db) -> StatusPublic:
    """Delete a campaign nobody has used; one with clicks or signups is archived instead."""
    links.delete_campaign(conn, web_actor(user), campaign_id)
    return StatusPublic(status="deleted")


@admin_router.get("/cohorts/{cohort_id}/gate", response_model=GatePublic, responses=errors(404))
def read_gate(cohort_id: Id, user: CurrentUser, conn: Db) -> gates.Gate:
    """The cohort's signup gate, with its invite code."""
    return gates.read_gate(conn, web_actor(user), cohort_id)


@admin_router.put(
    "/cohorts/{cohort_id}/gate", response_model=GatePublic, responses=errors(404, 429)
)
def set_gate(cohort_id: Id, body: GateUpdate, user: Writer, conn: Db, now: Now) -> gates.Gate:
    """Open the cohort, make it invite-only (a code is made unless you give one; `rotate`
    replaces it), or close it (signups go to the waiting list)."""
    return gates.set_gate(
        conn,
        web_actor(user),
        cohort_id,
        body.mode,
        now,
        invite_code=body.invite_code,
        rotate=body.rotate,
    )


@admin_router.get(
    "/cohorts/{cohort_id}/waiting-list", response_model=WaitingListPublic, responses=errors(404)
)
def read_waiting_list(cohort_id: Id, user: CurrentUser, conn: Db) -> WaitingListPublic:
    """Who waits for the cohort (first come first), then who was admitted."""
    people = waitlist.list_waiting(conn, web_actor(user), cohort_id)
    return WaitingListPublic.model_validate({"people": people}, from_attributes=True)


@admin_router.post(
    "/cohorts/{cohort_id}/waiting-list/admit",
    response_model=AdmissionPublic,
    responses=errors(404, 409, 429),
)
def admit_from_waiting_list(
    cohort_id: Id, body: AdmitCreate, user: Writer, conn: Db, now: Now
) -> waitlist.Admission:
    """Sign these waiting people up; each gets the welcome message."""
    return waitlist.admit(conn, web_actor(user), cohort_id, body.user_ids, now)


@admin_router.get(
    "/cohorts/{cohort_id}/sources", response_model=SourcesPublic, responses=errors(404)
)
def read_sources(cohort_id: Id, user: CurrentUser, conn: Db) -> SourcesPublic:
    """Where the cohort's signups came from: by link and campaign, and by UTM source."""
    got = report.sources_report(conn, web_actor(user), cohort_id)
    return SourcesPublic(
        cohort_id=got.cohort_id,
        cohort_name=got.cohort_name,
        signups=got.signups,
        referred=got.referred,
        with_utm=got.with_utm,
        links=[
            LinkLinePublic(link=link_public(line.link), signups_here=line.signups_here)
            for line in got.links
        ],
        utm=[UtmLinePublic.model_validate(line) for line in got.utm],
    )
