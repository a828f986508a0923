"""Admin routes for people: the person page (search is `GET /api/admin/users?query=`)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser, Db, Id, Now, web_actor
from api.schemas.admin_people import PersonDossierPublic
from api.schemas.common import errors
from roundtable.people.dossier import PersonDossier, person_dossier

router = APIRouter(prefix="/api/admin/users", tags=["admin"], responses=errors(401, 403, 422))


@router.get("/{user_id}/dossier", response_model=PersonDossierPublic, responses=errors(404))
def read_person_dossier(user_id: Id, user: CurrentUser, conn: Db, now: Now) -> PersonDossier:
    """Everything about one person: profile, availability, enrollments (withdrawn ones too),
    groups past and present, attendance, progress, preferences and what was sent to them."""
    actor = web_actor(user)
    return person_dossier(conn, actor, user_id, now)
