"""The web's pages, one blueprint per kind of visitor."""
from services.web.views import organisation, public, signin, staff, volunteer

BLUEPRINTS = (public.bp, signin.bp, volunteer.bp, organisation.bp, staff.bp)
