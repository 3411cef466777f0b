"""Stand-ins for outside services, shipped for tests and demos (:mod:`.nasa`)."""
