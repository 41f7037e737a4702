"""Use cases: models + domain. Services never touch request, session, g, abort or flash."""
