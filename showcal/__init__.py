"""showcal: curated TV dates in YAML, as iCalendar feeds people subscribe to."""
