"""showcal: calendar feeds of TV premieres, episodes, panels and releases, from curated YAML."""

import zoneinfo

# Time zones come from the `tzdata` package this project pins, never from the
# operating system's copy: the VTIMEZONEs and instants in every feed are then
# the same bytes on every machine with the same installed versions.
zoneinfo.reset_tzpath(to=[])
